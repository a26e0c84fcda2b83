/*-------------------------------------------------------------------------
 *
 * client.c
 *		The HubSpot client: connections per user mapping, requests with
 *		retries and rate-limit waits, HubSpot errors turned into ereports.
 *
 * This is the only file that calls the transport (http.c) and the only one
 * that maps HubSpot's error categories and transport failures to SQLSTATEs
 * (error_map[] below).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#if PG_VERSION_NUM >= 150000
#include "common/pg_prng.h"
#endif

#include "hubspot_fdw.h"
#include "http.h"

/* longest waits, in milliseconds */
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 10000
#define RATE_LIMIT_DEFAULT_WAIT_MS 10000
#define RATE_LIMIT_MAX_WAIT_MS 60000
#define LOCKED_MIN_WAIT_MS 2000
#define MAX_RATE_LIMIT_WAITS 30

/* SQLSTATEs of transport failures (no HubSpot category) */
#define HS_ERRCODE_CONNECT		ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION
#define HS_ERRCODE_TRANSPORT	ERRCODE_CONNECTION_FAILURE
#define HS_ERRCODE_TIMEOUT		ERRCODE_CONNECTION_EXCEPTION
#define HS_ERRCODE_UNKNOWN_OUTCOME ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN

/*
 * The one table from HubSpot error categories (or, when the category is
 * unknown, HTTP statuses) to SQLSTATEs.  The README lists it for users.
 */
static const struct
{
	const char *category;		/* NULL: match on status */
	long		status;
	int			sqlstate;
}			error_map[] =
{
	{"INVALID_AUTHENTICATION", 0, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{"EXPIRED_AUTHENTICATION", 0, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{"MISSING_SCOPES", 0, ERRCODE_INSUFFICIENT_PRIVILEGE},
	{"BANNED", 0, ERRCODE_INSUFFICIENT_PRIVILEGE},
	{"VALIDATION_ERROR", 0, ERRCODE_INVALID_PARAMETER_VALUE},
	{"OBJECT_NOT_FOUND", 0, ERRCODE_UNDEFINED_OBJECT},
	{"CONFLICT", 0, ERRCODE_UNIQUE_VIOLATION},
	{"OBJECT_ALREADY_EXISTS", 0, ERRCODE_UNIQUE_VIOLATION},
	{"RATE_LIMITS", 0, ERRCODE_CONFIGURATION_LIMIT_EXCEEDED},
	{NULL, 400, ERRCODE_INVALID_PARAMETER_VALUE},
	{NULL, 401, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{NULL, 403, ERRCODE_INSUFFICIENT_PRIVILEGE},
	{NULL, 404, ERRCODE_UNDEFINED_OBJECT},
	{NULL, 409, ERRCODE_UNIQUE_VIOLATION},
	{NULL, 414, ERRCODE_PROGRAM_LIMIT_EXCEEDED},
	{NULL, 429, ERRCODE_CONFIGURATION_LIMIT_EXCEEDED},
};

typedef struct ConnCacheEntry
{
	Oid			umid;			/* hash key */
	HsConnection conn;
} ConnCacheEntry;

static HTAB *conn_cache = NULL;

/* ----------------------------------------------------------------
 *		JSON helpers
 * ----------------------------------------------------------------
 */

/*
 * hs_error_message_text
 *		The readable message of a HubSpot error object.
 *
 * Validation errors pack a JSON array into their message ("Property values
 * were not valid: [{...,"message":"Property \"x\" does not exist",...}]");
 * the messages inside it are what a user wants to read.
 */
char *
hs_error_message_text(json_object *err)
{
	const char *message = hs_json_string(err, "message");
	static const char prefix[] = "Property values were not valid: ";

	if (message == NULL)
		return pstrdup("(no message)");
	if (strncmp(message, prefix, sizeof(prefix) - 1) == 0)
	{
		const char *inner = message + sizeof(prefix) - 1;
		MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
												  "hubspot_fdw error text",
												  ALLOCSET_SMALL_SIZES);
		json_object *arr = hs_json_parse_owned(inner, strlen(inner), tmp);
		StringInfoData buf;

		initStringInfo(&buf);
		if (arr != NULL && json_object_is_type(arr, json_type_array))
		{
			for (size_t i = 0; i < json_object_array_length(arr); i++)
			{
				const char *m = hs_json_string(json_object_array_get_idx(arr, i),
											   "message");

				if (m == NULL)
					continue;
				if (buf.len > 0)
					appendStringInfoString(&buf, "; ");
				appendStringInfoString(&buf, m);
			}
		}
		MemoryContextDelete(tmp);
		if (buf.len > 0)
			return buf.data;
	}
	return pstrdup(message);
}

/* Percent-encode a query-string component. */
char *
hs_url_escape(const char *s)
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

	if (entry->conn.http == NULL)
	{
		entry->conn.http = hs_http_create();
		if (entry->conn.http == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not initialize libcurl")));
	}
	return &entry->conn;
}

/* After a transport failure the connection is not trusted again. */
static void
discard_http(HsConnection *conn)
{
	hs_http_destroy(conn->http);
	conn->http = NULL;
}

/* ----------------------------------------------------------------
 *		Errors
 * ----------------------------------------------------------------
 */

int
hs_errcode_for_category(const char *category, long status)
{
	if (category != NULL)
	{
		for (size_t i = 0; i < lengthof(error_map); i++)
			if (error_map[i].category != NULL &&
				strcmp(error_map[i].category, category) == 0)
				return error_map[i].sqlstate;
	}
	for (size_t i = 0; i < lengthof(error_map); i++)
		if (error_map[i].category == NULL && error_map[i].status == status)
			return error_map[i].sqlstate;
	return ERRCODE_FDW_ERROR;
}

static const char *
hint_for_category(const char *category, long status)
{
	if (category == NULL)
		return NULL;
	if (strcmp(category, "INVALID_AUTHENTICATION") == 0 ||
		strcmp(category, "EXPIRED_AUTHENTICATION") == 0)
		return "Check the access_token option of the user mapping.";
	if (strcmp(category, "MISSING_SCOPES") == 0)
		return "Give the HubSpot app the scopes crm.objects.products.read (SELECT) and crm.objects.products.write (INSERT, UPDATE, DELETE).";
	if (status == 404 && strcmp(category, "OBJECT_NOT_FOUND") == 0)
		return "Check the object option of the foreign table.";
	return NULL;
}

/*
 * hs_report_response_error
 *		Raise the ERROR for a HubSpot response that is not a success.
 *
 * The message carries HubSpot's category and message; the detail the
 * request (method and path only: never headers or the query string) and the
 * correlation id that HubSpot support asks for.
 */
void
hs_report_response_error(HsResponse *resp)
{
	const char *category = hs_json_string(resp->json, "category");
	char	   *message = resp->json ? hs_error_message_text(resp->json) : NULL;
	const char *hint = hint_for_category(category, resp->status);

	if (resp->status >= 300 && resp->status < 400)
		hint = "hubspot_fdw never follows redirects, so that the access token goes nowhere else; check the server's api_url.";

	if (category == NULL && hs_json_string(resp->json, "policyName") != NULL)
		category = "RATE_LIMITS";

	ereport(ERROR,
			(errcode(hs_errcode_for_category(category, resp->status)),
			 message ?
			 errmsg("HubSpot %s: %s", category ? category : "error", message) :
			 errmsg("HubSpot answered HTTP %ld", resp->status),
			 errdetail("Request: %s %s; HTTP status %ld; correlationId %s.",
					   resp->method, resp->path, resp->status,
					   resp->correlation_id && resp->correlation_id[0] ?
					   resp->correlation_id : "none"),
			 hint ? errhint("%s", hint) : 0));
}

/* ----------------------------------------------------------------
 *		Requests
 * ----------------------------------------------------------------
 */

static bool
interrupt_pending(void)
{
	return InterruptPending && (QueryCancelPending || ProcDiePending);
}

/* Sleep for ms milliseconds, waking for cancel and statement_timeout. */
static void
sleep_ms(long ms)
{
	TimestampTz end = GetCurrentTimestamp() + (TimestampTz) ms * 1000;

	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = (long) ((end - GetCurrentTimestamp()) / 1000);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
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

/* Exponential backoff with jitter: [d/2, d) with d = base * 2^attempt. */
static long
backoff_ms(int attempt)
{
	double		d = BACKOFF_BASE_MS * pow(2.0, Min(attempt, 10));

	d = Min(d, BACKOFF_CAP_MS);
	return (long) (d / 2 + random_fraction() * d / 2);
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
	if (res->ratelimit.interval_ms > 0)
		return Min(res->ratelimit.interval_ms, RATE_LIMIT_MAX_WAIT_MS);
	return fallback_ms;
}

/* Our own words for a transport failure; libcurl's text goes to the detail. */
static char *
outcome_text(HsConnection *conn, const HsHttpResult *res)
{
	switch (res->outcome)
	{
		case HS_HTTP_CONNECT_FAILED:
			return pstrdup("could not connect to HubSpot");
		case HS_HTTP_TIMEOUT:
			if (!res->maybe_sent)
				return psprintf("connecting to HubSpot timed out after %d ms",
								conn->server.connect_timeout_ms);
			return psprintf("HubSpot request timed out after %d ms",
							conn->server.timeout_ms);
		case HS_HTTP_BROKEN:
			return pstrdup("the connection to HubSpot broke");
		case HS_HTTP_TOO_LARGE:
			return psprintf("HubSpot's response exceeded %d MB",
							HS_MAX_RESPONSE_BYTES / (1024 * 1024));
		case HS_HTTP_ABORTED:
			return pstrdup("the request was interrupted");
		default:
			return pstrdup("HubSpot request failed");
	}
}

/* Raise the ERROR for a transport failure that will not be retried. */
static void
report_transport_error(HsConnection *conn, const char *method, const char *path,
					   const HsHttpResult *res, int attempts)
{
	int			code;

	switch (res->outcome)
	{
		case HS_HTTP_CONNECT_FAILED:
			code = HS_ERRCODE_CONNECT;
			break;
		case HS_HTTP_TIMEOUT:
			code = HS_ERRCODE_TIMEOUT;
			break;
		case HS_HTTP_TOO_LARGE:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		case HS_HTTP_INTERNAL:
			code = ERRCODE_FDW_ERROR;
			break;
		default:
			code = HS_ERRCODE_TRANSPORT;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", outcome_text(conn, res)),
			 errdetail("Request: %s %s; %d attempt%s; last attempt: %s (connect %.0f ms, TLS %.0f ms, first byte %.0f ms, total %.0f ms%s).",
					   method, path, attempts, attempts == 1 ? "" : "s",
					   res->errmsg, res->connect_ms, res->tls_ms,
					   res->first_byte_ms, res->total_ms,
					   res->reused_connection ? ", reused connection" : ""),
			 res->outcome == HS_HTTP_TIMEOUT ?
			 errhint("Raise the server option timeout_ms (now %d) or connect_timeout_ms (now %d).",
					 conn->server.timeout_ms, conn->server.connect_timeout_ms) : 0));
}

/*
 * report_unknown_outcome
 *		Raise the ERROR for a write whose outcome cannot be known: HubSpot
 *		may or may not have applied it.  why is our own text; transport, if
 *		not NULL, libcurl's.  Marks stats so that the caller's error context
 *		can name the rows of the request.
 */
static void
report_unknown_outcome(const char *method, const char *path, HsRequestSafety safety,
					   const char *why, const char *transport, int attempts,
					   HsStats *stats)
{
	if (stats)
		stats->outcome_unknown = true;
	ereport(ERROR,
			(errcode(HS_ERRCODE_UNKNOWN_OUTCOME),
			 errmsg("HubSpot may or may not have applied this write request: %s", why),
			 transport ?
			 errdetail("Request: %s %s; %d attempt%s; last attempt: %s.",
					   method, path, attempts, attempts == 1 ? "" : "s", transport) :
			 errdetail("Request: %s %s; %d attempt%s.",
					   method, path, attempts, attempts == 1 ? "" : "s"),
			 safety == HS_NOT_IDEMPOTENT ?
			 errhint("It was not sent again, because sending a create twice can duplicate records. Look the records up in HubSpot before running the statement again.") :
			 errhint("Running the statement again is safe: HubSpot applies an update, upsert or archive once however often it is sent.")));
}

/* HTTP statuses after which HubSpot may or may not have done the work */
static bool
is_server_failure(long status)
{
	return status == 500 || status == 502 || status == 503 || status == 504 ||
		status == 521 || status == 523 || status == 524;
}

/*
 * hs_request
 *		Send one request to HubSpot and return its final response.
 *
 * path starts with "/" (e.g. "/crm/v3/objects/products"); query is the URL
 * query without "?", or NULL.  Retries:
 *   - 429 TEN_SECONDLY_ROLLING (and any 429 but DAILY), 423 and 477 wait for
 *     Retry-After (else the rate-limit interval) and retry, whatever the
 *     request: HubSpot did not process it;
 *   - connection failures before anything was sent retry with backoff;
 *   - timeouts, broken connections and 500/502/503/504/521/523/524 retry
 *     with backoff for reads and HS_IDEMPOTENT_WRITE requests; for
 *     HS_NOT_IDEMPOTENT ones (creates) the outcome is unknown at once, and
 *     that is an ERROR (08007), never a resend.
 * A write whose attempts all ended without an answer, or whose 2xx answer
 * cannot be read, also ends in 08007: HubSpot may or may not have applied
 * it.  Every such error, and a cancel while a write was in flight, sets
 * stats->outcome_unknown.
 * Any other response, success or not, is returned with its parsed body
 * (in CurrentMemoryContext); callers decide what a non-2xx means.
 */
HsResponse *
hs_request(HsConnection *conn, const char *method, const char *path,
		   const char *query, const char *body, HsRequestSafety safety,
		   HsStats *stats)
{
	StringInfoData url;
	HsHttpRequest req;
	HsHttpResult res;
	int			attempt = 0;
	int			rate_waits = 0;
	bool		write = (safety != HS_READ);
	bool		maybe_applied = false;	/* by any attempt so far */
	HsResponse *resp;

	if (stats)
		stats->outcome_unknown = stats->resent = false;
	initStringInfo(&url);
	appendStringInfo(&url, "%s%s", conn->server.api_url, path);
	if (query != NULL && query[0] != '\0')
		appendStringInfo(&url, "?%s", query);

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url.data;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.bearer_token = conn->token;
	/* libcurl may resend reads itself; writes are resent here, visibly */
	req.resend_ok = (safety == HS_READ);
	req.timeout_ms = conn->server.timeout_ms;
	req.connect_timeout_ms = conn->server.connect_timeout_ms;
	req.max_response_bytes = HS_MAX_RESPONSE_BYTES;

	for (;;)
	{
		bool		retry_transport = false;
		long		wait = 0;

		CHECK_FOR_INTERRUPTS();
		if (conn->http == NULL)
		{
			conn->http = hs_http_create();
			if (conn->http == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("could not initialize libcurl")));
		}
		if (stats)
			stats->requests++;
		attempt++;
		hs_http_perform(conn->http, &req, &res, interrupt_pending);

		if (res.outcome == HS_HTTP_ABORTED)
		{
			discard_http(conn);
			/* the caller's error context says which rows this leaves unknown */
			if (write && stats && (res.maybe_sent || maybe_applied))
				stats->outcome_unknown = true;
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("HubSpot request interrupted"),
					 errdetail("Request: %s %s.", method, path)));
		}

		if (res.outcome != HS_HTTP_DONE)
		{
			discard_http(conn);
			if (res.maybe_sent)
				maybe_applied = true;
			if (res.outcome == HS_HTTP_TOO_LARGE || res.outcome == HS_HTTP_INTERNAL)
			{
				if (write && maybe_applied)
					report_unknown_outcome(method, path, safety, outcome_text(conn, &res),
										   res.errmsg, attempt, stats);
				report_transport_error(conn, method, path, &res, attempt);
			}
			if (maybe_applied && safety == HS_NOT_IDEMPOTENT)
				report_unknown_outcome(method, path, safety, outcome_text(conn, &res),
									   res.errmsg, attempt, stats);
			if (attempt > conn->server.max_retries)
			{
				if (write && maybe_applied)
					report_unknown_outcome(method, path, safety, outcome_text(conn, &res),
										   res.errmsg, attempt, stats);
				report_transport_error(conn, method, path, &res, attempt);
			}
			retry_transport = true;
		}
		else if (res.status == 429)
		{
			MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
													  "hubspot_fdw 429 body",
													  ALLOCSET_SMALL_SIZES);
			json_object *j = hs_json_parse_owned(res.body, res.body_len, tmp);
			const char *policy = hs_json_string(j, "policyName");
			bool		daily = policy != NULL && strcmp(policy, "DAILY") == 0;

			MemoryContextDelete(tmp);
			if (daily && !(write && maybe_applied))
				ereport(ERROR,
						(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
						 errmsg("HubSpot's daily API limit is used up"),
						 errdetail("Request: %s %s; HTTP status 429; policy DAILY; correlationId %s.",
								   method, path,
								   res.correlation_id[0] ? res.correlation_id : "none"),
						 errhint("The daily limit resets at midnight in the HubSpot account's time zone; API limit increase packs raise it.")));
			if (daily || ++rate_waits > MAX_RATE_LIMIT_WAITS)
				break;			/* reported below or by the caller */
			wait = requested_wait_ms(&res, RATE_LIMIT_DEFAULT_WAIT_MS);
		}
		else if (res.status == 423 || res.status == 477)
		{
			if (attempt > conn->server.max_retries)
				break;
			wait = requested_wait_ms(&res, LOCKED_MIN_WAIT_MS);
			if (res.status == 423)
				wait = Max(wait, LOCKED_MIN_WAIT_MS);
		}
		else if (is_server_failure(res.status))
		{
			/* HubSpot's 5xx does not promise that nothing was written */
			maybe_applied = true;
			if (safety == HS_NOT_IDEMPOTENT)
				report_unknown_outcome(method, path, safety,
									   psprintf("HubSpot answered HTTP %ld", res.status),
									   NULL, attempt, stats);
			if (attempt > conn->server.max_retries)
				break;
			wait = backoff_ms(attempt - 1);
		}
		else
			break;				/* a final answer */

		if (stats)
			stats->retries++;
		if (retry_transport)
			wait = backoff_ms(attempt - 1);
		/* a cancel while waiting leaves an earlier attempt's outcome unknown */
		if (stats && write && maybe_applied)
			stats->outcome_unknown = true;
		sleep_ms(wait);
	}
	if (stats)
	{
		stats->outcome_unknown = false;
		stats->resent = maybe_applied;
	}

	/*
	 * An earlier attempt of a write may have been applied, and the last one
	 * did not succeed: what HubSpot did is unknown.
	 */
	if (write && maybe_applied && (res.status < 200 || res.status >= 300))
		report_unknown_outcome(method, path, safety,
							   psprintf("HubSpot answered HTTP %ld", res.status),
							   NULL, attempt, stats);

	resp = palloc0(sizeof(HsResponse));
	resp->status = res.status;
	resp->method = method;
	resp->path = path;
	resp->correlation_id = pstrdup(res.correlation_id);
	if (res.body_len > 0)
	{
		resp->json = hs_json_parse_owned(res.body, res.body_len, CurrentMemoryContext);
		if (resp->json == NULL && res.status >= 200 && res.status < 300)
		{
			if (write)
				report_unknown_outcome(method, path, safety,
									   "HubSpot accepted the request, but its response could not be read",
									   NULL, attempt, stats);
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("HubSpot sent a malformed response"),
					 errdetail("Request: %s %s; HTTP status %ld; %zu bytes that are not JSON.",
							   method, path, res.status, res.body_len)));
		}
	}
	return resp;
}
