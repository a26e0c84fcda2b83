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

typedef struct HsHttpResult
{
	HsHttpOutcome outcome;
	bool		maybe_sent;		/* could the server have seen the request? */
	long		status;			/* HTTP status code, 0 if none */

	/* response body; owned by the handle, valid until its next request */
	const char *body;
	size_t		body_len;

	/* selected response headers ("" when absent) */
	char		retry_after[HS_HTTP_HEADER_LEN];
	char		ratelimit_interval_ms[HS_HTTP_HEADER_LEN];
	char		correlation_id[HS_HTTP_HEADER_LEN];

	/* for error messages: libcurl's text and where the time went (ms) */
	char		errmsg[HS_HTTP_ERRMSG_LEN];
	double		connect_ms;
	double		tls_ms;
	double		first_byte_ms;
	double		total_ms;
	bool		reused_connection;
} HsHttpResult;

/*
 * Return true to abort the transfer in progress.  Called often while waiting
 * on the network; it must not longjmp.
 */
typedef bool (*HsHttpAbortCheck) (void);

extern bool hs_http_global_init(void);
extern HsHttp *hs_http_create(void);
extern void hs_http_destroy(HsHttp *http);
extern void hs_http_perform(HsHttp *http, const HsHttpRequest *req,
							HsHttpResult *res, HsHttpAbortCheck abort_check);

#endif							/* HUBSPOT_HTTP_H */
