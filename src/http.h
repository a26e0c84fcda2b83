/*-------------------------------------------------------------------------
 *
 * http.h
 *		HTTP transport of hubspot_fdw, built on libcurl's multi interface.
 *
 * This layer knows HTTP and nothing of PostgreSQL: it includes no server
 * headers, never allocates with palloc and never raises an ERROR.  It returns
 * plain C results that the HubSpot client (client.c) turns into ereports.
 * Everything it allocates comes from malloc (through libcurl) and is owned by
 * an HsHttp handle, which lives for the whole backend.
 *
 * An HsHttp is a curl multi handle: its connection cache keeps keep-alive
 * connections and TLS sessions from request to request.  Each request is an
 * HsHttpTransfer (create, start, wait for any, read the result, free), so
 * several can be in flight on one handle.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_HTTP_H
#define HUBSPOT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct HsHttp HsHttp;

/* Outcome of one transfer, before the HTTP status code is looked at. */
typedef enum HsHttpOutcome
{
	HS_HTTP_DONE = 0,			/* a complete response arrived (any status) */
	HS_HTTP_CONNECT_FAILED,		/* DNS, connect or TLS failure: nothing sent */
	HS_HTTP_TIMEOUT,			/* the transfer timed out */
	HS_HTTP_BROKEN,				/* the connection failed mid-transfer */
	HS_HTTP_TOO_LARGE,			/* the response exceeded max_response_bytes */
	HS_HTTP_ABORTED,			/* the abort callback asked to stop */
	HS_HTTP_INTERNAL			/* out of memory or a libcurl usage error */
} HsHttpOutcome;

typedef struct HsHttpRequest
{
	const char *method;			/* "GET", "POST", "PATCH", "DELETE" */
	const char *url;			/* absolute URL */
	const char *body;			/* request body, or NULL */
	size_t		body_len;
	const char *bearer_token;	/* sent as Authorization: Bearer; never logged */

	/*
	 * May libcurl send the body a second time on its own?  libcurl silently
	 * resends a request when a reused keep-alive connection turns out to be
	 * dead before any response byte arrived -- which is also what a server
	 * that processed the request and then dropped the connection looks like.
	 * For requests that must never be sent twice (creates) this is false,
	 * and such a resend fails instead (as HS_HTTP_BROKEN, maybe_sent).
	 */
	bool		resend_ok;

	long		timeout_ms;
	long		connect_timeout_ms;
	size_t		max_response_bytes;
} HsHttpRequest;

#define HS_HTTP_HEADER_LEN 96
#define HS_HTTP_ERRMSG_LEN 512

/*
 * HubSpot's rate-limit headers (X-HubSpot-RateLimit-*), as numbers; -1 when
 * the response did not carry the header or its value is not a whole number
 * >= 0.  The interval is read as strtod() reads a number ("1.5e2" is 150,
 * "0.5" is 0) and is -1 unless that number is above 0.  HubSpot sends them
 * on most answers (not on search, and the Daily ones not to OAuth apps);
 * Secondly and Secondly-Remaining are deprecated.
 */
typedef struct HsHttpRateLimit
{
	long		max;			/* X-HubSpot-RateLimit-Max: requests per interval */
	long		remaining;		/* ...-Remaining: left in this interval */
	long		interval_ms;	/* ...-Interval-Milliseconds: the interval */
	long		daily;			/* ...-Daily: requests per day */
	long		daily_remaining;	/* ...-Daily-Remaining */
	long		secondly;		/* ...-Secondly */
	long		secondly_remaining; /* ...-Secondly-Remaining */
} HsHttpRateLimit;

typedef struct HsHttpResult
{
	HsHttpOutcome outcome;
	bool		maybe_sent;		/* could the server have seen the request? */
	long		status;			/* HTTP status code, 0 if none */

	/* response body, NUL-terminated; owned by the transfer (see below) */
	const char *body;
	size_t		body_len;

	/* response headers of the final response ("" / -1 when absent) */
	char		retry_after[HS_HTTP_HEADER_LEN];	/* as sent: seconds or a date */
	char		correlation_id[HS_HTTP_HEADER_LEN]; /* X-HubSpot-Correlation-Id */
	HsHttpRateLimit ratelimit;

	/* for error messages: libcurl's text and where the time went (ms) */
	char		errmsg[HS_HTTP_ERRMSG_LEN];
	double		connect_ms;
	double		tls_ms;
	double		first_byte_ms;
	double		total_ms;
	bool		reused_connection;
} HsHttpResult;

/*
 * Return true to abort the transfers in progress.  Called often while
 * waiting on the network; it must not longjmp.
 */
typedef bool (*HsHttpAbortCheck) (void);

/*
 * One request in flight, with its own copy of the request, its own response
 * buffer and headers.  It belongs to the HsHttp it was created on:
 * hs_http_destroy() frees the transfers not freed before.
 */
typedef struct HsHttpTransfer HsHttpTransfer;

/* curl_global_init, once per process; false if it failed */
extern bool hs_http_global_init(void);

/* A handle with its own connection cache; NULL when out of memory. */
extern HsHttp *hs_http_create(void);

/* Close its connections and free it and all its transfers; NULL is ok. */
extern void hs_http_destroy(HsHttp *http);

/*
 * hs_http_transfer_create
 *		A transfer of req on http, set up but not started.  Everything req
 *		points to is copied (the token only into libcurl's header list, and
 *		our copy wiped).  NULL when out of memory or libcurl refused an
 *		option.
 */
extern HsHttpTransfer *hs_http_transfer_create(HsHttp *http,
											   const HsHttpRequest *req);

/*
 * hs_http_transfer_start
 *		Put the transfer on its handle's multi stack; nothing is sent until
 *		hs_http_wait_any().  False if libcurl refused: the transfer is then
 *		finished with HS_HTTP_INTERNAL.  A transfer is started once.
 */
extern bool hs_http_transfer_start(HsHttpTransfer *t);

/*
 * hs_http_wait_any
 *		Drive every started transfer of http until one finishes, and return
 *		it (once; its result is then final), or until timeout_ms (< 0: no
 *		limit; 0: drive what is ready without waiting) have passed.  Waits in
 *		slices of at most 100 ms, asking abort_check (may be NULL) after
 *		each: when it says stop, every unfinished transfer finishes as
 *		HS_HTTP_ABORTED and they are returned one per call.  NULL when no
 *		started transfer is left, or the time is up.
 */
extern HsHttpTransfer *hs_http_wait_any(HsHttp *http, long timeout_ms,
										HsHttpAbortCheck abort_check);

/* Has t finished (success or failure)? */
extern bool hs_http_transfer_finished(const HsHttpTransfer *t);

/*
 * The result of a finished transfer: outcome, status, body, headers,
 * timings.  Valid, body included, until hs_http_transfer_free(t).
 */
extern const HsHttpResult *hs_http_transfer_result(const HsHttpTransfer *t);

/*
 * Free a transfer (NULL is ok).  An unfinished one is taken off the multi
 * stack first, which closes its connection.
 */
extern void hs_http_transfer_free(HsHttpTransfer *t);

#endif							/* HUBSPOT_HTTP_H */
