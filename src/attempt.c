/*-------------------------------------------------------------------------
 *
 * attempt.c
 *		Judging one attempt of a request to HubSpot: answer, retry after a
 *		wait, give up, or an unknown outcome (classify_attempt()).
 *
 * A pure function of the facts client.c gathers, kept apart from the
 * transfers and the waiting so that it can be read (and tested) alone.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "attempt.h"

/* longest waits, in milliseconds */
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 10000
#define RATE_LIMIT_DEFAULT_WAIT_MS 10000
#define RATE_LIMIT_MAX_WAIT_MS 60000
#define LOCKED_MIN_WAIT_MS 2000
#define MAX_RATE_LIMIT_WAITS 30

/* Exponential backoff with jitter: [d/2, d) with d = base * 2^retry. */
static long
backoff_ms(int retry, double jitter)
{
	double		d = BACKOFF_BASE_MS * pow(2.0, Min(retry, 10));

	d = Min(d, BACKOFF_CAP_MS);
	return (long) (d / 2 + jitter * d / 2);
}

/* The wait a 429/423/477 asks for: Retry-After, else the rate-limit window. */
static long
requested_wait_ms(const HsHttpResult *res, long fallback_ms)
{
	char	   *end;
	double		v;

	if (res->retry_after[0] != '\0')
	{
		v = strtod(res->retry_after, &end);
		if (end != res->retry_after && v >= 0 && !isnan(v))
		{
			/* seconds per RFC 9110; values above 1000 can only be ms */
			double		ms = v > 1000 ? v : v * 1000;

			return (long) Min(Max(ms, 1), RATE_LIMIT_MAX_WAIT_MS);
		}
	}
	if (res->ratelimit.interval_ms >= 0)
		return Min(res->ratelimit.interval_ms, RATE_LIMIT_MAX_WAIT_MS);
	return fallback_ms;
}

/* HTTP statuses after which HubSpot may or may not have done the work */
static bool
is_server_failure(long status)
{
	return status == 500 || status == 502 || status == 503 || status == 504 ||
		status == 521 || status == 523 || status == 524;
}

/* An attempt that ended without an HTTP answer (outcome not DONE). */
static void
classify_transport_failure(const AttemptFacts *f, AttemptVerdict *v)
{
	const HsHttpResult *res = f->res;
	bool		write = (f->safety != HS_READ);

	if (res->outcome == HS_HTTP_ABORTED)
	{
		v->action = ATTEMPT_GIVE_UP;
		v->give_up = GIVE_UP_INTERRUPTED;
		return;
	}
	/* more retries cannot help these, and nothing can be sent again blind */
	if (res->outcome == HS_HTTP_TOO_LARGE || res->outcome == HS_HTTP_INTERNAL ||
		(v->maybe_applied && f->safety == HS_NOT_IDEMPOTENT) ||
		f->attempt > f->max_retries)
	{
		if (write && v->maybe_applied)
		{
			v->action = ATTEMPT_UNKNOWN;
			v->transport_failed = true;
		}
		else
		{
			v->action = ATTEMPT_GIVE_UP;
			v->give_up = GIVE_UP_TRANSPORT;
		}
		return;
	}
	v->action = ATTEMPT_RETRY;
	v->wait_ms = backoff_ms(f->attempt - 1, f->jitter);
}

/* An attempt that HubSpot answered with an HTTP status. */
static void
classify_answer(const AttemptFacts *f, AttemptVerdict *v)
{
	const HsHttpResult *res = f->res;
	bool		write = (f->safety != HS_READ);

	v->action = ATTEMPT_ANSWER;
	if (res->status == 429)
	{
		if (f->daily_limit && !(write && v->maybe_applied))
		{
			v->action = ATTEMPT_GIVE_UP;
			v->give_up = GIVE_UP_DAILY_LIMIT;
			return;
		}
		if (!f->daily_limit && f->rate_waits < MAX_RATE_LIMIT_WAITS)
		{
			v->action = ATTEMPT_RETRY;
			v->rate_wait = true;
			v->wait_ms = requested_wait_ms(res, RATE_LIMIT_DEFAULT_WAIT_MS);
		}
	}
	else if (res->status == 423 || res->status == 477)
	{
		if (f->attempt <= f->max_retries)
		{
			v->action = ATTEMPT_RETRY;
			v->wait_ms = requested_wait_ms(res, LOCKED_MIN_WAIT_MS);
			if (res->status == 423)
				v->wait_ms = Max(v->wait_ms, LOCKED_MIN_WAIT_MS);
		}
	}
	else if (is_server_failure(res->status))
	{
		/* HubSpot's 5xx does not promise that nothing was written */
		v->maybe_applied = true;
		if (f->safety == HS_NOT_IDEMPOTENT)
		{
			v->action = ATTEMPT_UNKNOWN;
			return;
		}
		if (f->attempt <= f->max_retries)
		{
			v->action = ATTEMPT_RETRY;
			v->wait_ms = backoff_ms(f->attempt - 1, f->jitter);
		}
	}

	/*
	 * An earlier attempt of a write may have been applied, and the last one
	 * did not succeed: what HubSpot did is unknown.
	 */
	if (v->action == ATTEMPT_ANSWER && write && v->maybe_applied &&
		(res->status < 200 || res->status >= 300))
		v->action = ATTEMPT_UNKNOWN;
}

/*
 * classify_attempt
 *		Decide what follows an attempt, from the facts alone (no I/O, no
 *		ERROR, no randomness but f->jitter).
 *
 * Following HubSpot's guidance on errors and rate limits
 * (https://developers.hubspot.com/docs/api/usage-details):
 *   - 429 (but DAILY), 423 and 477 wait for Retry-After (else the
 *     rate-limit interval) and retry, whatever the request: HubSpot did
 *     not process it; 429s up to MAX_RATE_LIMIT_WAITS times, 423/477 up to
 *     max_retries;
 *   - a 429 DAILY gives up (an unknown outcome if an earlier attempt of a
 *     write may have been applied);
 *   - connection failures before anything was sent retry with backoff;
 *   - timeouts, broken connections and 500/502/503/504/521/523/524 retry
 *     with backoff for reads and HS_IDEMPOTENT_WRITE requests; for
 *     HS_NOT_IDEMPOTENT ones (creates) the outcome is unknown at once;
 *   - a write whose attempts all ended without an answer, or with a final
 *     non-2xx answer after one that may have been applied, is unknown.
 */
AttemptVerdict
classify_attempt(const AttemptFacts *f)
{
	AttemptVerdict v;

	memset(&v, 0, sizeof(v));
	v.maybe_applied = f->maybe_applied;
	if (f->res->outcome != HS_HTTP_DONE)
	{
		if (f->res->maybe_sent)
			v.maybe_applied = true;
		classify_transport_failure(f, &v);
	}
	else
		classify_answer(f, &v);
	return v;
}

