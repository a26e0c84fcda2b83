/*-------------------------------------------------------------------------
 *
 * plan.c
 *		Planning scans of a HubSpot object: which read answers a query (the
 *		list endpoint; GET by id or batch/read when the query names the
 *		records; CRM search when its conditions, ORDER BY, LIMIT or count(*)
 *		can be HubSpot's), chosen by the requests each would make.
 *
 * No request is made while planning: plain EXPLAIN must not touch HubSpot.
 * What the plan decides goes to scan.c in the ForeignScan (plan.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/stratnum.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "rewrite/rewriteManip.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/typcache.h"

#include "fdw.h"
#include "plan.h"
#include "api.h"
#include "convert.h"
#include "deferred.h"
#include "option.h"
#include "search.h"

/* rows assumed when nothing better is known (there is no ANALYZE yet) */
#define DEFAULT_ROW_ESTIMATE 1000
/* cost of one request round trip, in units of seq_page_cost */
#define REQUEST_COST 100.0
/*
 * cost of one search request: search allows 5 requests a second, the other
 * endpoints about 19 (190 in 10 s, HubSpot's smallest burst limit)
 */
#define SEARCH_REQUEST_COST (REQUEST_COST * 4)

/* ids assumed for id = ANY(x) when x is not a constant */
#define DEFAULT_LOOKUP_IDS 10

/* What a path reads (the first member of its fdw_private; NIL: PATH_READ). */
typedef enum HsPathKind
{
	PATH_READ,					/* the relation's list or lookup */
	PATH_ID_JOIN,				/* GET by id per outer row; then the RestrictInfo */
	PATH_SEARCH,				/* search; then sort property (String, "" for
								 * none), descending, limit (Integers) */
	PATH_COUNT					/* count(*) from search's total */
} HsPathKind;

/* What the planner found out about a scanned relation. */
typedef struct HsRelInfo
{
	Bitmapset  *attrs_used;
	HsReadKind	lookup;
	Expr	   *id_expr;		/* the id or the id array (not LIST) */
	double		nids;			/* ids expected (not LIST) */
	bool		archived;		/* WHERE archived */
	HsColumn   *id_col;			/* the table's id column, or NULL */
	HsTable    *table;
	HsSearchPlan *search;		/* NULL when search cannot serve the scan */
} HsRelInfo;

/* The upper relation of a count(*) HubSpot answers (its fdw_private). */
typedef struct HsUpperInfo
{
	RelOptInfo *input;			/* the scanned relation */
} HsUpperInfo;

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
			hs_search_is_integer_type(getBaseType(idcol->typid)))
			node = linitial(f->args);
		else
			return false;
	}
	return is_column(node, relid, idcol->attnum);
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
		if (!hs_search_is_scan_constant(right))
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
			!hs_search_is_scan_constant(array))
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

/* Can search give what the scan reads?  Not property history. */
static bool
search_can_read(HsTable *table, Bitmapset *attrs_used)
{
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  attrs_used);

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];

		if (col->kind == HS_COL_PROPERTIES_WITH_HISTORY &&
			(whole_row || bms_is_member(col->attnum - FirstLowInvalidHeapAttributeNumber,
										attrs_used)))
			return false;
	}
	return true;
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
	info->table = table;
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
	/*
	 * search knows live records only, without their history, and not the
	 * writes the transaction queued for COMMIT (no sorted, LIMIT or count(*)
	 * paths then: scan.c lists and the conditions are checked here)
	 */
	if (table->use_search && info->lookup == HS_READ_LIST && !info->archived &&
		search_can_read(table, info->attrs_used) &&
		!hs_deferred_has_writes(table->serverid, InvalidOid,
								table->objtype_pending ? NULL : table->object))
		info->search = hs_search_plan(root, baserel, table, baserel->baserestrictinfo);
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
										 list_make2(makeInteger(PATH_ID_JOIN), ri)));
	}
}

/* ----------------------------------------------------------------
 *		Search paths
 * ----------------------------------------------------------------
 */

/* The cost of a search that reads rows records. */
static void
search_cost(double rows, Cost *startup, Cost *total)
{
	double		requests = Max(ceil(rows / HS_SEARCH_PAGE_SIZE), 1);

	*startup = SEARCH_REQUEST_COST;
	*total = requests * SEARCH_REQUEST_COST + rows * cpu_tuple_cost * 10;
}

/*
 * query_limit
 *		The rows a query of this relation alone needs at most (its LIMIT and
 *		OFFSET, when nothing between scan and LIMIT needs more): the number,
 *		if it is a constant within HubSpot's 10,000; -1 when parameters give
 *		it (scan.c evaluates parse->limitCount and limitOffset); else 0.
 */
static int
query_limit(PlannerInfo *root)
{
	Query	   *parse = root->parse;

	/* a volatile LIMIT is PostgreSQL's to evaluate, once */
	if (bms_membership(root->all_baserels) != BMS_SINGLETON || parse->rowMarks != NIL ||
		parse->limitCount == NULL || parse->limitOption != LIMIT_OPTION_COUNT ||
		contain_volatile_functions(parse->limitCount) ||
		contain_volatile_functions(parse->limitOffset) ||
		parse->groupClause != NIL || parse->groupingSets != NIL ||
		parse->distinctClause != NIL || parse->hasAggs || parse->hasWindowFuncs ||
		parse->hasTargetSRFs || root->hasHavingQual)
		return 0;
	if (root->limit_tuples > 0)
		return root->limit_tuples <= HS_SEARCH_MAX_RESULTS ? (int) root->limit_tuples : 0;
	if (IsA(parse->limitCount, Const) ||
		(parse->limitOffset != NULL && IsA(parse->limitOffset, Const) &&
		 ((Const *) parse->limitOffset)->constisnull == false &&
		 DatumGetInt64(((Const *) parse->limitOffset)->constvalue) > HS_SEARCH_MAX_RESULTS))
		return 0;
	return -1;
}

static Path *
search_path(PlannerInfo *root, RelOptInfo *baserel, List *pathkeys,
			const char *sort, bool descending, int limit)
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	double		matched = clamp_row_est(DEFAULT_ROW_ESTIMATE *
										info->search->pushed_selectivity);
	Cost		startup;
	Cost		total;

	search_cost(limit > 0 ? Min(matched, limit) : matched, &startup, &total);
	return (Path *) create_foreignscan_path(root, baserel, NULL, baserel->rows,
											startup, total, pathkeys, NULL, NULL,
#if PG_VERSION_NUM >= 170000
											NIL,
#endif
											list_make4(makeInteger(PATH_SEARCH),
													   makeString(pstrdup(sort ? sort : "")),
													   makeInteger(descending ? 1 : 0),
													   makeInteger(limit)));
}

/*
 * sort_member
 *		The member of the ORDER BY's (only) pathkey that HubSpot can sort
 *		this relation by, a column (a Var) sorted in its type's own order;
 *		NULL if none.  *property is the property.
 */
static EquivalenceMember *
sort_member(RelOptInfo *baserel, PathKey *pk, const char **property, bool *always_set)
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	ListCell   *lc;

	if (pk->pk_eclass->ec_has_volatile)
		return NULL;
	foreach(lc, pk->pk_eclass->ec_members)
	{
		EquivalenceMember *em = (EquivalenceMember *) lfirst(lc);
		Oid			type = getBaseType(exprType((Node *) em->em_expr));

		if (!bms_equal(em->em_relids, baserel->relids) || !IsA(em->em_expr, Var) ||
			lookup_type_cache(type, TYPECACHE_BTREE_OPFAMILY)->btree_opf != pk->pk_opfamily)
			continue;
		*property = hs_search_sort_property(info->table, baserel->relid, em->em_expr,
											always_set);
		if (*property != NULL)
			return em;
	}
	return NULL;
}

/*
 * add_sorted_search_path
 *		For ORDER BY one column HubSpot can sort by: a search sorted so.
 *		By id always (each page goes on after the last id read); by another
 *		property when the query's LIMIT (and OFFSET) is one page's (200),
 *		the conditions may be exact, and the records it sorts all have a
 *		value (HubSpot does not say where it puts empty ones): one request,
 *		no paging by offset, which writes of the same statement could shift.
 */
static void
add_sorted_search_path(PlannerInfo *root, RelOptInfo *baserel)
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	PathKey    *pk;
	const char *property;
	bool		always_set;
	int			limit = query_limit(root);

	if (list_length(root->query_pathkeys) != 1)
		return;
	pk = linitial_node(PathKey, root->query_pathkeys);
	if (sort_member(baserel, pk, &property, &always_set) == NULL)
		return;
	/* a LIMIT given by parameters is known at execution (scan.c) */
	if (strcmp(property, "hs_object_id") != 0 &&
		(limit == 0 || limit > HS_SEARCH_PAGE_SIZE || !info->search->exact_candidate ||
		 !(always_set || hs_search_implies_set(info->search->groups, property))))
		return;
	add_path(baserel, search_path(root, baserel, root->query_pathkeys, property,
								  pk->pk_strategy == BTGreaterStrategyNumber, limit));
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

	if (info->search != NULL)
	{
		/* a LIMIT under an ORDER BY is no limit of the unsorted scan */
		if (info->search->groups != NIL)
			add_path(baserel, search_path(root, baserel, NIL, NULL, false,
										  root->query_pathkeys == NIL ?
										  query_limit(root) : 0));
		add_sorted_search_path(root, baserel);
	}
	if (info->lookup == HS_READ_LIST && info->id_col != NULL)
		add_id_join_paths(root, baserel, info);
}

/* ----------------------------------------------------------------
 *		count(*)
 * ----------------------------------------------------------------
 */

/* Is every expression of the target count(*)? */
static bool
only_count_star(PathTarget *target)
{
	ListCell   *lc;

	if (target->exprs == NIL)
		return false;
	foreach(lc, target->exprs)
	{
		Aggref	   *agg = (Aggref *) lfirst(lc);

		if (!IsA(agg, Aggref) || agg->aggfnoid != F_COUNT_ || !agg->aggstar ||
			agg->aggfilter != NULL || agg->aggdistinct != NIL || agg->aggorder != NIL ||
			agg->agglevelsup != 0)
			return false;
	}
	return true;
}

/*
 * hubspotGetForeignUpperPaths
 *		SELECT count(*) FROM one table WHERE conditions that all became
 *		exact filters: HubSpot's "total", one search request.
 */
void
hubspotGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
							RelOptInfo *input_rel, RelOptInfo *output_rel,
							void *extra pg_attribute_unused())
{
	HsRelInfo  *info;
	Query	   *parse = root->parse;
	HsUpperInfo *ui;
	List	   *quals;

	if (stage != UPPERREL_GROUP_AGG || input_rel->reloptkind != RELOPT_BASEREL ||
		input_rel->fdw_private == NULL || output_rel->fdw_private != NULL)
		return;
	info = (HsRelInfo *) input_rel->fdw_private;
	if (info->search == NULL || info->search->kept != NIL || !info->search->exact_candidate ||
		parse->groupClause != NIL || parse->groupingSets != NIL || root->hasHavingQual ||
		parse->hasTargetSRFs || parse->rowMarks != NIL ||
		bms_membership(root->all_baserels) != BMS_SINGLETON ||
		!only_count_star(output_rel->reltarget))
		return;
	/* counted by PostgreSQL when search cannot be used: the conditions */
	quals = extract_actual_clauses(input_rel->baserestrictinfo, false);
	if (hs_search_has_exec_param((Node *) quals, NULL) || contain_subplans((Node *) quals))
		return;
	ui = palloc0(sizeof(HsUpperInfo));
	ui->input = input_rel;
	output_rel->fdw_private = ui;
	add_path(output_rel, (Path *)
			 create_foreign_upper_path(root, output_rel, output_rel->reltarget, 1,
									   SEARCH_REQUEST_COST, SEARCH_REQUEST_COST,
									   NIL, NULL,
#if PG_VERSION_NUM >= 170000
									   NIL,
#endif
									   list_make1(makeInteger(PATH_COUNT))));
}

/* ----------------------------------------------------------------
 *		Plans
 * ----------------------------------------------------------------
 */

/* The attnums a scan reads (Integer list; 0 alone: the whole row). */
static List *
scan_attnums(Bitmapset *attrs_used)
{
	List	   *attnums = NIL;
	int			x = -1;

	if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used))
		return list_make1_int(0);
	while ((x = bms_next_member(attrs_used, x)) >= 0)
	{
		AttrNumber	attnum = x + FirstLowInvalidHeapAttributeNumber;

		if (attnum > 0)
			attnums = lappend_int(attnums, attnum);
	}
	return attnums;
}

/* The conditions search does not see, as SQL (for EXPLAIN), or "". */
static char *
kept_text(RelOptInfo *baserel, HsRelInfo *info)
{
	List	   *context = deparse_context_for(info->table->relname, info->table->relid);
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, info->search->kept)
	{
		Node	   *clause = copyObject((Node *) lfirst_node(RestrictInfo, lc)->clause);

		ChangeVarNodes(clause, baserel->relid, 1, 0);
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? " AND " : "",
						 deparse_expression(clause, context, false, false));
	}
	return buf.data;
}

/* How PostgreSQL sorts as the path is sorted: attnum, operator, collation, nulls first. */
static List *
local_sort(RelOptInfo *baserel, PathKey *pk)
{
	const char *property;
	bool		always_set;
	EquivalenceMember *em = sort_member(baserel, pk, &property, &always_set);
	Oid			type = getBaseType(exprType((Node *) em->em_expr));

	return list_make4_int(((Var *) em->em_expr)->varattno,
						  (int) get_opfamily_member(pk->pk_opfamily, type, type,
													pk->pk_strategy),
						  (int) pk->pk_eclass->ec_collation, pk->pk_nulls_first ? 1 : 0);
}

/* Why a listing with conditions does not search (EXPLAIN VERBOSE). */
static char *
no_search_reason(HsRelInfo *info)
{
	if (!info->table->use_search)
		return "use_search is false";
	if (info->archived)
		return "WHERE archived: search has no archived records";
	if (info->search == NULL)
		return "properties_with_history is read: search has no history";
	if (info->search->groups == NIL)
		return "no condition can be a filter";
	return "the listing takes fewer requests by the planner's estimate";
}

/* The plan of a count(*) answered by HubSpot's total: one row. */
static ForeignScan *
count_plan(RelOptInfo *upper, List *tlist, Plan *outer_plan)
{
	RelOptInfo *input = ((HsUpperInfo *) upper->fdw_private)->input;
	HsRelInfo  *info = (HsRelInfo *) input->fdw_private;
	List	   *quals = extract_actual_clauses(input->baserestrictinfo, false);
	Bitmapset  *attrs = NULL;
	List	   *priv;

	pull_varattnos((Node *) quals, input->relid, &attrs);
	priv = list_make5(scan_attnums(attrs), makeInteger(HS_READ_SEARCH), makeInteger(0),
					  info->search->groups,
					  makeInteger(SCAN_EXACT_CANDIDATE | SCAN_COUNT));
	priv = lappend(priv, makeString(""));
	priv = lappend(priv, makeInteger(0));
	priv = lappend(priv, makeString(""));
	priv = lappend(priv, NIL);
	priv = lappend(priv, quals);
	priv = lappend(priv, NIL);
	priv = lappend(priv, makeString(""));
	return make_foreignscan(tlist, NIL, 0, info->search->exprs, priv,
							add_to_flat_tlist(NIL, upper->reltarget->exprs),
							NIL, outer_plan);
}

ForeignScan *
hubspotGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
					  Oid foreigntableid pg_attribute_unused(), ForeignPath *best_path,
					  List *tlist, List *scan_clauses, Plan *outer_plan)
{
	HsRelInfo  *info = (HsRelInfo *) baserel->fdw_private;
	List	   *path_private = best_path->fdw_private;
	HsPathKind	kind = path_private == NIL ? PATH_READ : intVal(linitial(path_private));
	List	   *attnums;
	List	   *fdw_exprs = NIL;
	HsReadKind	lookup;
	List	   *priv;
	List	   *groups = NIL;
	int			flags = 0;
	const char *sort = "";
	int			limit = 0;
	List	   *limit_exprs = NIL;
	char	   *kept = "";
	List	   *sorting = NIL;

	/* an upper relation's fdw_private is an HsUpperInfo, not an HsRelInfo */
	if (kind == PATH_COUNT)
		return count_plan(baserel, tlist, outer_plan);
	lookup = info->lookup;

	/*
	 * Every clause is also checked locally, the id, archived and search ones
	 * included: what HubSpot returns for them is only a superset.
	 */
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	attnums = scan_attnums(info->attrs_used);
	if (lookup != HS_READ_LIST)
		fdw_exprs = list_make1(info->id_expr);
	else if (kind == PATH_ID_JOIN)
	{
		/* the id join path: id = the outer row's value, a nestloop param */
		RestrictInfo *ri = lsecond_node(RestrictInfo, path_private);

		lookup = HS_READ_BY_ID;
		fdw_exprs = list_make1(id_join_expr(root, ri->clause, baserel, info->id_col));
	}
	else if (kind == PATH_SEARCH)
	{
		lookup = HS_READ_SEARCH;
		fdw_exprs = info->search->exprs;
		groups = info->search->groups;
		flags = info->search->exact_candidate ? SCAN_EXACT_CANDIDATE : 0;
		sort = strVal(lsecond(path_private));
		if (intVal(lthird(path_private)) != 0)
			flags |= SCAN_SORT_DESC;
		limit = intVal(lfourth(path_private));
		if (limit < 0)
		{
			/* LIMIT and OFFSET parameters, evaluated when the scan starts */
			Query	   *parse = root->parse;

			fdw_exprs = list_copy(fdw_exprs);
			limit_exprs = list_make2_int(list_length(fdw_exprs),
										 parse->limitOffset ? list_length(fdw_exprs) + 1 : -1);
			fdw_exprs = lappend(fdw_exprs, parse->limitCount);
			if (parse->limitOffset)
				fdw_exprs = lappend(fdw_exprs, parse->limitOffset);
			limit = 0;
		}
		kept = kept_text(baserel, info);
		if (sort[0] != '\0')
		{
			sorting = local_sort(baserel, linitial_node(PathKey, best_path->path.pathkeys));
			if (attnums == NIL || linitial_int(attnums) != 0)
				attnums = list_append_unique_int(attnums, linitial_int(sorting));
		}
	}
	priv = list_make5(attnums, makeInteger(lookup), makeInteger(info->archived ? 1 : 0),
					  groups, makeInteger(flags));
	priv = lappend(priv, makeString(pstrdup(sort)));
	priv = lappend(priv, makeInteger(limit));
	priv = lappend(priv, makeString(kept));
	priv = lappend(priv, sorting);
	priv = lappend(priv, NIL);
	priv = lappend(priv, limit_exprs);
	priv = lappend(priv, makeString(kind == PATH_READ && lookup == HS_READ_LIST &&
									baserel->baserestrictinfo != NIL ?
									no_search_reason(info) : ""));
	return make_foreignscan(tlist, scan_clauses, baserel->relid, fdw_exprs, priv,
							NIL, NIL, outer_plan);
}

/* ----------------------------------------------------------------
 *		For association tables (assoc_scan.c): conditions on from_id
 * ----------------------------------------------------------------
 */

/*
 * hs_plan_id_lookup
 *		Does clause name records by column idcol: idcol = x (*kind
 *		HS_READ_BY_ID) or idcol = ANY(x) (HS_READ_BATCH), x free of the
 *		relation's columns and of volatile functions?  *expr is x, *nids how
 *		many ids it is expected to give.
 */
bool
hs_plan_id_lookup(Expr *clause, Index relid, HsColumn *idcol, HsReadKind *kind,
				  Expr **expr, double *nids)
{
	HsRelInfo	info;

	memset(&info, 0, sizeof(info));
	if (!find_id_lookup(clause, relid, idcol, &info))
		return false;
	*kind = info.lookup;
	*expr = info.id_expr;
	*nids = info.nids;
	return true;
}

/*
 * hs_plan_id_join_clauses
 *		The join clauses idcol = x of baserel, x from other relations only
 *		(RestrictInfos, those of equivalence classes included), for paths
 *		parameterized by them; hs_plan_id_join_expr() gives a clause's x.
 */
List *
hs_plan_id_join_clauses(PlannerInfo *root, RelOptInfo *baserel, HsColumn *idcol)
{
	List	   *clauses = NIL;
	ListCell   *lc;

	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (join_clause_is_movable_to(ri, baserel) &&
			id_join_expr(root, ri->clause, baserel, idcol) != NULL)
			clauses = lappend(clauses, ri);
	}
	if (baserel->has_eclass_joins)
		clauses = list_concat(clauses,
							  generate_implied_equalities_for_column(root, baserel,
																	 ec_member_is_id,
																	 idcol,
																	 baserel->lateral_referencers));
	return clauses;
}

Expr *
hs_plan_id_join_expr(PlannerInfo *root, Expr *clause, RelOptInfo *baserel, HsColumn *idcol)
{
	return id_join_expr(root, clause, baserel, idcol);
}
