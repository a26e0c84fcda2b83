/*-------------------------------------------------------------------------
 *
 * api.c
 *		hubspot_fdw's request builder and response parsers: every HubSpot
 *		endpoint it calls (see api.h).
 *
 * Bodies are built with json-c and serialized once; responses are parsed
 * into plain structs, in the caller's memory context.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "commands/explain.h"

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "api.h"
#include "client.h"
#include "errors.h"
#include "json.h"
#include "usage.h"

/*
 * hs_api_send
 *		Send a request built by this file and return HubSpot's final answer
 *		(see hs_request() for retries and the errors raised).
 */
HsResponse *
hs_api_send(HsConnection *conn, const HsApiRequest *req, HsStats *stats)
{
	return hs_request(conn, req->method, req->path, req->query, req->body,
					  req->safety, stats);
}

/*
 * hs_api_start
 *		Start req without waiting for its answer (client.c's hs_call_start()):
 *		the call belongs to the current memory context.
 */
HsCall *
hs_api_start(HsConnection *conn, const HsApiRequest *req, HsStats *stats)
{
	return hs_call_start(conn, req->method, req->path, req->query, req->body,
						 req->safety, stats);
}

/*
 * hs_api_explain_stats
 *		EXPLAIN ANALYZE's lines for a node's requests: attempts sent, those
 *		sent again, 429 answers, the time requests were held back for
 *		HubSpot's rate limit (ms), and the attempts by endpoint.
 */
void
hs_api_explain_stats(const HsStats *stats, ExplainState *es)
{
	ExplainPropertyInteger("HubSpot Requests", NULL, stats->requests, es);
	ExplainPropertyInteger("HubSpot Retries", NULL, stats->retries, es);
	ExplainPropertyInteger("HubSpot 429 Responses", NULL, stats->throttled, es);
	ExplainPropertyFloat("HubSpot Rate Limit Wait", "ms", stats->rate_wait_ms, 0, es);
	hs_usage_explain_endpoints(stats, es);
}

/* ---------- reads: list pages, GET by id, batch/read, properties ---------- */

/*
 * hs_api_read_new
 *		Describe a read of object's records (see HsReadKind): method, path
 *		and page size.  Makes no request and needs no catalogue, so plain
 *		EXPLAIN can show it; hs_api_read_set_properties() completes it.
 *
 * Page sizes are HubSpot's caps: 100 records per list page and 100 inputs
 * per batch, 50 of either when property history is asked for.
 */
HsRead *
hs_api_read_new(HsReadKind kind, const char *object, bool archived,
				bool with_history)
{
	HsRead	   *rd = palloc0(sizeof(HsRead));

	rd->kind = kind;
	rd->object = pstrdup(object);
	rd->archived = archived;
	rd->with_history = with_history;
	rd->page_size = with_history ? HS_HISTORY_PAGE_SIZE : HS_LIST_PAGE_SIZE;
	rd->base.safety = HS_READ;
	switch (kind)
	{
		case HS_READ_LIST:
			rd->base.method = "GET";
			rd->base.path = psprintf("/crm/v3/objects/%s", object);
			break;
		case HS_READ_BY_ID:
			rd->base.method = "GET";
			rd->base.path = psprintf("/crm/v3/objects/%s/{id}", object);
			break;
		case HS_READ_BATCH:
			/* a read, though a POST: HubSpot changes nothing */
			rd->base.method = "POST";
			rd->base.path = psprintf("/crm/v3/objects/%s/batch/read", object);
			break;
		case HS_READ_SEARCH:
			/* search knows neither archived records nor history */
			Assert(!archived && !with_history);
			rd->base.method = "POST";
			rd->base.path = psprintf("/crm/v3/objects/%s/search", object);
			rd->page_size = HS_SEARCH_PAGE_SIZE;
			break;
	}
	return rd;
}

/* names, URL-escaped, joined with commas: one query parameter's value */
static void
append_name_list(StringInfo buf, const char *param, List *names)
{
	ListCell   *lc;

	appendStringInfo(buf, "&%s=", param);
	foreach(lc, names)
	{
		if (lc != list_head(names))
			appendStringInfoChar(buf, ',');
		appendStringInfoString(buf, hs_url_escape((const char *) lfirst(lc)));
	}
}

/*
 * hs_api_read_set_properties
 *		Set the properties a read asks for (char * names, exactly these:
 *		an empty list asks for none, and HubSpot then sends its default
 *		set) and build the query every request of the read carries.
 *
 * The query, in HubSpot's parameter names: limit (LIST), archived,
 * properties and propertiesWithHistory (LIST, BY_ID; BATCH has them in its
 * body), associations (LIST, BY_ID), idProperty (BY_ID).  The list and the
 * query are allocated in the memory context of the HsRead.
 */
void
hs_api_read_set_properties(HsRead *rd, List *properties)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(GetMemoryChunkContext(rd));
	StringInfoData query;
	ListCell   *lc;

	rd->properties = NIL;
	foreach(lc, properties)
		rd->properties = lappend(rd->properties, pstrdup((const char *) lfirst(lc)));
	initStringInfo(&query);
	if (rd->kind == HS_READ_LIST)
		appendStringInfo(&query, "limit=%d&", rd->page_size);
	if (rd->kind != HS_READ_SEARCH)
		appendStringInfo(&query, "archived=%s", rd->archived ? "true" : "false");
	if (rd->kind != HS_READ_BATCH && rd->kind != HS_READ_SEARCH)
	{
		append_name_list(&query, "properties", rd->properties);
		if (rd->with_history)
			append_name_list(&query, "propertiesWithHistory", rd->properties);
		if (rd->associations != NIL)
			append_name_list(&query, "associations", rd->associations);
		if (rd->kind == HS_READ_BY_ID && rd->id_property != NULL)
			appendStringInfo(&query, "&idProperty=%s", hs_url_escape(rd->id_property));
	}
	rd->base.query = query.len > 0 ? query.data : NULL;
	rd->prepared = true;
	MemoryContextSwitchTo(oldcxt);
}

/*
 * hs_api_read_describe
 *		The read as EXPLAIN shows it: "METHOD path", the path of a GET by id
 *		with "{id}" in place of the id, and "?archived=true" when it reads
 *		archived records.  (EXPLAIN shows page size and properties apart.)
 */
char *
hs_api_read_describe(const HsRead *rd)
{
	return psprintf("%s %s%s", rd->base.method, rd->base.path,
					rd->archived ? "?archived=true" : "");
}

/*
 * hs_api_read_url_too_long
 *		Would the path and query of the read's requests (a list page's
 *		cursor included) pass HS_MAX_URL_LENGTH characters?
 */
bool
hs_api_read_url_too_long(const HsRead *rd)
{
	/* "?", and room for "&after=" and a cursor */
	size_t		len = strlen(rd->base.path) + 1 + 64;

	Assert(rd->prepared);
	if (rd->base.query != NULL)
		len += strlen(rd->base.query);
	return len > HS_MAX_URL_LENGTH;
}

/* A copy of the read's request, in CurrentMemoryContext. */
static HsApiRequest *
read_request(const HsRead *rd)
{
	HsApiRequest *req = palloc(sizeof(HsApiRequest));

	Assert(rd->prepared);
	*req = rd->base;
	return req;
}

/*
 * hs_api_list_page
 *		The request for a page of a list read: the first one if after is
 *		NULL, else the one the cursor after (HubSpot's paging.next.after)
 *		points to.
 */
HsApiRequest *
hs_api_list_page(const HsRead *rd, const char *after)
{
	HsApiRequest *req = read_request(rd);

	Assert(rd->kind == HS_READ_LIST);
	if (after != NULL)
		req->query = psprintf("%s&after=%s", rd->base.query, hs_url_escape_utf8(after));
	return req;
}

/*
 * hs_api_get_by_id
 *		The request for the record with this id (of the read's idProperty, if
 *		it has one).  The id must not be "", "." or ".." (hs_id_text() never
 *		gives those): they would change the path.
 */
HsApiRequest *
hs_api_get_by_id(const HsRead *rd, const char *id)
{
	HsApiRequest *req = read_request(rd);

	Assert(rd->kind == HS_READ_BY_ID);
	req->path = psprintf("/crm/v3/objects/%s/%s", rd->object, hs_url_escape(id));
	return req;
}

/* Set member key of obj to an array of the strings in names. */
static void
add_string_array(json_object *obj, const char *key, List *names)
{
	json_object *arr = hs_json_add_array(obj, key);
	ListCell   *lc;

	foreach(lc, names)
		hs_json_append_string(arr, (const char *) lfirst(lc));
}

/*
 * hs_api_batch_read
 *		The batch/read request for ids (at most the read's page_size), with
 *		the read's properties and history:
 *		{"properties":[...],"propertiesWithHistory":[...],["idProperty":...,]
 *		 "inputs":[{"id":...},...]}.  HubSpot answers 200 when it found
 *		every id, else 207 with an OBJECT_NOT_FOUND error for the others.
 */
HsApiRequest *
hs_api_batch_read(const HsRead *rd, char **ids, int nids)
{
	HsApiRequest *req = read_request(rd);
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw request body",
											  ALLOCSET_SMALL_SIZES);
	json_object *body = hs_json_new_object(tmp);
	json_object *inputs;

	Assert(rd->kind == HS_READ_BATCH && nids <= rd->page_size);
	add_string_array(body, "properties", rd->properties);
	add_string_array(body, "propertiesWithHistory",
					 rd->with_history ? rd->properties : NIL);
	if (rd->id_property != NULL)
		hs_json_add_string(body, "idProperty", rd->id_property);
	inputs = hs_json_add_array(body, "inputs");
	for (int i = 0; i < nids; i++)
		hs_json_add_string(hs_json_append_object(inputs), "id", ids[i]);
	req->body = hs_json_to_text(body);
	MemoryContextDelete(tmp);
	return req;
}

/*
 * hs_api_get_properties
 *		The request for an object's property catalogue, live properties
 *		only: GET /crm/v3/properties/{object}?archived=false.
 */
HsApiRequest *
hs_api_get_properties(const char *object)
{
	HsApiRequest *req = palloc0(sizeof(HsApiRequest));

	req->method = "GET";
	req->path = psprintf("/crm/v3/properties/%s", object);
	req->query = pstrdup("archived=false");
	req->safety = HS_READ;
	return req;
}

/*
 * hs_api_get_schemas
 *		The request for the account's custom object schemas, without their
 *		property definitions (hubspot-objects.md 2 and 8): GET
 *		/crm/v3/schemas?includePropertyDefinitions=false.  schemas.c parses
 *		the answer ({"results": [ObjectSchema...]}, no paging).
 */
HsApiRequest *
hs_api_get_schemas(void)
{
	HsApiRequest *req = palloc0(sizeof(HsApiRequest));

	req->method = "GET";
	req->path = pstrdup("/crm/v3/schemas");
	req->query = pstrdup("includePropertyDefinitions=false");
	req->safety = HS_READ;
	return req;
}

/* One filter as HubSpot's search takes it (Filter). */
static void
add_search_filter(json_object *arr, const HsSearchFilter *f)
{
	json_object *obj = hs_json_append_object(arr);

	hs_json_add_string(obj, "propertyName", f->property);
	hs_json_add_string(obj, "operator", f->operator);
	if (f->value != NULL)
		hs_json_add_string(obj, "value", f->value);
	if (f->high_value != NULL)
		hs_json_add_string(obj, "highValue", f->high_value);
	if (f->values != NIL)
		add_string_array(obj, "values", f->values);
}

/* The body of a search request, in the memory context of body. */
static void
build_search_body(json_object *body, const HsRead *rd, const HsSearchQuery *q)
{
	ListCell   *lc;

	if (q->groups != NIL)
	{
		json_object *groups = hs_json_add_array(body, "filterGroups");

		foreach(lc, q->groups)
		{
			json_object *filters = hs_json_add_array(hs_json_append_object(groups),
													 "filters");
			ListCell   *fc;

			foreach(fc, (List *) lfirst(lc))
				add_search_filter(filters, (HsSearchFilter *) lfirst(fc));
		}
	}
	if (q->sort_property != NULL)
	{
		json_object *sort = hs_json_append_object(hs_json_add_array(body, "sorts"));

		hs_json_add_string(sort, "propertyName", q->sort_property);
		hs_json_add_string(sort, "direction",
						   q->sort_descending ? "DESCENDING" : "ASCENDING");
	}
	if (rd->prepared)
		add_string_array(body, "properties", rd->properties);
	hs_json_add_int64(body, "limit", q->limit);
}

/*
 * hs_api_search_body
 *		The JSON text of the first page's search request, as
 *		hs_api_search_page() sends it (EXPLAIN shows it).  Without properties
 *		until the read is prepared (plain EXPLAIN, before the catalogue).
 */
char *
hs_api_search_body(const HsRead *rd, const HsSearchQuery *q)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw request body",
											  ALLOCSET_SMALL_SIZES);
	json_object *body = hs_json_new_object(tmp);
	char	   *text;

	build_search_body(body, rd, q);
	text = hs_json_to_text(body);
	MemoryContextDelete(tmp);
	return text;
}

/*
 * hs_api_search_page
 *		POST /crm/v3/objects/{object}/search for the first page of the
 *		query's results (HubSpot's "after" is never sent: search.c pages by
 *		id), with the read's properties: {"filterGroups":[{"filters":[...]}
 *		...],"sorts":[...],"properties":[...],"limit":n} (hubspot-api.md
 *		3.11).
 */
HsApiRequest *
hs_api_search_page(const HsRead *rd, const HsSearchQuery *q)
{
	HsApiRequest *req = read_request(rd);

	Assert(rd->kind == HS_READ_SEARCH);
	Assert(q->limit >= 1 && q->limit <= HS_SEARCH_PAGE_SIZE);
	req->body = hs_api_search_body(rd, q);
	return req;
}

/*
 * hs_api_results
 *		The records of an answer's "results" array, which it must have, as a
 *		palloc'd array of pointers into the answer.  FDW_ERROR naming what
 *		(our words for the answer) when it has none.
 */
json_object **
hs_api_results(HsResponse *resp, const char *what, int *n)
{
	json_object *results;
	json_object **records;

	if (resp->json == NULL || !json_object_is_type(resp->json, json_type_object) ||
		!json_object_object_get_ex(resp->json, "results", &results) ||
		!json_object_is_type(results, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("HubSpot's %s has no \"results\" array", what),
				 hs_errdetail_request(resp->method, resp->path, NULL)));
	*n = (int) json_object_array_length(results);
	records = palloc(sizeof(json_object *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		records[i] = json_object_array_get_idx(results, i);
	return records;
}

/*
 * check_record_id
 *		A record of a read answer must have the id HubSpot documents: a JSON
 *		string of digits (hubspot-api.md; json-c would clamp a huge number,
 *		and a string with \u0000 would be cut).  Anything else is
 *		FDW_ERROR, as a malformed answer, naming the request.
 */
static void
check_record_id(HsResponse *resp, json_object *record, int index)
{
	json_object *v = NULL;
	const char *s;
	size_t		len;

	if (record == NULL || !json_object_is_type(record, json_type_object))
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "record %d is not a JSON object", index + 1);
	if (!json_object_object_get_ex(record, "id", &v) ||
		!json_object_is_type(v, json_type_string))
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "record %d has no string \"id\"", index + 1);
	s = json_object_get_string(v);
	len = (size_t) json_object_get_string_len(v);
	if (len == 0 || strlen(s) != len || strspn(s, "0123456789") != len)
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "record %d has the id \"%s\", which is not a string of digits",
								   index + 1, hs_message_text(s, len));
}

static void
check_record_ids(HsResponse *resp, json_object **records, int n)
{
	for (int i = 0; i < n; i++)
		check_record_id(resp, records[i], i);
}

/*
 * hs_api_parse_page
 *		A list page (CollectionResponseSimplePublicObjectWithAssociations):
 *		its records and paging.next.after.  after_sent is the cursor the
 *		request carried, or NULL.
 *
 * Errors: HubSpot's own for a status other than 200; FDW_ERROR for an
 * answer without "results", a record whose id is not a string of digits,
 * a paging.next.after that is not a non-empty JSON string, and a next
 * cursor equal to the one sent (which would loop for ever).  Allocates in
 * CurrentMemoryContext; the records belong to the response.
 */
void
hs_api_parse_page(HsResponse *resp, const char *after_sent, HsPage *page)
{
	json_object *next;
	const char *after;
	size_t		len;

	if (resp->status != 200)
		hs_report_response_error(resp);
	page->records = hs_api_results(resp, "response", &page->nrecords);
	check_record_ids(resp, page->records, page->nrecords);
	page->after = NULL;
	next = hs_member(hs_member(resp->json, "paging"), "next");
	if (next == NULL)
		return;
	if (!json_object_is_type(next, json_type_object) ||
		!json_object_object_get_ex(next, "after", &next) ||
		!json_object_is_type(next, json_type_string) ||
		json_object_get_string_len(next) == 0 ||
		strlen(json_object_get_string(next)) != (size_t) json_object_get_string_len(next))
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "paging.next.after is not a non-empty string");
	after = json_object_get_string(next);
	len = (size_t) json_object_get_string_len(next);
	if (after_sent != NULL && strcmp(after_sent, after) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("HubSpot returned the same paging cursor twice"),
				 hs_errdetail_request(resp->method, resp->path, "cursor \"%s\"",
									  hs_message_text(after, len))));
	page->after = pstrdup(after);
}

/*
 * hs_api_parse_search_page
 *		A search answer (CollectionResponseWithTotalSimplePublicObject): its
 *		records, the offset of the next page in page->after (NULL on the
 *		last page), and "total", the number of all matches.
 *
 * Errors: as hs_api_parse_page(), and FDW_ERROR for a "total" that is not
 * a non-negative integer or a next offset that is not a positive integer.
 */
void
hs_api_parse_search_page(HsResponse *resp, HsPage *page, int64 *total)
{
	json_object *t = hs_member(resp->json, "total");
	char	   *end;
	long		next;

	hs_api_parse_page(resp, NULL, page);
	if (t == NULL || !json_object_is_type(t, json_type_int) || json_object_get_int64(t) < 0)
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "\"total\" is not a non-negative integer");
	*total = json_object_get_int64(t);
	if (page->after == NULL)
		return;
	errno = 0;
	next = strtol(page->after, &end, 10);
	if (errno != 0 || *end != '\0' || next <= 0 || next > INT_MAX)
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "paging.next.after \"%s\" is not a positive offset",
								   hs_message_text(page->after, strlen(page->after)));
}

/*
 * hs_api_parse_record
 *		The record a GET by id returned (SimplePublicObjectWithAssociations),
 *		or NULL when HubSpot has no such record (404 OBJECT_NOT_FOUND).
 *
 * Errors: HubSpot's own for any other status but 200; FDW_ERROR for an
 * answer that is not a JSON object or whose id is not a string of digits.
 */
json_object *
hs_api_parse_record(HsResponse *resp)
{
	const char *category = hs_json_string(resp->json, "category");

	if (resp->status == 404 && category != NULL &&
		strcmp(category, "OBJECT_NOT_FOUND") == 0)
		return NULL;
	if (resp->status != 200)
		hs_report_response_error(resp);
	if (resp->json == NULL || !json_object_is_type(resp->json, json_type_object))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("HubSpot's response is not a record"),
				 hs_errdetail_request(resp->method, resp->path, NULL)));
	check_record_id(resp, resp->json, 0);
	return resp->json;
}

/*
 * hs_api_parse_batch_read
 *		A batch/read answer (BatchResponseSimplePublicObject, 200, or
 *		BatchResponseSimplePublicObjectWithErrors, 207): the records found,
 *		and the errors for the inputs that were not (each a StandardError,
 *		OBJECT_NOT_FOUND for unknown ids); what to make of them is the
 *		caller's choice.
 *
 * Errors: HubSpot's own for a status other than 200 and 207; FDW_ERROR for
 * an answer without "results" or with a record whose id is not a string of
 * digits.  Allocates in CurrentMemoryContext.
 */
void
hs_api_parse_batch_read(HsResponse *resp, HsBatchRead *out)
{
	json_object *errors;

	if (resp->status != 200 && resp->status != 207)
		hs_report_response_error(resp);
	out->resp = resp;
	out->records = hs_api_results(resp, "response", &out->nrecords);
	check_record_ids(resp, out->records, out->nrecords);
	out->errors = NULL;
	out->nerrors = 0;
	errors = hs_member(resp->json, "errors");
	if (errors == NULL || !json_object_is_type(errors, json_type_array))
		return;
	out->nerrors = (int) json_object_array_length(errors);
	out->errors = palloc0(sizeof(HsInputError) * Max(out->nerrors, 1));
	for (int i = 0; i < out->nerrors; i++)
	{
		json_object *err = json_object_array_get_idx(errors, i);

		out->errors[i].json = err;
		out->errors[i].category = hs_json_string(err, "category");
	}
}

/*
 * hs_api_check_batch_read
 *		The errors of a batch/read answer: an id HubSpot did not find
 *		(OBJECT_NOT_FOUND: archived, merged, or never there) is no record;
 *		any other error is an ERROR with the SQLSTATE of its category.
 */
void
hs_api_check_batch_read(const HsBatchRead *out)
{
	for (int i = 0; i < out->nerrors; i++)
	{
		const char *category = out->errors[i].category;

		if (category != NULL && strcmp(category, "OBJECT_NOT_FOUND") == 0)
			continue;
		ereport(ERROR,
				(errcode(hs_errcode_for_rejected_input(category)),
				 errmsg("HubSpot could not read some records: %s",
						hs_error_message_text(out->errors[i].json)),
				 hs_errdetail_request(out->resp->method, out->resp->path,
									  "category %s; correlationId %s",
									  category ? category : "none",
									  out->resp->correlation_id[0] ?
									  out->resp->correlation_id : "none")));
	}
}

/* ---------- writes: create, update, upsert, archive (single and batch) ---------- */

static const struct
{
	const char *batch;			/* batch endpoint suffix */
	const char *single_method;	/* one record at a time */
	HsRequestSafety safety;		/* of the batch request */
} write_ops[] =
{
	[HS_OP_CREATE] = {"create", "POST", HS_NOT_IDEMPOTENT},
	[HS_OP_UPSERT] = {"upsert", "POST", HS_IDEMPOTENT_WRITE},
	[HS_OP_UPDATE] = {"update", "PATCH", HS_IDEMPOTENT_WRITE},
	[HS_OP_ARCHIVE] = {"archive", "DELETE", HS_IDEMPOTENT_WRITE},
};

/*
 * write_path
 *		The path of a write: the batch endpoint, or the single-record one
 *		(for PATCH and DELETE, of record id, or "{id}" when id is NULL).
 */
static char *
write_path(const char *object, HsWriteOp op, bool batched, const char *id)
{
	if (batched)
		return psprintf("/crm/v3/objects/%s/batch/%s", object, write_ops[op].batch);
	if (op == HS_OP_CREATE)
		return psprintf("/crm/v3/objects/%s", object);
	return psprintf("/crm/v3/objects/%s/%s", object,
					id != NULL ? hs_url_escape(id) : "{id}");
}

char *
hs_api_write_endpoint(const char *object, HsWriteOp op, bool batched)
{
	return psprintf("%s %s", batched ? "POST" : write_ops[op].single_method,
					write_path(object, op, batched, NULL));
}

/*
 * write_body_context
 *		A context that owns the json-c objects of one request body while it
 *		is built: deleting it frees them, on the error path too.
 */
static MemoryContext
write_body_context(void)
{
	return AllocSetContextCreate(CurrentMemoryContext, "hubspot_fdw request body",
								 ALLOCSET_SMALL_SIZES);
}

/* "properties":{"name":"value",...} of obj ("value" null when NULL) */
static void
add_properties(json_object *obj, const HsWriteInput *in)
{
	json_object *props = hs_json_add_object(obj, "properties");

	for (int i = 0; i < in->nprops; i++)
		hs_json_add_string(props, in->props[i].name, in->props[i].value);
}

/*
 * "associations":[...] of a create: the input's array as the user wrote it
 * (jsonb's text, sent as it is: a json-c round trip would clamp large
 * numbers and refuse deep nesting), or []
 */
static void
add_associations(json_object *obj, const HsWriteInput *in)
{
	if (in->associations == NULL)
		(void) hs_json_add_array(obj, "associations");
	else
		hs_json_add_verbatim(obj, "associations", in->associations);
}

/*
 * append_input
 *		One input of a batch, in HubSpot's shape: create
 *		{"objectWriteTraceId":"7","properties":{...},"associations":[...]},
 *		upsert {"objectWriteTraceId":"7","id":key,"idProperty":...,
 *		"properties":{...}}, update {"id":...,"objectWriteTraceId":"7",
 *		"properties":{...}}, archive {"id":...}.
 */
static void
append_input(json_object *inputs, HsWriteOp op, const char *id_property,
			 const HsWriteInput *in)
{
	json_object *obj = hs_json_append_object(inputs);

	if (op == HS_OP_UPDATE || op == HS_OP_ARCHIVE)
		hs_json_add_string(obj, "id", in->id);
	if (op == HS_OP_ARCHIVE)
		return;
	hs_json_add_string(obj, "objectWriteTraceId", psprintf(INT64_FORMAT, in->row));
	if (op == HS_OP_UPSERT)
	{
		hs_json_add_string(obj, "id", in->id);
		hs_json_add_string(obj, "idProperty", id_property);
	}
	add_properties(obj, in);
	if (op == HS_OP_CREATE)
		add_associations(obj, in);
}

HsApiRequest *
hs_api_write_batch(const char *object, HsWriteOp op, const char *id_property,
				   const HsWriteInput *inputs, int n)
{
	HsApiRequest *req = palloc0(sizeof(HsApiRequest));
	MemoryContext tmp = write_body_context();
	json_object *root = hs_json_new_object(tmp);
	json_object *array = hs_json_add_array(root, "inputs");

	req->method = "POST";
	req->path = write_path(object, op, true, NULL);
	req->safety = write_ops[op].safety;
	for (int i = 0; i < n; i++)
		append_input(array, op, id_property, &inputs[i]);
	req->body = hs_json_to_text(root);
	MemoryContextDelete(tmp);
	return req;
}

HsApiRequest *
hs_api_write_single(const char *object, HsWriteOp op, const HsWriteInput *input)
{
	HsApiRequest *req = palloc0(sizeof(HsApiRequest));

	Assert(op != HS_OP_UPSERT);
	req->method = write_ops[op].single_method;
	req->path = write_path(object, op, false, input->id);
	req->safety = op == HS_OP_CREATE ? HS_NOT_IDEMPOTENT : HS_IDEMPOTENT_WRITE;
	if (op != HS_OP_ARCHIVE)
	{
		/* {"properties":{...}}, and "associations":[...] for a create */
		MemoryContext tmp = write_body_context();
		json_object *root = hs_json_new_object(tmp);

		add_properties(root, input);
		if (op == HS_OP_CREATE)
			add_associations(root, input);
		req->body = hs_json_to_text(root);
		MemoryContextDelete(tmp);
	}
	return req;
}

/*
 * context_strings
 *		The strings of member name of an error's "context": an array of
 *		strings, or one value taken as its text.
 */
static int
context_strings(json_object *err, const char *name, const char ***out)
{
	json_object *ctx;
	json_object *val;
	int			n;

	*out = NULL;
	if (!json_object_object_get_ex(err, "context", &ctx) || ctx == NULL ||
		!json_object_object_get_ex(ctx, name, &val) || val == NULL)
		return 0;
	if (!json_object_is_type(val, json_type_array))
	{
		*out = palloc(sizeof(char *));
		(*out)[0] = json_object_get_string(val);
		return 1;
	}
	n = (int) json_object_array_length(val);
	*out = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		(*out)[i] = json_object_get_string(json_object_array_get_idx(val, i));
	return n;
}

/*
 * write_record_id
 *		Member "id" of a written record when it is a HubSpot record id: a
 *		JSON string of one or more digits (a \u0000 in it counts as no
 *		digit).  NULL for anything else: missing, null, a number, an empty
 *		or non-numeric string.
 */
static const char *
write_record_id(json_object *record)
{
	json_object *v;
	const char *s;
	int			len;

	if (!json_object_object_get_ex(record, "id", &v) || v == NULL ||
		!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	if (len == 0)
		return NULL;
	for (int i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return NULL;
	return s;
}

void
hs_api_parse_result(json_object *result, HsBatchResult *r)
{
	json_object *v;

	memset(r, 0, sizeof(HsBatchResult));
	if (result == NULL || !json_object_is_type(result, json_type_object))
		return;
	r->record = result;
	r->id = write_record_id(result);
	r->trace = hs_json_string(result, "objectWriteTraceId");
	r->is_new = json_object_object_get_ex(result, "new", &v) &&
		json_object_get_boolean(v);
}

HsBatchAnswer *
hs_api_parse_batch(HsResponse *resp)
{
	HsBatchAnswer *a = palloc0(sizeof(HsBatchAnswer));
	json_object *results;
	json_object *errors;

	if (json_object_object_get_ex(resp->json, "results", &results) &&
		json_object_is_type(results, json_type_array))
	{
		a->has_results = true;
		a->nresults = (int) json_object_array_length(results);
		a->results = palloc0(sizeof(HsBatchResult) * Max(a->nresults, 1));
		for (int k = 0; k < a->nresults; k++)
			hs_api_parse_result(json_object_array_get_idx(results, k),
							   &a->results[k]);
	}
	if (json_object_object_get_ex(resp->json, "errors", &errors) &&
		json_object_is_type(errors, json_type_array))
	{
		a->nerrors = (int) json_object_array_length(errors);
		a->errors = palloc0(sizeof(HsBatchError) * Max(a->nerrors, 1));
		for (int k = 0; k < a->nerrors; k++)
		{
			json_object *err = json_object_array_get_idx(errors, k);
			HsBatchError *e = &a->errors[k];

			e->category = hs_json_string(err, "category");
			e->message = hs_error_message_text(err);
			e->ntraces = context_strings(err, "objectWriteTraceId", &e->traces);
			e->nids = context_strings(err, "ids", &e->ids);
		}
	}
	return a;
}

HsBatchError *
hs_api_parse_rejection(HsResponse *resp)
{
	HsBatchError *e = palloc0(sizeof(HsBatchError));

	e->category = hs_json_string(resp->json, "category");
	e->message = resp->json ? hs_error_message_text(resp->json) :
		psprintf("HTTP %ld", resp->status);
	return e;
}

/* ---------- error bodies ---------- */
