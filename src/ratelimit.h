/*-------------------------------------------------------------------------
 *
 * ratelimit.h
 *		HubSpot's rate limits, kept by hubspot_fdw (ratelimit.c): a budget
 *		per API URL and access token that says when a request may start,
 *		and the waits on HubSpot made visible.
 *
 * HubSpot limits each app (token) to a burst of requests per rolling
 * interval (100 to 250 per 10,000 ms, told by the X-HubSpot-RateLimit-Max,
 * -Remaining and -Interval-Milliseconds headers), each account to a number
 * per day (-Daily, -Daily-Remaining), and the CRM search endpoints to 5
 * requests per second per account, with no headers at all
 * (https://developers.hubspot.com/docs/api/usage-details).  A budget is
 * one of these buckets for one key.
 *
 * The caller (client.c) asks hs_rate_reserve() before each attempt, tells
 * hs_rate_observe() what each response said (any status), and for a 429
 * that is not the DAILY policy calls hs_rate_throttled() after it.  None of
 * them blocks or raises an ERROR; the caller does the waiting, between
 * hs_wait_begin() and hs_wait_end().
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_RATELIMIT_H
#define HUBSPOT_RATELIMIT_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "http.h"

typedef enum HsRateBucket
{
	HS_RATE_GENERAL = 0,		/* the burst limit of every endpoint but search */
	HS_RATE_SEARCH = 1			/* CRM search: 5 per second, no headers */
} HsRateBucket;

/*
 * hs_rate_key
 *		A budget's key: a 64-bit hash (FNV-1a) of the API URL and the access
 *		token.  The token itself is never stored, in shared memory or
 *		anywhere else.  NULL counts as "".
 */
extern uint64 hs_rate_key(const char *api_url, const char *token);

/*
 * hs_rate_reserve
 *		May one request of this budget start now?  0: yes, and it is counted
 *		as started now (GetCurrentTimestamp()); else the milliseconds to wait
 *		before asking again (> 0; at most the budget's interval and its
 *		guard, and never over 60,000).
 *
 * The GENERAL bucket lets fewer than max - margin requests start in any
 * interval + guard (see ratelimit.c for the numbers), with max and interval
 * from the newest headers (100 per 10,000 ms, HubSpot's smallest burst
 * limit, until a response has told them); it also holds back while the
 * -Remaining of the last interval show that others (other apps, or other
 * backends on the same token when not preloaded) used up what our own
 * count leaves.
 * SEARCH lets 4 start per 1,100 ms (5 per second with the same margin and
 * guard).  After hs_rate_throttled(), nothing starts until its wait is
 * over, and then (when our own count was full) one request alone until its
 * response is observed.
 * Never blocks, never raises an ERROR.
 */
extern long hs_rate_reserve(uint64 key, HsRateBucket bucket);

/*
 * hs_rate_observe
 *		What a response (any status, 429 included) said about the budget, for
 *		a request that hs_rate_reserve() let start at started_at
 *		(GetCurrentTimestamp() units).  rl fields are -1 when absent.
 *
 * GENERAL adopts Max and Interval-Milliseconds (Max capped at 1,000,
 * Interval at 60,000 ms), reads Remaining for hs_rate_reserve() (if the
 * request started less than an interval ago, and after the last 429), and
 * keeps Daily and Daily-Remaining for hs_rate_daily(); SEARCH has fixed
 * limits and reads no header.  Call it for every response, and before
 * hs_rate_throttled() for the same 429: a response that is not followed by
 * hs_rate_throttled() before the next one is observed counts as a success
 * (so does one with Remaining > 0), which resets the backoff.  Never raises
 * an ERROR.
 */
extern void hs_rate_observe(uint64 key, HsRateBucket bucket,
							const HsHttpRateLimit *rl, TimestampTz started_at);

/*
 * hs_rate_throttled
 *		HubSpot answered 429 (not the DAILY policy): hold every request of the
 *		budget back for as long as the window needs, and return that wait in
 *		ms (> 0; the caller then sends the request again).
 *
 * started_at is the refused request's start (0: unknown), no longer
 * counted.  If our own count shows the window full, the wait lasts until
 * its oldest start leaves it; otherwise others used the budget: a jittered
 * backoff of interval / 100 that grows by half with each 429 not separated
 * by a success, up to a tenth of the interval, and the others are taken to
 * hold the rest of Max.  Retry-After is the caller's to honour.
 * Never raises an ERROR.
 */
extern long hs_rate_throttled(uint64 key, HsRateBucket bucket,
							  const HsHttpRateLimit *rl, TimestampTz started_at);

/*
 * hs_rate_daily
 *		The newest X-HubSpot-RateLimit-Daily and -Daily-Remaining of the
 *		GENERAL budget of key, and when they were seen; false (outputs
 *		untouched) if no response has told them.  HubSpot does not send them
 *		to OAuth apps.
 */
extern bool hs_rate_daily(uint64 key, long *daily, long *daily_remaining,
						  TimestampTz *observed_at);

/*
 * hs_rate_init
 *		From _PG_init.  Loaded through shared_preload_libraries, it requests
 *		the shared memory (PostgreSQL 15: shmem_request_hook, previous hooks
 *		chained) that makes every backend using the same token share one
 *		budget, and holds each backend's wait; otherwise each backend keeps
 *		its budgets in its own memory.
 */
extern void hs_rate_init(void);

/* Are the budgets in shared memory (loaded through shared_preload_libraries)? */
extern bool hs_rate_shared(void);

/*
 * Waiting made visible: while a backend waits on HubSpot (HS_WAIT_REQUEST)
 * or on the rate limit (HS_WAIT_RATE_LIMIT).  hs_wait_begin() reports the
 * wait to pg_stat_activity (wait event type Extension; named HubSpotRequest
 * and HubSpotRateLimit from PostgreSQL 17 on) and, when preloaded, to
 * hubspot_fdw_waits(); hs_wait_end() ends it.  An ERROR in between ends it
 * too.  A WaitLatch() in between should pass hs_wait_event(kind), or it
 * resets pg_stat_activity's wait event when it returns.
 */
typedef enum HsWaitKind
{
	HS_WAIT_NONE = 0,
	HS_WAIT_REQUEST,
	HS_WAIT_RATE_LIMIT
} HsWaitKind;

extern void hs_wait_begin(HsWaitKind kind);
extern void hs_wait_end(void);
/* The wait_event_info of a kind, for WaitLatch() and pgstat_report_wait_start() */
extern uint32 hs_wait_event(HsWaitKind kind);

#endif							/* HUBSPOT_RATELIMIT_H */
