/*-------------------------------------------------------------------------
 *
 * client.h
 *		The HubSpot client of hubspot_fdw (client.c): connections per user
 *		mapping, and the retry/wait loop that sends one request.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_CLIENT_H
#define HUBSPOT_CLIENT_H

#include "postgres.h"

#include "request.h"

/* A connection to HubSpot for one user mapping. */
typedef struct HsConnection
{
	Oid			umid;
	char	   *token;			/* from the user mapping; never printed */
	HsServerOptions server;
	uint64		rate_key;		/* its rate-limit budget (ratelimit.c) */
	struct HsHttp *http;
	struct HsCall *calls;		/* requests not yet finished, oldest first */
	struct HsCall *calls_tail;
} HsConnection;

/*
 * One request and its attempts (retries, waits for the rate limit), which
 * may be in flight beside others of its connection.
 */
typedef struct HsCall HsCall;

/*
 * The connection for this server and user, from the per-backend cache; no
 * network traffic (the first request connects).  Options are re-read every
 * time, so ALTER SERVER and ALTER USER MAPPING apply at the next statement.
 */
extern HsConnection *hs_connect(Oid serverid, Oid userid);
/*
 * Send one request (path from "/", query without "?" or NULL, body JSON or
 * NULL), retrying and waiting as safety allows, and return HubSpot's final
 * answer, success or not: callers decide what a non-2xx means.  A request
 * that cannot be answered raises errors.c's ERROR; a write HubSpot may or
 * may not have applied raises 08007 and sets stats->outcome_unknown.
 */
extern HsResponse *hs_request(HsConnection *conn, const char *method,
							  const char *path, const char *query,
							  const char *body, HsRequestSafety safety,
							  HsStats *stats);
/*
 * hs_call_start
 *		Start a request as hs_request() sends it, and return at once; the
 *		call belongs to the current memory context (which going away
 *		abandons it).  Every wait on the connection drives all its calls.
 * hs_call_poll
 *		Drive the connection's calls without waiting; true when this call
 *		has its final answer or failure (hs_call_finish() then does not wait).
 * hs_call_wait_any
 *		Wait until one of calls[0..ncalls-1] (of one connection; NULL
 *		elements are skipped) is final, and return it.
 * hs_call_finish
 *		Wait for the call and return its final response, or raise its ERROR
 *		exactly as hs_request() does; the call is spent either way.
 * hs_call_cancel
 *		Abandon a call (NULL is ok): its transfer, if running, is closed
 *		(what HubSpot makes of a write in flight is then unknown).
 * hs_call_answered
 *		Is the call final with an answer (hs_call_finish() returns it, unless
 *		a 2xx body cannot be read)?
 * hs_call_maybe_applied
 *		A write only: is an attempt in flight, or may an earlier one have
 *		been applied?
 * hs_call_stop
 *		Make no further attempt, and wait until the one in flight, if any,
 *		has ended.  The call is then final, or waiting for an attempt it
 *		will not make (hs_call_finish_quiet() or hs_call_cancel() it).
 * hs_call_finish_quiet
 *		The answer of a call hs_call_answered() says has one, parsed; NULL
 *		when it has none or its body cannot be read.  Never raises an error
 *		of the request; the call is spent.
 */
extern HsCall *hs_call_start(HsConnection *conn, const char *method,
							 const char *path, const char *query,
							 const char *body, HsRequestSafety safety,
							 HsStats *stats);
extern bool hs_call_poll(HsCall *call);
extern HsCall *hs_call_wait_any(HsCall **calls, int ncalls);
extern HsResponse *hs_call_finish(HsCall *call);
extern void hs_call_cancel(HsCall *call);
extern bool hs_call_answered(HsCall *call);
extern int	hs_call_attempts(HsCall *call);	/* attempts sent so far */
extern bool hs_call_maybe_applied(HsCall *call);
extern void hs_call_stop(HsCall *call);
extern HsResponse *hs_call_finish_quiet(HsCall *call);

/* Percent-encode a query-string component or path segment (palloc'd):
 * text of the database encoding as its UTF-8 (hs_url_escape), or UTF-8
 * text HubSpot gave, such as a paging cursor (hs_url_escape_utf8). */
extern char *hs_url_escape(const char *s);
extern char *hs_url_escape_utf8(const char *s);

#endif							/* HUBSPOT_CLIENT_H */
