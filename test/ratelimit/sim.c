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
#define SIM_WORKERS 32
#define SIM_BUDGETS 8

/*
 * A load: clients (budgets: backends, each with its own when not preloaded)
 * of per_client requests in flight each, against a HubSpot of max per
 * interval; a request arrives after a transit time in [transit_lo,
 * transit_hi] ms and is answered latency ms after it arrived plus another.
 * headers_on_429: a 429 says Max, Remaining 0 and the interval, as the
 * emulator's do.
 */
typedef struct SimLoad
{
	int			max;
	int			interval_ms;
	int			clients;
	int			per_client;
	int			transit_lo;
	int			transit_hi;
	int			latency_ms;
	bool		headers_on_429;
	int			seconds;		/* how long it runs, 0: until the work is done */
	int			work;			/* requests each client has to get accepted */
} SimLoad;

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
	const SimLoad *load;
	HsRateWindow *budget;
	SimStep		step;
	TimestampTz at;				/* when the step happens */
	TimestampTz started;
	bool		accepted;
	long		remaining;
	int		   *work_left;		/* its client's requests not taken by a worker */
	bool		has_work;
} SimWorker;

typedef struct SimResult
{
	int			accepted;		/* after the warm-up */
	int			refused;		/* all */
	int			sent;			/* all */
	double		per_interval;	/* accepted per interval, after the warm-up */
	TimestampTz done_at;		/* when the last answer of the work came */
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
	const SimLoad *load = w->load;
	HsHttpRateLimit rl = headers(h->max, -1, h->interval_ms);
	long		wait;

	switch (w->step)
	{
		case SIM_ASK:
			if (!w->has_work && load->seconds == 0)
			{
				if (*w->work_left == 0)
				{
					w->at = PG_INT64_MAX;
					break;
				}
				(*w->work_left)--;
				w->has_work = true;
			}
			wait = window_reserve(w->budget, w->at);
			if (wait > 0)
			{
				w->at += MS_TO_US(wait);
				break;
			}
			r->sent++;
			/* as client.c does: the start time is read before the budget's clock */
			w->started = w->at - 1;
			w->at += sim_transit(load->transit_lo, load->transit_hi);
			w->step = SIM_ARRIVE;
			break;
		case SIM_ARRIVE:
			w->accepted = sim_arrive(h, w->at, &w->remaining);
			if (w->accepted && w->at >= warm_up)
				r->accepted++;
			r->refused += !w->accepted;
			w->at += MS_TO_US(load->latency_ms) +
				sim_transit(load->transit_lo, load->transit_hi);
			w->step = SIM_ANSWER;
			break;
		case SIM_ANSWER:
			rl.remaining = w->accepted ? w->remaining : 0;
			if (!w->accepted && !load->headers_on_429)
				rl = no_headers;
			window_observe(w->budget, &rl, w->started, w->at);
			if (!w->accepted)
			{
				window_forget_start(w->budget, w->started);
				w->at += MS_TO_US(window_throttled(w->budget, &rl, w->at));
			}
			else
			{
				w->has_work = false;
				r->done_at = Max(r->done_at, w->at);
			}
			w->step = SIM_ASK;
			break;
	}
}

/*
 * Run a load (client i's workers on budget i) for its seconds; the first
 * 20 s warm up.
 */
static SimResult
simulate(const SimLoad *load)
{
	SimHubSpot *h = calloc(1, sizeof(SimHubSpot));
	HsRateWindow *budgets[SIM_BUDGETS];
	SimWorker	workers[SIM_WORKERS];
	SimResult	r = {0, 0, 0, 0, 0};
	TimestampTz end = load->seconds > 0 ? T(load->seconds * 1000) : PG_INT64_MAX;
	TimestampTz warm_up = load->seconds > 0 ? T(20000) : T(0);
	int			work_left[SIM_BUDGETS];
	int			nworkers = load->clients * load->per_client;

	Assert(load->clients <= SIM_BUDGETS && nworkers <= SIM_WORKERS);
	h->max = load->max;
	h->interval_ms = load->interval_ms;
	for (int i = 0; i < load->clients; i++)
	{
		budgets[i] = new_window(HS_RATE_GENERAL);
		budgets[i]->rng = 0x2545F4914F6CDD1DULL * (i + 1);	/* as if other pids */
		work_left[i] = load->work;
	}
	for (int i = 0; i < nworkers; i++)
	{
		workers[i].load = load;
		workers[i].work_left = &work_left[i % load->clients];
		workers[i].has_work = false;
		workers[i].budget = budgets[i % load->clients];
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
		sim_step(h, next, &r, warm_up);
	}
	if (load->seconds > 0)
		r.per_interval = r.accepted * (double) load->interval_ms / (load->seconds * 1000 - 20000);
	else
		r.per_interval = r.accepted * (double) load->interval_ms * 1000 / (r.done_at - T(0));
	for (int i = 0; i < load->clients; i++)
		free(budgets[i]);
	free(h);
	return r;
}

/*
 * Simulate, print what came of it, and check that at most refused_share of
 * the requests were answered 429 and at least share of the limit was used.
 */
static SimResult
sim_check(const char *what, const SimLoad *load, double refused_share, double share)
{
	SimResult	r = simulate(load);

	printf("# %s: %.1f per interval of %d (%.0f%%), %d refused of %d (%.1f%%)",
		   what, r.per_interval, load->max, 100 * r.per_interval / load->max,
		   r.refused, r.sent, 100.0 * r.refused / Max(1, r.sent));
	if (load->seconds == 0)
		printf(", done in %.1f s", (r.done_at - T(0)) / 1e6);
	printf("\n");
	CHECK(r.refused <= refused_share * r.sent, "%d 429s of %d requests", r.refused, r.sent);
	CHECK(r.per_interval >= share * load->max, "%.1f per interval, under %.0f%% of %d",
		  r.per_interval, share * 100, load->max);
	return r;
}

/* the old simulation: transit times of 10 to 300 ms each way, no latency */
static SimLoad
sim_load(int max, int clients, int per_client)
{
	SimLoad		load = {max, 10000, clients, per_client, 10, 300, 0, false, 300, 0};

	return load;
}

/*
 * The benchmark's: 150 ms a request (the emulator's latency_ms) and a few ms
 * of transit each way, 190 per 10 s, 429s with the headers; for seconds, or
 * (seconds 0) until each client got work requests accepted.
 */
static SimLoad
sim_bench_load(int clients, int per_client, int seconds, int work)
{
	SimLoad		load = {190, 10000, clients, per_client, 1, 5, 150, true, seconds, work};

	return load;
}

static void
case_sim_alone(void)
{
	SimLoad		load = sim_load(100, 1, 8);

	sim_check("100 per 10 s, 8 in flight", &load, 0, 0.95);
}

static void
case_sim_adopted(void)
{
	SimLoad		load = sim_load(190, 1, 16);

	sim_check("190 per 10 s (from the headers), 16 in flight", &load, 0, 0.95);
}

static void
case_sim_apart(void)
{
	/* two backends pacing apart: Remaining tells each of the other, late */
	SimLoad		load = sim_load(100, 2, 4);

	sim_check("two budgets on one token, 4 in flight each", &load, 0.05, 0.80);
}

static void
case_sim_bench(void)
{
	for (int clients = 1; clients <= 4; clients++)
	{
		SimLoad		load = sim_bench_load(clients, 6, 300, 0);
		char		what[80];

		snprintf(what, sizeof(what), "%d budget(s) x 6 in flight, 150 ms, 190 per 10 s", clients);
		sim_check(what, &load, clients == 1 ? 0 : 0.02 * clients, clients == 1 ? 0.95 : 0.90);
	}
}

static void
case_sim_bench_work(void)
{
	for (int clients = 1; clients <= 4; clients++)
	{
		SimLoad		load = sim_bench_load(clients, 6, 0, 300 / clients);
		char		what[80];

		snprintf(what, sizeof(what), "%d budget(s) x 6 in flight, 300 requests in all", clients);
		sim_check(what, &load, clients == 1 ? 0 : 0.015 * clients, 1.0);
	}
}

static void
run_sim_cases(void)
{
	run_case("simulated HubSpot, steady load: no 429, >= 95% of the limit", case_sim_alone);
	run_case("simulated HubSpot, Max 190 from the headers: no 429, >= 95%", case_sim_adopted);
	run_case("simulated HubSpot, two budgets on one token: under 5% 429s", case_sim_apart);
	run_case("simulated benchmark, 1-4 budgets x 6 in flight: <= 2% 429s per budget, >= 90%",
			 case_sim_bench);
	run_case("simulated benchmark's work, 1-4 budgets: <= 1.5% 429s per budget, >= 100%",
			 case_sim_bench_work);
}
