/*-------------------------------------------------------------------------
 *
 * ratelimit.c
 *		HubSpot's rate limits: a budget per API URL, access token and bucket
 *		that says when a request may start, shared by every backend when the
 *		library is preloaded, and the waits on HubSpot made visible.
 *
 * HubSpot (https://developers.hubspot.com/docs/api/usage-details) limits
 * each app to a burst of requests in a rolling interval, told on most
 * answers by X-HubSpot-RateLimit-Max, -Remaining and
 * -Interval-Milliseconds; and CRM search to 5 requests per second per
 * account, with no headers.  A budget (HsRateWindow) paces one of these:
 *
 *	- it keeps the start times of the requests it let start, in a ring,
 *	  oldest first (reservations are made under one lock, with a clock that
 *	  never goes back in the ring), and lets a request start while fewer than
 *	  max - margin started in the last interval + guard: margin = max / 50,
 *	  at least 1, so that a steady load gets at least 95% of the limit; the
 *	  guard (200 ms, a tenth of the interval at most) covers the difference
 *	  in transit time between two requests, as HubSpot counts arrivals (a
 *	  new connection's handshakes alone can make 100 ms of it);
 *	- a response's Remaining says how many requests HubSpot counted in its
 *	  window when it arrived; those that were not ours (other apps on the
 *	  token, other backends when not preloaded) are taken to stay there for
 *	  an interval (the most any answer of the last interval showed), and our
 *	  own count plus them must stay below max - margin too, taking only our
 *	  share of the room left beside them;
 *	- a 429 is not counted, and blocks the budget: when our count is full,
 *	  until its oldest start leaves the window, then one probe; else for a
 *	  short jittered backoff (interval / 100, up to a tenth), the others
 *	  then taken to hold the rest of Max.
 *
 * The window arithmetic (window_*) is pure: plain structs, explicit "now",
 * no lock, no allocation, no ERROR; test/ratelimit/unit.c tests it.  The
 * budgets live in a fixed table in shared memory, protected by one LWLock,
 * when hubspot_fdw is in shared_preload_libraries, else (and when that
 * table is full) in a small table of the backend's own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_authid_d.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"

#include "ratelimit.h"

/* HubSpot's smallest documented burst limit, assumed until headers tell */
#define HS_RATE_DEFAULT_MAX 100
#define HS_RATE_DEFAULT_INTERVAL_MS 10000
/* the search limit: 5 requests per second per account, no headers */
#define HS_RATE_SEARCH_MAX 5
#define HS_RATE_SEARCH_INTERVAL_MS 1000

/*
 * Starts kept per budget: two intervals' worth (a Remaining is read against
 * our starts an interval before the request it answered) of the largest
 * Max adopted, HS_RATE_MAX_CAP; documented limits go up to 250.
 */
#define HS_RATE_RING 2048
#define HS_RATE_MAX_CAP 1000
#define HS_RATE_MAX_INTERVAL_MS 60000
/* transit-time guard added to the interval, at most a tenth of it */
#define HS_RATE_GUARD_MS 200
/* a wait is never longer than this */
#define HS_RATE_MAX_WAIT_MS 60000
/* backoff steps at most (interval / 20 doubled 5 times is the interval) */
#define HS_RATE_MAX_STEPS 8

/* budgets in shared memory, and in a backend's own memory */
#define HS_RATE_SHARED_SLOTS 64
#define HS_RATE_LOCAL_SLOTS 8
/* a shared budget unused this long may be given to another key */
#define HS_RATE_IDLE_US ((TimestampTz) 3600 * USECS_PER_SEC)
/* when there is no budget at all (out of memory): the wait after a 429 */
#define HS_RATE_FALLBACK_WAIT_MS 1000

#define MS_TO_US(ms) ((TimestampTz) (ms) * 1000)

/* One budget: the pacing of one bucket of one key */
typedef struct HsRateWindow
{
	HsRateBucket bucket;
	int32		max;			/* requests per interval (capped) */
	int32		interval_ms;
	TimestampTz last_used;

	/* the starts we let happen, oldest first: starts[(first + i) % RING] */
	int32		first;
	int32		n;
	TimestampTz starts[HS_RATE_RING];

	/*
	 * What Remaining said, as requests HubSpot counted that were not ours:
	 * the newest, and the most in the last interval (peak).  Each counts
	 * for an interval after it was observed.
	 */
	bool		obs_valid;
	TimestampTz obs_started;	/* when the newest's request started */
	TimestampTz obs_at;			/* when its response was observed */
	int32		obs_others;
	TimestampTz peak_at;
	int32		peak_others;
	TimestampTz obs_floor;		/* answers to requests started before this
								 * (the last 429) are not read */

	/* 429s */
	TimestampTz blocked_until;
	TimestampTz last_throttled;
	int32		steps;			/* 429s in a row, not separated by a success */
	bool		unjudged;		/* the last response observed has not been
								 * followed by a 429 (yet) */
	bool		probing;		/* after a block: one request at a time */
	uint64		rng;			/* the backoff's jitter (xorshift64 state) */
	TimestampTz probe_started;	/* 0: the probe has not started */

	/* the daily limit, -1 while unknown */
	int64		daily;
	int64		daily_remaining;
	TimestampTz daily_at;
} HsRateWindow;

/* ----------------------------------------------------------------
 *		The window arithmetic: pure functions of a window and "now"
 * ----------------------------------------------------------------
 */

static void
window_init(HsRateWindow *w, HsRateBucket bucket, TimestampTz now)
{
	memset(w, 0, sizeof(HsRateWindow));
	w->bucket = bucket;
	w->max = bucket == HS_RATE_SEARCH ? HS_RATE_SEARCH_MAX : HS_RATE_DEFAULT_MAX;
	w->interval_ms = bucket == HS_RATE_SEARCH ?
		HS_RATE_SEARCH_INTERVAL_MS : HS_RATE_DEFAULT_INTERVAL_MS;
	w->daily = w->daily_remaining = -1;
	w->last_used = now;
	w->rng = (uint64) now ^ ((uint64) MyProcPid << 32);
}

/* How many may start in a window: max - margin, margin = max / 50 (>= 1) */
static int
window_allowed(const HsRateWindow *w)
{
	int			margin = Max(1, w->max / 50);

	return Max(1, w->max - margin);
}

static TimestampTz
window_interval_us(const HsRateWindow *w)
{
	return MS_TO_US(w->interval_ms);
}

/* The span a start counts in: the interval and the transit-time guard */
static TimestampTz
window_span_us(const HsRateWindow *w)
{
	return MS_TO_US(w->interval_ms + Min(HS_RATE_GUARD_MS, w->interval_ms / 10));
}

/* The wait until "until", in ms: at least 1, at most HS_RATE_MAX_WAIT_MS */
static long
wait_ms_until(TimestampTz until, TimestampTz now)
{
	TimestampTz us = until - now;

	if (us <= 0)
		return 1;
	return (long) Min((us + 999) / 1000, HS_RATE_MAX_WAIT_MS);
}

static TimestampTz
window_start_at(const HsRateWindow *w, int i)
{
	return w->starts[(w->first + i) % HS_RATE_RING];
}

/* How many of our starts are later than "from" */
static int
window_count_after(const HsRateWindow *w, TimestampTz from)
{
	int			i = w->n;

	while (i > 0 && window_start_at(w, i - 1) > from)
		i--;
	return w->n - i;
}

/* The k-th oldest (from 1) of our starts later than "from"; k <= their count */
static TimestampTz
window_kth_after(const HsRateWindow *w, TimestampTz from, int k)
{
	return window_start_at(w, w->n - window_count_after(w, from) + k - 1);
}

/*
 * A "now" that never goes back in the ring, and the starts too old to
 * matter forgotten (two intervals and the guard).
 */
static TimestampTz
window_advance(HsRateWindow *w, TimestampTz now)
{
	TimestampTz horizon;

	if (w->n > 0 && now < window_start_at(w, w->n - 1))
		now = window_start_at(w, w->n - 1);
	horizon = now - window_interval_us(w) - window_span_us(w);
	while (w->n > 0 && window_start_at(w, 0) <= horizon)
	{
		w->first = (w->first + 1) % HS_RATE_RING;
		w->n--;
	}
	w->last_used = now;
	return now;
}

static void
window_add_start(HsRateWindow *w, TimestampTz now)
{
	if (w->n == HS_RATE_RING)
	{
		w->first = (w->first + 1) % HS_RATE_RING;
		w->n--;
	}
	w->starts[(w->first + w->n) % HS_RATE_RING] = now;
	w->n++;
}

/*
 * Requests not ours that HubSpot counts: the most the Remainings of the
 * last interval showed, and *stale_at the first time that may change.
 */
static int
window_others(const HsRateWindow *w, TimestampTz now, TimestampTz *stale_at)
{
	TimestampTz interval = window_interval_us(w);
	int			others = 0;

	*stale_at = PG_INT64_MAX;
	if (!w->obs_valid)
		return 0;
	if (now < w->obs_at + interval)
	{
		others = w->obs_others;
		*stale_at = w->obs_at + interval;
	}
	if (now < w->peak_at + interval && w->peak_others > others)
	{
		others = w->peak_others;
		*stale_at = w->peak_at + interval;
	}
	return others;
}

/*
 * May one more start beside ours and the others'?  Only our share of the
 * room (by what we use, one start at least): the others see it too.
 */
static bool
window_may_take(int ours, int others, int allowed)
{
	int64		room = allowed - ours - others;

	if (room <= 0)
		return false;
	if (others == 0 || ours == 0)
		return true;
	return room * (ours + 1) >= ours + others + 1;
}

/*
 * window_reserve
 *		hs_rate_reserve() on one window: 0 and the start counted, or the ms
 *		to wait.
 */
static long
window_reserve(HsRateWindow *w, TimestampTz now)
{
	TimestampTz from;
	TimestampTz until = PG_INT64_MAX;
	TimestampTz others_stale_at;
	int			ours;
	int			others;
	int			allowed = window_allowed(w);

	now = window_advance(w, now);
	if (now < w->blocked_until)
		return wait_ms_until(w->blocked_until, now);
	if (w->probing && w->probe_started != 0 &&
		now < w->probe_started + window_interval_us(w))
	{
		/* the probe is out: ask again soon, its answer may come any time */
		return Min(Max(1, w->interval_ms / 100),
				   wait_ms_until(w->probe_started + window_interval_us(w), now));
	}

	from = now - window_span_us(w);
	ours = window_count_after(w, from);
	others = window_others(w, now, &others_stale_at);
	if (window_may_take(ours, others, allowed))
	{
		window_add_start(w, now);
		if (w->probing)
			w->probe_started = now;
		return 0;
	}

	/* until enough of ours leave, the others' count goes stale, or soon */
	if (ours + others - allowed + 1 <= 0)
		until = now + Max(window_interval_us(w) / 100, 1000);
	else if (ours + others - allowed + 1 <= ours)
		until = window_kth_after(w, from, ours + others - allowed + 1) + window_span_us(w);
	return wait_ms_until(Min(until, others_stale_at), now);
}

/* Adopt Max and Interval-Milliseconds (GENERAL only; search has none) */
static void
window_adopt(HsRateWindow *w, const HsHttpRateLimit *rl)
{
	if (w->bucket != HS_RATE_GENERAL || rl == NULL)
		return;
	if (rl->max > 0)
		w->max = (int32) Min(rl->max, HS_RATE_MAX_CAP);
	if (rl->interval_ms > 0)
		w->interval_ms = (int32) Min(rl->interval_ms, HS_RATE_MAX_INTERVAL_MS);
}

/*
 * What a Remaining says: of the requests HubSpot counted when the request
 * started at "started" arrived (max - remaining), those in excess of our
 * own starts in the interval before it are someone else's.  Which of ours
 * HubSpot counted depends on transit times, so ours are those started from
 * an interval and the guard before it to the guard after it: when alone,
 * no phantom others hold us back.  Read only if the request is younger than
 * the interval, came after the last 429, and is not older than the newest
 * kept.  The peak holds for an interval: what others' requests free as
 * they leave is not taken at once by every client (they replace theirs).
 */
static void
window_observe_remaining(HsRateWindow *w, const HsHttpRateLimit *rl,
						 TimestampTz started, TimestampTz now)
{
	TimestampTz interval = window_interval_us(w);
	TimestampTz guard = window_span_us(w) - interval;
	int64		counted;
	int			ours;
	int32		others;

	if (started < w->obs_floor || started <= now - interval || started > now)
		return;
	if (w->obs_valid && now < w->obs_at + interval && started < w->obs_started)
		return;
	counted = (rl->max > 0 ? rl->max : w->max) - rl->remaining;
	ours = window_count_after(w, started - interval - guard) -
		window_count_after(w, started + guard / 4);
	others = (int32) Min(Max(counted - ours, 0), HS_RATE_MAX_CAP);
	if (!w->obs_valid || others >= w->peak_others || now >= w->peak_at + interval)
	{
		w->peak_others = others;
		w->peak_at = now;
	}
	w->obs_valid = true;
	w->obs_started = started;
	w->obs_at = now;
	w->obs_others = others;
}

/*
 * window_observe
 *		hs_rate_observe() on one window.
 *
 * A response that no 429 followed before the next one was observed was a
 * success, and so is one with Remaining > 0: either resets the backoff.
 */
static void
window_observe(HsRateWindow *w, const HsHttpRateLimit *rl,
			   TimestampTz started, TimestampTz now)
{
	now = window_advance(w, now);
	if (w->unjudged)
		w->steps = 0;
	w->unjudged = true;
	/* the probe started after the 429 (the caller's clock is read first) */
	if (w->probing && w->probe_started != 0 && started >= w->obs_floor)
		w->probing = false;
	if (w->bucket != HS_RATE_GENERAL || rl == NULL)
		return;

	window_adopt(w, rl);
	if (rl->daily >= 0 || rl->daily_remaining >= 0)
	{
		w->daily = rl->daily;
		w->daily_remaining = rl->daily_remaining;
		w->daily_at = now;
	}
	if (rl->remaining > 0)
		w->steps = 0;
	if (rl->remaining >= 0)
		window_observe_remaining(w, rl, started, now);
}

/*
 * HubSpot refused the request started at "started" (0: unknown) and does
 * not count it: nor do we (it leaving would free a place never given).  The
 * first start not before it is its (the caller's clock is read first).
 */
static void
window_forget_start(HsRateWindow *w, TimestampTz started)
{
	int			i = w->n - window_count_after(w, started - 1);

	if (started == 0 || i >= w->n)
		return;
	for (; i < w->n - 1; i++)
		w->starts[(w->first + i) % HS_RATE_RING] = window_start_at(w, i + 1);
	w->n--;
}

/* A pseudo-random fraction in [0, 1) from the window's own state (xorshift64) */
static double
window_random(HsRateWindow *w)
{
	uint64		x = w->rng ? w->rng : UINT64CONST(0x9E3779B97F4A7C15);

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->rng = x;
	return (double) (x >> 11) / (double) (UINT64CONST(1) << 53);
}

/*
 * The wait after a 429 that others caused: interval / 100, half as long
 * again per 429 in a row up to a tenth, a random half of it off (backends
 * refused together do not come back together).
 */
static TimestampTz
window_others_backoff(HsRateWindow *w)
{
	TimestampTz base = Max(window_interval_us(w) / 100, 1000);
	TimestampTz cap = Max(window_interval_us(w) / 10, 1000);

	for (int i = 0; i < w->steps && base < cap; i++)
		base += base / 2;
	base = Min(base, cap);
	return base / 2 + (TimestampTz) (window_random(w) * (double) (base / 2));
}

/*
 * window_throttled
 *		hs_rate_throttled() on one window: block it, and return the wait.
 *
 * When our own count is full, until its oldest start leaves the window (and
 * at least the backoff, doubling from interval / 20, if 429s follow each
 * other), then one probe.  Else others' requests filled HubSpot's window:
 * it held Max when it refused, so the others hold Max less ours, which is
 * taken as their count for an interval (we replace only our own starts as
 * they leave), after a short jittered backoff and no probe.
 */
static long
window_throttled(HsRateWindow *w, const HsHttpRateLimit *rl, TimestampTz now)
{
	TimestampTz from;
	TimestampTz wait_us;
	int			ours;
	int			allowed;

	now = window_advance(w, now);
	window_adopt(w, rl);
	w->unjudged = false;
	/* a 429 long after the last one starts a new run */
	if (now - w->last_throttled > 3 * window_interval_us(w))
		w->steps = 0;

	allowed = window_allowed(w);
	from = now - window_span_us(w);
	ours = window_count_after(w, from);
	w->obs_floor = now;
	if (ours >= allowed)
	{
		/* our own count is full: until its oldest leaves the window */
		wait_us = window_kth_after(w, from, ours - allowed + 1) + window_span_us(w) - now;
		if (w->steps > 0)
			wait_us = Max(wait_us, Min(Max(window_interval_us(w) / 20, 1000) << w->steps,
									   window_interval_us(w)));
		w->probing = true;
		w->probe_started = 0;
		/* what Remaining said before the 429 is overtaken */
		w->obs_valid = false;
	}
	else
	{
		wait_us = window_others_backoff(w);
		w->obs_valid = true;
		w->obs_started = w->obs_at = w->peak_at = now;
		w->obs_others = w->peak_others = Max(w->max - ours, 0);
	}
	w->steps = Min(w->steps + 1, HS_RATE_MAX_STEPS);
	w->blocked_until = Max(w->blocked_until, now + Max(wait_us, 1000));
	w->last_throttled = now;
	return wait_ms_until(w->blocked_until, now);
}

/* ----------------------------------------------------------------
 *		The budgets: in shared memory, or the backend's own
 * ----------------------------------------------------------------
 */

typedef struct HsRateSlot
{
	bool		used;
	uint64		key;
	HsRateWindow w;
} HsRateSlot;

/* A backend's wait, in shared memory; written by that backend only */
typedef struct HsWaitSlot
{
	uint32		changecount;	/* odd while being written */
	int32		pid;
	HsWaitKind	kind;
	TimestampTz since;
} HsWaitSlot;

typedef struct HsRateShared
{
	LWLock	   *lock;			/* protects slots */
	int			nwaits;
	HsRateSlot	slots[HS_RATE_SHARED_SLOTS];
	HsWaitSlot	waits[FLEXIBLE_ARRAY_MEMBER];	/* by pgprocno */
} HsRateShared;

#define HS_RATE_TRANCHE "hubspot_fdw"
#define HS_RATE_SHMEM_NAME "hubspot_fdw rate limits"

static HsRateShared *rate_shared = NULL;
static HsRateSlot *local_slots = NULL;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * slot_find
 *		The budget of (key, bucket) in slots, or a new one (a free slot; one
 *		idle an hour; with evict, the least recently used), or NULL.
 */
static HsRateSlot *
slot_find(HsRateSlot *slots, int nslots, uint64 key, HsRateBucket bucket,
		  bool create, bool evict, TimestampTz now)
{
	HsRateSlot *free_slot = NULL;
	HsRateSlot *lru = NULL;

	for (int i = 0; i < nslots; i++)
	{
		HsRateSlot *s = &slots[i];

		if (s->used && s->key == key && s->w.bucket == bucket)
			return s;
		if (!s->used)
		{
			if (free_slot == NULL)
				free_slot = s;
		}
		else if (lru == NULL || s->w.last_used < lru->w.last_used)
			lru = s;
	}
	if (!create)
		return NULL;
	if (free_slot == NULL && lru != NULL &&
		(evict || lru->w.last_used < now - HS_RATE_IDLE_US))
		free_slot = lru;
	if (free_slot == NULL)
		return NULL;
	free_slot->used = true;
	free_slot->key = key;
	window_init(&free_slot->w, bucket, now);
	return free_slot;
}

/* What to do on a window, with its arguments and its answer */
typedef enum RateOp
{
	RATE_RESERVE,
	RATE_OBSERVE,
	RATE_THROTTLED,
	RATE_DAILY
} RateOp;

typedef struct RateCall
{
	RateOp		op;
	const HsHttpRateLimit *rl;
	TimestampTz started_at;
	long		result;
	bool		found;
	int64		daily;			/* RATE_DAILY's answer */
	int64		daily_remaining;
	TimestampTz daily_at;
} RateCall;

static void
rate_apply(HsRateWindow *w, RateCall *call, TimestampTz now)
{
	call->found = true;
	switch (call->op)
	{
		case RATE_RESERVE:
			call->result = window_reserve(w, now);
			break;
		case RATE_OBSERVE:
			window_observe(w, call->rl, call->started_at, now);
			break;
		case RATE_THROTTLED:
			window_forget_start(w, call->started_at);
			call->result = window_throttled(w, call->rl, now);
			break;
		case RATE_DAILY:
			call->daily = w->daily;
			call->daily_remaining = w->daily_remaining;
			call->daily_at = w->daily_at;
			break;
	}
}

/*
 * rate_call
 *		Apply call to the budget of (key, bucket): the shared one, else the
 *		backend's own (made on first use, except for RATE_DAILY).  No
 *		budget at all (out of memory) leaves call->found false.
 */
static void
rate_call(uint64 key, HsRateBucket bucket, RateCall *call)
{
	bool		create = call->op != RATE_DAILY;
	HsRateSlot *s;
	TimestampTz now;

	if (rate_shared != NULL)
	{
		LWLockAcquire(rate_shared->lock, LW_EXCLUSIVE);
		now = GetCurrentTimestamp();
		s = slot_find(rate_shared->slots, HS_RATE_SHARED_SLOTS, key, bucket,
					  create, false, now);
		if (s != NULL)
			rate_apply(&s->w, call, now);
		LWLockRelease(rate_shared->lock);
		if (s != NULL)
			return;
	}
	if (local_slots == NULL && create)
		local_slots = MemoryContextAllocExtended(TopMemoryContext,
												 sizeof(HsRateSlot) * HS_RATE_LOCAL_SLOTS,
												 MCXT_ALLOC_NO_OOM | MCXT_ALLOC_ZERO);
	if (local_slots == NULL)
		return;
	now = GetCurrentTimestamp();
	s = slot_find(local_slots, HS_RATE_LOCAL_SLOTS, key, bucket, create, true, now);
	if (s != NULL)
		rate_apply(&s->w, call, now);
}

/*
 * hs_rate_key
 *		FNV-1a over the API URL, a NUL and the token: a 64-bit key in which
 *		the token cannot be read.
 */
uint64
hs_rate_key(const char *api_url, const char *token)
{
	uint64		h = UINT64CONST(0xcbf29ce484222325);
	const char *parts[2] = {api_url ? api_url : "", token ? token : ""};

	for (int i = 0; i < 2; i++)
	{
		for (const unsigned char *p = (const unsigned char *) parts[i]; *p; p++)
			h = (h ^ *p) * UINT64CONST(0x100000001b3);
		h = (h ^ 0) * UINT64CONST(0x100000001b3);
	}
	return h;
}

long
hs_rate_reserve(uint64 key, HsRateBucket bucket)
{
	RateCall	call = {.op = RATE_RESERVE};

	rate_call(key, bucket, &call);
	return call.found ? call.result : 0;
}

void
hs_rate_observe(uint64 key, HsRateBucket bucket, const HsHttpRateLimit *rl,
				TimestampTz started_at)
{
	RateCall	call = {.op = RATE_OBSERVE, .rl = rl, .started_at = started_at};

	rate_call(key, bucket, &call);
}

long
hs_rate_throttled(uint64 key, HsRateBucket bucket, const HsHttpRateLimit *rl,
				  TimestampTz started_at)
{
	RateCall	call = {.op = RATE_THROTTLED, .rl = rl, .started_at = started_at};

	rate_call(key, bucket, &call);
	return call.found ? call.result : HS_RATE_FALLBACK_WAIT_MS;
}

bool
hs_rate_daily(uint64 key, long *daily, long *daily_remaining,
			  TimestampTz *observed_at)
{
	RateCall	call = {.op = RATE_DAILY};

	rate_call(key, HS_RATE_GENERAL, &call);
	if (!call.found || call.daily_at == 0)
		return false;
	*daily = (long) call.daily;
	*daily_remaining = (long) call.daily_remaining;
	*observed_at = call.daily_at;
	return true;
}

/* ----------------------------------------------------------------
 *		Shared memory
 * ----------------------------------------------------------------
 */

/* One wait slot per PGPROC a backend or auxiliary process may have */
static int
rate_wait_slots(void)
{
	return MaxBackends + NUM_AUXILIARY_PROCS;
}

static Size
rate_shmem_size(void)
{
	return add_size(offsetof(HsRateShared, waits),
					mul_size(rate_wait_slots(), sizeof(HsWaitSlot)));
}

#if PG_VERSION_NUM >= 150000
static void
rate_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(rate_shmem_size());
	RequestNamedLWLockTranche(HS_RATE_TRANCHE, 1);
}
#endif

static void
rate_shmem_startup(void)
{
	bool		found;
	HsRateShared *shared;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct(HS_RATE_SHMEM_NAME, rate_shmem_size(), &found);
	if (!found)
	{
		memset(shared, 0, rate_shmem_size());
		shared->lock = &(GetNamedLWLockTranche(HS_RATE_TRANCHE))->lock;
		shared->nwaits = rate_wait_slots();
	}
	LWLockRelease(AddinShmemInitLock);
	rate_shared = shared;
}

/*
 * hs_rate_init
 *		Install the shared-memory hooks when preloaded (PostgreSQL 15 and
 *		later: before 15 the budgets stay per backend).
 */
void
hs_rate_init(void)
{
#if PG_VERSION_NUM >= 150000
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = rate_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = rate_shmem_startup;
#endif
}

bool
hs_rate_shared(void)
{
	return rate_shared != NULL;
}

/* ----------------------------------------------------------------
 *		Waits made visible
 * ----------------------------------------------------------------
 */

/* the calling backend's wait when there is no shared slot for it */
static HsWaitSlot local_wait;
static HsWaitKind current_wait = HS_WAIT_NONE;

static HsWaitSlot *
my_wait_slot(void)
{
	int			procno;

	if (rate_shared == NULL || MyProc == NULL)
		return &local_wait;
#if PG_VERSION_NUM >= 170000
	procno = MyProcNumber;
#else
	procno = MyProc->pgprocno;
#endif
	if (procno < 0 || procno >= rate_shared->nwaits)
		return &local_wait;
	return &rate_shared->waits[procno];
}

/* Write the calling backend's slot; readers retry while changecount is odd */
static void
wait_slot_write(HsWaitKind kind, TimestampTz since)
{
	volatile HsWaitSlot *slot = my_wait_slot();

	slot->changecount++;
	pg_write_barrier();
	slot->pid = MyProcPid;
	slot->kind = kind;
	slot->since = since;
	pg_write_barrier();
	slot->changecount++;
	current_wait = kind;
}

/* An ERROR during a wait ends it (the abort also resets pg_stat_activity's) */
static void
wait_release_callback(ResourceReleasePhase phase, bool isCommit,
					  bool isTopLevel, void *arg)
{
	(void) isTopLevel;
	(void) arg;
	if (phase == RESOURCE_RELEASE_AFTER_LOCKS && !isCommit &&
		current_wait != HS_WAIT_NONE)
		wait_slot_write(HS_WAIT_NONE, 0);
}

static void
wait_exit_callback(int code, Datum arg)
{
	(void) code;
	(void) arg;
	if (current_wait != HS_WAIT_NONE)
		wait_slot_write(HS_WAIT_NONE, 0);
}

uint32
hs_wait_event(HsWaitKind kind)
{
#if PG_VERSION_NUM >= 170000
	static uint32 events[3];

	if (kind == HS_WAIT_NONE)
		return 0;
	if (events[kind] == 0)
		events[kind] = WaitEventExtensionNew(kind == HS_WAIT_REQUEST ?
											 "HubSpotRequest" : "HubSpotRateLimit");
	return events[kind];
#else
	return kind == HS_WAIT_NONE ? 0 : PG_WAIT_EXTENSION;
#endif
}

void
hs_wait_begin(HsWaitKind kind)
{
	static bool callbacks = false;

	if (kind == HS_WAIT_NONE)
	{
		hs_wait_end();
		return;
	}
	if (!callbacks)
	{
		RegisterResourceReleaseCallback(wait_release_callback, NULL);
		before_shmem_exit(wait_exit_callback, (Datum) 0);
		callbacks = true;
	}
	pgstat_report_wait_start(hs_wait_event(kind));
	wait_slot_write(kind, GetCurrentTimestamp());
}

void
hs_wait_end(void)
{
	pgstat_report_wait_end();
	if (current_wait != HS_WAIT_NONE)
		wait_slot_write(HS_WAIT_NONE, 0);
}

/* A consistent copy of a slot another backend may be writing */
static void
wait_slot_read(const volatile HsWaitSlot *slot, HsWaitSlot *copy)
{
	for (;;)
	{
		uint32		before = slot->changecount;

		pg_read_barrier();
		copy->pid = slot->pid;
		copy->kind = slot->kind;
		copy->since = slot->since;
		pg_read_barrier();
		if (before == slot->changecount && (before & 1) == 0)
			break;
		CHECK_FOR_INTERRUPTS();
	}
}

static void
wait_put_row(ReturnSetInfo *rsinfo, const HsWaitSlot *w)
{
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	values[0] = Int32GetDatum(w->pid);
	values[1] = CStringGetTextDatum(w->kind == HS_WAIT_REQUEST ?
									"HubSpotRequest" : "HubSpotRateLimit");
	values[2] = TimestampTzGetDatum(w->since);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * hubspot_fdw_waits
 *		SQL: hubspot_fdw_waits() RETURNS TABLE (pid int, wait_event text,
 *		since timestamptz): the backends waiting on HubSpot now
 *		(HubSpotRequest) or on its rate limit (HubSpotRateLimit), and since
 *		when.
 *
 * Only when preloaded can a backend see the others' waits; without, the
 * calling backend's own row (never waiting while it runs this) is all there
 * is.  Like pg_stat_activity, the waits of other roles' backends are shown
 * only to members of those roles and of pg_read_all_stats.
 */
PG_FUNCTION_INFO_V1(hubspot_fdw_waits);

Datum
hubspot_fdw_waits(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		all_stats;
	HsWaitSlot	w;

	InitMaterializedSRF(fcinfo, 0);
	if (rate_shared == NULL)
	{
		if (local_wait.kind != HS_WAIT_NONE)
			wait_put_row(rsinfo, &local_wait);
		return (Datum) 0;
	}
	all_stats = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	for (int i = 0; i < rate_shared->nwaits; i++)
	{
		PGPROC	   *proc = GetPGProcByNumber(i);

		wait_slot_read(&rate_shared->waits[i], &w);
		if (w.kind == HS_WAIT_NONE || w.pid == 0 || proc->pid != w.pid)
			continue;
		if (!all_stats && !has_privs_of_role(GetUserId(), proc->roleId))
			continue;
		wait_put_row(rsinfo, &w);
	}
	return (Datum) 0;
}
