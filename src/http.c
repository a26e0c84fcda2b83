/*-------------------------------------------------------------------------
 *
 * http.c
 *		HTTP transport of hubspot_fdw (libcurl multi interface).
 *
 * No PostgreSQL headers here, on purpose: this file returns plain results and
 * leaves every ereport to client.c.  Nothing in a libcurl callback may
 * palloc or longjmp, and nothing here does.
 *
 * One HsHttp handle is one curl multi handle plus one easy handle that is
 * reset before each request.  The multi handle keeps the connection cache, so
 * keep-alive connections and TLS sessions are reused from request to
 * request.  Waiting happens in curl_multi_poll() slices of at most
 * WAIT_SLICE_MS, after each of which the caller's abort callback is asked
 * whether to give up (query cancel, statement_timeout, backend exit).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "url.h"

#define WAIT_SLICE_MS 100
#define HS_HTTP_INITIAL_BUFFER 16384
#define HS_HTTP_KEEP_BUFFER (4 * 1024 * 1024)
#define USER_AGENT "hubspot_fdw/1.0"

struct HsHttp
{
	CURLM	   *multi;
	CURL	   *easy;

	/* response body, always NUL-terminated */
	char	   *buf;
	size_t		len;
	size_t		cap;
	size_t		max_len;
	bool		too_large;
	bool		out_of_memory;

	/* request body being sent */
	const char *req_body;
	size_t		req_len;
	size_t		req_pos;
	bool		resend_ok;

	HsHttpResult *res;			/* headers land here */
	char		curl_err[CURL_ERROR_SIZE];
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
	http->easy = curl_easy_init();
	http->cap = HS_HTTP_INITIAL_BUFFER;
	http->buf = malloc(http->cap);
	if (http->multi == NULL || http->easy == NULL || http->buf == NULL)
	{
		hs_http_destroy(http);
		return NULL;
	}
	http->buf[0] = '\0';
	return http;
}

void
hs_http_destroy(HsHttp *http)
{
	if (http == NULL)
		return;
	if (http->easy)
		curl_easy_cleanup(http->easy);
	if (http->multi)
		curl_multi_cleanup(http->multi);
	free(http->buf);
	free(http);
}

/* libcurl write callback: append to the response buffer, up to the cap. */
static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	HsHttp	   *http = (HsHttp *) userdata;
	size_t		n = size * nmemb;

	if (http->len + n > http->max_len)
	{
		http->too_large = true;
		return 0;
	}
	if (http->len + n + 1 > http->cap)
	{
		size_t		newcap = http->cap;
		char	   *newbuf;

		while (http->len + n + 1 > newcap)
			newcap *= 2;
		newbuf = realloc(http->buf, newcap);
		if (newbuf == NULL)
		{
			http->out_of_memory = true;
			return 0;
		}
		http->buf = newbuf;
		http->cap = newcap;
	}
	memcpy(http->buf + http->len, ptr, n);
	http->len += n;
	http->buf[http->len] = '\0';
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

static void
clear_headers(HsHttpResult *res)
{
	res->retry_after[0] = '\0';
	res->ratelimit_interval_ms[0] = '\0';
	res->correlation_id[0] = '\0';
}

/* libcurl header callback: keep the few headers the client needs. */
static size_t
header_cb(char *ptr, size_t size, size_t nitems, void *userdata)
{
	HsHttp	   *http = (HsHttp *) userdata;
	HsHttpResult *res = http->res;
	size_t		n = size * nitems;
	static const struct
	{
		const char *name;
		size_t		offset;
	}			wanted[] =
	{
		{"retry-after", offsetof(HsHttpResult, retry_after)},
		{"x-hubspot-ratelimit-interval-milliseconds", offsetof(HsHttpResult, ratelimit_interval_ms)},
		{"x-hubspot-correlation-id", offsetof(HsHttpResult, correlation_id)},
	};
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
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
	{
		if (strlen(wanted[i].name) == namelen &&
			strncasecmp(ptr, wanted[i].name, namelen) == 0)
		{
			copy_header_value((char *) res + wanted[i].offset, colon + 1,
							  n - namelen - 1);
			break;
		}
	}
	return n;
}

/* libcurl read callback: hand out the request body. */
static size_t
read_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	HsHttp	   *http = (HsHttp *) userdata;
	size_t		room = size * nitems;
	size_t		left = http->req_len - http->req_pos;
	size_t		n = left < room ? left : room;

	memcpy(buffer, http->req_body + http->req_pos, n);
	http->req_pos += n;
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
	HsHttp	   *http = (HsHttp *) userdata;

	if (!http->resend_ok || origin != SEEK_SET || offset < 0 ||
		(size_t) offset > http->req_len)
		return CURL_SEEKFUNC_FAIL;
	http->req_pos = (size_t) offset;
	return CURL_SEEKFUNC_OK;
}

static bool
set_options(HsHttp *http, const HsHttpRequest *req, struct curl_slist **headers)
{
	CURL	   *easy = http->easy;
	struct curl_slist *h = NULL;
	struct curl_slist *next;
	char	   *auth;
	size_t		authlen;
	bool		ok = true;

	authlen = strlen("Authorization: Bearer ") + strlen(req->bearer_token) + 1;
	auth = malloc(authlen);
	if (auth == NULL)
		return false;
	snprintf(auth, authlen, "Authorization: Bearer %s", req->bearer_token);
	next = curl_slist_append(h, auth);
	/* wipe our copy of the token at once; curl keeps its own */
	memset(auth, 0, authlen);
	free(auth);
	if (next == NULL)
		return false;
	h = next;
#define ADD_HEADER(s) \
	do { \
		next = curl_slist_append(h, (s)); \
		if (next == NULL) { curl_slist_free_all(h); return false; } \
		h = next; \
	} while (0)
	ADD_HEADER("Accept: application/json");
	ADD_HEADER("Expect:");
	if (req->body != NULL)
		ADD_HEADER("Content-Type: application/json");
#undef ADD_HEADER
	*headers = h;

#define SETOPT(opt, val) \
	do { if (curl_easy_setopt(easy, (opt), (val)) != CURLE_OK) ok = false; } while (0)
	SETOPT(CURLOPT_URL, req->url);
	SETOPT(CURLOPT_HTTPHEADER, h);
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
	SETOPT(CURLOPT_ERRORBUFFER, http->curl_err);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, http);
	SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(CURLOPT_HEADERDATA, http);
	if (hs_url_is_loopback(req->url))
		SETOPT(CURLOPT_NOPROXY, "*");

	if (req->body != NULL)
	{
		/*
		 * The body goes through a read callback rather than POSTFIELDS so
		 * that seek_cb decides whether libcurl may resend it.
		 */
		SETOPT(CURLOPT_POST, 1L);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
		SETOPT(CURLOPT_READFUNCTION, read_cb);
		SETOPT(CURLOPT_READDATA, http);
		SETOPT(CURLOPT_SEEKFUNCTION, seek_cb);
		SETOPT(CURLOPT_SEEKDATA, http);
		if (strcmp(req->method, "POST") != 0)
			SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
	}
	else if (strcmp(req->method, "GET") == 0)
		SETOPT(CURLOPT_HTTPGET, 1L);
	else
		SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
#undef SETOPT
	return ok;
}

static double
info_ms(CURL *easy, CURLINFO what)
{
	curl_off_t	us = 0;

	if (curl_easy_getinfo(easy, what, &us) != CURLE_OK)
		return 0;
	return (double) us / 1000.0;
}

/* Classify a failed transfer; decides whether the request may have been seen. */
static void
classify_failure(HsHttp *http, CURLcode cc, HsHttpResult *res)
{
	long		request_size = 0;

	curl_easy_getinfo(http->easy, CURLINFO_REQUEST_SIZE, &request_size);
	/* request_size counts request bytes handed to the connection */
	res->maybe_sent = request_size > 0;

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
			res->outcome = http->too_large ? HS_HTTP_TOO_LARGE :
				http->out_of_memory ? HS_HTTP_INTERNAL : HS_HTTP_BROKEN;
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
	if (http->too_large)
		snprintf(res->errmsg, sizeof(res->errmsg),
				 "the response exceeded %zu bytes", http->max_len);
	else
		snprintf(res->errmsg, sizeof(res->errmsg), "%s",
				 http->curl_err[0] ? http->curl_err : curl_easy_strerror(cc));
}

/*
 * hs_http_perform
 *		Run one request to completion, failure or abort.
 *
 * Never fails silently: res->outcome says what happened, and for
 * HS_HTTP_DONE res->status/body hold the response whatever its status.
 */
void
hs_http_perform(HsHttp *http, const HsHttpRequest *req, HsHttpResult *res,
				HsHttpAbortCheck abort_check)
{
	struct curl_slist *headers = NULL;
	CURLcode	cc = CURLE_OK;
	CURLMsg    *msg;
	int			running = 0;
	int			left;
	bool		aborted = false;
	bool		finished = false;
	long		connects = 0;

	memset(res, 0, sizeof(HsHttpResult));
	/* give back what an unusually large earlier response made us keep */
	if (http->cap > HS_HTTP_KEEP_BUFFER)
	{
		char	   *small = realloc(http->buf, HS_HTTP_INITIAL_BUFFER);

		if (small != NULL)
		{
			http->buf = small;
			http->cap = HS_HTTP_INITIAL_BUFFER;
		}
	}
	http->res = res;
	http->len = 0;
	http->buf[0] = '\0';
	http->max_len = req->max_response_bytes;
	http->too_large = false;
	http->out_of_memory = false;
	http->req_body = req->body;
	http->req_len = req->body_len;
	http->req_pos = 0;
	http->resend_ok = req->resend_ok;
	http->curl_err[0] = '\0';

	curl_easy_reset(http->easy);
	if (!set_options(http, req, &headers) ||
		curl_multi_add_handle(http->multi, http->easy) != CURLM_OK)
	{
		curl_easy_setopt(http->easy, CURLOPT_HTTPHEADER, NULL);
		curl_slist_free_all(headers);
		res->outcome = HS_HTTP_INTERNAL;
		snprintf(res->errmsg, sizeof(res->errmsg), "could not set up the request");
		return;
	}

	for (;;)
	{
		CURLMcode	mc = curl_multi_perform(http->multi, &running);

		if (mc != CURLM_OK)
		{
			snprintf(res->errmsg, sizeof(res->errmsg), "%s", curl_multi_strerror(mc));
			res->outcome = HS_HTTP_INTERNAL;
			res->maybe_sent = true;
			break;
		}
		while ((msg = curl_multi_info_read(http->multi, &left)) != NULL)
		{
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == http->easy)
			{
				cc = msg->data.result;
				finished = true;
			}
		}
		if (finished || running == 0)
			break;
		if (abort_check != NULL && abort_check())
		{
			aborted = true;
			break;
		}
		mc = curl_multi_poll(http->multi, NULL, 0, WAIT_SLICE_MS, NULL);
		if (mc != CURLM_OK)
		{
			snprintf(res->errmsg, sizeof(res->errmsg), "%s", curl_multi_strerror(mc));
			res->outcome = HS_HTTP_INTERNAL;
			res->maybe_sent = true;
			break;
		}
		if (abort_check != NULL && abort_check())
		{
			aborted = true;
			break;
		}
	}

	res->connect_ms = info_ms(http->easy, CURLINFO_CONNECT_TIME_T);
	res->tls_ms = info_ms(http->easy, CURLINFO_APPCONNECT_TIME_T);
	res->first_byte_ms = info_ms(http->easy, CURLINFO_STARTTRANSFER_TIME_T);
	res->total_ms = info_ms(http->easy, CURLINFO_TOTAL_TIME_T);
	if (curl_easy_getinfo(http->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
		res->reused_connection = (connects == 0);

	if (aborted)
	{
		long		request_size = 0;

		curl_easy_getinfo(http->easy, CURLINFO_REQUEST_SIZE, &request_size);
		res->outcome = HS_HTTP_ABORTED;
		res->maybe_sent = request_size > 0;
		snprintf(res->errmsg, sizeof(res->errmsg), "request interrupted");
	}
	else if (res->outcome == HS_HTTP_INTERNAL)
		 /* already described */ ;
	else if (!finished)
	{
		res->outcome = HS_HTTP_INTERNAL;
		res->maybe_sent = true;
		snprintf(res->errmsg, sizeof(res->errmsg), "transfer ended without a result");
	}
	else if (cc == CURLE_OK)
	{
		res->outcome = HS_HTTP_DONE;
		res->maybe_sent = true;
		curl_easy_getinfo(http->easy, CURLINFO_RESPONSE_CODE, &res->status);
	}
	else
		classify_failure(http, cc, res);
	if (res->outcome == HS_HTTP_CONNECT_FAILED)
		res->reused_connection = false;

	/* removing the handle mid-transfer closes that connection for good */
	curl_multi_remove_handle(http->multi, http->easy);
	curl_easy_setopt(http->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	http->res = NULL;
	http->req_body = NULL;

	res->body = http->buf;
	res->body_len = http->len;
}
