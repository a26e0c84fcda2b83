/*-------------------------------------------------------------------------
 *
 * scan.c
 *		Planning and executing scans of a HubSpot object, page by page, with
 *		flat memory: the list endpoint, or, when the query names the records
 *		(WHERE id = ... / id IN (...) / id = ANY(...)), exactly those records
 *		through GET by id or batch/read.  WHERE archived lists archived
 *		records instead of live ones.
 *
 * These are the FDW callbacks only: planning decides which read it is (an
 * HsReadKind, kept in the plan); api.c builds the read's requests, which
 * EXPLAIN shows, and parses HubSpot's answers; convert.c turns each record
 * into a row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/stratnum.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fdw.h"
#include "api.h"
#include "convert.h"
#include "errors.h"
#include "json.h"
#include "option.h"
#include "properties.h"
#include "visibility.h"

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
	FdwScanPrivateAttnums,
	/* Integer: an HsReadKind; for the lookups (HS_READ_BY_ID, HS_READ_BATCH)
	 * the ForeignScan's fdw_exprs holds the expression giving the id (or the
	 * array of ids) */
	FdwScanPrivateLookup,
	/* Integer: 1 to read archived records instead of live ones */
	FdwScanPrivateArchived
};

/* ids assumed for id = ANY(x) when x is not a constant */
#define DEFAULT_LOOKUP_IDS 10

/* What the planner found out about a scanned relation. */
typedef struct HsRelInfo
{
	Bitmapset  *attrs_used;
	HsReadKind	lookup;
	Expr	   *id_expr;		/* the id or the id array (not LIST) */
	double		nids;			/* ids expected (not LIST) */
	bool		archived;		/* WHERE archived */
	HsColumn   *id_col;			/* the table's id column, or NULL */
} HsRelInfo;

/* Execution state of a scan. */
typedef struct HsScanState
{
	HsTable    *table;
	bool	   *wanted;			/* per table->columns entry: read it? */
	bool		want_properties;	/* the properties column is read */
	bool		want_history;	/* properties_with_history is read */
	HsRead	   *read;			/* what is sent (api.c); EXPLAIN shows it */
	ExprState  *id_state;		/* lookups: evaluates the id(s) */

	/* lookups: the ids to read, distinct, evaluated at each (re)start */
	MemoryContext ids_cxt;
	char	  **ids;
	int			nids;
	int			next_id;

	HsConnection *conn;			/* NULL under plain EXPLAIN */
	HsStats		stats;
	uint64		horizon;		/* later own creates are hidden (visibility.c) */
	int64		own_creates_skipped;
	MemoryContext scan_cxt;		/* lives as long as the scan */
	MemoryContext page_cxt;		/* the parsed page; reset per page */
	MemoryContext row_cxt;		/* the current row's values */
	json_object **records;		/* the current page's records */
	int			nrecords;
	int			next_record;
	StringInfoData after;		/* cursor of the next page */
	bool		started;
	bool		more;			/* is there a next page not yet requested? */
	/* requests sent ahead of need (read_ahead()), a ring of max_ahead */
	struct ReadAhead *ahead;
	int			max_ahead;
	int			first_ahead;	/* the oldest request in the ring */
	int			nahead;
} HsScanState;

typedef struct ReadAhead
{
	MemoryContext cxt;
	HsCall	   *call;
	char	   *after;			/* the list cursor it sends, or NULL */
} ReadAhead;

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

/* The Var under a binary-compatible cast, if it is column attnum of rel. */
static bool
is_column(Node *node, Index relid, AttrNumber attnum)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	return node && IsA(node, Var) &&
		((Var *) node)->varno == (int) relid &&
		((Var *) node)->varattno == attnum &&
		((Var *) node)->varlevelsup == 0;
}

static bool
is_integer_type(Oid typid)
{
	return typid == INT2OID || typid == INT4OID || typid == INT8OID;
}

/*
 * is_id_column
 *		Is node the id column, possibly under a cast that keeps its value:
 *		a binary-compatible one, or an integer id cast to numeric (which is
 *		how PostgreSQL compares "id = 1000042.0" for an integer id).
 */
static bool
is_id_column(Node *node, Index relid, HsColumn *idcol)
{
	if (node && IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;

		if ((f->funcformat == COERCE_IMPLICIT_CAST ||
			 f->funcformat == COERCE_EXPLICIT_CAST) &&
			f->funcresulttype == NUMERICOID && list_length(f->args) == 1 &&
			is_integer_type(getBaseType(idcol->typid)))
			node = linitial(f->args);
		else
			return false;
	}
	return is_column(node, relid, idcol->attnum);
}

/* Can an expression be evaluated once when the scan starts? */
static bool
is_scan_constant(Node *node)
{
	return !contain_var_clause(node) &&
		!contain_volatile_functions(node) &&
		!contain_subplans(node);
}

/*
 * is_id_equality
 *		Does opno, applied to the id column (or its cast, see is_id_column)
 *		and x, mean "the record whose id is x"?  The equality of the column's
 *		type, a cross-type equality of its btree family (int8 = int4, as an
 *		int4 literal compares with a bigint id), or numeric equality when the
 *		id is an integer cast to numeric.
 */
static bool
is_id_equality(Oid opno, Oid inputcollid, Node *idside, Oid valuetype, HsColumn *idcol)
{
	Oid			idtype = exprType(idside);
	TypeCacheEntry *tce;

	/*
	 * The value must be of a type whose text is an id, and the equality must
	 * be that of the text: not a nondeterministic collation's, under which
	 * '1,000,002' may equal '1000002'.
	 */
	if (!hs_id_type_ok(valuetype) ||
		(OidIsValid(inputcollid) && !get_collation_isdeterministic(inputcollid)))
		return false;
	tce = lookup_type_cache(idtype, TYPECACHE_EQ_OPR | TYPECACHE_BTREE_OPFAMILY);
	if (OidIsValid(tce->eq_opr) && tce->eq_opr == opno)
		return true;
	return idtype == idcol->typid && OidIsValid(tce->btree_opf) &&
		get_op_opfamily_strategy(opno, tce->btree_opf) == BTEqualStrategyNumber;
}

/* If the clause is id = x or x = id, the x; else NULL. */
static Node *
id_equality_operand(Expr *clause, Index relid, HsColumn *idcol)
{
	OpExpr	   *op = (OpExpr *) clause;
	Node	   *left;
	Node	   *right;

	if (!IsA(clause, OpExpr) || list_length(op->args) != 2)
		return NULL;
	left = linitial(op->args);
	right = lsecond(op->args);
	if (is_id_column(left, relid, idcol) &&
		is_id_equality(op->opno, op->inputcollid, left, exprType(right), idcol))
		return right;
	if (is_id_column(right, relid, idcol) &&
		is_id_equality(op->opno, op->inputcollid, right, exprType(left), idcol))
		return left;
	return NULL;
}

/*
 * find_id_lookup
 *		Does a restriction clause name the records: id = x, x = id, or
 *		id = ANY(x) (which is also what id IN (...) becomes), with x free of
 *		this relation's columns and of volatile functions?
 */
static bool
find_id_lookup(Expr *clause, Index relid, HsColumn *idcol, HsRelInfo *info)
{
	Node	   *right = id_equality_operand(clause, relid, idcol);

	if (right != NULL)
	{
		if (!is_scan_constant(right))
			return false;
		info->lookup = HS_READ_BY_ID;
		info->id_expr = (Expr *) right;
		info->nids = 1;
		return true;
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;
		Node	   *array = lsecond(saop->args);

		if (!saop->useOr ||
			!is_id_column(linitial(saop->args), relid, idcol) ||
			!is_id_equality(saop->opno, saop->inputcollid, linitial(saop->args),
							get_element_type(exprType(array)), idcol) ||
			!is_scan_constant(array))
			return false;
		info->lookup = HS_READ_BATCH;
		info->id_expr = (Expr *) array;
		info->nids = DEFAULT_LOOKUP_IDS;
		if (IsA(array, Const))
		{
			Const	   *c = (Const *) array;

			info->nids = c->constisnull ? 0 :
				ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(c->constvalue)),
							   ARR_DIMS(DatumGetArrayTypeP(c->constvalue)));
		}
		else if (IsA(array, ArrayExpr))
			info->nids = list_length(((ArrayExpr *) array)->elements);
		return true;
	}
	return false;
}

/* Is the clause "archived" or "archived IS TRUE"? */
static bool
is_archived_clause(Expr *clause, Index relid, HsColumn *col)
{
	if (col->typid != BOOLOID)
		return false;
	if (IsA(clause, BooleanTest) && ((BooleanTest *) clause)->booltesttype == IS_TRUE)
		clause = ((BooleanTest *) clause)->arg;
	return is_column((Node *) clause, relid, col->attnum);
}

void
hubspotGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
						 Oid foreigntableid)
{
	HsRelInfo  *info = palloc0(sizeof(HsRelInfo));
	Relation	rel = table_open(foreigntableid, NoLock);
	HsTable    *table = hs_get_table(rel);
	ListCell   *lc;
	Selectivity sel;

	table_close(rel, NoLock);
	info->id_col = table->id_col;
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &info->attrs_used);
	info->lookup = HS_READ_LIST;
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &info->attrs_used);
		for (int i = 0; i < table->ncolumns; i++)
		{
			HsColumn   *col = &table->columns[i];

			if (col->kind == HS_COL_ID && info->lookup == HS_READ_LIST)
				(void) find_id_lookup(ri->clause, baserel->relid, col, info);
			if (col->kind == HS_COL_ARCHIVED &&
				is_archived_clause(ri->clause, baserel->relid, col))
				info->archived = true;
		}
	}
	baserel->fdw_private = info;

	/* no request at plan time: plain EXPLAIN must not touch HubSpot */
	sel = clauselist_selectivity(root, baserel->baserestrictinfo, 0,
								 JOIN_INNER, NULL);
	if (info->lookup == HS_READ_LIST)
		baserel->rows = clamp_row_est(DEFAULT_ROW_ESTIMATE * sel);
	else
		baserel->rows = clamp_row_est(info->nids);
}

/*
 * id_join_expr
 *		If a join clause is id = x (or x = id) with x using other relations
 *		only, the x; else NULL.
 */
static Expr *
id_join_expr(PlannerInfo *root, Expr *clause, RelOptInfo *baserel, HsColumn *idcol)
{
	Node	   *right = id_equality_operand(clause, baserel->relid, idcol);

	if (right == NULL || contain_volatile_functions(right) || contain_subplans(right) ||
		bms_overlap(pull_varnos(root, right), baserel->relids))
		return NULL;
	return (Expr *) right;
}

/* generate_implied_equalities_for_column: is this member our id column? */
static bool
ec_member_is_id(PlannerInfo *root pg_attribute_unused(), RelOptInfo *rel,
				EquivalenceClass *ec pg_attribute_unused(), EquivalenceMember *em,
				void *arg)
{
	HsColumn   *idcol = (HsColumn *) arg;

	return is_column((Node *) em->em_expr, rel->relid, idcol->attnum);
}

/*
 * add_id_join_paths
 *		For a join on id (products p JOIN staging s ON p.id = s.id), a path
 *		that reads one record per outer row with GET by id.  Costed as one
 *		request per outer row against the pages of a full listing, so that
 *		the planner takes it only for a few outer rows.
 */
static void
add_id_join_paths(PlannerInfo *root, RelOptInfo *baserel, HsRelInfo *info)
{
	List	   *clauses = NIL;
	ListCell   *lc;

	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (join_clause_is_movable_to(ri, baserel) &&
			id_join_expr(root, ri->clause, baserel, info->id_col) != NULL)
			clauses = lappend(clauses, ri);
	}
	if (baserel->has_eclass_joins)
		clauses = list_concat(clauses,
							  generate_implied_equalities_for_column(root, baserel,
																	 ec_member_is_id,
																	 info->id_col,
																	 baserel->lateral_referencers));

	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Relids		required_outer;
		ParamPathInfo *ppi;

		if (id_join_expr(root, ri->clause, baserel, info->id_col) == NULL)
			continue;
		required_outer = bms_union(bms_difference(ri->clause_relids, baserel->relids),
								   baserel->lateral_relids);
		if (bms_is_empty(required_outer))
			continue;
		ppi = get_baserel_parampathinfo(root, baserel, required_outer);
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL,
										 Min(ppi->ppi_rows, 1),
										 REQUEST_COST,
										 2 * REQUEST_COST + cpu_tuple_cost * 10,
										 NIL, required_outer, NULL,
#if PG_VERSION_NUM >= 170000
										 NIL,
#endif
										 list_make1(ri)));
	}
}

void
hubspotGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
					   Oid foreigntableid pg_attribute_unused())
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	double		rows = info->lookup == HS_READ_LIST ? DEFAULT_ROW_ESTIMATE : info->nids;
	double		requests = info->lookup == HS_READ_BY_ID ? 1 :
		Max(ceil(rows / HS_LIST_PAGE_SIZE), 1);
	Cost		startup_cost = REQUEST_COST;
	Cost		total_cost = startup_cost + requests * REQUEST_COST +
		rows * cpu_tuple_cost * 10;

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup_cost, total_cost,
									 NIL, NULL, NULL,
#if PG_VERSION_NUM >= 170000
									 NIL,
#endif
									 NIL));

	if (info->lookup == HS_READ_LIST && info->id_col != NULL)
		add_id_join_paths(root, baserel, info);
}

ForeignScan *
hubspotGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
					  Oid foreigntableid pg_attribute_unused(), ForeignPath *best_path,
					  List *tlist, List *scan_clauses, Plan *outer_plan)
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	List	   *attnums = NIL;
	List	   *fdw_exprs = NIL;
	HsReadKind	lookup = info->lookup;
	bool		whole_row;
	int			x = -1;

	/*
	 * Every clause is also checked locally, the id and archived ones
	 * included: what HubSpot returns for them is only a superset.
	 */
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
	if (lookup != HS_READ_LIST)
		fdw_exprs = list_make1(info->id_expr);
	else if (best_path->fdw_private != NIL)
	{
		/* the id join path: id = the outer row's value, a nestloop param */
		RestrictInfo *ri = linitial_node(RestrictInfo, best_path->fdw_private);

		lookup = HS_READ_BY_ID;
		fdw_exprs = list_make1(id_join_expr(root, ri->clause, baserel, info->id_col));
	}

	return make_foreignscan(tlist, scan_clauses, baserel->relid, fdw_exprs,
							list_make3(attnums, makeInteger(lookup),
									   makeInteger(info->archived ? 1 : 0)),
							NIL, NIL, outer_plan);
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
	HsReadKind	kind = (HsReadKind) intVal(list_nth(fsplan->fdw_private,
													 FdwScanPrivateLookup));
	bool		archived = intVal(list_nth(fsplan->fdw_private,
										   FdwScanPrivateArchived)) != 0;

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
	ss->read = hs_api_read_new(kind, ss->table->object, archived, ss->want_history);

	/* plain EXPLAIN: describe the scan, touch nothing */
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	if (kind != HS_READ_LIST)
		ss->id_state = ExecInitExpr((Expr *) linitial(fsplan->fdw_exprs),
									(PlanState *) node);
	ss->conn = hs_connect(ss->table->serverid,
						  hs_scan_user(estate, fsplan->scan.scanrelid));
	ss->horizon = hs_visibility_scan_begin(estate->es_query_cxt);
	ss->scan_cxt = estate->es_query_cxt;
	ss->page_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "hubspot_fdw page data",
										 ALLOCSET_DEFAULT_SIZES);
	ss->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
										"hubspot_fdw row data",
										ALLOCSET_DEFAULT_SIZES);
	ss->ids_cxt = AllocSetContextCreate(estate->es_query_cxt,
										"hubspot_fdw ids",
										ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&ss->after);

	/* one list page ahead; batch/reads up to max_concurrent_requests */
	ss->max_ahead = kind == HS_READ_LIST ? 1 : Max(ss->table->max_concurrent_requests, 1);
	ss->ahead = palloc0(sizeof(ReadAhead) * ss->max_ahead);
	for (int i = 0; i < ss->max_ahead; i++)
		ss->ahead[i].cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw read ahead", ALLOCSET_SMALL_SIZES);
}

/*
 * typed_properties
 *		The properties of the typed columns the scan reads (char *), in
 *		column order.
 */
static List *
typed_properties(HsScanState *ss)
{
	List	   *names = NIL;

	for (int i = 0; i < ss->table->ncolumns; i++)
	{
		HsColumn   *col = &ss->table->columns[i];

		if (ss->wanted[i] && col->kind == HS_COL_PROPERTY)
			names = lappend(names, col->property);
	}
	return names;
}

/*
 * scan_properties
 *		The properties the scan asks HubSpot for: every property in the
 *		catalogue when it reads the properties column or their history, else
 *		those of the typed columns it reads, which must exist.
 */
static List *
scan_properties(HsScanState *ss)
{
	List	   *names = typed_properties(ss);

	if (names != NIL)
		hs_check_typed_columns(ss->conn, ss->table, &ss->stats);
	if (ss->want_properties || ss->want_history)
	{
		HsCatalog  *catalog = hs_get_catalog(ss->conn, ss->table->object, false,
											 &ss->stats);

		names = NIL;
		for (int i = 0; i < catalog->nproperties; i++)
			names = lappend(names, catalog->properties[i].name);
	}
	else if (names == NIL)
	{
		/* an empty list would get HubSpot's default set: ask for one */
		names = list_make1("hs_object_id");
	}
	return names;
}

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * evaluate_ids
 *		The ids a lookup reads: the value(s) of its expression, now, without
 *		NULLs and duplicates.  Ids that cannot name a record ("", ".", "..",
 *		which would change the request path) are left out: no record has them.
 */
static void
evaluate_ids(HsScanState *ss, ExprContext *econtext)
{
	MemoryContext oldcxt;
	Datum		value;
	bool		isnull;
	Datum	   *elems = NULL;
	bool	   *nulls = NULL;
	int			nelems = 0;
	Oid			elemtype;
	int			n = 0;

	MemoryContextReset(ss->ids_cxt);
	ss->ids = NULL;
	ss->nids = ss->next_id = 0;

	oldcxt = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	value = ExecEvalExpr(ss->id_state, econtext, &isnull);
	MemoryContextSwitchTo(ss->ids_cxt);
	if (isnull)
	{
		MemoryContextSwitchTo(oldcxt);
		return;
	}
	if (ss->read->kind == HS_READ_BY_ID)
	{
		elemtype = exprType((Node *) ss->id_state->expr);
		elems = &value;
		nelems = 1;
	}
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;

		elemtype = ARR_ELEMTYPE(arr);
		get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
		deconstruct_array(arr, elemtype, elmlen, elmbyval, elmalign,
						  &elems, &nulls, &nelems);
	}
	ss->ids = palloc(sizeof(char *) * Max(nelems, 1));
	for (int i = 0; i < nelems; i++)
	{
		char	   *id;

		if (nulls && nulls[i])
			continue;
		/* NULL: no record has it (1000042.5, NaN, "", ".." ...) */
		id = hs_id_text(elemtype, elems[i]);
		if (id == NULL)
			continue;
		ss->ids[n++] = id;
	}
	if (n > 1)
	{
		int			m = 1;

		qsort(ss->ids, n, sizeof(char *), id_cmp);
		for (int i = 1; i < n; i++)
			if (strcmp(ss->ids[i], ss->ids[m - 1]) != 0)
				ss->ids[m++] = ss->ids[i];
		n = m;
	}
	ss->nids = n;
	MemoryContextSwitchTo(oldcxt);
}

/*
 * Complete the read on first use: its properties may need the catalogue,
 * which plain EXPLAIN must not fetch.  Lookups evaluate their ids at every
 * (re)start.
 */
static void
start_scan(HsScanState *ss, ExprContext *econtext)
{
	if (!ss->read->prepared)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(ss->scan_cxt);

		hs_api_read_set_properties(ss->read, scan_properties(ss));
		MemoryContextSwitchTo(oldcxt);
	}
	if (ss->read->kind != HS_READ_LIST)
		evaluate_ids(ss, econtext);
	ss->started = true;
	ss->more = true;
	resetStringInfo(&ss->after);
}

/*
 * read_ahead
 *		Send the requests the scan needs next, while there is room: the next
 *		list page, or batch/reads of ids (up to max_concurrent_requests).
 */
static void
read_ahead(HsScanState *ss)
{
	while (ss->nahead < ss->max_ahead)
	{
		ReadAhead  *ra = &ss->ahead[(ss->first_ahead + ss->nahead) % ss->max_ahead];
		HsApiRequest *req;
		MemoryContext oldcxt;
		int			n = Min(ss->nids - ss->next_id, ss->read->page_size);

		if (ss->read->kind == HS_READ_LIST ? !ss->more : n <= 0)
			return;
		MemoryContextReset(ra->cxt);
		oldcxt = MemoryContextSwitchTo(ra->cxt);
		ra->after = NULL;
		if (ss->read->kind == HS_READ_LIST)
		{
			ra->after = ss->after.len > 0 ? pstrdup(ss->after.data) : NULL;
			req = hs_api_list_page(ss->read, ra->after);
			ss->more = false;	/* until its answer tells */
		}
		else
		{
			req = hs_api_batch_read(ss->read, ss->ids + ss->next_id, n);
			ss->next_id += n;
		}
		ra->call = hs_api_start(ss->conn, req, &ss->stats);
		MemoryContextSwitchTo(oldcxt);
		ss->nahead++;
	}
}

/* The answer to the oldest request sent ahead (in the current context). */
static HsResponse *
take_ahead(HsScanState *ss, char **after)
{
	ReadAhead  *ra = &ss->ahead[ss->first_ahead];
	HsCall	   *call = ra->call;

	ra->call = NULL;
	ss->first_ahead = (ss->first_ahead + 1) % ss->max_ahead;
	ss->nahead--;
	if (after != NULL)
		*after = ra->after ? pstrdup(ra->after) : NULL;
	return hs_call_finish(call);
}

/* Forget the requests sent ahead (a rescan, or the end of the scan). */
static void
drop_ahead(HsScanState *ss)
{
	for (int i = 0; i < ss->max_ahead; i++)
	{
		hs_call_cancel(ss->ahead[i].call);
		ss->ahead[i].call = NULL;
	}
	ss->first_ahead = ss->nahead = 0;
}

/* Fetch the next page of a list (requested ahead, or now). */
static void
fetch_list_page(HsScanState *ss)
{
	char	   *sent;
	HsResponse *resp;
	HsPage		page;

	read_ahead(ss);
	resp = take_ahead(ss, &sent);
	hs_api_parse_page(resp, sent, &page);
	ss->records = page.records;
	ss->nrecords = page.nrecords;
	ss->more = page.after != NULL;
	resetStringInfo(&ss->after);
	if (page.after != NULL)
		appendStringInfoString(&ss->after, page.after);
}

/* WHERE id = x: one GET; a record that does not exist is no row. */
static void
fetch_one(HsScanState *ss)
{
	HsResponse *resp;
	json_object *record;

	ss->more = false;
	if (ss->nids == 0)
		return;
	resp = hs_api_send(ss->conn, hs_api_get_by_id(ss->read, ss->ids[0]), &ss->stats);
	record = hs_api_parse_record(resp);
	if (record == NULL)
		return;
	ss->records = palloc(sizeof(json_object *));
	ss->records[0] = record;
	ss->nrecords = 1;
}

/*
 * WHERE id = ANY(x): batch/read of the next page_size ids.  Ids that do not
 * exist come back as an OBJECT_NOT_FOUND error item (207): no rows.
 */
static void
fetch_many(HsScanState *ss)
{
	HsBatchRead out;

	read_ahead(ss);
	if (ss->nahead == 0)
	{
		ss->more = false;
		return;
	}
	hs_api_parse_batch_read(take_ahead(ss, NULL), &out);
	read_ahead(ss);
	ss->more = ss->nahead > 0;
	ss->records = out.records;
	ss->nrecords = out.nrecords;
	for (int i = 0; i < out.nerrors; i++)
	{
		const char *category = out.errors[i].category;

		if (category != NULL && strcmp(category, "OBJECT_NOT_FOUND") == 0)
			continue;
		ereport(ERROR,
				(errcode(hs_errcode_for_rejected_input(category)),
				 errmsg("HubSpot could not read some records: %s",
						hs_error_message_text(out.errors[i].json)),
				 hs_errdetail_request(out.resp->method, out.resp->path,
									  "category %s; correlationId %s",
									  category ? category : "none",
									  out.resp->correlation_id[0] ?
									  out.resp->correlation_id : "none")));
	}
}

/* Fetch the next page of records into page_cxt. */
static void
fetch_page(HsScanState *ss)
{
	MemoryContext oldcxt;

	MemoryContextReset(ss->page_cxt);
	ss->records = NULL;
	ss->nrecords = ss->next_record = 0;

	oldcxt = MemoryContextSwitchTo(ss->page_cxt);
	switch (ss->read->kind)
	{
		case HS_READ_LIST:
			fetch_list_page(ss);
			break;
		case HS_READ_BY_ID:
			fetch_one(ss);
			break;
		case HS_READ_BATCH:
			fetch_many(ss);
			break;
	}
	MemoryContextSwitchTo(oldcxt);
}

TupleTableSlot *
hubspotIterateForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	MemoryContext oldcxt;
	json_object *record;

	if (!ss->started)
		start_scan(ss, node->ss.ps.ps_ExprContext);

	for (;;)
	{
		while (ss->next_record >= ss->nrecords)
		{
			if (!ss->more && ss->nahead == 0)
				return ExecClearTuple(slot);
			fetch_page(ss);
		}
		record = ss->records[ss->next_record++];

		/* half a page read: request the next (a LIMIT may never need it) */
		if (ss->more && ss->nahead == 0 && ss->next_record * 2 >= ss->nrecords)
			read_ahead(ss);

		/*
		 * Not a record this session created after the scan began.  The page
		 * parse checked that its id is a string of digits (check_record_id),
		 * which is the same text in every database encoding: no conversion.
		 */
		if (!hs_visibility_hidden(ss->table->object, hs_json_string(record, "id"),
								  ss->horizon))
			break;
		ss->own_creates_skipped++;
	}

	MemoryContextReset(ss->row_cxt);
	oldcxt = MemoryContextSwitchTo(ss->row_cxt);
	hs_fill_slot_from_object(ss->table, record, slot, ss->wanted);
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
	ss->records = NULL;
	ss->nrecords = ss->next_record = 0;
	drop_ahead(ss);
	/* start again at the next fetch; lookups evaluate their ids again */
	ss->started = false;
}

void
hubspotEndForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;

	if (ss != NULL && ss->ahead != NULL)
		drop_ahead(ss);
	/* deleting the page context frees the json-c page at once */
	if (ss != NULL && ss->page_cxt != NULL)
	{
		MemoryContextDelete(ss->page_cxt);
		ss->page_cxt = NULL;
	}
}

/* The typed properties the scan reads, for EXPLAIN: "a, b", or NULL. */
static char *
typed_properties_text(HsScanState *ss)
{
	List	   *names = typed_properties(ss);
	StringInfoData buf;
	ListCell   *lc;

	if (names == NIL)
		return NULL;
	initStringInfo(&buf);
	foreach(lc, names)
	{
		if (lc != list_head(names))
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, (const char *) lfirst(lc));
	}
	return buf.data;
}

void
hubspotExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;
	HsReadKind	kind = ss->read->kind;

	ExplainPropertyText("HubSpot Request", hs_api_read_describe(ss->read), es);
	if (kind != HS_READ_BY_ID)
		ExplainPropertyInteger(kind == HS_READ_LIST ?
							   "HubSpot Page Size" : "HubSpot Ids Per Request",
							   NULL, ss->read->page_size, es);
	if (es->verbose)
	{
		const char *props;

		if (ss->want_properties || ss->want_history)
			props = "all (from the property catalogue)";
		else
			props = typed_properties_text(ss);
		ExplainPropertyText("HubSpot Properties", props ? props : "none", es);
		if (kind == HS_READ_BATCH)
			ExplainPropertyInteger("HubSpot Max Concurrent Requests", NULL,
								   ss->table->max_concurrent_requests, es);
		if (ss->want_history)
			ExplainPropertyText("HubSpot Properties With History", "all", es);
	}
	if (es->analyze)
	{
		if (kind != HS_READ_LIST)
			ExplainPropertyInteger("HubSpot Ids", NULL, ss->nids, es);
		hs_api_explain_stats(&ss->stats, es);
		if (ss->own_creates_skipped > 0 || es->verbose)
			ExplainPropertyInteger("HubSpot Own Creates Skipped", NULL,
								   ss->own_creates_skipped, es);
	}
}
