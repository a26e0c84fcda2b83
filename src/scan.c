/*-------------------------------------------------------------------------
 *
 * scan.c
 *		Planning and executing scans of a HubSpot object: the list endpoint,
 *		page by page, with flat memory.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/sysattr.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hubspot_fdw.h"

/* rows assumed when nothing better is known (there is no ANALYZE yet) */
#define DEFAULT_ROW_ESTIMATE 1000
/* cost of one request round trip, in units of seq_page_cost */
#define REQUEST_COST 100.0

/*
 * Indexes of the ForeignScan's fdw_private list.
 */
enum FdwScanPrivateIndex
{
	/* Integer list of the attnums the query reads */
	FdwScanPrivateAttnums
};

/* What the planner found out about a scanned relation. */
typedef struct HsRelInfo
{
	Bitmapset  *attrs_used;
} HsRelInfo;

/* Execution state of a scan. */
typedef struct HsScanState
{
	HsTable    *table;
	bool	   *wanted;			/* per table->columns entry: read it? */
	bool		want_properties;	/* the properties column is read */
	bool		want_history;	/* properties_with_history is read */
	int			page_size;
	char	   *path;			/* request path */
	char	   *query;			/* query string without the cursor; built
								 * at the first fetch */

	HsConnection *conn;			/* NULL under plain EXPLAIN */
	HsStats		stats;

	MemoryContext scan_cxt;		/* lives as long as the scan */

	MemoryContext page_cxt;		/* the parsed page; reset per page */
	MemoryContext row_cxt;		/* the current row's values */
	json_object *results;		/* the current page's records */
	size_t		nresults;
	size_t		next_result;
	StringInfoData after;		/* cursor of the next page */
	bool		started;
	bool		more;			/* is there a next page? */
} HsScanState;

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

void
hubspotGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
						 Oid foreigntableid pg_attribute_unused())
{
	HsRelInfo  *info = palloc0(sizeof(HsRelInfo));
	ListCell   *lc;
	Selectivity sel;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &info->attrs_used);
	}
	baserel->fdw_private = info;

	/* no request at plan time: plain EXPLAIN must not touch HubSpot */
	sel = clauselist_selectivity(root, baserel->baserestrictinfo, 0,
								 JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(DEFAULT_ROW_ESTIMATE * sel);
}

void
hubspotGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
					   Oid foreigntableid pg_attribute_unused())
{
	double		pages = ceil((double) DEFAULT_ROW_ESTIMATE / HS_LIST_PAGE_SIZE);
	Cost		startup_cost = REQUEST_COST;
	Cost		total_cost = startup_cost + pages * REQUEST_COST +
		DEFAULT_ROW_ESTIMATE * cpu_tuple_cost * 10;

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup_cost, total_cost,
									 NIL, NULL, NULL,
#if PG_VERSION_NUM >= 170000
									 NIL,
#endif
									 NIL));
}

ForeignScan *
hubspotGetForeignPlan(PlannerInfo *root pg_attribute_unused(), RelOptInfo *baserel,
					  Oid foreigntableid pg_attribute_unused(), ForeignPath *best_path pg_attribute_unused(),
					  List *tlist, List *scan_clauses, Plan *outer_plan)
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	List	   *attnums = NIL;
	bool		whole_row;
	int			x = -1;

	/* nothing is pushed down yet: every clause is checked locally */
	scan_clauses = extract_actual_clauses(scan_clauses, false);

	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
							  info->attrs_used);
	if (whole_row)
		attnums = list_make1_int(0);
	else
	{
		while ((x = bms_next_member(info->attrs_used, x)) >= 0)
		{
			AttrNumber	attnum = x + FirstLowInvalidHeapAttributeNumber;

			if (attnum > 0)
				attnums = lappend_int(attnums, attnum);
		}
	}

	return make_foreignscan(tlist, scan_clauses, baserel->relid, NIL,
							list_make1(attnums), NIL, NIL, outer_plan);
}

/* ----------------------------------------------------------------
 *		Row conversion
 * ----------------------------------------------------------------
 */

typedef struct ConvContext
{
	HsTable    *table;
	HsColumn   *col;
	const char *id;
} ConvContext;

static void
conversion_error_callback(void *arg)
{
	ConvContext *ctx = (ConvContext *) arg;

	if (ctx->col != NULL)
		errcontext("column \"%s\" of foreign table \"%s\", HubSpot record %s",
				   ctx->col->name, ctx->table->relname,
				   ctx->id ? ctx->id : "(unknown id)");
}

/* A member of a JSON object as text (what HubSpot sends is mostly strings). */
static const char *
member_text(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return NULL;
	switch (json_object_get_type(v))
	{
		case json_type_null:
			return NULL;
		case json_type_string:
			return json_object_get_string(v);
		case json_type_boolean:
			return json_object_get_boolean(v) ? "true" : "false";
		default:
			return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	}
}

static json_object *
member(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, key, &v) ||
		v == NULL || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/*
 * hs_fill_slot_from_object
 *		Store one HubSpot record (SimplePublicObject) in a slot.
 *
 * wanted (indexed like table->columns) limits the work to the columns the
 * query reads; NULL means all.  Values are allocated in the current memory
 * context.
 */
void
hs_fill_slot_from_object(HsTable *table, json_object *obj, TupleTableSlot *slot,
						 bool *wanted)
{
	ErrorContextCallback errcallback;
	ConvContext ctx;
	json_object *props = member(obj, "properties");
	int			natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * natts);

	ctx.table = table;
	ctx.col = NULL;
	ctx.id = member_text(obj, "id");
	errcallback.callback = conversion_error_callback;
	errcallback.arg = &ctx;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];
		int			idx = col->attnum - 1;
		const char *text = NULL;
		json_object *sub = NULL;

		if (wanted != NULL && !wanted[i])
			continue;
		ctx.col = col;
		switch (col->kind)
		{
			case HS_COL_ID:
				text = ctx.id;
				break;
			case HS_COL_CREATED_AT:
				text = member_text(obj, "createdAt");
				break;
			case HS_COL_UPDATED_AT:
				text = member_text(obj, "updatedAt");
				break;
			case HS_COL_ARCHIVED:
				text = member_text(obj, "archived");
				break;
			case HS_COL_ARCHIVED_AT:
				text = member_text(obj, "archivedAt");
				break;
			case HS_COL_PROPERTY:
				text = member_text(props, col->property);
				break;
			case HS_COL_PROPERTIES:
				slot->tts_values[idx] = JsonbPGetDatum(hs_string_map_to_jsonb(props));
				slot->tts_isnull[idx] = false;
				continue;
			case HS_COL_ASSOCIATIONS:
				sub = member(obj, "associations");
				break;
			case HS_COL_PROPERTIES_WITH_HISTORY:
				sub = member(obj, "propertiesWithHistory");
				break;
		}
		if (sub != NULL)
		{
			slot->tts_values[idx] = JsonbPGetDatum(hs_json_to_jsonb(sub));
			slot->tts_isnull[idx] = false;
		}
		else if (text != NULL)
		{
			slot->tts_values[idx] = hs_string_to_datum(col, text);
			slot->tts_isnull[idx] = false;
		}
	}

	error_context_stack = errcallback.previous;
	ExecStoreVirtualTuple(slot);
}

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

void
hubspotBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	HsScanState *ss = palloc0(sizeof(HsScanState));
	List	   *attnums = (List *) list_nth(fsplan->fdw_private, FdwScanPrivateAttnums);
	bool		all = list_member_int(attnums, 0);

	node->fdw_state = ss;
	ss->table = hs_get_table(node->ss.ss_currentRelation);
	ss->wanted = palloc0(sizeof(bool) * Max(ss->table->ncolumns, 1));
	for (int i = 0; i < ss->table->ncolumns; i++)
	{
		HsColumn   *col = &ss->table->columns[i];

		ss->wanted[i] = all || list_member_int(attnums, col->attnum);
		if (ss->wanted[i] && col->kind == HS_COL_PROPERTIES)
			ss->want_properties = true;
		if (ss->wanted[i] && col->kind == HS_COL_PROPERTIES_WITH_HISTORY)
			ss->want_history = true;
	}
	ss->page_size = ss->want_history ? HS_HISTORY_PAGE_SIZE : HS_LIST_PAGE_SIZE;
	ss->path = psprintf("/crm/v3/objects/%s", ss->table->object);

	/* plain EXPLAIN: describe the scan, touch nothing */
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	ss->conn = hs_connect(ss->table->serverid,
						  hs_scan_user(estate, fsplan->scan.scanrelid));
	ss->scan_cxt = estate->es_query_cxt;
	ss->page_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "hubspot_fdw page data",
										 ALLOCSET_DEFAULT_SIZES);
	ss->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
										"hubspot_fdw row data",
										ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&ss->after);
}

/*
 * typed_properties
 *		The properties of the typed columns the scan reads, joined with sep
 *		(URL-escaped if asked), or NULL if there are none.
 */
static char *
typed_properties(HsScanState *ss, const char *sep, bool url_escape)
{
	StringInfoData names;

	initStringInfo(&names);
	for (int i = 0; i < ss->table->ncolumns; i++)
	{
		HsColumn   *col = &ss->table->columns[i];

		if (!ss->wanted[i] || col->kind != HS_COL_PROPERTY)
			continue;
		if (names.len > 0)
			appendStringInfoString(&names, sep);
		appendStringInfoString(&names,
							   url_escape ? hs_url_escape(col->property) : col->property);
	}
	return names.len > 0 ? names.data : NULL;
}

/*
 * Build the query string on first use: it may need the catalogue, which
 * plain EXPLAIN must not fetch.  Called in a short-lived memory context.
 */
static void
start_scan(HsScanState *ss)
{
	StringInfoData query;
	char	   *names;
	MemoryContext oldcxt = MemoryContextSwitchTo(ss->scan_cxt);

	names = typed_properties(ss, ",", true);
	if (names != NULL)
		hs_check_typed_columns(ss->conn, ss->table, &ss->stats);
	/* the properties column (and history) get every property there is */
	if (ss->want_properties || ss->want_history)
		names = hs_get_catalog(ss->conn, ss->table->object, false, &ss->stats)->all_names;

	initStringInfo(&query);
	appendStringInfo(&query, "limit=%d&archived=false", ss->page_size);
	/* without a properties parameter HubSpot sends a default set: ask for one */
	appendStringInfo(&query, "&properties=%s", names ? names : "hs_object_id");
	if (ss->want_history)
		appendStringInfo(&query, "&propertiesWithHistory=%s", names);
	ss->query = query.data;
	ss->started = true;
	ss->more = true;
	resetStringInfo(&ss->after);
	MemoryContextSwitchTo(oldcxt);
}

/* Fetch the next page into page_cxt. */
static void
fetch_page(HsScanState *ss)
{
	MemoryContext oldcxt;
	HsResponse *resp;
	json_object *paging;
	const char *next_after = NULL;
	char	   *query;

	MemoryContextReset(ss->page_cxt);
	ss->results = NULL;
	ss->nresults = ss->next_result = 0;

	oldcxt = MemoryContextSwitchTo(ss->page_cxt);
	query = ss->after.len > 0 ?
		psprintf("%s&after=%s", ss->query, hs_url_escape(ss->after.data)) :
		ss->query;
	resp = hs_request(ss->conn, "GET", ss->path, query, NULL, HS_IDEMPOTENT,
					  &ss->stats);
	if (resp->status != 200)
		hs_report_response_error(resp);

	ss->results = member(resp->json, "results");
	if (ss->results == NULL || !json_object_is_type(ss->results, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("HubSpot's list response has no \"results\" array"),
				 errdetail("Request: GET %s.", ss->path)));
	ss->nresults = json_object_array_length(ss->results);

	paging = member(member(resp->json, "paging"), "next");
	next_after = member_text(paging, "after");
	if (next_after != NULL && next_after[0] != '\0')
	{
		if (ss->after.len > 0 && strcmp(ss->after.data, next_after) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("HubSpot returned the same paging cursor twice"),
					 errdetail("Request: GET %s; cursor \"%s\".", ss->path, next_after)));
		resetStringInfo(&ss->after);
		appendStringInfoString(&ss->after, next_after);
		ss->more = true;
	}
	else
		ss->more = false;
	MemoryContextSwitchTo(oldcxt);
}

TupleTableSlot *
hubspotIterateForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	MemoryContext oldcxt;

	if (!ss->started)
		start_scan(ss);

	while (ss->next_result >= ss->nresults)
	{
		if (!ss->more)
			return ExecClearTuple(slot);
		fetch_page(ss);
	}

	MemoryContextReset(ss->row_cxt);
	oldcxt = MemoryContextSwitchTo(ss->row_cxt);
	hs_fill_slot_from_object(ss->table,
							 json_object_array_get_idx(ss->results, ss->next_result++),
							 slot, ss->wanted);
	MemoryContextSwitchTo(oldcxt);
	return slot;
}

void
hubspotReScanForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;

	if (!ss->started)
		return;
	MemoryContextReset(ss->page_cxt);
	ss->results = NULL;
	ss->nresults = ss->next_result = 0;
	ss->more = true;
	resetStringInfo(&ss->after);
}

void
hubspotEndForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;

	/* deleting the page context frees the json-c page at once */
	if (ss != NULL && ss->page_cxt != NULL)
	{
		MemoryContextDelete(ss->page_cxt);
		ss->page_cxt = NULL;
	}
}

void
hubspotExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;

	ExplainPropertyText("HubSpot Request", psprintf("GET %s", ss->path), es);
	ExplainPropertyInteger("HubSpot Page Size", NULL, ss->page_size, es);
	if (es->verbose)
	{
		const char *props;

		if (ss->want_properties || ss->want_history)
			props = "all (from the property catalogue)";
		else
			props = typed_properties(ss, ", ", false);
		ExplainPropertyText("HubSpot Properties", props ? props : "none", es);
		if (ss->want_history)
			ExplainPropertyText("HubSpot Properties With History", "all", es);
	}
	if (es->analyze)
	{
		ExplainPropertyInteger("HubSpot Requests", NULL, ss->stats.requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, ss->stats.retries, es);
	}
}
