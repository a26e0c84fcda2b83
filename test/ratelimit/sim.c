/*
 * sim.c: steady loads through a simulated HubSpot, part of unit.c (included
 * there, after the cases that need no simulation).
 *
 * HubSpot is modelled as its burst limit: a rolling window of the arrival
 * times of the requests it accepted, refusing (429, no headers, as the
 * emulator does) a request that arrives while max are in the window, and
 * answering the others with Max, Remaining and Interval-Milliseconds.
 * Workers (requests in flight at once) each loop: ask the budget, wait what
 * it says, send; the request arrives after a random transit time and the
 * answer comes back after another; the worker observes it, calls
 * window_throttled() for a 429 and waits what that says, else asks again at
 * once.  Events run in time order, so every budget sees its clock advance.
 */

#define SIM_ARRIVALS 8192
#define SIM_WORKERS 16

typedef struct SimHubSpot
{
	int			max;
	int			interval_ms;
	TimestampTz arrivals[SIM_ARRIVALS]; /* accepted, oldest first */
	int			first;
	int			n;
} SimHubSpot;

typedef enum SimStep
{
	SIM_ASK,
	SIM_ARRIVE,
	SIM_ANSWER
} SimStep;

typedef struct SimWorker
{
	HsRateWindow *budget;
	SimStep		step;
	TimestampTz at;				/* when the step happens */
	TimestampTz started;
	bool		accepted;
	long		remaining;
} SimWorker;

typedef struct SimResult
{
	int			accepted;		/* after the warm-up */
	int			refused;		/* all */
	int			sent;			/* all */
	double		per_interval;	/* accepted per interval, after the warm-up */
} SimResult;

static uint64 sim_rng = 88172645463325252ULL;

/* a transit time, uniform in [lo, hi] ms (xorshift64) */
static TimestampTz
sim_transit(int lo, int hi)
{
	sim_rng ^= sim_rng << 13;
	sim_rng ^= sim_rng >> 7;
	sim_rng ^= sim_rng << 17;
	return MS_TO_US(lo) + (TimestampTz) (sim_rng % (uint64) ((hi - lo) * 1000 + 1));
}

/* Does HubSpot accept a request arriving at "at"?  Then its Remaining. */
static bool
sim_arrive(SimHubSpot *h, TimestampTz at, long *remaining)
{
	while (h->n > 0 && h->arrivals[h->first] <= at - MS_TO_US(h->interval_ms))
	{
		h->first = (h->first + 1) % SIM_ARRIVALS;
		h->n--;
	}
	if (h->n >= h->max)
		return false;
	h->arrivals[(h->first + h->n) % SIM_ARRIVALS] = at;
	h->n++;
	*remaining = h->max - h->n;
	return true;
}

static void
sim_step(SimHubSpot *h, SimWorker *w, SimResult *r, TimestampTz warm_up)
{
	HsHttpRateLimit rl = headers(h->max, -1, h->interval_ms);
	long		wait;

	switch (w->step)
	{
		case SIM_ASK:
			wait = window_reserve(w->budget, w->at);
			if (wait > 0)
			{
				w->at += MS_TO_US(wait);
				break;
			}
			r->sent++;
			w->started = w->at;
			w->at += sim_transit(10, 300);
			w->step = SIM_ARRIVE;
			break;
		case SIM_ARRIVE:
			w->accepted = sim_arrive(h, w->at, &w->remaining);
			if (w->accepted && w->at >= warm_up)
				r->accepted++;
			r->refused += !w->accepted;
			w->at += sim_transit(10, 300);
			w->step = SIM_ANSWER;
			break;
		case SIM_ANSWER:
			rl.remaining = w->remaining;
			window_observe(w->budget, w->accepted ? &rl : &no_headers, w->started, w->at);
			if (!w->accepted)
				w->at += MS_TO_US(window_throttled(w->budget, &no_headers, w->at));
			w->step = SIM_ASK;
			break;
	}
}

/*
 * Run workers on budgets (worker i on budget i % nbudgets) against a
 * HubSpot of max per interval_ms for seconds; the first 20 s warm up.
 */
static SimResult
simulate(int max, int interval_ms, int nworkers, int nbudgets, int seconds)
{
	SimHubSpot *h = calloc(1, sizeof(SimHubSpot));
	HsRateWindow *budgets[SIM_WORKERS];
	SimWorker	workers[SIM_WORKERS];
	SimResult	r = {0, 0, 0, 0};
	TimestampTz end = T(seconds * 1000);

	h->max = max;
	h->interval_ms = interval_ms;
	for (int i = 0; i < nbudgets; i++)
		budgets[i] = new_window(HS_RATE_GENERAL);
	for (int i = 0; i < nworkers; i++)
	{
		workers[i].budget = budgets[i % nbudgets];
		workers[i].step = SIM_ASK;
		workers[i].at = T(i);
	}
	for (;;)
	{
		SimWorker  *next = &workers[0];

		for (int i = 1; i < nworkers; i++)
			if (workers[i].at < next->at)
				next = &workers[i];
		if (next->at >= end)
			break;
		sim_step(h, next, &r, T(20000));
	}
	r.per_interval = r.accepted * (double) interval_ms / (seconds * 1000 - 20000);
	for (int i = 0; i < nbudgets; i++)
		free(budgets[i]);
	free(h);
	return r;
}

/*
 * Simulate, print what came of it, and check that at most refused_share of
 * the requests were answered 429 and at least share of the limit was used.
 */
static void
sim_check(const char *what, int max, int nworkers, int nbudgets,
		  double refused_share, double share)
{
	SimResult	r = simulate(max, 10000, nworkers, nbudgets, 300);

	printf("# %s: %.1f per interval of %d, %d refused of %d\n",
		   what, r.per_interval, max, r.refused, r.sent);
	CHECK(r.refused <= refused_share * r.sent, "%d 429s of %d requests", r.refused, r.sent);
	CHECK(r.per_interval >= share * max, "%.1f per interval, under %.0f%% of %d",
		  r.per_interval, share * 100, max);
}

static void
case_sim_alone(void)
{
	sim_check("100 per 10 s, 8 in flight", 100, 8, 1, 0, 0.95);
}

static void
case_sim_adopted(void)
{
	sim_check("190 per 10 s (from the headers), 16 in flight", 190, 16, 1, 0, 0.95);
}

static void
case_sim_apart(void)
{
	/* two backends pacing apart: Remaining tells each of the other, late */
	sim_check("two budgets on one token, 4 in flight each", 100, 8, 2, 0.05, 0.80);
}

static void
run_sim_cases(void)
{
	run_case("simulated HubSpot, steady load: no 429, >= 95% of the limit", case_sim_alone);
	run_case("simulated HubSpot, Max 190 from the headers: no 429, >= 95%", case_sim_adopted);
	run_case("simulated HubSpot, two budgets on one token: under 5% 429s", case_sim_apart);
}
