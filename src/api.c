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
#include "api.h"

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

/* ---------- reads: list pages, GET by id, batch/read, properties ---------- */

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
 * json_text_free
 *		root's JSON text in palloc memory; root is freed, on error too
 *		(nothing here throws while it is allocated).
 */
static char *
json_text_free(json_object *root)
{
	size_t		len;
	const char *s = json_object_to_json_string_length(root,
													  JSON_C_TO_STRING_PLAIN |
													  JSON_C_TO_STRING_NOSLASHESCAPE,
													  &len);
	char	   *text = s == NULL ? NULL :
		palloc_extended(len + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);

	if (text != NULL)
		memcpy(text, s, len + 1);
	json_object_put(root);
	if (text == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return text;
}

/* {"name":"value",...}; only json-c calls, nothing that throws */
static json_object *
properties_object(const HsWriteInput *in)
{
	json_object *props = json_object_new_object();

	for (int i = 0; i < in->nprops; i++)
		json_object_object_add(props, in->props[i].name,
							   in->props[i].value != NULL ?
							   json_object_new_string(in->props[i].value) : NULL);
	return props;
}

/*
 * write_input
 *		One input in HubSpot's shape (only json-c calls): create
 *		{"objectWriteTraceId":"7","properties":{...},"associations":[...]},
 *		upsert {"objectWriteTraceId":"7","id":key,"idProperty":...,
 *		"properties":{...}}, update {"id":...,"objectWriteTraceId":"7",
 *		"properties":{...}}, archive {"id":...}.  trace_text is the row
 *		number's text, or NULL to send none.
 */
static json_object *
write_input(HsWriteOp op, const char *id_property, const HsWriteInput *in,
			const char *trace_text)
{
	json_object *obj = json_object_new_object();

	if (op == HS_OP_UPDATE || op == HS_OP_ARCHIVE)
		json_object_object_add(obj, "id", json_object_new_string(in->id));
	if (op == HS_OP_ARCHIVE)
		return obj;
	if (trace_text != NULL)
		json_object_object_add(obj, "objectWriteTraceId",
							   json_object_new_string(trace_text));
	if (op == HS_OP_UPSERT)
	{
		json_object_object_add(obj, "id", json_object_new_string(in->id));
		json_object_object_add(obj, "idProperty",
							   json_object_new_string(id_property));
	}
	json_object_object_add(obj, "properties", properties_object(in));
	if (op == HS_OP_CREATE)
	{
		json_object *assoc = NULL;

		if (in->associations != NULL)
			assoc = json_tokener_parse(in->associations);
		json_object_object_add(obj, "associations",
							   assoc != NULL ? assoc : json_object_new_array());
	}
	return obj;
}

HsApiRequest *
hs_api_write_batch(const char *object, HsWriteOp op, const char *id_property,
				   const HsWriteInput *inputs, int n)
{
	HsApiRequest *req = palloc0(sizeof(HsApiRequest));
	char	  **traces = palloc(sizeof(char *) * Max(n, 1));
	json_object *root;
	json_object *array;

	/* everything that may throw before json-c allocates */
	for (int i = 0; i < n; i++)
		traces[i] = psprintf(INT64_FORMAT, inputs[i].row);
	req->method = "POST";
	req->path = write_path(object, op, true, NULL);
	req->safety = write_ops[op].safety;

	root = json_object_new_object();
	array = json_object_new_array();
	json_object_object_add(root, "inputs", array);
	for (int i = 0; i < n; i++)
		json_object_array_add(array, write_input(op, id_property, &inputs[i],
												 traces[i]));
	req->body = json_text_free(root);
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
		json_object *root = json_object_new_object();

		json_object_object_add(root, "properties", properties_object(input));
		if (op == HS_OP_CREATE)
		{
			json_object *assoc = NULL;

			if (input->associations != NULL)
				assoc = json_tokener_parse(input->associations);
			json_object_object_add(root, "associations",
								   assoc != NULL ? assoc : json_object_new_array());
		}
		req->body = json_text_free(root);
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

void
hs_api_parse_result(json_object *result, HsBatchResult *r)
{
	json_object *v;

	r->record = result;
	r->id = hs_json_string(result, "id");
	r->trace = hs_json_string(result, "objectWriteTraceId");
	/* HubSpot's ids are strings; take a JSON number as its text too */
	r->created_id = NULL;
	if (json_object_object_get_ex(result, "id", &v) && v != NULL &&
		(json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int)))
		r->created_id = json_object_get_string(v);
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
