/*-------------------------------------------------------------------------
 *
 * modify.c
 *		INSERT into a HubSpot object: batch/create of batch_size rows, or one
 *		create per row when RETURNING (or a row trigger) needs the result.
 *
 * Every row is checked before its request is sent: properties must be a
 * JSON object of scalars, named properties must exist and be writable.
 * HubSpot has no transactions: rows of batches already sent stay created
 * when a later batch fails, and every error says how many there are.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hubspot_fdw.h"

/* Execution state of an INSERT. */
typedef struct HsModifyState
{
	HsTable    *table;
	HsConnection *conn;			/* NULL under plain EXPLAIN */
	HsStats		stats;
	MemoryContext batch_cxt;	/* request and response of one batch */
	int64		rows_seen;		/* rows handed to us by the executor */
	int64		rows_created;	/* rows HubSpot reported as created */
	int64		created_before; /* rows_created when the request in flight
								 * was started */
	char	   *create_path;
	char	   *batch_path;
	/* for errcontext: the rows of the request in flight */
	int64		first_row;
	int64		last_row;
} HsModifyState;

#define ASSOCIATIONS_HINT \
	"Use HubSpot's create input shape: [{\"to\":{\"id\":\"123\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":20}]}]."

/* One property to send, in order of first appearance. */
typedef struct PropValue
{
	const char *name;
	char	   *value;
	const char *source;			/* "properties" or a column name */
} PropValue;

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

int
hubspotIsForeignRelUpdatable(Relation rel pg_attribute_unused())
{
	return (1 << CMD_INSERT);
}

List *
hubspotPlanForeignModify(PlannerInfo *root pg_attribute_unused(), ModifyTable *plan,
						 Index resultRelation pg_attribute_unused(), int subplan_index pg_attribute_unused())
{
	if (plan->operation != CMD_INSERT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hubspot_fdw supports only INSERT into foreign tables")));
	/* HubSpot cannot tell us about a conflict: refuse rather than ignore */
	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT with ON CONFLICT is not supported by hubspot_fdw"),
				 errdetail("HubSpot's create endpoints cannot report a conflict, so ON CONFLICT DO NOTHING could not be honoured.")));
	return NIL;
}

/* ----------------------------------------------------------------
 *		Row checks and request bodies
 * ----------------------------------------------------------------
 */

/* Where a property's value came from, for messages. */
static char *
describe_source(const PropValue *pv)
{
	if (strcmp(pv->source, "properties") == 0)
		return psprintf("key \"%s\" of column \"properties\"", pv->name);
	return psprintf("column \"%s\"", pv->source);
}

/*
 * add_prop
 *		Add a property to a row's list; the same property given twice must
 *		have the same value.
 */
static void
add_prop(List **props, int64 row, const char *name, char *value,
		 const char *source)
{
	ListCell   *lc;
	PropValue  *pv = palloc(sizeof(PropValue));

	pv->name = name;
	pv->value = value;
	pv->source = source;
	foreach(lc, *props)
	{
		PropValue  *other = (PropValue *) lfirst(lc);

		if (strcmp(other->name, name) != 0)
			continue;
		if (strcmp(other->value, value) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row " INT64_FORMAT ": property \"%s\" is given two different values",
							row, name),
					 errdetail("%s gives \"%s\", %s gives \"%s\".",
							   describe_source(other), other->value,
							   describe_source(pv), value)));
		return;
	}
	*props = lappend(*props, pv);
}

/* The properties of a written "properties" value, checked. */
static void
collect_jsonb_properties(List **props, int64 row, Jsonb *jb)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row " INT64_FORMAT ": column \"properties\" must be a JSON object", row),
				 errdetail("It is a JSON %s.",
						   JB_ROOT_IS_SCALAR(jb) ? "scalar" : "array"),
				 errhint("Write the properties as {\"name\": \"value\", ...}.")));

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			bool		isnull;
			char	   *value;

			if (v.type == jbvBinary)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("row " INT64_FORMAT ": property \"%s\" in column \"properties\" has a nested %s",
								row, key,
								JsonContainerIsArray(v.val.binary.data) ? "array" : "object"),
						 errhint("HubSpot property values are strings; numbers and booleans are sent as their text. Join multi-select values with \";\".")));
			value = hs_jsonb_scalar_to_string(&v, &isnull);
			/* null leaves the property out of a create */
			if (!isnull)
				add_prop(props, row, key, value, "properties");
		}
	}
}

/*
 * check_property
 *		Refuse, before anything is sent, a property HubSpot would reject for
 *		every row: one it does not have, or one that is read-only.
 */
static void
check_property(HsModifyState *fmstate, int64 row, PropValue *pv)
{
	HsProperty *prop = hs_find_property(fmstate->conn, fmstate->table->object,
										pv->name, &fmstate->stats);

	if (prop == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("row " INT64_FORMAT ": HubSpot %s have no property \"%s\"",
						row, fmstate->table->object, pv->name),
				 errhint("Property names are HubSpot's internal names, such as \"hs_sku\"; GET /crm/v3/properties/%s lists them.",
						 fmstate->table->object)));
	if (prop->read_only)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("row " INT64_FORMAT ": HubSpot property \"%s\" is read-only",
						row, pv->name),
				 errdetail("HubSpot computes its value and refuses writes to it.")));
}

/*
 * append_row_input
 *		Append one row as HubSpot create input: {"properties":{...},
 *		"associations":[...]}, with objectWriteTraceId when trace_id > 0.
 */
static void
append_row_input(HsModifyState *fmstate, StringInfo buf, TupleTableSlot *slot,
				 int64 row, bool trace_id)
{
	HsTable    *table = fmstate->table;
	List	   *props = NIL;
	Datum		associations = (Datum) 0;
	bool		has_associations = false;
	ListCell   *lc;
	bool		first = true;

	slot_getallattrs(slot);

	/* the properties column first, so that a typed column is compared to it */
	if (table->properties_col != NULL &&
		!slot->tts_isnull[table->properties_col->attnum - 1])
		collect_jsonb_properties(&props, row,
								 DatumGetJsonbP(slot->tts_values[table->properties_col->attnum - 1]));

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];
		int			idx = col->attnum - 1;
		Datum		value = slot->tts_values[idx];

		if (slot->tts_isnull[idx])
			continue;
		switch (col->kind)
		{
			case HS_COL_PROPERTY:
				add_prop(&props, row, col->property,
						 hs_datum_to_string(col, value), col->name);
				break;
			case HS_COL_ASSOCIATIONS:
				associations = value;
				has_associations = true;
				break;
			case HS_COL_PROPERTIES:
				break;
			case HS_COL_ARCHIVED:
				/* a new record is not archived: false is what it will be */
				if (col->vkind == HS_VAL_BOOL && !DatumGetBool(value))
					break;
				/* FALLTHROUGH */
			default:
				ereport(ERROR,
						(errcode(ERRCODE_GENERATED_ALWAYS),
						 errmsg("row " INT64_FORMAT ": column \"%s\" cannot be set by INSERT",
								row, col->name),
						 errdetail("HubSpot assigns it when it creates the record."),
						 errhint("Leave the column out of the INSERT, or insert NULL or DEFAULT.")));
		}
	}

	if (has_associations)
	{
		Jsonb	   *jb = DatumGetJsonbP(associations);
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;

		if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row " INT64_FORMAT ": column \"associations\" must be a JSON array", row),
					 errhint("%s", ASSOCIATIONS_HINT)));
		it = JsonbIteratorInit(&jb->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_ELEM &&
				(v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data)))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("row " INT64_FORMAT ": every element of column \"associations\" must be a JSON object", row),
						 errhint("%s", ASSOCIATIONS_HINT)));
		}
	}

	foreach(lc, props)
		check_property(fmstate, row, (PropValue *) lfirst(lc));

	appendStringInfoChar(buf, '{');
	if (trace_id)
		appendStringInfo(buf, "\"objectWriteTraceId\":\"" INT64_FORMAT "\",", row);
	appendStringInfoString(buf, "\"properties\":{");
	foreach(lc, props)
	{
		PropValue  *pv = (PropValue *) lfirst(lc);

		if (!first)
			appendStringInfoChar(buf, ',');
		first = false;
		escape_json(buf, pv->name);
		appendStringInfoChar(buf, ':');
		escape_json(buf, pv->value);
	}
	appendStringInfoString(buf, "},\"associations\":");
	if (has_associations)
	{
		Jsonb	   *jb = DatumGetJsonbP(associations);

		appendStringInfoString(buf, JsonbToCString(NULL, &jb->root, VARSIZE(jb)));
	}
	else
		appendStringInfoString(buf, "[]");
	appendStringInfoChar(buf, '}');
}

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

static void
modify_error_callback(void *arg)
{
	HsModifyState *fmstate = (HsModifyState *) arg;
	char	   *rows;

	if (fmstate->first_row == fmstate->last_row)
		rows = psprintf("row " INT64_FORMAT, fmstate->first_row);
	else
		rows = psprintf("rows " INT64_FORMAT " to " INT64_FORMAT,
						fmstate->first_row, fmstate->last_row);
	if (fmstate->created_before == 0)
		errcontext("INSERT into foreign table \"%s\", %s",
				   fmstate->table->relname, rows);
	else
		errcontext("INSERT into foreign table \"%s\", %s; HubSpot had already created " INT64_FORMAT " row%s of this statement",
				   fmstate->table->relname, rows, fmstate->created_before,
				   fmstate->created_before == 1 ? "" : "s");
}

static Oid
modify_user(ResultRelInfo *rinfo, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
	return hs_scan_user(estate, rinfo->ri_RangeTableIndex);
#endif
}

static HsModifyState *
create_modify_state(ResultRelInfo *rinfo, EState *estate, bool explain_only)
{
	HsModifyState *fmstate = palloc0(sizeof(HsModifyState));

	fmstate->table = hs_get_table(rinfo->ri_RelationDesc);
	fmstate->create_path = psprintf("/crm/v3/objects/%s", fmstate->table->object);
	fmstate->batch_path = psprintf("/crm/v3/objects/%s/batch/create",
								   fmstate->table->object);
	rinfo->ri_FdwState = fmstate;
	if (explain_only)
		return fmstate;

	fmstate->conn = hs_connect(fmstate->table->serverid, modify_user(rinfo, estate));
	fmstate->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
											   "hubspot_fdw batch data",
											   ALLOCSET_DEFAULT_SIZES);
	return fmstate;
}

void
hubspotBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						  List *fdw_private pg_attribute_unused(), int subplan_index pg_attribute_unused(), int eflags)
{
	(void) create_modify_state(rinfo, mtstate->ps.state,
							   (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0);
}

void
hubspotBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	(void) create_modify_state(rinfo, mtstate->ps.state, false);
}

/*
 * hubspotGetForeignModifyBatchSize
 *		batch_size, unless something needs each row's result at once:
 *		RETURNING, a row trigger or WITH CHECK OPTION (as postgres_fdw).
 *		May be called under plain EXPLAIN, so it reads catalogs only.
 */
int
hubspotGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	int			batch_size;

	if (rinfo->ri_projectReturning != NULL ||
		rinfo->ri_WithCheckOptions != NIL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row)))
		return 1;

	if (fmstate != NULL)
		batch_size = fmstate->table->batch_size;
	else
		batch_size = hs_table_batch_size(RelationGetRelid(rinfo->ri_RelationDesc));
	return Min(Max(batch_size, 1), HS_MAX_BATCH_SIZE);
}

/*
 * hubspotExecForeignInsert
 *		One row, one create; the slot is refilled with what HubSpot stored,
 *		for RETURNING and AFTER triggers.
 */
TupleTableSlot *
hubspotExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot pg_attribute_unused())
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	MemoryContext oldcxt;
	StringInfoData body;
	HsResponse *resp;
	ErrorContextCallback errcallback;
	int64		row = ++fmstate->rows_seen;
	HsColumn   *assoc_col = NULL;
	Datum		assoc_value = (Datum) 0;
	bool		assoc_null = true;

	MemoryContextReset(fmstate->batch_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->batch_cxt);

	fmstate->first_row = fmstate->last_row = row;
	fmstate->created_before = fmstate->rows_created;
	errcallback.callback = modify_error_callback;
	errcallback.arg = fmstate;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	initStringInfo(&body);
	append_row_input(fmstate, &body, slot, row, false);

	/* HubSpot's create response has no associations: keep what was sent */
	for (int i = 0; i < fmstate->table->ncolumns; i++)
		if (fmstate->table->columns[i].kind == HS_COL_ASSOCIATIONS)
			assoc_col = &fmstate->table->columns[i];
	if (assoc_col != NULL)
	{
		assoc_null = slot->tts_isnull[assoc_col->attnum - 1];
		if (!assoc_null)
			assoc_value = datumCopy(slot->tts_values[assoc_col->attnum - 1], false, -1);
	}

	resp = hs_request(fmstate->conn, "POST", fmstate->create_path, NULL,
					  body.data, HS_NOT_IDEMPOTENT, &fmstate->stats);
	if (resp->status != 200 && resp->status != 201)
		hs_report_response_error(resp);
	fmstate->rows_created++;

	error_context_stack = errcallback.previous;

	/* values of the returned slot live in the per-tuple context */
	MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
	hs_fill_slot_from_object(fmstate->table, resp->json, slot, NULL);
	if (assoc_col != NULL && !assoc_null)
	{
		slot->tts_values[assoc_col->attnum - 1] = datumCopy(assoc_value, false, -1);
		slot->tts_isnull[assoc_col->attnum - 1] = false;
	}
	MemoryContextSwitchTo(oldcxt);
	return slot;
}

typedef struct RejectedRow
{
	int64		row;			/* row number in the statement, 0 if unknown */
	const char *category;
	char	   *message;
} RejectedRow;

static int
rejected_cmp_list(const ListCell *a, const ListCell *b)
{
	int64		ra = ((const RejectedRow *) lfirst(a))->row;
	int64		rb = ((const RejectedRow *) lfirst(b))->row;

	return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/*
 * collect_rejected_rows
 *		The rows an error item of a batch response names through
 *		context.objectWriteTraceId (one item may name several), or a single
 *		row 0 when it names none.
 */
static List *
collect_rejected_rows(List *rows, json_object *err)
{
	json_object *ctx;
	json_object *ids = NULL;
	const char *category = hs_json_string(err, "category");
	char	   *message = hs_error_message_text(err);
	size_t		nids = 0;

	if (json_object_object_get_ex(err, "context", &ctx) &&
		json_object_object_get_ex(ctx, "objectWriteTraceId", &ids) && ids != NULL)
		nids = json_object_is_type(ids, json_type_array) ?
			json_object_array_length(ids) : 1;

	for (size_t i = 0; i < Max(nids, 1); i++)
	{
		RejectedRow *r = palloc0(sizeof(RejectedRow));

		if (nids > 0)
		{
			json_object *id = json_object_is_type(ids, json_type_array) ?
				json_object_array_get_idx(ids, i) : ids;
			const char *s = id ? json_object_get_string(id) : NULL;

			r->row = s ? strtoll(s, NULL, 10) : 0;
		}
		r->category = category;
		r->message = message;
		rows = lappend(rows, r);
	}
	return rows;
}

/*
 * report_rejected_rows
 *		One ERROR for a batch HubSpot answered with per-row errors (207):
 *		every rejected row with HubSpot's category and message, and a hint
 *		counting the rows HubSpot created anyway.
 */
static void
report_rejected_rows(HsModifyState *fmstate, json_object *errors, int ninputs,
					 int created_in_batch)
{
	List	   *rows = NIL;
	ListCell   *lc;
	StringInfoData detail;
	const char *category = NULL;

	for (size_t i = 0; i < json_object_array_length(errors); i++)
		rows = collect_rejected_rows(rows, json_object_array_get_idx(errors, i));
	list_sort(rows, rejected_cmp_list);

	initStringInfo(&detail);
	foreach(lc, rows)
	{
		RejectedRow *r = (RejectedRow *) lfirst(lc);

		if (category == NULL)
			category = r->category;
		if (detail.len > 0)
			appendStringInfoChar(&detail, '\n');
		if (r->row > 0)
			appendStringInfo(&detail, "row " INT64_FORMAT ": ", r->row);
		else
			appendStringInfoString(&detail, "a row HubSpot did not identify: ");
		appendStringInfo(&detail, "%s: %s", r->category ? r->category : "ERROR",
						 r->message);
	}

	ereport(ERROR,
			(errcode(hs_errcode_for_category(category, 400)),
			 errmsg("HubSpot rejected %d of %d rows of a batch create",
					ninputs - created_in_batch, ninputs),
			 errdetail("%s", detail.data),
			 errhint("HubSpot created " INT64_FORMAT " row%s of this statement, %d of them in this batch; they stay created, because HubSpot writes are not transactional.",
					 fmstate->rows_created, fmstate->rows_created == 1 ? "" : "s",
					 created_in_batch)));
}

/*
 * hubspotExecForeignBatchInsert
 *		Send up to batch_size rows as one batch/create.
 *
 * Each input carries objectWriteTraceId = its row number in the statement,
 * so that HubSpot reports failures per row (207) instead of failing the
 * whole batch, and so that errors name rows.  Results come back in random
 * order and are never matched to inputs by position.
 */
TupleTableSlot **
hubspotExecForeignBatchInsert(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo,
							  TupleTableSlot **slots, TupleTableSlot **planSlots pg_attribute_unused(),
							  int *numSlots)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	MemoryContext oldcxt;
	StringInfoData body;
	HsResponse *resp;
	ErrorContextCallback errcallback;
	json_object *results;
	json_object *errors;
	int			n = *numSlots;
	int			created;

	MemoryContextReset(fmstate->batch_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->batch_cxt);

	fmstate->first_row = fmstate->rows_seen + 1;
	fmstate->last_row = fmstate->rows_seen + n;
	fmstate->created_before = fmstate->rows_created;
	errcallback.callback = modify_error_callback;
	errcallback.arg = fmstate;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	initStringInfo(&body);
	appendStringInfoString(&body, "{\"inputs\":[");
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&body, ',');
		append_row_input(fmstate, &body, slots[i], ++fmstate->rows_seen, true);
	}
	appendStringInfoString(&body, "]}");

	resp = hs_request(fmstate->conn, "POST", fmstate->batch_path, NULL,
					  body.data, HS_NOT_IDEMPOTENT, &fmstate->stats);

	if (resp->status != 200 && resp->status != 201 && resp->status != 207)
		hs_report_response_error(resp);

	if (!json_object_object_get_ex(resp->json, "results", &results) ||
		!json_object_is_type(results, json_type_array))
		results = NULL;
	created = results ? (int) json_object_array_length(results) : 0;
	fmstate->rows_created += created;

	if (json_object_object_get_ex(resp->json, "errors", &errors) &&
		json_object_is_type(errors, json_type_array) &&
		json_object_array_length(errors) > 0)
		report_rejected_rows(fmstate, errors, n, created);

	if (created != n)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("HubSpot reported %d records created for %d rows, and no errors", created, n),
				 errdetail("Request: POST %s; HTTP status %ld; correlationId %s.",
						   fmstate->batch_path, resp->status,
						   resp->correlation_id[0] ? resp->correlation_id : "none"),
				 errhint("HubSpot created " INT64_FORMAT " rows of this statement; check them in HubSpot.",
						 fmstate->rows_created)));

	error_context_stack = errcallback.previous;
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(fmstate->batch_cxt);
	return slots;
}

void
hubspotEndForeignModify(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;

	if (fmstate != NULL && fmstate->batch_cxt != NULL)
	{
		MemoryContextDelete(fmstate->batch_cxt);
		fmstate->batch_cxt = NULL;
	}
}

void
hubspotEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	hubspotEndForeignModify(estate, rinfo);
}

void
hubspotExplainForeignModify(ModifyTableState *mtstate pg_attribute_unused(), ResultRelInfo *rinfo,
							List *fdw_private pg_attribute_unused(), int subplan_index pg_attribute_unused(),
							ExplainState *es)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	int			batch_size = rinfo->ri_BatchSize > 0 ? rinfo->ri_BatchSize : 1;

	if (fmstate == NULL)
		return;
	ExplainPropertyText("HubSpot Request",
						psprintf("POST %s", batch_size > 1 ?
								 fmstate->batch_path : fmstate->create_path),
						es);
	ExplainPropertyInteger("Batch Size", NULL, batch_size, es);
	if (es->analyze)
	{
		ExplainPropertyInteger("HubSpot Requests", NULL, fmstate->stats.requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, fmstate->stats.retries, es);
	}
}
