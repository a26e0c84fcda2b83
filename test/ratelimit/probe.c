/*
 * probe.c: SQL functions that call hubspot_fdw's rate limiter (src/ratelimit.h)
 * directly, for test/ratelimit/shared.sh only; never installed with the
 * extension.  Built as its own library, it takes hs_rate_*() and hs_wait_*()
 * from hubspot_fdw.so, which the server loaded first (shared_preload_libraries;
 * PostgreSQL opens libraries with RTLD_GLOBAL).
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "ratelimit.h"

PG_MODULE_MAGIC;

static uint64
probe_key(PG_FUNCTION_ARGS)
{
	return hs_rate_key(text_to_cstring(PG_GETARG_TEXT_PP(0)),
					   text_to_cstring(PG_GETARG_TEXT_PP(1)));
}

/* hubspot_fdw_probe_reserve(url text, token text, bucket int) RETURNS bigint */
PG_FUNCTION_INFO_V1(hubspot_fdw_probe_reserve);
Datum
hubspot_fdw_probe_reserve(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(hs_rate_reserve(probe_key(fcinfo), (HsRateBucket) PG_GETARG_INT32(2)));
}

/*
 * hubspot_fdw_probe_observe(url text, token text, max int, remaining int,
 * interval_ms int, started timestamptz) RETURNS void: a GENERAL answer
 */
PG_FUNCTION_INFO_V1(hubspot_fdw_probe_observe);
Datum
hubspot_fdw_probe_observe(PG_FUNCTION_ARGS)
{
	HsHttpRateLimit rl = {PG_GETARG_INT32(2), PG_GETARG_INT32(3), PG_GETARG_INT32(4),
	-1, -1, -1, -1};

	hs_rate_observe(probe_key(fcinfo), HS_RATE_GENERAL, &rl, PG_GETARG_TIMESTAMPTZ(5));
	PG_RETURN_VOID();
}

/* hubspot_fdw_probe_throttled(url text, token text) RETURNS bigint: a GENERAL 429 */
PG_FUNCTION_INFO_V1(hubspot_fdw_probe_throttled);
Datum
hubspot_fdw_probe_throttled(PG_FUNCTION_ARGS)
{
	HsHttpRateLimit rl = {-1, -1, -1, -1, -1, -1, -1};

	PG_RETURN_INT64(hs_rate_throttled(probe_key(fcinfo), HS_RATE_GENERAL, &rl, 0));
}

/* hubspot_fdw_probe_shared() RETURNS bool */
PG_FUNCTION_INFO_V1(hubspot_fdw_probe_shared);
Datum
hubspot_fdw_probe_shared(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_BOOL(hs_rate_shared());
}

/*
 * hubspot_fdw_probe_wait(kind int, seconds float8) RETURNS void: wait as kind
 * (1 HS_WAIT_REQUEST, 2 HS_WAIT_RATE_LIMIT) for that long, in 10 ms sleeps that
 * leave pg_stat_activity's wait event alone; a cancel or statement_timeout
 * ends it with an ERROR.
 */
PG_FUNCTION_INFO_V1(hubspot_fdw_probe_wait);
Datum
hubspot_fdw_probe_wait(PG_FUNCTION_ARGS)
{
	TimestampTz end = GetCurrentTimestamp() +
		(TimestampTz) (PG_GETARG_FLOAT8(1) * USECS_PER_SEC);

	hs_wait_begin((HsWaitKind) PG_GETARG_INT32(0));
	while (GetCurrentTimestamp() < end)
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(10000L);
	}
	hs_wait_end();
	PG_RETURN_VOID();
}
