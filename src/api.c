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

/* "associations":[...] of a create: the input's array, or [] */
static void
add_associations(json_object *obj, const HsWriteInput *in, MemoryContext owner)
{
	json_object *assoc = NULL;

	if (in->associations != NULL)
		assoc = hs_json_parse_owned(in->associations, strlen(in->associations),
									owner);
	if (assoc == NULL)
		(void) hs_json_add_array(obj, "associations");
	else
		hs_json_add(obj, "associations", json_object_get(assoc));
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
			 const HsWriteInput *in, MemoryContext owner)
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
		add_associations(obj, in, owner);
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
		append_input(array, op, id_property, &inputs[i], tmp);
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
			add_associations(root, input, tmp);
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
