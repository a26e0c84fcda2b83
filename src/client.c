/*-------------------------------------------------------------------------
 *
 * client.c
 *		The HubSpot client: connections per user mapping, and requests with
 *		retries and rate-limit waits.
 *
 * This is the only file that calls the transport (http.c).  A request is a
 * call (HsCall) made of attempts: each attempt is one transfer, judged by
 * classify_attempt(), a pure function of what the attempt came to, which
 * says whether to return the answer, wait and send again, give up, or
 * declare the outcome unknown.  The waiting and the judging are kept apart
 * from the transfer so that several calls can be in flight on one
 * connection.  Errors are raised by errors.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#if PG_VERSION_NUM >= 150000
#include "common/pg_prng.h"
#endif

#include "client.h"
#include "attempt.h"
#include "errors.h"
#include "http.h"
#include "option.h"
#include "ratelimit.h"
#include "usage.h"


typedef struct ConnCacheEntry
{
	Oid			umid;			/* hash key */
	HsConnection conn;
} ConnCacheEntry;

static HTAB *conn_cache = NULL;

/* ----------------------------------------------------------------
 *		Connections
 * ----------------------------------------------------------------
 */

/*
 * find_user_mapping
 *		The user mapping for (userid, server) or PUBLIC, with a clear error
 *		if there is none or it has no token.
 */
static UserMapping *
find_user_mapping(Oid userid, Oid serverid)
{
	ForeignServer *server = GetForeignServer(serverid);
	HeapTuple	tp;
	UserMapping *um;
	ListCell   *lc;
	bool		has_token = false;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER,
						 ObjectIdGetDatum(userid), ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER,
							 ObjectIdGetDatum(InvalidOid), ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no user mapping for user \"%s\" on server \"%s\"",
						GetUserNameFromId(userid, false), server->servername),
				 errhint("Create one with the HubSpot access token: CREATE USER MAPPING FOR %s SERVER %s OPTIONS (access_token '...');",
						 quote_identifier(GetUserNameFromId(userid, false)),
						 quote_identifier(server->servername))));
	ReleaseSysCache(tp);

	um = GetUserMapping(userid, serverid);
	foreach(lc, um->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "access_token") == 0)
			has_token = true;
	}
	if (!has_token)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("the user mapping for user \"%s\" on server \"%s\" has no access_token",
						GetUserNameFromId(userid, false), server->servername),
				 errhint("ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD access_token '...');",
						 quote_identifier(server->servername))));
	return um;
}

/*
 * A copy of "new" in TopMemoryContext, or "old" if it is equal.  The old copy
 * is never freed: a running scan may still use it, and the property
 * catalogue cache tells a changed token by its new address.
 */
static char *
top_strdup_if_changed(char *old, const char *new)
{
	if (old != NULL && strcmp(old, new) == 0)
		return old;
	return MemoryContextStrdup(TopMemoryContext, new);
}

/*
 * hs_connect
 *		The connection for this server and user, from the per-backend cache.
 *
 * No network traffic happens here; the first request opens the connection.
 * Options are re-read every time, so ALTER SERVER and ALTER USER MAPPING take
 * effect at the next statement.
 */
HsConnection *
hs_connect(Oid serverid, Oid userid)
{
	UserMapping *um = find_user_mapping(userid, serverid);
	ConnCacheEntry *entry;
	bool		found;
	ListCell   *lc;
	char	   *old_url;

	if (conn_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ConnCacheEntry);
		conn_cache = hash_create("hubspot_fdw connections", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	}
	entry = hash_search(conn_cache, &um->umid, HASH_ENTER, &found);
	if (!found)
	{
		memset(&entry->conn, 0, sizeof(HsConnection));
		entry->conn.umid = um->umid;
	}

	old_url = entry->conn.server.api_url;
	hs_get_server_options(serverid, &entry->conn.server);
	entry->conn.server.api_url = top_strdup_if_changed(old_url, entry->conn.server.api_url);
	foreach(lc, um->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "access_token") == 0)
			entry->conn.token = top_strdup_if_changed(entry->conn.token,
													  defGetString(def));
	}
	entry->conn.rate_key = hs_rate_key(entry->conn.server.api_url,
									   entry->conn.token);
	hs_usage_connect(um->umid, serverid);
	/* conn.http is made by the first request (call_start_attempt()) */
	return &entry->conn;
}

/* ----------------------------------------------------------------
 *		Requests
 * ----------------------------------------------------------------
 */

/*
 * One request to HubSpot and its attempts so far.
 *
 * A call lives in the memory context that was current when it started, and
 * is on its connection's list of calls until it is finished, cancelled, or
 * that context goes (a reset callback takes it off and frees its transfer,
 * so an ERROR anywhere leaves no call behind).  Every wait on a connection
 * drives all of its calls: a call whose attempt is due and that the rate
 * limit lets go is started, finished transfers are judged.
 */
typedef enum CallState
{
	CALL_WAITING,				/* its next attempt is due at not_before */
	CALL_IN_FLIGHT,				/* an attempt's transfer is running */
	CALL_DONE,					/* final: verdict says what to do */
	CALL_SPENT					/* finished, cancelled or forgotten */
} CallState;

struct HsCall
{
	HsConnection *conn;
	HsCall	   *prev;			/* in conn's list of calls */
	HsCall	   *next;
	CallState	state;
	const char *method;
	const char *path;			/* for error messages: no query */
	HsRequestSafety safety;
	HsRateBucket bucket;
	HsStats    *stats;			/* may be NULL */
	HsHttpRequest req;			/* what each attempt sends */
	int			attempt;		/* attempts made */
	int			rate_waits;		/* 429 waits so far */
	bool		maybe_applied;	/* may an attempt so far have been applied? */
	bool		stopped;		/* no further attempts (hs_call_stop()) */
	TimestampTz not_before;		/* WAITING: when the next attempt is due */
	TimestampTz held_since;		/* WAITING for the rate limit since, or 0 */
	TimestampTz started_at;		/* IN_FLIGHT: when the attempt started */
	HsHttpTransfer *transfer;	/* IN_FLIGHT; DONE: the final attempt's */
	HsHttpResult res;			/* DONE: the final attempt's result */
	AttemptVerdict verdict;		/* DONE */
	MemoryContextCallback forget;
};

static bool
interrupt_pending(void)
{
	return InterruptPending && (QueryCancelPending || ProcDiePending);
}

/* Milliseconds from now until t (0 if past), at most a day. */
static long
ms_until(TimestampTz t, TimestampTz now)
{
	if (t <= now)
		return 0;
	return (long) Min((t - now + 999) / 1000, 86400000);
}

/* Sleep for ms milliseconds, waking for cancel and statement_timeout. */
static void
sleep_ms(long ms, HsWaitKind kind)
{
	TimestampTz end = GetCurrentTimestamp() + (TimestampTz) ms * 1000;

	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = ms_until(end, GetCurrentTimestamp());
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, hs_wait_event(kind));
		ResetLatch(MyLatch);
	}
}

static double
random_fraction(void)
{
#if PG_VERSION_NUM >= 150000
	return pg_prng_double(&pg_global_prng_state);
#else
	return (double) random() / ((double) MAX_RANDOM_VALUE + 1);
#endif
}

/* Does a 429 answer name the DAILY policy in its body? */
static bool
is_daily_limit(const HsHttpResult *res)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw 429 body",
											  ALLOCSET_SMALL_SIZES);
	json_object *j = hs_json_parse_owned(res->body, res->body_len, tmp);
	const char *policy = hs_json_string(j, "policyName");
	bool		daily = policy != NULL && strcmp(policy, "DAILY") == 0;

	MemoryContextDelete(tmp);
	return daily;
}

/* Take a call off its connection's list, freeing its transfer. */
static void
call_unlink(HsCall *call)
{
	HsConnection *conn = call->conn;

	if (call->state == CALL_SPENT)
		return;
	hs_http_transfer_free(call->transfer);
	call->transfer = NULL;
	if (call->prev)
		call->prev->next = call->next;
	else
		conn->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	else
		conn->calls_tail = call->prev;
	call->prev = call->next = NULL;
	call->state = CALL_SPENT;
}

/* The call's memory is going: it must not stay on the list. */
static void
call_forget(void *arg)
{
	call_unlink((HsCall *) arg);
}

static void
call_init(HsCall *call, HsConnection *conn, const char *method, const char *path,
		  const char *query, const char *body, HsRequestSafety safety,
		  HsStats *stats)
{
	StringInfoData url;

	memset(call, 0, sizeof(HsCall));
	call->conn = conn;
	call->method = method;
	call->path = path;
	call->safety = safety;
	/* CRM search has a budget of its own (hubspot-api.md 3.11) */
	call->bucket = strlen(path) > 7 && strcmp(path + strlen(path) - 7, "/search") == 0 ?
		HS_RATE_SEARCH : HS_RATE_GENERAL;
	call->stats = stats;
	if (stats)
		stats->outcome_unknown = stats->resent = false;

	initStringInfo(&url);
	appendStringInfo(&url, "%s%s", conn->server.api_url, path);
	if (query != NULL && query[0] != '\0')
		appendStringInfo(&url, "?%s", query);
	call->req.method = method;
	call->req.url = url.data;
	call->req.body = body ? pstrdup(body) : NULL;
	call->req.body_len = body ? strlen(body) : 0;
	call->req.bearer_token = conn->token;
	/* libcurl may resend reads itself; writes are resent here, visibly */
	call->req.resend_ok = (safety == HS_READ);
	call->req.timeout_ms = conn->server.timeout_ms;
	call->req.connect_timeout_ms = conn->server.connect_timeout_ms;
	call->req.max_response_bytes = HS_MAX_RESPONSE_BYTES;
}

/*
 * Judge an attempt (res is its result, from call->transfer unless the
 * attempt could not be set up) and take the verdict into the call's state:
 * WAITING for the next attempt (the transfer freed), or DONE.
 */
static void
call_judge(HsCall *call, const HsHttpResult *res)
{
	AttemptFacts f;
	AttemptVerdict v;
	HsConnection *conn = call->conn;
	TimestampTz now = GetCurrentTimestamp();

	if (res->outcome == HS_HTTP_DONE)
		hs_rate_observe(conn->rate_key, call->bucket, &res->ratelimit,
						call->started_at);
	f.res = res;
	f.daily_limit = res->outcome == HS_HTTP_DONE && res->status == 429 &&
		is_daily_limit(res);
	f.safety = call->safety;
	f.attempt = call->attempt;
	f.rate_waits = call->rate_waits;
	f.maybe_applied = call->maybe_applied;
	f.max_retries = conn->server.max_retries;
	f.jitter = random_fraction();
	v = classify_attempt(&f);
	hs_usage_attempt_end(conn->umid, res->outcome == HS_HTTP_DONE, res->status,
						 &res->ratelimit, v.action == ATTEMPT_RETRY);

	call->maybe_applied = v.maybe_applied;
	if (res->outcome == HS_HTTP_DONE && res->status == 429 && call->stats)
		call->stats->throttled++;
	if (v.action != ATTEMPT_RETRY)
	{
		/* an error context may be told before the call is finished */
		if (v.action == ATTEMPT_GIVE_UP && v.give_up == GIVE_UP_INTERRUPTED &&
			call->safety != HS_READ && call->stats && call->maybe_applied)
			call->stats->outcome_unknown = true;
		call->state = CALL_DONE;
		call->res = *res;
		call->verdict = v;
		return;
	}
	/* res belongs to the transfer: read what is needed before freeing it */
	if (v.rate_wait)
	{
		/* no Retry-After: as long as the window needs */
		if (res->retry_after[0] == '\0')
			v.wait_ms = hs_rate_throttled(conn->rate_key, call->bucket,
										  &res->ratelimit, call->started_at);
		call->rate_waits++;
		call->held_since = now;
	}
	hs_http_transfer_free(call->transfer);
	call->transfer = NULL;
	if (call->stats)
	{
		call->stats->retries++;
		/* a cancel while waiting leaves an earlier attempt's outcome unknown */
		if (call->safety != HS_READ && call->maybe_applied)
			call->stats->outcome_unknown = true;
	}
	call->state = CALL_WAITING;
	call->not_before = now + (TimestampTz) v.wait_ms * 1000;
}

/* Start the call's next attempt now: its transfer is put on the stack. */
static void
call_start_attempt(HsCall *call, TimestampTz now)
{
	HsConnection *conn = call->conn;
	HsHttpTransfer *t;

	if (conn->http == NULL)
	{
		conn->http = hs_http_create();
		if (conn->http == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not initialize libcurl")));
	}
	if (call->held_since != 0)
	{
		double		waited = (double) (now - call->held_since) / 1000.0;

		if (call->stats)
			call->stats->rate_wait_ms += waited;
		hs_usage_rate_wait(conn->umid, waited);
	}
	call->held_since = 0;
	if (call->stats)
		call->stats->requests++;
	hs_usage_attempt(conn->umid, call->method, call->path, call->stats);
	call->attempt++;
	call->started_at = now;
	/* the call owns the transfer from here, on an ERROR while judged too */
	t = call->transfer = hs_http_transfer_create(conn->http, &call->req);
	if (t != NULL && hs_http_transfer_start(t))
	{
		call->state = CALL_IN_FLIGHT;
		return;
	}
	if (t == NULL)
	{
		HsHttpResult res;

		memset(&res, 0, sizeof(res));
		res.outcome = HS_HTTP_INTERNAL;
		res.body = "";
		res.ratelimit.max = res.ratelimit.remaining = res.ratelimit.interval_ms = -1;
		snprintf(res.errmsg, sizeof(res.errmsg), "could not set up the request");
		call_judge(call, &res);
	}
	else
		call_judge(call, hs_http_transfer_result(t));
}

/*
 * Start the waiting calls of conn whose attempt is due and which the rate
 * limit lets go, in the order they were made.  Returns the milliseconds
 * until the next waiting call is due (-1: none waits); *rate_held tells
 * whether one waits for the rate limit.
 */
static long
start_due_calls(HsConnection *conn, bool *rate_held)
{
	TimestampTz now = GetCurrentTimestamp();
	long		next = -1;

	*rate_held = false;
	for (HsCall *call = conn->calls; call != NULL; call = call->next)
	{
		long		wait;

		if (call->state != CALL_WAITING || call->stopped)
			continue;
		if (call->not_before <= now)
		{
			wait = hs_rate_reserve(conn->rate_key, call->bucket);
			if (wait <= 0)
			{
				call_start_attempt(call, now);
				continue;
			}
			if (call->held_since == 0)
				call->held_since = now;
			call->not_before = now + (TimestampTz) wait * 1000;
		}
		if (call->held_since != 0)
			*rate_held = true;
		wait = ms_until(call->not_before, now);
		if (next < 0 || wait < next)
			next = wait;
	}
	return next;
}

static bool
any_in_flight(HsConnection *conn)
{
	for (HsCall *call = conn->calls; call != NULL; call = call->next)
		if (call->state == CALL_IN_FLIGHT)
			return true;
	return false;
}

/* The transfer t finished: judge the call it belongs to. */
static void
transfer_done(HsConnection *conn, HsHttpTransfer *t)
{
	for (HsCall *call = conn->calls; call != NULL; call = call->next)
		if (call->transfer == t && call->state == CALL_IN_FLIGHT)
		{
			call_judge(call, hs_http_transfer_result(t));
			return;
		}
	hs_http_transfer_free(t);	/* no call of ours: nobody waits for it */
}

/*
 * pump
 *		One step for every call of conn: start what is due, then wait up to
 *		max_wait_ms (-1: until something happens; 0: not at all) for a
 *		transfer to finish or a waiting call to fall due, and judge what
 *		finished.
 */
static void
pump(HsConnection *conn, long max_wait_ms)
{
	bool		rate_held;
	long		due = start_due_calls(conn, &rate_held);
	long		timeout = max_wait_ms;
	HsHttpTransfer *t;

	if (due >= 0 && (timeout < 0 || due < timeout))
		timeout = due;
	if (any_in_flight(conn))
	{
		hs_wait_begin(HS_WAIT_REQUEST);
		t = hs_http_wait_any(conn->http, timeout, interrupt_pending);
		hs_wait_end();
		if (t != NULL)
		{
			transfer_done(conn, t);
			/* the others that finished meanwhile, without waiting */
			while ((t = hs_http_wait_any(conn->http, 0, interrupt_pending)) != NULL)
				transfer_done(conn, t);
		}
	}
	else if (timeout > 0)
	{
		HsWaitKind	kind = rate_held ? HS_WAIT_RATE_LIMIT : HS_WAIT_REQUEST;

		hs_wait_begin(kind);
		sleep_ms(timeout, kind);
		hs_wait_end();
	}
	else if (timeout < 0)
		elog(ERROR, "hubspot_fdw: waiting for a request that is not in flight");
}

/* Raise the ERROR a verdict of ATTEMPT_GIVE_UP or ATTEMPT_UNKNOWN names. */
static void
call_fail(HsCall *call, const HsHttpResult *res, const AttemptVerdict *v)
{
	HsConnection *conn = call->conn;

	if (v->action == ATTEMPT_UNKNOWN)
	{
		if (v->transport_failed)
			hs_report_unknown_outcome(call->method, call->path, call->safety,
									  hs_transport_failure_text(&conn->server, res),
									  res->errmsg, call->attempt, call->stats);
		hs_report_unknown_outcome(call->method, call->path, call->safety,
								  psprintf("HubSpot answered HTTP %ld", res->status),
								  NULL, call->attempt, call->stats);
	}
	Assert(v->action == ATTEMPT_GIVE_UP);
	switch (v->give_up)
	{
		case GIVE_UP_INTERRUPTED:
			/* the caller's error context says which rows this leaves unknown */
			if (call->safety != HS_READ && call->stats && call->maybe_applied)
				call->stats->outcome_unknown = true;
			/* PostgreSQL's own error, if it has one to raise */
			CHECK_FOR_INTERRUPTS();
			hs_report_interrupted(call->method, call->path);
			break;
		case GIVE_UP_TRANSPORT:
			hs_report_transport_error(&conn->server, call->method, call->path,
									  res, call->attempt);
			break;
		case GIVE_UP_DAILY_LIMIT:
			hs_report_daily_limit(call->method, call->path, res->correlation_id);
			break;
	}
	pg_unreachable();
}

/* An HsResponse for the answer res, its body parsed (json NULL when it
 * cannot be read) in the current memory context. */
static HsResponse *
response_from(HsCall *call, const HsHttpResult *res)
{
	HsResponse *resp = palloc0(sizeof(HsResponse));

	resp->status = res->status;
	resp->method = call->method;
	resp->path = call->path;
	resp->correlation_id = pstrdup(res->correlation_id);
	if (res->body_len > 0)
		resp->json = hs_json_parse_owned(res->body, res->body_len, CurrentMemoryContext);
	return resp;
}

/* The caller's HsResponse for the final answer res. */
static HsResponse *
call_answer(HsCall *call, const HsHttpResult *res)
{
	HsResponse *resp;

	if (call->stats)
	{
		call->stats->outcome_unknown = false;
		call->stats->resent = call->maybe_applied;
	}
	resp = response_from(call, res);
	if (resp->json == NULL && res->body_len > 0 &&
		res->status >= 200 && res->status < 300)
	{
		if (call->safety != HS_READ)
			hs_report_unknown_outcome(call->method, call->path, call->safety,
									  "HubSpot accepted the request, but its response could not be read",
									  NULL, call->attempt, call->stats);
		hs_report_malformed_response(call->method, call->path, res->status,
									 res->body_len);
	}
	return resp;
}

/*
 * hs_call_start
 *		Make a request and return at once: its first attempt starts now if
 *		the rate limit lets it, else when it does.  The call belongs to the
 *		current memory context (path, query and body are copied).
 */
HsCall *
hs_call_start(HsConnection *conn, const char *method, const char *path,
			  const char *query, const char *body, HsRequestSafety safety,
			  HsStats *stats)
{
	HsCall	   *call = palloc(sizeof(HsCall));

	call_init(call, conn, method, path, query, body, safety, stats);
	call->state = CALL_WAITING;
	call->not_before = 0;
	call->prev = conn->calls_tail;
	if (conn->calls_tail)
		conn->calls_tail->next = call;
	else
		conn->calls = call;
	conn->calls_tail = call;
	call->forget.func = call_forget;
	call->forget.arg = call;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &call->forget);
	/* send it, and whatever else is due, without waiting for answers */
	pump(conn, 0);
	return call;
}

bool
hs_call_poll(HsCall *call)
{
	if (call->state != CALL_DONE && call->state != CALL_SPENT)
		pump(call->conn, 0);
	return call->state == CALL_DONE;
}

HsCall *
hs_call_wait_any(HsCall **calls, int ncalls)
{
	for (;;)
	{
		for (int i = 0; i < ncalls; i++)
			if (calls[i] != NULL && calls[i]->state == CALL_DONE)
				return calls[i];
		Assert(ncalls > 0 && calls[0] != NULL);
		pump(calls[0]->conn, -1);
	}
}

HsResponse *
hs_call_finish(HsCall *call)
{
	HsResponse *resp;
	HsHttpResult res;

	if (call->state == CALL_SPENT)
		elog(ERROR, "hubspot_fdw: a request was finished twice");
	while (call->state != CALL_DONE)
	{
		if (call->stopped && call->state == CALL_WAITING)
			elog(ERROR, "hubspot_fdw: finishing a request that was stopped");
		pump(call->conn, -1);
	}
	if (call->verdict.action != ATTEMPT_ANSWER)
	{
		AttemptVerdict v = call->verdict;

		res = call->res;
		res.body = "";
		res.body_len = 0;
		call_unlink(call);
		call_fail(call, &res, &v);
	}
	resp = call_answer(call, &call->res);
	call_unlink(call);
	return resp;
}

void
hs_call_cancel(HsCall *call)
{
	if (call != NULL)
		call_unlink(call);
}

int
hs_call_attempts(HsCall *call)
{
	return call->attempt;
}

bool
hs_call_answered(HsCall *call)
{
	return call->state == CALL_DONE && call->verdict.action == ATTEMPT_ANSWER;
}

bool
hs_call_maybe_applied(HsCall *call)
{
	if (call->safety == HS_READ || call->state == CALL_SPENT)
		return false;
	return call->state == CALL_IN_FLIGHT || call->maybe_applied;
}

void
hs_call_stop(HsCall *call)
{
	call->stopped = true;
	while (call->state == CALL_IN_FLIGHT)
		pump(call->conn, -1);
}

HsResponse *
hs_call_finish_quiet(HsCall *call)
{
	HsResponse *resp = NULL;
	const HsHttpResult *res = &call->res;

	if (hs_call_answered(call))
	{
		resp = response_from(call, res);
		if (resp->json == NULL && res->body_len > 0)
			resp = NULL;
	}
	call_unlink(call);
	return resp;
}

/*
 * hs_request
 *		Send one request to HubSpot and return its final response.
 *
 * path starts with "/" (e.g. "/crm/v3/objects/products"); query is the URL
 * query without "?", or NULL.  Retries and waits as classify_attempt()
 * says, paced by the rate limit (ratelimit.c); a request that cannot be
 * answered raises the ERROR errors.c has for it.  A write whose attempts
 * all ended without an answer, whose outcome a 5xx or a failure after
 * sending left open for a create, or whose 2xx answer cannot be read, ends
 * in 08007: HubSpot may or may not have applied it.  Every such error, and
 * a cancel while a write was in flight, sets stats->outcome_unknown.
 * Any other response, success or not, is returned with its parsed body
 * (in CurrentMemoryContext); callers decide what a non-2xx means.
 */
HsResponse *
hs_request(HsConnection *conn, const char *method, const char *path,
		   const char *query, const char *body, HsRequestSafety safety,
		   HsStats *stats)
{
	return hs_call_finish(hs_call_start(conn, method, path, query, body,
										safety, stats));
}

/* ----------------------------------------------------------------
 *		Utilities
 * ----------------------------------------------------------------
 */

/*
 * hs_url_escape_utf8
 *		Percent-encode UTF-8 text (a paging cursor HubSpot gave) as a URL
 *		path segment or query-string component.
 */
char *
hs_url_escape_utf8(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			*p == '.' || *p == '~')
			appendStringInfoChar(&buf, (char) *p);
		else
			appendStringInfo(&buf, "%%%02X", *p);
	}
	return buf.data;
}

/*
 * hs_url_escape
 *		Percent-encode text of the database encoding (a property name, an
 *		id) as its UTF-8, which is what HubSpot reads (RFC 3986 section
 *		2.5); 22P05 for a character UTF-8 lacks.
 */
char *
hs_url_escape(const char *s)
{
	return hs_url_escape_utf8(pg_server_to_any(s, (int) strlen(s), PG_UTF8));
}
