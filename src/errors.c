/*-------------------------------------------------------------------------
 *
 * errors.c
 *		hubspot_fdw's one error path (see errors.h): the SQLSTATE tables and
 *		the reporters.
 *
 * HubSpot's error answers carry a category ("VALIDATION_ERROR", ...), see
 * https://developers.hubspot.com/docs/api/error-handling; transfers that
 * end without an answer carry an http.h outcome.  Both map to SQLSTATEs
 * here and nowhere else.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "errors.h"
#include "http.h"
#include "json.h"
#include "objects.h"

/* SQLSTATEs of transport failures (no HubSpot category) */
#define HS_ERRCODE_CONNECT		ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION
#define HS_ERRCODE_TRANSPORT	ERRCODE_CONNECTION_FAILURE
#define HS_ERRCODE_TIMEOUT		ERRCODE_CONNECTION_EXCEPTION

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

/* ... and from transport outcomes (http.h) to SQLSTATEs */
static const struct
{
	HsHttpOutcome outcome;
	int			sqlstate;
}			transport_map[] =
{
	{HS_HTTP_CONNECT_FAILED, HS_ERRCODE_CONNECT},
	{HS_HTTP_TIMEOUT, HS_ERRCODE_TIMEOUT},
	{HS_HTTP_TOO_LARGE, ERRCODE_PROGRAM_LIMIT_EXCEEDED},
	{HS_HTTP_INTERNAL, ERRCODE_FDW_ERROR},
	{HS_HTTP_BROKEN, HS_ERRCODE_TRANSPORT},
	{HS_HTTP_ABORTED, HS_ERRCODE_TRANSPORT},
};

/* HubSpot's message for an object type it does not know, and our hint */
#define UNKNOWN_OBJECT_TYPE "Unable to infer object type from: "

/* The status a rejected batch input is judged by when its category is unknown */
#define REJECTED_INPUT_STATUS 400

/* ----------------------------------------------------------------
 *		SQLSTATEs
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

int
hs_errcode_for_rejected_input(const char *category)
{
	return hs_errcode_for_category(category, REJECTED_INPUT_STATUS);
}

/*
 * hs_unique_conflict_id
 *		The id of the record that holds a unique value, when message is
 *		HubSpot's word for that: "Contact already exists. Existing ID: N"
 *		(409, a contact's email) or "... on A. B already has that value."
 *		(400, any unique property; hubspot-objects.md 1.3).  Matched on the
 *		text, as integrations do: HubSpot varies the category.
 */
char *
hs_unique_conflict_id(const char *message)
{
	const char *p;
	size_t		len;

	if (message == NULL)
		return NULL;
	if ((p = strstr(message, "Existing ID:")) != NULL)
	{
		p += strlen("Existing ID:");
		p += strspn(p, " ");
		len = strspn(p, "0123456789");
		return len > 0 ? pnstrdup(p, len) : NULL;
	}
	if ((p = strstr(message, " already has that value")) != NULL)
	{
		const char *start = p;

		while (start > message && start[-1] >= '0' && start[-1] <= '9')
			start--;
		return start < p ? pnstrdup(start, p - start) : NULL;
	}
	return NULL;
}

/*
 * unique_conflict
 *		Is message HubSpot's word for a unique value another record holds,
 *		whether or not it names that record ("propertyValue: already has
 *		that value hs_external_order_id", hubspot-api.md 6)?
 */
static bool
unique_conflict(const char *message)
{
	return message != NULL &&
		(strstr(message, "already has that value") != NULL ||
		 strstr(message, "Existing ID:") != NULL);
}

int
hs_errcode_for_rejection(const char *category, const char *message)
{
	if (unique_conflict(message))
		return ERRCODE_UNIQUE_VIOLATION;
	return hs_errcode_for_rejected_input(category);
}

int
hs_errcode_for_transport(const HsHttpResult *res)
{
	for (size_t i = 0; i < lengthof(transport_map); i++)
		if (transport_map[i].outcome == res->outcome)
			return transport_map[i].sqlstate;
	return HS_ERRCODE_TRANSPORT;
}

/* ----------------------------------------------------------------
 *		The request in error details
 * ----------------------------------------------------------------
 */

static char *request_detail_va(const char *method, const char *path,
							   const char *fmt, va_list args) pg_attribute_printf(3, 0);

static char *
request_detail_va(const char *method, const char *path, const char *fmt,
				  va_list args)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "Request: %s %s", method, path);
	if (fmt != NULL)
	{
		appendStringInfoString(&buf, "; ");
		for (;;)
		{
			va_list		copy;
			int			needed;

			va_copy(copy, args);
			needed = appendStringInfoVA(&buf, fmt, copy);
			va_end(copy);
			if (needed == 0)
				break;
			enlargeStringInfo(&buf, needed);
		}
	}
	appendStringInfoChar(&buf, '.');
	return buf.data;
}

char *
hs_request_detail(const char *method, const char *path, const char *fmt,...)
{
	va_list		args;
	char	   *result;

	va_start(args, fmt);
	result = request_detail_va(method, path, fmt, args);
	va_end(args);
	return result;
}

int
hs_errdetail_request(const char *method, const char *path, const char *fmt,...)
{
	va_list		args;
	char	   *detail;

	va_start(args, fmt);
	detail = request_detail_va(method, path, fmt, args);
	va_end(args);
	return errdetail("%s", detail);
}

/* ----------------------------------------------------------------
 *		HubSpot's error bodies
 * ----------------------------------------------------------------
 */

/*
 * append_context_properties
 *		text, and the property names of err's context.properties when it
 *		has them: HubSpot's missing required properties ("Error creating
 *		TASK. Some required properties were not set.", context {"properties":
 *		["hs_timestamp"]}; hubspot-objects.md 1.3, 6) name them only there.
 */
static char *
append_context_properties(char *text, json_object *err)
{
	json_object *arr = hs_member(hs_member(err, "context"), "properties");
	StringInfoData buf;
	int			n = 0;

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return text;
	initStringInfo(&buf);
	appendStringInfoString(&buf, text);
	for (size_t i = 0; i < json_object_array_length(arr); i++)
	{
		json_object *v = json_object_array_get_idx(arr, i);

		if (v == NULL || !json_object_is_type(v, json_type_string))
			continue;
		appendStringInfoString(&buf, n++ == 0 ? " (properties: " : ", ");
		appendStringInfoString(&buf,
							   hs_message_text(json_object_get_string(v),
											   (size_t) json_object_get_string_len(v)));
	}
	if (n > 0)
		appendStringInfoChar(&buf, ')');
	return buf.data;
}

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
	json_object *v = hs_member(err, "message");
	const char *message;
	size_t		len;
	static const char prefix[] = "Property values were not valid: ";

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return pstrdup("(no message)");
	message = json_object_get_string(v);
	len = (size_t) json_object_get_string_len(v);
	if (strlen(message) == len &&
		strncmp(message, prefix, sizeof(prefix) - 1) == 0)
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
				json_object *m = hs_member(json_object_array_get_idx(arr, i),
										   "message");

				if (m == NULL || !json_object_is_type(m, json_type_string))
					continue;
				if (buf.len > 0)
					appendStringInfoString(&buf, "; ");
				appendStringInfoString(&buf,
									   hs_message_text(json_object_get_string(m),
													   (size_t) json_object_get_string_len(m)));
			}
		}
		MemoryContextDelete(tmp);
		if (buf.len > 0)
			return buf.data;
	}
	return append_context_properties(hs_message_text(message, len), err);
}

/* ----------------------------------------------------------------
 *		Reporters
 * ----------------------------------------------------------------
 */

/*
 * path_objects
 *		The objects a request path is about, read from its segments:
 *		".../objects/{o}/...", ".../properties/{o}", ".../associations/{o}/{p}/..."
 *		(up to two, into objs; NULL when none).  *schemas is set for the
 *		schemas API.  Paths are api.c's; only their segments are read here.
 */
static int
path_objects(const char *path, const char *objs[2], bool *schemas)
{
	char	   *copy = pstrdup(path);
	char	   *seg[8];
	int			nseg = 0;
	int			n = 0;

	*schemas = false;
	for (char *p = strtok(copy, "/"); p != NULL && nseg < (int) lengthof(seg);
		 p = strtok(NULL, "/"))
		seg[nseg++] = p;
	for (int i = 2; i < nseg; i++)
	{
		if (strcmp(seg[i], "schemas") == 0)
			*schemas = true;
		else if (strcmp(seg[i], "objects") == 0 || strcmp(seg[i], "properties") == 0 ||
				 strcmp(seg[i], "associations") == 0)
		{
			for (int k = i + 1; k < nseg && n < (strcmp(seg[i], "associations") == 0 ? 2 : 1); k++)
				objs[n++] = seg[k];
		}
		else
			continue;
		break;
	}
	return n;
}

/* Does the request only read (GET, batch/read, search)? */
static bool
request_reads(const char *method, const char *path)
{
	const char *last = strrchr(path, '/');

	if (strcmp(method, "GET") == 0)
		return true;
	return strcmp(method, "POST") == 0 && last != NULL &&
		(strcmp(last, "/read") == 0 || strcmp(last, "/search") == 0);
}

/*
 * scope_hint
 *		For a 403 MISSING_SCOPES: the scope of the registry (objects.h) that
 *		the request's object needs to be read or written; a custom object
 *		needs crm.objects.custom.read/.write (hubspot-objects.md 1.2).
 */
static char *
scope_hint(const char *method, const char *path)
{
	const char *objs[2];
	bool		schemas;
	bool		reads = request_reads(method, path);
	int			n = path_objects(path, objs, &schemas);
	StringInfoData scopes;
	StringInfoData names;

	if (schemas && n == 0)
		return pstrdup("Give the HubSpot app the scope crm.schemas.custom.read (or crm.objects.custom.read), which finding custom objects needs.");
	if (n == 0)
		return pstrdup("Give the HubSpot app the scopes this request needs.");
	if (n == 2 && strcmp(objs[0], objs[1]) == 0)
		n = 1;
	initStringInfo(&scopes);
	initStringInfo(&names);
	for (int i = 0; i < n; i++)
	{
		const HsObjectType *o = hs_object_find(objs[i]);
		const char *scope = o ? (reads ? o->read_scope : o->write_scope) :
			(reads ? "crm.objects.custom.read" : "crm.objects.custom.write");

		/* two objects of one scope (engagements) name it once */
		if (i == 0 || strstr(scopes.data, scope) == NULL)
			appendStringInfo(&scopes, "%s%s", i > 0 ? " and " : "", scope);
		appendStringInfo(&names, "%s%s%s", i > 0 ? " and " : "",
						 o ? "" : "custom object ", o ? o->name : objs[i]);
	}
	return psprintf("Give the HubSpot app the scope%s %s, which %s %s (%s) needs.",
					strstr(scopes.data, " and ") ? "s" : "", scopes.data,
					reads ? "reading" : "writing", names.data,
					reads ? "SELECT" : "INSERT, UPDATE, DELETE");
}

/*
 * hint_for_answer
 *		The hint of an error answer: authentication, scopes (naming the
 *		object's scope), an object HubSpot does not know.
 */
static const char *
hint_for_answer(HsResponse *resp, const char *category, const char *message)
{
	const char *objs[2];
	bool		schemas;

	if (category != NULL &&
		(strcmp(category, "INVALID_AUTHENTICATION") == 0 ||
		 strcmp(category, "EXPIRED_AUTHENTICATION") == 0))
		return "Check the access_token option of the user mapping.";
	if (category != NULL && strcmp(category, "MISSING_SCOPES") == 0)
		return scope_hint(resp->method, resp->path);
	/* HubSpot's words for an object type it does not know (400 or 404) */
	if (message != NULL && strncmp(message, UNKNOWN_OBJECT_TYPE, strlen(UNKNOWN_OBJECT_TYPE)) == 0 &&
		path_objects(resp->path, objs, &schemas) > 0)
		return psprintf("HubSpot does not know the object \"%s\": check the object option of the foreign table (a custom object may have been deleted).",
						objs[0]);
	return NULL;
}

/* Does the request create records (POST .../{object} or .../batch/create)? */
static bool
request_creates(const char *method, const char *path)
{
	const char *objs[2];
	bool		schemas;
	const char *last = strrchr(path, '/');
	size_t		len = strlen(path);

	if (strcmp(method, "POST") != 0 || last == NULL)
		return false;
	if (len >= 13 && strcmp(path + len - 13, "/batch/create") == 0)
		return true;
	return path_objects(path, objs, &schemas) == 1 && strcmp(last + 1, objs[0]) == 0;
}

/*
 * report_unique_conflict
 *		A write HubSpot refused because a unique value (a contact's email)
 *		is another record's: 23505, the detail naming that record, and for a
 *		batch that HubSpot refused it whole (it wrote none of its rows and
 *		names only the first conflict: hubspot-objects.md 1.3).  The hint of
 *		a create offers the upsert by the object's unique property (objects.h).
 */
static void
report_unique_conflict(HsResponse *resp, const char *category,
					   const char *message, const char *existing)
{
	const char *objs[2];
	bool		schemas;
	const HsObjectType *o = path_objects(resp->path, objs, &schemas) > 0 ?
		hs_object_find(objs[0]) : NULL;
	bool		batch = strstr(resp->path, "/batch/") != NULL;
	char	   *request = hs_request_detail(resp->method, resp->path,
											"HTTP status %ld; correlationId %s",
											resp->status,
											resp->correlation_id && resp->correlation_id[0] ?
											resp->correlation_id : "none");

	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("HubSpot %s: %s",
					category ? hs_message_text(category, strlen(category)) : "error",
					message),
			 errdetail("The existing record is %s.%s %s", existing,
					   batch ? " HubSpot refused the whole batch: it wrote none of its rows, and names only the first conflict." : "",
					   request),
			 request_creates(resp->method, resp->path) && o != NULL &&
			 o->unique_property != NULL ?
			 errhint("To update existing %s instead, upsert: set the foreign table's option id_property '%s'.%s",
					 o->name, o->unique_property,
					 batch ? " on_error 'skip' cannot skip rows of a batch refused whole; with batch_size 1 each row is sent alone, and a duplicate is skipped with a warning." : "") :
			 batch ?
			 errhint("on_error 'skip' cannot skip rows of a batch refused whole; with batch_size 1 each row is sent alone, and a duplicate is skipped with a warning.") : 0));
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
	const char *hint = hint_for_answer(resp, category, message);
	int			sqlstate;

	if (category == NULL && hs_json_string(resp->json, "policyName") != NULL)
		category = "RATE_LIMITS";
	sqlstate = hs_errcode_for_category(category, resp->status);

	/*
	 * An object type HubSpot does not know is a 400 without a category,
	 * "Unable to infer object type from: X" (hubspot-objects.md section 1.1).
	 */
	if (category == NULL && message != NULL &&
		strncmp(message, UNKNOWN_OBJECT_TYPE, strlen(UNKNOWN_OBJECT_TYPE)) == 0)
		sqlstate = ERRCODE_UNDEFINED_OBJECT;
	if (unique_conflict(message) && resp->status >= 400 && resp->status < 500)
		sqlstate = ERRCODE_UNIQUE_VIOLATION;

	if (resp->status >= 300 && resp->status < 400)
		hint = "hubspot_fdw never follows redirects, so that the access token goes nowhere else; check the server's api_url.";

	if (message != NULL && hs_unique_conflict_id(message) != NULL &&
		resp->status >= 400 && resp->status < 500)
		report_unique_conflict(resp, category, message, hs_unique_conflict_id(message));

	ereport(ERROR,
			(errcode(sqlstate),
			 message ?
			 errmsg("HubSpot %s: %s",
					category ? hs_message_text(category, strlen(category)) : "error",
					message) :
			 errmsg("HubSpot answered HTTP %ld", resp->status),
			 hs_errdetail_request(resp->method, resp->path,
								  "HTTP status %ld; correlationId %s",
								  resp->status,
								  resp->correlation_id && resp->correlation_id[0] ?
								  resp->correlation_id : "none"),
			 hint ? errhint("%s", hint) : 0));
}

/* Our own words for a transport failure; libcurl's text goes to the detail. */
char *
hs_transport_failure_text(const HsServerOptions *server, const HsHttpResult *res)
{
	switch (res->outcome)
	{
		case HS_HTTP_CONNECT_FAILED:
			return pstrdup("could not connect to HubSpot");
		case HS_HTTP_TIMEOUT:
			if (!res->maybe_sent)
				return psprintf("connecting to HubSpot timed out after %d ms",
								server->connect_timeout_ms);
			return psprintf("HubSpot request timed out after %d ms",
							server->timeout_ms);
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
void
hs_report_transport_error(const HsServerOptions *server, const char *method,
						  const char *path, const HsHttpResult *res, int attempts)
{
	ereport(ERROR,
			(errcode(hs_errcode_for_transport(res)),
			 errmsg("%s", hs_transport_failure_text(server, res)),
			 hs_errdetail_request(method, path,
								  "%d attempt%s; last attempt: %s (connect %.0f ms, TLS %.0f ms, first byte %.0f ms, total %.0f ms%s)",
								  attempts, attempts == 1 ? "" : "s",
								  res->errmsg, res->connect_ms, res->tls_ms,
								  res->first_byte_ms, res->total_ms,
								  res->reused_connection ? ", reused connection" : ""),
			 res->outcome == HS_HTTP_TIMEOUT ?
			 errhint("Raise the server option timeout_ms (now %d) or connect_timeout_ms (now %d).",
					 server->timeout_ms, server->connect_timeout_ms) : 0));
}

/*
 * hs_report_unknown_outcome
 *		Raise the ERROR for a write whose outcome cannot be known: HubSpot
 *		may or may not have applied it.  why is our own text; transport, if
 *		not NULL, libcurl's.  Marks stats so that the caller's error context
 *		can name the rows of the request.
 */
void
hs_report_unknown_outcome(const char *method, const char *path, HsRequestSafety safety,
						  const char *why, const char *transport, int attempts,
						  HsStats *stats)
{
	if (stats)
		stats->outcome_unknown = true;
	ereport(ERROR,
			(errcode(HS_ERRCODE_UNKNOWN_OUTCOME),
			 errmsg("HubSpot may or may not have applied this write request: %s", why),
			 transport ?
			 hs_errdetail_request(method, path, "%d attempt%s; last attempt: %s",
								  attempts, attempts == 1 ? "" : "s", transport) :
			 hs_errdetail_request(method, path, "%d attempt%s",
								  attempts, attempts == 1 ? "" : "s"),
			 safety == HS_NOT_IDEMPOTENT ?
			 errhint("It was not sent again, because sending a create twice can duplicate records. Look the records up in HubSpot before running the statement again.") :
			 errhint("Running the statement again is safe: HubSpot applies an update, upsert or archive once however often it is sent.")));
}

void
hs_report_interrupted(const char *method, const char *path)
{
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("HubSpot request interrupted"),
			 hs_errdetail_request(method, path, NULL)));
}

void
hs_report_daily_limit(const char *method, const char *path,
					  const char *correlation_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("HubSpot's daily API limit is used up"),
			 hs_errdetail_request(method, path,
								  "HTTP status 429; policy DAILY; correlationId %s",
								  correlation_id && correlation_id[0] ?
								  correlation_id : "none"),
			 errhint("The daily limit resets at midnight in the HubSpot account's time zone; API limit increase packs raise it.")));
}

void
hs_report_malformed_response(const char *method, const char *path, long status,
							 size_t body_len)
{
	hs_report_malformed_answer(method, path, status, "%zu bytes that are not JSON",
							   body_len);
}

void
hs_report_malformed_answer(const char *method, const char *path, long status,
						   const char *fmt,...)
{
	StringInfoData what;

	initStringInfo(&what);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&what, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&what, needed);
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("HubSpot sent a malformed response"),
			 hs_errdetail_request(method, path, "HTTP status %ld; %s",
								  status, what.data)));
}
