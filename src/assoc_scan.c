/*-------------------------------------------------------------------------
 *
 * assoc_scan.c
 *		Planning and scanning association tables (table options object and
 *		to_object): one row per (from record, to record, association type),
 *		read through HubSpot's v4 batch/read (hubspot-objects.md 4.3).
 *
 * With from_id = x, from_id IN (...) or from_id = ANY(...) (x may be a
 * join's outer value), exactly those records' associations are read, up to
 * HS_ASSOC_READ_MAX_INPUTS per request, each record's further pages by
 * sending it again with its paging.next.after.  Without, the from object
 * is listed (GET /crm/v3/objects/{from}?associations={to}, hs_object_id
 * only) and each page's records that show associations inline are read
 * with batch/read: the inline list stops at 100 (4.2), batch/read does not.
 * Every condition is checked again by PostgreSQL.
 *
 * hubspot_fdw.c's callbacks come here when the table is an association
 * table: at plan time from the table's options (hs_table_is_association),
 * at execution from the plan (its fdw_private starts with the String
 * ASSOC_SCAN_MARK) or the state (whose table has to_object).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "assoc.h"
#include "associations.h"
#include "plan.h"
#include "api.h"
#include "api_assoc.h"
#include "convert.h"
#include "json.h"
#include "option.h"

/* as plan.c: one request round trip, rows assumed without better knowledge */
#define REQUEST_COST 100.0
#define DEFAULT_ROW_ESTIMATE 1000
#define DEFAULT_LOOKUP_IDS 10
/* associations assumed per from record */
#define ROWS_PER_RECORD 3

/* fdw_private of an association scan: ASSOC_SCAN_MARK, then the read kind */
enum AssocPrivateIndex
{
	AssocPrivateMark,			/* String ASSOC_SCAN_MARK */
	AssocPrivateLookup,			/* Integer: HS_READ_LIST, _BY_ID, _BATCH */
	AssocPrivateCount
};

/* What planning found out about an association table's relation. */
typedef struct AssocRelInfo
{
	HsTable    *table;
	HsReadKind	lookup;			/* LIST, or BY_ID/BATCH on from_id */
	Expr	   *id_expr;
	double		nids;
} AssocRelInfo;

/* Execution state of an association scan. */
typedef struct AssocScanState
{
	HsTable    *table;			/* first, as in every state (table.h) */
	HsReadKind	lookup;
	ExprState  *id_state;
	HsConnection *conn;			/* NULL under plain EXPLAIN */
	HsStats		stats;
	int64		nids;			/* ids looked up (EXPLAIN ANALYZE) */

	MemoryContext queue_cxt;	/* the inputs waiting for batch/read */
	MemoryContext list_cxt;		/* the listing and its cursor */
	MemoryContext page_cxt;		/* the answer being read */
	MemoryContext row_cxt;
	HsAssocReadInput *pending;
	int			npending;
	bool		started;
	bool		listing;		/* the from object's listing is still read */
	char	   *after;			/* its next page's cursor, or NULL */
	HsRead	   *list;
	HsAssocRow *rows;			/* of the last answer */
	int			nrows;
	int			next_row;
} AssocScanState;

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

/*
 * hubspotAssocGetForeignRelSize
 *		Find a condition on from_id that names the records (from_id = x,
 *		IN, = ANY); estimate rows (no request: plain EXPLAIN touches
 *		nothing).
 */
void
hubspotAssocGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
							  Oid foreigntableid)
{
	AssocRelInfo *info = palloc0(sizeof(AssocRelInfo));
	Relation	rel = table_open(foreigntableid, NoLock);
	ListCell   *lc;

	info->table = hs_get_table(rel);
	table_close(rel, NoLock);
	info->lookup = HS_READ_LIST;
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (info->lookup == HS_READ_LIST)
			(void) hs_plan_id_lookup(ri->clause, baserel->relid, info->table->from_col,
									 &info->lookup, &info->id_expr, &info->nids);
	}
	baserel->fdw_private = info;
	baserel->rows = clamp_row_est((info->lookup == HS_READ_LIST ?
								   DEFAULT_ROW_ESTIMATE : info->nids * ROWS_PER_RECORD) *
								  clauselist_selectivity(root, baserel->baserestrictinfo,
														 0, JOIN_INNER, NULL));
}

/*
 * hubspotAssocGetForeignPaths
 *		The read (lookup or listing), and, without a lookup, one path per
 *		join clause on from_id that reads the associations of each outer
 *		row's record with one batch/read.
 */
void
hubspotAssocGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							Oid foreigntableid pg_attribute_unused())
{
	AssocRelInfo *info = (AssocRelInfo *) baserel->fdw_private;
	double		requests;
	ListCell   *lc;

	/* a listing: a page and a batch/read per 100 records */
	requests = info->lookup == HS_READ_LIST ?
		2 * ceil((double) DEFAULT_ROW_ESTIMATE / HS_LIST_PAGE_SIZE) :
		Max(ceil(info->nids / HS_ASSOC_READ_MAX_INPUTS), 1);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 REQUEST_COST, REQUEST_COST * (1 + requests) +
									 baserel->rows * cpu_tuple_cost * 10,
									 NIL, NULL, NULL,
#if PG_VERSION_NUM >= 170000
									 NIL,
#endif
									 NIL));
	if (info->lookup != HS_READ_LIST)
		return;

	/* a join on from_id: one batch/read per outer row */
	foreach(lc, hs_plan_id_join_clauses(root, baserel, info->table->from_col))
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Relids		required_outer;
		ParamPathInfo *ppi;

		required_outer = bms_union(bms_difference(ri->clause_relids, baserel->relids),
								   baserel->lateral_relids);
		if (bms_is_empty(required_outer))
			continue;
		ppi = get_baserel_parampathinfo(root, baserel, required_outer);
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL,
										 Max(ppi->ppi_rows, ROWS_PER_RECORD),
										 REQUEST_COST,
										 2 * REQUEST_COST + cpu_tuple_cost * 10 * ROWS_PER_RECORD,
										 NIL, required_outer, NULL,
#if PG_VERSION_NUM >= 170000
										 NIL,
#endif
										 list_make1(ri)));
	}
}

/*
 * hubspotAssocGetForeignPlan
 *		fdw_private: ASSOC_SCAN_MARK and the read kind; fdw_exprs: the id
 *		(or array of ids) of a lookup or a join parameter.  Every condition
 *		stays a qual checked here.
 */
ForeignScan *
hubspotAssocGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
						   Oid foreigntableid pg_attribute_unused(),
						   ForeignPath *best_path, List *tlist, List *scan_clauses,
						   Plan *outer_plan)
{
	AssocRelInfo *info = (AssocRelInfo *) baserel->fdw_private;
	HsReadKind	lookup = info->lookup;
	List	   *fdw_exprs = NIL;

	/* every condition is checked here too: HubSpot's answer is a superset */
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	if (lookup != HS_READ_LIST)
		fdw_exprs = list_make1(info->id_expr);
	else if (best_path->fdw_private != NIL)
	{
		RestrictInfo *ri = linitial_node(RestrictInfo, best_path->fdw_private);

		lookup = HS_READ_BY_ID;
		fdw_exprs = list_make1(hs_plan_id_join_expr(root, ri->clause, baserel,
													info->table->from_col));
	}
	return make_foreignscan(tlist, scan_clauses, baserel->relid, fdw_exprs,
							list_make2(makeString(ASSOC_SCAN_MARK), makeInteger(lookup)),
							NIL, NIL, outer_plan);
}

/* Does the plan's fdw_private start with ASSOC_SCAN_MARK? */
bool
hs_assoc_is_scan_plan(ForeignScan *plan)
{
	List	   *priv = plan->fdw_private;

	return priv != NIL && linitial(priv) != NULL && IsA(linitial(priv), String) &&
		strcmp(strVal(linitial(priv)), ASSOC_SCAN_MARK) == 0;
}

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

/*
 * hubspotAssocBeginForeignScan
 *		The state; under plain EXPLAIN nothing more (no connection).
 */
void
hubspotAssocBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	AssocScanState *st = palloc0(sizeof(AssocScanState));

	node->fdw_state = st;
	st->table = hs_get_table(node->ss.ss_currentRelation);
	st->lookup = (HsReadKind) intVal(list_nth(fsplan->fdw_private, AssocPrivateLookup));
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	if (st->lookup != HS_READ_LIST)
		st->id_state = ExecInitExpr((Expr *) linitial(fsplan->fdw_exprs),
									(PlanState *) node);
	st->conn = hs_connect(st->table->serverid, hs_scan_user(estate, fsplan->scan.scanrelid));
	/* a custom object's paths use its objectTypeId */
	hs_assoc_resolve_objects(st->conn, st->table, &st->stats);
	st->queue_cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw association inputs",
										  ALLOCSET_DEFAULT_SIZES);
	st->page_cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw association page",
										 ALLOCSET_DEFAULT_SIZES);
	st->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw association row",
										ALLOCSET_SMALL_SIZES);
	st->list_cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw association listing",
										 ALLOCSET_SMALL_SIZES);
}

/* Add an input (copied) to the queue of batch/read. */
static void
queue_input(AssocScanState *st, const char *id, const char *after)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(st->queue_cxt);

	if (st->npending % 256 == 0)
		st->pending = st->npending == 0 ?
			palloc(sizeof(HsAssocReadInput) * 256) :
			repalloc(st->pending, sizeof(HsAssocReadInput) * (st->npending + 256));
	st->pending[st->npending].id = pstrdup(id);
	st->pending[st->npending].after = after ? pstrdup(after) : NULL;
	st->npending++;
	MemoryContextSwitchTo(oldcxt);
}

/* Start (or restart) the scan: the ids looked up, or the listing. */
static void
start_scan(AssocScanState *st, ExprContext *econtext)
{
	MemoryContextReset(st->queue_cxt);
	MemoryContextReset(st->list_cxt);
	st->pending = NULL;
	st->npending = 0;
	st->nrows = st->next_row = 0;
	st->after = NULL;
	st->listing = st->lookup == HS_READ_LIST;
	if (st->listing)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(st->list_cxt);

		st->list = hs_api_read_new(HS_READ_LIST, st->table->object, false, false);
		st->list->associations = list_make1(st->table->to_object);
		hs_api_read_set_properties(st->list, list_make1("hs_object_id"));
		MemoryContextSwitchTo(oldcxt);
	}
	else
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
		bool		isnull;
		Datum		value = ExecEvalExpr(st->id_state, econtext, &isnull);
		char	  **ids = NULL;
		int			n = 0;

		if (!isnull)
			ids = hs_ids_from_datum(exprType((Node *) st->id_state->expr), value,
									st->lookup == HS_READ_BY_ID, &n);
		/* HubSpot record ids are whole numbers: anything else names none */
		for (int i = 0; i < n; i++)
			if (ids[i][0] != '\0' && strspn(ids[i], "0123456789") == strlen(ids[i]))
			{
				queue_input(st, ids[i], NULL);
				st->nids++;
			}
		MemoryContextSwitchTo(oldcxt);
	}
	st->started = true;
}

/* Send batch/read for the first inputs of the queue; keep its rows. */
static void
read_associations(AssocScanState *st)
{
	int			n = Min(st->npending, HS_ASSOC_READ_MAX_INPUTS);
	MemoryContext oldcxt;
	HsAssocPage page;

	MemoryContextReset(st->page_cxt);
	oldcxt = MemoryContextSwitchTo(st->page_cxt);
	hs_api_assoc_parse_read(hs_api_send(st->conn,
										hs_api_assoc_read(st->table->object,
														  st->table->to_object,
														  st->pending, n),
										&st->stats), &page);
	MemoryContextSwitchTo(oldcxt);
	/* the inputs sent leave the queue; their next pages join it */
	st->npending -= n;
	memmove(st->pending, st->pending + n, sizeof(HsAssocReadInput) * st->npending);
	for (int i = 0; i < page.nnext; i++)
		queue_input(st, page.next[i].id, page.next[i].after);
	st->rows = page.rows;
	st->nrows = page.nrows;
	st->next_row = 0;
	hs_usage_rows_read(st->conn->umid, page.nrows);
}

/*
 * list_page
 *		The next page of the from object's listing: its records that show
 *		associations with the to object inline join the queue (records
 *		without the key have none, hubspot-objects.md 4.2).
 */
static void
list_page(AssocScanState *st)
{
	MemoryContext oldcxt;
	HsPage		page;

	/* flat memory: the queue is empty when the listing goes on */
	if (st->npending == 0)
	{
		MemoryContextReset(st->queue_cxt);
		st->pending = NULL;
	}
	MemoryContextReset(st->page_cxt);
	oldcxt = MemoryContextSwitchTo(st->page_cxt);
	hs_api_parse_page(hs_api_send(st->conn, hs_api_list_page(st->list, st->after),
								  &st->stats),
					  st->after, &page);
	MemoryContextSwitchTo(oldcxt);
	for (int i = 0; i < page.nrecords; i++)
	{
		json_object *assoc = hs_member(page.records[i], "associations");

		if (assoc != NULL && json_object_is_type(assoc, json_type_object) &&
			json_object_object_length(assoc) > 0)
			queue_input(st, hs_json_string(page.records[i], "id"), NULL);
	}
	if (st->after != NULL)
		pfree(st->after);
	st->after = page.after ? MemoryContextStrdup(st->list_cxt, page.after) : NULL;
	st->listing = page.after != NULL;
}

/* Store a row's column: its HubSpot text converted. */
static void
store(HsColumn *col, const char *text, TupleTableSlot *slot)
{
	if (col == NULL)
		return;
	slot->tts_isnull[col->attnum - 1] = text == NULL;
	if (text != NULL)
		slot->tts_values[col->attnum - 1] = hs_string_to_datum(col, text);
}

/*
 * hubspotAssocIterateForeignScan
 *		The next association: from the last answer, else from the next
 *		batch/read of the queue, else the next page of the listing.
 */
TupleTableSlot *
hubspotAssocIterateForeignScan(ForeignScanState *node)
{
	AssocScanState *st = (AssocScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	HsAssocRow *row;
	MemoryContext oldcxt;

	if (!st->started)
		start_scan(st, node->ss.ps.ps_ExprContext);
	while (st->next_row >= st->nrows)
	{
		CHECK_FOR_INTERRUPTS();
		if (st->npending > 0)
			read_associations(st);
		else if (st->listing)
			list_page(st);
		else
			return ExecClearTuple(slot);
	}
	row = &st->rows[st->next_row++];
	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	MemoryContextReset(st->row_cxt);
	oldcxt = MemoryContextSwitchTo(st->row_cxt);
	store(st->table->from_col, row->from_id, slot);
	store(st->table->to_col, row->to_id, slot);
	store(st->table->type_col, psprintf("%d", row->type_id), slot);
	store(st->table->category_col, row->category, slot);
	store(st->table->label_col, row->label, slot);
	MemoryContextSwitchTo(oldcxt);
	return ExecStoreVirtualTuple(slot);
}

void
hubspotAssocReScanForeignScan(ForeignScanState *node)
{
	AssocScanState *st = (AssocScanState *) node->fdw_state;

	st->started = false;
}

void
hubspotAssocEndForeignScan(ForeignScanState *node pg_attribute_unused())
{
	/* everything is in the query's memory */
}

void
hubspotAssocExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	AssocScanState *st = (AssocScanState *) node->fdw_state;
	HsTable    *t = st->table;

	if (st->lookup == HS_READ_LIST)
	{
		HsRead	   *rd = hs_api_read_new(HS_READ_LIST, t->object, false, false);

		ExplainPropertyText("HubSpot Request",
							psprintf("%s?associations=%s", hs_api_read_describe(rd),
									 t->to_object), es);
		ExplainPropertyText("HubSpot Associations Read Through",
							hs_api_assoc_endpoint(t->object, t->to_object, 0, true), es);
	}
	else
	{
		ExplainPropertyText("HubSpot Request",
							hs_api_assoc_endpoint(t->object, t->to_object, 0, true), es);
		ExplainPropertyInteger("HubSpot Ids Per Request", NULL,
							   HS_ASSOC_READ_MAX_INPUTS, es);
	}
	if (es->analyze)
	{
		if (st->lookup != HS_READ_LIST)
			ExplainPropertyInteger("HubSpot Ids", NULL, st->nids, es);
		hs_api_explain_stats(&st->stats, es);
	}
}
