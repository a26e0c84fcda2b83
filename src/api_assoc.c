/*-------------------------------------------------------------------------
 *
 * api_assoc.c
 *		HubSpot's v4 associations API (api_assoc.h): paths, bodies and
 *		parsers, at the layer of api.c.
 *
 * Shapes follow hubspot-objects.md 4.3 and 4.8: batch/read answers
 * {"results":[{"from":{"id":"1"},"to":[{"toObjectId":2,"associationTypes":
 * [{"category","typeId","label"}]}],"paging":{"next":{"after"}}}],
 * "errors":[...]}; batch/create answers LabelsBetweenObjectPair results
 * ({"fromObjectId":1,"toObjectId":2,...}) and batch/associate/default
 * {"from":{"id"},"to":{"id"},"associationSpec"} results for both
 * directions; errors name records and types in their context, never rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "api_assoc.h"
#include "errors.h"
#include "json.h"
#include "objects.h"

#define NO_ASSOCIATIONS "crm.associations.NO_ASSOCIATIONS_FOUND"

static const char *const write_endpoints[] = {
	[HS_OP_ASSOC_CREATE] = "create",
	[HS_OP_ASSOC_DEFAULT] = "associate/default",
	[HS_OP_ASSOC_ARCHIVE] = "labels/archive",
};

static char *
assoc_path(const char *from, const char *to, const char *what)
{
	return psprintf("/crm/v4/associations/%s/%s/batch/%s", from, to, what);
}

char *
hs_api_assoc_endpoint(const char *from, const char *to, HsWriteOp op, bool read)
{
	return psprintf("POST %s",
					assoc_path(from, to, read ? "read" : write_endpoints[op]));
}

static MemoryContext
body_context(void)
{
	return AllocSetContextCreate(CurrentMemoryContext, "hubspot_fdw request body",
								 ALLOCSET_SMALL_SIZES);
}

HsApiRequest *
hs_api_assoc_read(const char *from, const char *to,
				  const HsAssocReadInput *inputs, int n)
{
	HsApiRequest *req = palloc0(sizeof(HsApiRequest));
	MemoryContext tmp = body_context();
	json_object *root = hs_json_new_object(tmp);
	json_object *array = hs_json_add_array(root, "inputs");

	Assert(n <= HS_ASSOC_READ_MAX_INPUTS);
	req->method = "POST";
	req->path = assoc_path(from, to, "read");
	req->safety = HS_READ;
	for (int i = 0; i < n; i++)
	{
		json_object *in = hs_json_append_object(array);

		hs_json_add_string(in, "id", inputs[i].id);
		if (inputs[i].after != NULL)
			hs_json_add_string(in, "after", inputs[i].after);
	}
	req->body = hs_json_to_text(root);
	MemoryContextDelete(tmp);
	return req;
}

/* {"from":{"id":...},"to":{"id":...}} of an input */
static json_object *
append_pair(json_object *array, const HsWriteInput *in)
{
	json_object *obj = hs_json_append_object(array);

	hs_json_add_string(hs_json_add_object(obj, "from"), "id", in->from_id);
	hs_json_add_string(hs_json_add_object(obj, "to"), "id", in->to_id);
	return obj;
}

HsApiRequest *
hs_api_assoc_write(const char *from, const char *to, HsWriteOp op,
				   const HsWriteInput *inputs, int n)
{
	HsApiRequest *req = palloc0(sizeof(HsApiRequest));
	MemoryContext tmp = body_context();
	json_object *root = hs_json_new_object(tmp);
	json_object *array = hs_json_add_array(root, "inputs");

	Assert(HS_OP_ASSOCIATES(op));
	req->method = "POST";
	req->path = assoc_path(from, to, write_endpoints[op]);
	/* an association is a set member: writing or removing it twice is once */
	req->safety = HS_IDEMPOTENT_WRITE;
	for (int i = 0; i < n; i++)
	{
		json_object *obj = append_pair(array, &inputs[i]);

		if (op != HS_OP_ASSOC_DEFAULT)
		{
			json_object *type = hs_json_append_object(hs_json_add_array(obj, "types"));

			hs_json_add_string(type, "associationCategory",
							   inputs[i].category ? inputs[i].category : "HUBSPOT_DEFINED");
			hs_json_add_int64(type, "associationTypeId", inputs[i].type_id);
		}
	}
	req->body = hs_json_to_text(root);
	MemoryContextDelete(tmp);
	return req;
}

/* ----------------------------------------------------------------
 *		batch/read
 * ----------------------------------------------------------------
 */

/*
 * id_text
 *		A record id as HubSpot sends it in v4 answers: a JSON number
 *		(toObjectId, fromObjectId) or a string of digits (from.id); NULL for
 *		anything else.
 */
static const char *
id_text(json_object *v)
{
	const char *s;

	if (v == NULL)
		return NULL;
	if (json_object_is_type(v, json_type_int))
	{
		int64		n = json_object_get_int64(v);

		return n >= 0 ? psprintf(INT64_FORMAT, n) : NULL;
	}
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (json_object_get_string_len(v) == 0 ||
		(size_t) json_object_get_string_len(v) != strspn(s, "0123456789"))
		return NULL;
	return pstrdup(s);
}

#define MALFORMED(resp, ...) \
	hs_report_malformed_answer((resp)->method, (resp)->path, (resp)->status, __VA_ARGS__)

/* The rows of one associated record: one per association type. */
static void
parse_read_target(HsResponse *resp, const char *from_id, json_object *target,
				  List **rows)
{
	const char *to_id = id_text(hs_member(target, "toObjectId"));
	json_object *types = hs_member(target, "associationTypes");

	if (to_id == NULL)
		MALFORMED(resp, "An associated record of record %s has no record id as \"toObjectId\".",
				  from_id);
	if (types == NULL || !json_object_is_type(types, json_type_array))
		MALFORMED(resp, "The association of record %s with %s has no array \"associationTypes\".",
				  from_id, to_id);
	for (size_t k = 0; k < json_object_array_length(types); k++)
	{
		json_object *t = json_object_array_get_idx(types, k);
		json_object *type_id = hs_member(t, "typeId");
		json_object *label = hs_member(t, "label");
		HsAssocRow *row = palloc0(sizeof(HsAssocRow));

		if (type_id == NULL || !json_object_is_type(type_id, json_type_int) ||
			json_object_get_int64(type_id) <= 0 ||
			json_object_get_int64(type_id) > PG_INT32_MAX ||
			hs_json_string(t, "category") == NULL ||
			(label != NULL && !json_object_is_type(label, json_type_string)))
			MALFORMED(resp, "An association type of record %s with %s is not {\"category\", \"typeId\", \"label\"}.",
					  from_id, to_id);
		row->from_id = from_id;
		row->to_id = to_id;
		row->type_id = (int32) json_object_get_int64(type_id);
		row->category = hs_json_text(hs_member(t, "category"), "association category", "category");
		row->label = label ? hs_json_text(label, "association label", "label") : NULL;
		*rows = lappend(*rows, row);
	}
}

/* One result of batch/read: its rows, and its next page's input. */
static void
parse_read_result(HsResponse *resp, json_object *result, List **rows, List **next)
{
	const char *from_id = id_text(hs_member(hs_member(result, "from"), "id"));
	json_object *to = hs_member(result, "to");
	json_object *paging = hs_member(result, "paging");

	if (from_id == NULL)
		MALFORMED(resp, "A result has no record id as \"from\".\"id\".");
	if (to == NULL || !json_object_is_type(to, json_type_array))
		MALFORMED(resp, "The result of record %s has no array \"to\".", from_id);
	for (size_t j = 0; j < json_object_array_length(to); j++)
		parse_read_target(resp, from_id, json_object_array_get_idx(to, j), rows);
	if (paging != NULL)
	{
		json_object *after = hs_member(hs_member(paging, "next"), "after");
		HsAssocReadInput *in;

		if (after == NULL)
			return;
		if (!json_object_is_type(after, json_type_string) ||
			json_object_get_string_len(after) == 0)
			MALFORMED(resp, "The paging cursor of record %s is not a string.", from_id);
		in = palloc0(sizeof(HsAssocReadInput));
		in->id = from_id;
		in->after = hs_json_text(after, "paging cursor", "after");
		*next = lappend(*next, in);
	}
}

/* A 207 error of batch/read: zero rows when the record has none. */
static void
check_read_error(HsResponse *resp, json_object *err)
{
	const char *sub = hs_json_string(err, "subCategory");
	const char *category = hs_json_string(err, "category");

	if (sub != NULL && strcmp(sub, NO_ASSOCIATIONS) == 0)
		return;
	ereport(ERROR,
			(errcode(hs_errcode_for_category(category, resp->status)),
			 errmsg("HubSpot could not read associations: %s", hs_error_message_text(err)),
			 errdetail("%s", hs_request_detail(resp->method, resp->path,
											   "HTTP status %ld; category %s; correlationId %s",
											   resp->status, category ? category : "none",
											   resp->correlation_id[0] ? resp->correlation_id : "none"))));
}

void
hs_api_assoc_parse_read(HsResponse *resp, HsAssocPage *out)
{
	json_object *results = hs_member(resp->json, "results");
	json_object *errors = hs_member(resp->json, "errors");
	List	   *rows = NIL;
	List	   *next = NIL;
	ListCell   *lc;
	int			i;

	memset(out, 0, sizeof(HsAssocPage));
	if (resp->status != 200 && resp->status != 207)
		hs_report_response_error(resp);
	if (resp->json == NULL || !json_object_is_type(resp->json, json_type_object))
		MALFORMED(resp, "The answer is not a JSON object.");
	if (errors != NULL && json_object_is_type(errors, json_type_array))
		for (size_t k = 0; k < json_object_array_length(errors); k++)
			check_read_error(resp, json_object_array_get_idx(errors, k));
	if (results == NULL || !json_object_is_type(results, json_type_array))
		MALFORMED(resp, "The answer has no array \"results\".");
	for (size_t k = 0; k < json_object_array_length(results); k++)
		parse_read_result(resp, json_object_array_get_idx(results, k), &rows, &next);

	out->nrows = list_length(rows);
	out->rows = palloc(sizeof(HsAssocRow) * Max(out->nrows, 1));
	i = 0;
	foreach(lc, rows)
		out->rows[i++] = *(HsAssocRow *) lfirst(lc);
	out->nnext = list_length(next);
	out->next = palloc(sizeof(HsAssocReadInput) * Max(out->nnext, 1));
	i = 0;
	foreach(lc, next)
		out->next[i++] = *(HsAssocReadInput *) lfirst(lc);
}

/* ----------------------------------------------------------------
 *		Writes: results and errors matched to rows
 * ----------------------------------------------------------------
 */

/* What an error's context names: ids of either side, and types. */
typedef struct Named
{
	List	   *from_ids;		/* char * */
	List	   *to_ids;
	List	   *either_ids;		/* "TYPE=id" whose TYPE is neither object */
	List	   *types;			/* "CATEGORY=typeId" strings, as sent */
} Named;

static bool
is_category(const char *s, size_t len)
{
	static const char *const categories[] = {
		"HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK"
	};

	for (size_t i = 0; i < lengthof(categories); i++)
		if (strlen(categories[i]) == len && strncmp(categories[i], s, len) == 0)
			return true;
	return false;
}

/* Is s (len bytes) the upper-case singular name of object? */
static bool
is_object_word(const char *s, size_t len, const char *object)
{
	const HsObjectType *o = object ? hs_object_find(object) : NULL;

	return o != NULL && strlen(o->singular) == len &&
		pg_strncasecmp(o->singular, s, len) == 0;
}

/*
 * note_named
 *		What one context string names: "DEAL=12 is not valid" a record of
 *		that object, "USER_DEFINED=3 is not ..." a type; a plain number a
 *		record of the side key says (fromObjectId, toObjectId).
 */
static void
note_named(Named *nm, const char *key, const char *s, const char *from, const char *to)
{
	size_t		word = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
	size_t		digits;

	if (strspn(s, "0123456789") == strlen(s) && *s != '\0')
	{
		if (strcmp(key, "fromObjectId") == 0)
			nm->from_ids = lappend(nm->from_ids, pstrdup(s));
		else if (strcmp(key, "toObjectId") == 0)
			nm->to_ids = lappend(nm->to_ids, pstrdup(s));
		return;
	}
	if (word == 0 || s[word] != '=')
		return;
	digits = strspn(s + word + 1, "0123456789");
	if (digits == 0)
		return;
	if (is_category(s, word))
		nm->types = lappend(nm->types, pnstrdup(s, word + 1 + digits));
	else if (is_object_word(s, word, from) && !is_object_word(s, word, to))
		nm->from_ids = lappend(nm->from_ids, pnstrdup(s + word + 1, digits));
	else if (is_object_word(s, word, to) && !is_object_word(s, word, from))
		nm->to_ids = lappend(nm->to_ids, pnstrdup(s + word + 1, digits));
	else
		nm->either_ids = lappend(nm->either_ids, pnstrdup(s + word + 1, digits));
}

/*
 * read_context
 *		Walk an error's "context" ({"KEY": ["value", ...]}): what it names,
 *		and its text for the message ("INVALID_OBJECT_IDS: LINE_ITEM=9 is
 *		not valid").
 */
static void
read_context(json_object *err, const char *from, const char *to, Named *nm,
			 StringInfo text)
{
	json_object *ctx = hs_member(err, "context");

	if (ctx == NULL || !json_object_is_type(ctx, json_type_object))
		return;
	for (struct lh_entry *e = json_object_get_object(ctx)->head; e; e = e->next)
	{
		const char *key = (const char *) lh_entry_k(e);
		json_object *val = (json_object *) lh_entry_v(e);
		int			n = val && json_object_is_type(val, json_type_array) ?
			(int) json_object_array_length(val) : 1;

		appendStringInfo(text, "%s%s:", text->len > 0 ? "; " : "", key);
		for (int i = 0; i < n; i++)
		{
			json_object *v = json_object_is_type(val, json_type_array) ?
				json_object_array_get_idx(val, i) : val;
			const char *s = v ? hs_message_text(json_object_get_string(v),
												strlen(json_object_get_string(v))) : "null";

			appendStringInfo(text, "%s %s", i > 0 ? "," : "", s);
			note_named(nm, key, s, from, to);
		}
	}
}

static bool
in_list(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp((const char *) lfirst(lc), s) == 0)
			return true;
	return false;
}

/* Does what an error names take in input in? */
static bool
names_input(const Named *nm, const HsWriteInput *in)
{
	char	   *type = psprintf("%s=%d", in->category ? in->category : "HUBSPOT_DEFINED",
								in->type_id);

	return in_list(nm->from_ids, in->from_id) || in_list(nm->to_ids, in->to_id) ||
		in_list(nm->either_ids, in->from_id) || in_list(nm->either_ids, in->to_id) ||
		(in->type_id != 0 && in_list(nm->types, type));
}

/* One HubSpot error as an HsBatchError naming the rows it concerns. */
static void
parse_write_error(json_object *err, const char *from, const char *to,
				  const HsWriteInput *inputs, int n, HsBatchError *e)
{
	Named		nm = {NIL, NIL, NIL, NIL};
	StringInfoData ctx;
	List	   *rows = NIL;
	ListCell   *lc;
	int			k = 0;

	initStringInfo(&ctx);
	read_context(err, from, to, &nm, &ctx);
	e->category = hs_json_string(err, "category");
	e->message = ctx.len > 0 ?
		psprintf("%s (%s)", hs_error_message_text(err), ctx.data) :
		hs_error_message_text(err);
	for (int i = 0; i < n; i++)
		if (names_input(&nm, &inputs[i]))
			rows = lappend(rows, psprintf(INT64_FORMAT, inputs[i].row));
	e->ntraces = list_length(rows);
	e->traces = palloc(sizeof(char *) * Max(e->ntraces, 1));
	foreach(lc, rows)
		e->traces[k++] = (const char *) lfirst(lc);
}

bool
hs_api_assoc_names_inputs(HsResponse *resp, const HsWriteInput *inputs, int n)
{
	HsBatchError e;

	if (resp->json == NULL || !json_object_is_type(resp->json, json_type_object))
		return false;
	if (n == 1)
		return true;
	parse_write_error(resp->json, NULL, NULL, inputs, n, &e);
	return e.ntraces > 0;
}

/* The from and to ids of a write result, in either shape (see above). */
static void
result_pair(json_object *r, const char **from_id, const char **to_id)
{
	*from_id = id_text(hs_member(r, "fromObjectId"));
	*to_id = id_text(hs_member(r, "toObjectId"));
	if (*from_id == NULL)
		*from_id = id_text(hs_member(hs_member(r, "from"), "id"));
	if (*to_id == NULL)
		*to_id = id_text(hs_member(hs_member(r, "to"), "id"));
}

/* Results: one per input a HubSpot result names (inverse ones name none). */
static void
match_write_results(json_object *results, const HsWriteInput *inputs, int n,
					HsBatchAnswer *a)
{
	size_t		nres = json_object_array_length(results);

	a->has_results = true;
	a->results = palloc0(sizeof(HsBatchResult) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		for (size_t k = 0; k < nres; k++)
		{
			json_object *r = json_object_array_get_idx(results, k);
			const char *f;
			const char *t;

			result_pair(r, &f, &t);
			if (f != NULL && t != NULL && strcmp(f, inputs[i].from_id) == 0 &&
				strcmp(t, inputs[i].to_id) == 0)
			{
				HsBatchResult *res = &a->results[a->nresults++];

				res->record = r;
				res->trace = psprintf(INT64_FORMAT, inputs[i].row);
				res->id = res->trace;
				break;
			}
		}
	}
}

/*
 * refused_batch
 *		A 400: HubSpot wrote none of the batch.  The rows its error names are
 *		rejected with it (the only row, when it names none), and the others
 *		with an error saying that they were refused with them.
 */
static void
refused_batch(HsResponse *resp, const char *from, const char *to,
			  const HsWriteInput *inputs, int n, HsBatchAnswer *a)
{
	HsBatchError *e;
	HsBatchError *others;
	StringInfoData named;

	a->has_results = true;
	a->errors = palloc0(sizeof(HsBatchError) * 2);
	e = &a->errors[0];
	parse_write_error(resp->json, from, to, inputs, n, e);
	a->nerrors = 1;
	if (e->ntraces == 0 && n == 1)
	{
		e->ntraces = 1;
		e->traces = palloc(sizeof(char *));
		e->traces[0] = psprintf(INT64_FORMAT, inputs[0].row);
	}
	if (e->ntraces == n || e->ntraces == 0)
		return;
	initStringInfo(&named);
	for (int k = 0; k < e->ntraces; k++)
		appendStringInfo(&named, "%s%s", k > 0 ? ", " : "", e->traces[k]);
	others = &a->errors[a->nerrors++];
	others->category = e->category;
	others->message = psprintf("not written: HubSpot refused the whole request for row%s %s",
							   e->ntraces == 1 ? "" : "s", named.data);
	others->traces = palloc(sizeof(char *) * n);
	for (int i = 0; i < n; i++)
	{
		char	   *row = psprintf(INT64_FORMAT, inputs[i].row);
		bool		is_named = false;

		for (int k = 0; k < e->ntraces; k++)
			is_named |= strcmp(e->traces[k], row) == 0;
		if (!is_named)
			others->traces[others->ntraces++] = row;
	}
}

HsBatchAnswer *
hs_api_assoc_parse_write(HsResponse *resp, const char *from, const char *to,
							 const HsWriteInput *inputs, int n)
{
	HsBatchAnswer *a = palloc0(sizeof(HsBatchAnswer));
	json_object *results = hs_member(resp->json, "results");
	json_object *errors = hs_member(resp->json, "errors");

	if (resp->status == 400)
	{
		refused_batch(resp, from, to, inputs, n, a);
		return a;
	}
	if (results != NULL && json_object_is_type(results, json_type_array))
		match_write_results(results, inputs, n, a);
	if (errors != NULL && json_object_is_type(errors, json_type_array))
	{
		a->nerrors = (int) json_object_array_length(errors);
		a->errors = palloc0(sizeof(HsBatchError) * Max(a->nerrors, 1));
		for (int k = 0; k < a->nerrors; k++)
			parse_write_error(json_object_array_get_idx(errors, k), from, to,
							  inputs, n, &a->errors[k]);
	}
	return a;
}
