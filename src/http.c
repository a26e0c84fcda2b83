/*-------------------------------------------------------------------------
 *
 * http.c
 *		HTTP transport of hubspot_fdw (libcurl multi interface).
 *
 * No PostgreSQL headers here, on purpose: this file returns plain results and
 * leaves every ereport to client.c.  Nothing in a libcurl callback may
 * palloc or longjmp, and nothing here does.
 *
 * One HsHttp handle is one curl multi handle, whose connection cache keeps
 * keep-alive connections and TLS sessions from request to request, and a
 * share handle for DNS and TLS sessions.  Each request is an HsHttpTransfer
 * with its own easy handle, request copy, response buffer and headers.
 * Waiting happens in curl_multi_poll() slices of at most WAIT_SLICE_MS,
 * after each of which the caller's abort callback is asked whether to give
 * up (query cancel, statement_timeout, backend exit).
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "url.h"

#define WAIT_SLICE_MS 100
#define HS_HTTP_INITIAL_BUFFER 16384
#define USER_AGENT "hubspot_fdw/1.0"

typedef enum TransferState
{
	TRANSFER_NEW,				/* created, not started */
	TRANSFER_RUNNING,			/* on the multi stack */
	TRANSFER_FINISHED,			/* result final, not yet returned by wait */
	TRANSFER_COLLECTED			/* result final and returned */
} TransferState;

struct HsHttpTransfer
{
	HsHttp	   *http;
	HsHttpTransfer *prev;		/* in http's list of transfers */
	HsHttpTransfer *next;
	CURL	   *easy;
	struct curl_slist *headers; /* request headers, the token included */
	TransferState state;

	/* the request, copied */
	char	   *url;
	char	   *method;
	char	   *req_body;		/* NULL if none */
	size_t		req_len;
	size_t		req_pos;
	bool		resend_ok;

	/* response body, always NUL-terminated */
	char	   *buf;
	size_t		len;
	size_t		cap;
	size_t		max_len;
	bool		too_large;
	bool		out_of_memory;

	HsHttpResult res;			/* headers land here while running */
	char		curl_err[CURL_ERROR_SIZE];
};

struct HsHttp
{
	CURLM	   *multi;
	CURLSH	   *share;
	HsHttpTransfer *transfers;	/* every transfer not yet freed */
};

static bool global_init_done = false;

bool
hs_http_global_init(void)
{
	if (!global_init_done)
	{
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			return false;
		global_init_done = true;
	}
	return true;
}

HsHttp *
hs_http_create(void)
{
	HsHttp	   *http;

	if (!hs_http_global_init())
		return NULL;
	http = calloc(1, sizeof(HsHttp));
	if (http == NULL)
		return NULL;
	http->multi = curl_multi_init();
	http->share = curl_share_init();
	if (http->multi == NULL || http->share == NULL ||
		curl_share_setopt(http->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
		curl_share_setopt(http->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
	{
		hs_http_destroy(http);
		return NULL;
	}
	return http;
}

void
hs_http_destroy(HsHttp *http)
{
	if (http == NULL)
		return;
	while (http->transfers != NULL)
		hs_http_transfer_free(http->transfers);
	if (http->multi)
		curl_multi_cleanup(http->multi);
	if (http->share)
		curl_share_cleanup(http->share);
	free(http);
}

/* libcurl write callback: append to the response buffer, up to the cap. */
static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	HsHttpTransfer *t = (HsHttpTransfer *) userdata;
	size_t		n = size * nmemb;

	if (t->len + n > t->max_len)
	{
		t->too_large = true;
		return 0;
	}
	if (t->len + n + 1 > t->cap)
	{
		size_t		newcap = t->cap;
		char	   *newbuf;

		while (t->len + n + 1 > newcap)
			newcap *= 2;
		newbuf = realloc(t->buf, newcap);
		if (newbuf == NULL)
		{
			t->out_of_memory = true;
			return 0;
		}
		t->buf = newbuf;
		t->cap = newcap;
	}
	memcpy(t->buf + t->len, ptr, n);
	t->len += n;
	t->buf[t->len] = '\0';
	return n;
}

/* Copy a header value, trimmed, into a fixed-size field. */
static void
copy_header_value(char *dst, const char *src, size_t srclen)
{
	while (srclen > 0 && (*src == ' ' || *src == '\t'))
	{
		src++;
		srclen--;
	}
	while (srclen > 0 && (src[srclen - 1] == '\r' || src[srclen - 1] == '\n' ||
						  src[srclen - 1] == ' ' || src[srclen - 1] == '\t'))
		srclen--;
	if (srclen >= HS_HTTP_HEADER_LEN)
		srclen = HS_HTTP_HEADER_LEN - 1;
	memcpy(dst, src, srclen);
	dst[srclen] = '\0';
}

/*
 * X-HubSpot-RateLimit-Interval-Milliseconds, read as a number of
 * milliseconds the way strtod() reads it (a leading decimal, fraction or
 * exponent included, such as "1.5e2" or "100ms"), the fraction dropped; -1
 * when it does not start with a number above 0.  Very large values are
 * clamped: the caller caps the wait anyway.
 */
static long
parse_interval_ms(const char *src, size_t srclen)
{
	char		value[HS_HTTP_HEADER_LEN];
	char	   *end;
	double		v;

	copy_header_value(value, src, srclen);
	v = strtod(value, &end);
	if (end == value || !(v > 0))	/* also NaN */
		return -1;
	if (v > (double) (LONG_MAX / 2))
		v = (double) (LONG_MAX / 2);
	return (long) v;
}

/* A header value as a whole number >= 0, or -1. */
static long
parse_count(const char *src, size_t srclen)
{
	char		value[HS_HTTP_HEADER_LEN];
	char	   *end;
	long		v;

	copy_header_value(value, src, srclen);
	if (value[0] < '0' || value[0] > '9')
		return -1;
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return v;
}

static void
clear_headers(HsHttpResult *res)
{
	res->retry_after[0] = '\0';
	res->correlation_id[0] = '\0';
	res->ratelimit.max = -1;
	res->ratelimit.remaining = -1;
	res->ratelimit.interval_ms = -1;
	res->ratelimit.daily = -1;
	res->ratelimit.daily_remaining = -1;
	res->ratelimit.secondly = -1;
	res->ratelimit.secondly_remaining = -1;
}

/* How a kept header's value is stored */
typedef enum HeaderKind
{
	HEADER_TEXT,				/* a string of HS_HTTP_HEADER_LEN */
	HEADER_COUNT,				/* a long: parse_count() */
	HEADER_INTERVAL				/* a long: parse_interval_ms() */
} HeaderKind;

/* The response headers kept, and where. */
static const struct
{
	const char *name;			/* lower case */
	HeaderKind	kind;
	size_t		offset;			/* in HsHttpResult */
}			wanted_headers[] =
{
	{"retry-after", HEADER_TEXT, offsetof(HsHttpResult, retry_after)},
	{"x-hubspot-correlation-id", HEADER_TEXT, offsetof(HsHttpResult, correlation_id)},
	{"x-hubspot-ratelimit-max", HEADER_COUNT, offsetof(HsHttpResult, ratelimit.max)},
	{"x-hubspot-ratelimit-remaining", HEADER_COUNT, offsetof(HsHttpResult, ratelimit.remaining)},
	{"x-hubspot-ratelimit-interval-milliseconds", HEADER_INTERVAL, offsetof(HsHttpResult, ratelimit.interval_ms)},
	{"x-hubspot-ratelimit-daily", HEADER_COUNT, offsetof(HsHttpResult, ratelimit.daily)},
	{"x-hubspot-ratelimit-daily-remaining", HEADER_COUNT, offsetof(HsHttpResult, ratelimit.daily_remaining)},
	{"x-hubspot-ratelimit-secondly", HEADER_COUNT, offsetof(HsHttpResult, ratelimit.secondly)},
	{"x-hubspot-ratelimit-secondly-remaining", HEADER_COUNT, offsetof(HsHttpResult, ratelimit.secondly_remaining)},
};

/* libcurl header callback: keep the headers the client needs. */
static size_t
header_cb(char *ptr, size_t size, size_t nitems, void *userdata)
{
	HsHttpTransfer *t = (HsHttpTransfer *) userdata;
	HsHttpResult *res = &t->res;
	size_t		n = size * nitems;
	const char *colon;
	size_t		namelen;

	/* a new status line (after 1xx, or a retry) starts a new header set */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
	{
		clear_headers(res);
		return n;
	}
	colon = memchr(ptr, ':', n);
	if (colon == NULL)
		return n;
	namelen = colon - ptr;
	for (size_t i = 0; i < sizeof(wanted_headers) / sizeof(wanted_headers[0]); i++)
	{
		char	   *field = (char *) res + wanted_headers[i].offset;

		if (strlen(wanted_headers[i].name) != namelen ||
			strncasecmp(ptr, wanted_headers[i].name, namelen) != 0)
			continue;
		if (wanted_headers[i].kind == HEADER_COUNT)
			*(long *) field = parse_count(colon + 1, n - namelen - 1);
		else if (wanted_headers[i].kind == HEADER_INTERVAL)
			*(long *) field = parse_interval_ms(colon + 1, n - namelen - 1);
		else
			copy_header_value(field, colon + 1, n - namelen - 1);
		break;
	}
	return n;
}

/* libcurl read callback: hand out the request body. */
static size_t
read_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	HsHttpTransfer *t = (HsHttpTransfer *) userdata;
	size_t		room = size * nitems;
	size_t		left = t->req_len - t->req_pos;
	size_t		n = left < room ? left : room;

	memcpy(buffer, t->req_body + t->req_pos, n);
	t->req_pos += n;
	return n;
}

/*
 * libcurl seek callback.  libcurl rewinds the body only to send it again, on
 * its own, over a fresh connection; refusing makes that transfer fail
 * instead, which is what a request that must not be sent twice needs.
 */
static int
seek_cb(void *userdata, curl_off_t offset, int origin)
{
	HsHttpTransfer *t = (HsHttpTransfer *) userdata;

	if (!t->resend_ok || origin != SEEK_SET || offset < 0 ||
		(size_t) offset > t->req_len)
		return CURL_SEEKFUNC_FAIL;
	t->req_pos = (size_t) offset;
	return CURL_SEEKFUNC_OK;
}

/* The request headers, the bearer token included; NULL when out of memory. */
static struct curl_slist *
request_headers(const HsHttpRequest *req)
{
	struct curl_slist *h = NULL;
	struct curl_slist *next;
	char	   *auth;
	size_t		authlen;

	authlen = strlen("Authorization: Bearer ") + strlen(req->bearer_token) + 1;
	auth = malloc(authlen);
	if (auth == NULL)
		return NULL;
	snprintf(auth, authlen, "Authorization: Bearer %s", req->bearer_token);
	next = curl_slist_append(h, auth);
	/* wipe our copy of the token at once; curl keeps its own */
	memset(auth, 0, authlen);
	free(auth);
	if (next == NULL)
		return NULL;
	h = next;
#define ADD_HEADER(s) \
	do { \
		next = curl_slist_append(h, (s)); \
		if (next == NULL) { curl_slist_free_all(h); return NULL; } \
		h = next; \
	} while (0)
	ADD_HEADER("Accept: application/json");
	ADD_HEADER("Expect:");
	if (req->body != NULL)
		ADD_HEADER("Content-Type: application/json");
#undef ADD_HEADER
	return h;
}

static bool
set_options(HsHttpTransfer *t, const HsHttpRequest *req)
{
	CURL	   *easy = t->easy;
	bool		ok = true;

#define SETOPT(opt, val) \
	do { if (curl_easy_setopt(easy, (opt), (val)) != CURLE_OK) ok = false; } while (0)
	SETOPT(CURLOPT_URL, t->url);
	SETOPT(CURLOPT_HTTPHEADER, t->headers);
	SETOPT(CURLOPT_SHARE, t->http->share);
	SETOPT(CURLOPT_PRIVATE, t);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_USERAGENT, USER_AGENT);
	SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(CURLOPT_TIMEOUT_MS, req->timeout_ms);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_ERRORBUFFER, t->curl_err);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, t);
	SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(CURLOPT_HEADERDATA, t);
	if (hs_url_is_loopback(t->url))
		SETOPT(CURLOPT_NOPROXY, "*");

	if (t->req_body != NULL)
	{
		/*
		 * The body goes through a read callback rather than POSTFIELDS so
		 * that seek_cb decides whether libcurl may resend it.
		 */
		SETOPT(CURLOPT_POST, 1L);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) t->req_len);
		SETOPT(CURLOPT_READFUNCTION, read_cb);
		SETOPT(CURLOPT_READDATA, t);
		SETOPT(CURLOPT_SEEKFUNCTION, seek_cb);
		SETOPT(CURLOPT_SEEKDATA, t);
		if (strcmp(t->method, "POST") != 0)
			SETOPT(CURLOPT_CUSTOMREQUEST, t->method);
	}
	else if (strcmp(t->method, "GET") == 0)
		SETOPT(CURLOPT_HTTPGET, 1L);
	else
		SETOPT(CURLOPT_CUSTOMREQUEST, t->method);
#undef SETOPT
	return ok;
}

/* strdup of len bytes, NUL-terminated */
static char *
copy_bytes(const char *s, size_t len)
{
	char	   *copy = malloc(len + 1);

	if (copy != NULL)
	{
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

HsHttpTransfer *
hs_http_transfer_create(HsHttp *http, const HsHttpRequest *req)
{
	HsHttpTransfer *t = calloc(1, sizeof(HsHttpTransfer));

	if (t == NULL)
		return NULL;
	/* linked first, so that hs_http_transfer_free() can undo any step */
	t->http = http;
	t->next = http->transfers;
	if (http->transfers)
		http->transfers->prev = t;
	http->transfers = t;
	t->state = TRANSFER_NEW;
	clear_headers(&t->res);

	t->url = strdup(req->url);
	t->method = strdup(req->method);
	if (req->body != NULL)
		t->req_body = copy_bytes(req->body, req->body_len);
	t->req_len = req->body != NULL ? req->body_len : 0;
	t->resend_ok = req->resend_ok;
	t->max_len = req->max_response_bytes;
	t->cap = HS_HTTP_INITIAL_BUFFER;
	t->buf = malloc(t->cap);
	t->headers = request_headers(req);
	t->easy = curl_easy_init();
	if (t->url == NULL || t->method == NULL || t->buf == NULL ||
		t->headers == NULL || t->easy == NULL ||
		(req->body != NULL && t->req_body == NULL) ||
		!set_options(t, req))
	{
		hs_http_transfer_free(t);
		return NULL;
	}
	t->buf[0] = '\0';
	return t;
}

bool
hs_http_transfer_start(HsHttpTransfer *t)
{
	if (t->state != TRANSFER_NEW)
		return false;
	if (curl_multi_add_handle(t->http->multi, t->easy) != CURLM_OK)
	{
		t->res.outcome = HS_HTTP_INTERNAL;
		snprintf(t->res.errmsg, sizeof(t->res.errmsg), "could not set up the request");
		t->res.body = t->buf;
		t->res.body_len = 0;
		t->state = TRANSFER_FINISHED;
		return false;
	}
	t->state = TRANSFER_RUNNING;
	return true;
}

void
hs_http_transfer_free(HsHttpTransfer *t)
{
	HsHttp	   *http;

	if (t == NULL)
		return;
	http = t->http;
	if (t->easy)
	{
		/* removing the handle mid-transfer closes that connection for good */
		if (t->state == TRANSFER_RUNNING)
			curl_multi_remove_handle(http->multi, t->easy);
		curl_easy_cleanup(t->easy);
	}
	curl_slist_free_all(t->headers);
	if (t->prev)
		t->prev->next = t->next;
	else
		http->transfers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	free(t->url);
	free(t->method);
	free(t->req_body);
	free(t->buf);
	free(t);
}

bool
hs_http_transfer_finished(const HsHttpTransfer *t)
{
	return t->state == TRANSFER_FINISHED || t->state == TRANSFER_COLLECTED;
}

const HsHttpResult *
hs_http_transfer_result(const HsHttpTransfer *t)
{
	return &t->res;
}

static double
info_ms(CURL *easy, CURLINFO what)
{
	curl_off_t	us = 0;

	if (curl_easy_getinfo(easy, what, &us) != CURLE_OK)
		return 0;
	return (double) us / 1000.0;
}

/* Were request bytes handed to the connection? */
static bool
request_bytes_sent(CURL *easy)
{
	long		request_size = 0;

	curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_size);
	return request_size > 0;
}

/* Classify a failed transfer; decides whether the request may have been seen. */
static void
classify_failure(HsHttpTransfer *t, CURLcode cc)
{
	HsHttpResult *res = &t->res;

	res->maybe_sent = request_bytes_sent(t->easy);

	switch (cc)
	{
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CIPHER:
		case CURLE_SSL_CACERT_BADFILE:
			res->outcome = HS_HTTP_CONNECT_FAILED;
			res->maybe_sent = false;
			break;
		case CURLE_OPERATION_TIMEDOUT:
			res->outcome = HS_HTTP_TIMEOUT;
			break;
		case CURLE_OUT_OF_MEMORY:
			res->outcome = HS_HTTP_INTERNAL;
			break;
		case CURLE_WRITE_ERROR:
			res->outcome = t->too_large ? HS_HTTP_TOO_LARGE :
				t->out_of_memory ? HS_HTTP_INTERNAL : HS_HTTP_BROKEN;
			res->maybe_sent = true;
			break;
		case CURLE_SEND_FAIL_REWIND:
			/* libcurl wanted to resend a body it had sent: it was sent */
			res->outcome = HS_HTTP_BROKEN;
			res->maybe_sent = true;
			break;
		default:
			res->outcome = HS_HTTP_BROKEN;
			break;
	}
	if (t->too_large)
		snprintf(res->errmsg, sizeof(res->errmsg),
				 "the response exceeded %zu bytes", t->max_len);
	else
		snprintf(res->errmsg, sizeof(res->errmsg), "%s",
				 t->curl_err[0] ? t->curl_err : curl_easy_strerror(cc));
}

/* How a running transfer ended, for finish_transfer() */
typedef enum Ending
{
	ENDED_CURL,					/* libcurl reported a result code */
	ENDED_ABORTED,				/* the abort check asked to stop */
	ENDED_MULTI_ERROR,			/* the multi handle failed; errmsg is set */
	ENDED_LOST					/* libcurl has nothing left to run */
} Ending;

/* Make a running transfer's result final and take it off the multi stack. */
static void
finish_transfer(HsHttpTransfer *t, Ending how, CURLcode cc)
{
	HsHttpResult *res = &t->res;
	long		connects = 0;

	res->connect_ms = info_ms(t->easy, CURLINFO_CONNECT_TIME_T);
	res->tls_ms = info_ms(t->easy, CURLINFO_APPCONNECT_TIME_T);
	res->first_byte_ms = info_ms(t->easy, CURLINFO_STARTTRANSFER_TIME_T);
	res->total_ms = info_ms(t->easy, CURLINFO_TOTAL_TIME_T);
	if (curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
		res->reused_connection = (connects == 0);

	switch (how)
	{
		case ENDED_ABORTED:
			res->outcome = HS_HTTP_ABORTED;
			res->maybe_sent = request_bytes_sent(t->easy);
			snprintf(res->errmsg, sizeof(res->errmsg), "request interrupted");
			break;
		case ENDED_MULTI_ERROR:
			res->outcome = HS_HTTP_INTERNAL;
			res->maybe_sent = true;
			break;
		case ENDED_LOST:
			res->outcome = HS_HTTP_INTERNAL;
			res->maybe_sent = true;
			snprintf(res->errmsg, sizeof(res->errmsg), "transfer ended without a result");
			break;
		case ENDED_CURL:
			if (cc == CURLE_OK)
			{
				res->outcome = HS_HTTP_DONE;
				res->maybe_sent = true;
				curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &res->status);
			}
			else
				classify_failure(t, cc);
			break;
	}
	if (res->outcome == HS_HTTP_CONNECT_FAILED)
		res->reused_connection = false;

	/* removing the handle mid-transfer closes that connection for good */
	curl_multi_remove_handle(t->http->multi, t->easy);
	t->state = TRANSFER_FINISHED;
	res->body = t->buf;
	res->body_len = t->len;
}

/* End every running transfer of http the same way. */
static void
finish_all_running(HsHttp *http, Ending how, const char *errmsg)
{
	for (HsHttpTransfer *t = http->transfers; t != NULL; t = t->next)
	{
		if (t->state != TRANSFER_RUNNING)
			continue;
		if (errmsg != NULL)
			snprintf(t->res.errmsg, sizeof(t->res.errmsg), "%s", errmsg);
		finish_transfer(t, how, CURLE_OK);
	}
}

/* A finished transfer not yet returned, marked returned; or NULL. */
static HsHttpTransfer *
collect_finished(HsHttp *http)
{
	HsHttpTransfer *found = NULL;

	/* the oldest first: the list has the newest at its head */
	for (HsHttpTransfer *t = http->transfers; t != NULL; t = t->next)
		if (t->state == TRANSFER_FINISHED)
			found = t;
	if (found != NULL)
		found->state = TRANSFER_COLLECTED;
	return found;
}

static bool
any_running(HsHttp *http)
{
	for (HsHttpTransfer *t = http->transfers; t != NULL; t = t->next)
		if (t->state == TRANSFER_RUNNING)
			return true;
	return false;
}

/* Finish the transfers libcurl reports done. */
static void
read_done_messages(HsHttp *http)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(http->multi, &left)) != NULL)
	{
		HsHttpTransfer *t = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
		if (t != NULL && t->state == TRANSFER_RUNNING)
			finish_transfer(t, ENDED_CURL, msg->data.result);
	}
}

/* Milliseconds of a timeout left at now, or a slice when there is none. */
static long
slice_ms(long timeout_ms, struct timespec *start)
{
	struct timespec now;
	long		elapsed;

	if (timeout_ms < 0)
		return WAIT_SLICE_MS;
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = (long) (now.tv_sec - start->tv_sec) * 1000 +
		(long) (now.tv_nsec - start->tv_nsec) / 1000000;
	if (elapsed >= timeout_ms)
		return 0;
	return timeout_ms - elapsed < WAIT_SLICE_MS ? timeout_ms - elapsed : WAIT_SLICE_MS;
}

HsHttpTransfer *
hs_http_wait_any(HsHttp *http, long timeout_ms, HsHttpAbortCheck abort_check)
{
	HsHttpTransfer *t;
	struct timespec start;
	bool		waited = false;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;)
	{
		CURLMcode	mc;
		int			running = 0;
		long		slice;

		if ((t = collect_finished(http)) != NULL)
			return t;
		if (!any_running(http))
			return NULL;

		mc = curl_multi_perform(http->multi, &running);
		if (mc != CURLM_OK)
		{
			finish_all_running(http, ENDED_MULTI_ERROR, curl_multi_strerror(mc));
			continue;
		}
		read_done_messages(http);
		if ((t = collect_finished(http)) != NULL)
			return t;
		if (running == 0)
		{
			finish_all_running(http, ENDED_LOST, NULL);
			continue;
		}
		if (abort_check != NULL && abort_check())
		{
			finish_all_running(http, ENDED_ABORTED, NULL);
			continue;
		}
		slice = slice_ms(timeout_ms, &start);
		if (slice == 0 && (waited || timeout_ms == 0))
			return NULL;
		mc = curl_multi_poll(http->multi, NULL, 0, (int) slice, NULL);
		waited = true;
		if (mc != CURLM_OK)
		{
			finish_all_running(http, ENDED_MULTI_ERROR, curl_multi_strerror(mc));
			continue;
		}
		if (abort_check != NULL && abort_check())
			finish_all_running(http, ENDED_ABORTED, NULL);
	}
}
