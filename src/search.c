/*-------------------------------------------------------------------------
 *
 * search.c
 *		Reads through HubSpot's CRM search: the conditions of a query that
 *		become search filters (planning), and the requests of the search
 *		with the values of the moment (execution).
 *
 * HubSpot's rules are those of hubspot-api.md 3.11: filters within a group
 * are ANDed, groups ORed, at most 5 groups, 6 filters in a group and 18 in
 * all; one sort; 200 results a request; no paging past 10,000 results;
 * string comparisons ignore case, enumerations' do not, and string IN
 * takes lowercase values; a property without a value (absent, null or "")
 * never matches EQ, LT, LTE, GT, GTE, BETWEEN or IN, and matches NEQ and
 * NOT_IN.
 *
 * A condition becomes a filter only when what HubSpot returns for it is a
 * superset of what PostgreSQL would keep, and every condition is still
 * checked by PostgreSQL: the search can only leave out records that cannot
 * match.  A filter is also exact when HubSpot keeps exactly PostgreSQL's
 * rows (numbers, dates, datetimes, booleans and ids compared with =, <, <=,
 * >, >=, IN, IS [NOT] NULL; enumerations with = and IN); a query whose
 * filters are all exact may have its LIMIT, its ORDER BY on a property
 * that may be empty, or its count(*) answered by HubSpot.  Exactness is
 * settled at execution, once the property catalogue tells the types: a
 * filter whose property is of another type than the column's is left out,
 * which keeps the answer a superset.
 *
 * The plan's form of a filter (fdw_private) is a List of five nodes:
 * String property, Integer HsSearchOp, Integer HsSearchKind, Integer value
 * (index into the scan's fdw_exprs, -1 for none), Integer flags.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "search.h"
#include "filter.h"
#include "errors.h"
#include "json.h"

/* the filters a group may have, one left for keyset paging */
#define GROUP_FILTERS (HS_SEARCH_MAX_GROUP_FILTERS - 1)

/* What a condition's column stands for in HubSpot. */
typedef struct Target
{
	const char *property;
	HsSearchKind kind;
	Oid			type;			/* the type the operator sees */
	bool		always_set;		/* every record has a value (ids, dates) */
} Target;

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

bool
hs_search_is_integer_type(Oid typid)
{
	return typid == INT2OID || typid == INT4OID || typid == INT8OID;
}

static bool
is_number_type(Oid typid)
{
	return hs_search_is_integer_type(typid) || typid == NUMERICOID;
}

/* The column of relid with this attnum, or NULL. */
static HsColumn *
table_column(HsTable *table, AttrNumber attnum)
{
	for (int i = 0; i < table->ncolumns; i++)
		if (table->columns[i].attnum == attnum)
			return &table->columns[i];
	return NULL;
}

/* What a typed column, the id or a timestamp column stands for. */
static bool
column_target(HsTable *table, HsColumn *col, Target *t)
{
	Oid			base = col->basetypid;
	int32		typmod;

	t->always_set = false;

	/*
	 * A type modifier changes HubSpot's value on its way in (numeric(10,2)
	 * rounds "1.005", timestamptz(0) the milliseconds, varchar(2) drops
	 * trailing spaces): a filter on the value read would not be HubSpot's.
	 */
	typmod = col->typmod;
	(void) getBaseTypeAndTypmod(col->typid, &typmod);	/* a domain's too */
	if (typmod >= 0)
		return false;
	switch (col->kind)
	{
		case HS_COL_ID:
			if (!is_number_type(base))
				return false;
			t->property = "hs_object_id";
			t->kind = HS_SK_NUMBER;
			t->always_set = true;
			return true;
		case HS_COL_CREATED_AT:
		case HS_COL_UPDATED_AT:
			if (base != TIMESTAMPTZOID)
				return false;
			/* the object's own (contacts: lastmodifieddate; hubspot-objects.md 1.4) */
			t->property = col->kind == HS_COL_CREATED_AT ?
				table->objtype->created_property : table->objtype->modified_property;
			t->kind = HS_SK_DATETIME;
			t->always_set = true;
			return true;
		case HS_COL_PROPERTY:
			t->property = col->property;
			if (col->vkind == HS_VAL_NUMBER && is_number_type(base))
				t->kind = HS_SK_NUMBER;
			else if (col->vkind == HS_VAL_DATE)
				t->kind = HS_SK_DATE;
			else if (col->vkind == HS_VAL_TIMESTAMPTZ)
				t->kind = HS_SK_DATETIME;
			else if (col->vkind == HS_VAL_BOOL)
				t->kind = HS_SK_BOOL;
			else if (col->vkind == HS_VAL_TEXT && (base == TEXTOID || base == VARCHAROID))
				t->kind = HS_SK_TEXT;
			else
				return false;
			return true;
		default:
			return false;
	}
}

/*
 * search_target
 *		Is node a column HubSpot can filter on: a typed column, the id, a
 *		timestamp column, or properties->>'name'?  An integer column under
 *		its implicit cast to numeric counts (its value is the same).
 */
static bool
search_target(HsTable *table, Index relid, Node *node, Target *t)
{
	HsColumn   *col;
	Var		   *var;

	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node == NULL)
		return false;
	t->type = exprType(node);
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;

		if (f->funcformat != COERCE_IMPLICIT_CAST || f->funcresulttype != NUMERICOID ||
			list_length(f->args) != 1 || !hs_search_is_integer_type(exprType(linitial(f->args))))
			return false;
		node = linitial(f->args);
	}
	else if (IsA(node, OpExpr) && ((OpExpr *) node)->opfuncid == F_JSONB_OBJECT_FIELD_TEXT)
	{
		OpExpr	   *op = (OpExpr *) node;
		Node	   *key = lsecond(op->args);

		var = (Var *) linitial(op->args);
		if (!IsA(var, Var) || var->varno != (int) relid || var->varlevelsup != 0 ||
			!IsA(key, Const) || ((Const *) key)->constisnull)
			return false;
		col = table_column(table, var->varattno);
		if (col == NULL || col->kind != HS_COL_PROPERTIES)
			return false;
		t->property = TextDatumGetCString(((Const *) key)->constvalue);
		if (t->property[0] == '\0' ||
			strspn(t->property, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
			strlen(t->property))
			return false;
		t->kind = HS_SK_TEXT;
		t->always_set = false;
		return true;
	}
	if (!IsA(node, Var))
		return false;
	var = (Var *) node;
	if (var->varno != (int) relid || var->varlevelsup != 0)
		return false;
	col = table_column(table, var->varattno);
	return col != NULL && column_target(table, col, t);
}

/* Can a value of this type be written for a target of this kind? */
static bool
value_type_ok(HsSearchKind kind, Oid valtype)
{
	switch (kind)
	{
		case HS_SK_NUMBER:
			return is_number_type(valtype);
		case HS_SK_DATE:
			return valtype == DATEOID;
		case HS_SK_DATETIME:
			return valtype == TIMESTAMPTZOID;
		case HS_SK_BOOL:
			return valtype == BOOLOID;
		case HS_SK_TEXT:
			return valtype == TEXTOID || valtype == VARCHAROID;
	}
	return false;
}

/*
 * The filter operator that opno, applied as (target, value), is: its btree
 * strategy in the target type's family, or NEQ for the negator of its
 * equality.  -1 if none.
 */
static int
filter_op(Oid opno, Oid type)
{
	TypeCacheEntry *tce = lookup_type_cache(type, TYPECACHE_BTREE_OPFAMILY);
	Oid			negator;

	if (!OidIsValid(opno) || !OidIsValid(tce->btree_opf))
		return -1;
	switch (get_op_opfamily_strategy(opno, tce->btree_opf))
	{
		case BTLessStrategyNumber:
			return SOP_LT;
		case BTLessEqualStrategyNumber:
			return SOP_LTE;
		case BTEqualStrategyNumber:
			return SOP_EQ;
		case BTGreaterEqualStrategyNumber:
			return SOP_GTE;
		case BTGreaterStrategyNumber:
			return SOP_GT;
	}
	negator = get_negator(opno);
	if (OidIsValid(negator) &&
		get_op_opfamily_strategy(negator, tce->btree_opf) == BTEqualStrategyNumber)
		return SOP_NEQ;
	return -1;
}

/* Which operators a kind of target may push (see the head comment). */
static bool
op_pushable(const Target *t, int op, Oid collid)
{
	if (t->kind != HS_SK_TEXT)
		return true;
	/* text: = and IN only (case-insensitive: a superset), deterministic */
	if (op != SOP_EQ && op != SOP_IN && op != SOP_NOT_HAS)
		return false;
	return op == SOP_NOT_HAS || !OidIsValid(collid) ||
		get_collation_isdeterministic(collid);
}

static List *
make_filter(HsSearchPlan *plan, const Target *t, int op, Expr *value)
{
	int			flags = 0;
	int			index = -1;

	if (value != NULL)
	{
		index = list_length(plan->exprs);
		plan->exprs = lappend(plan->exprs, value);
	}
	/* "" is no value to HubSpot, nor to a column or properties (convert.c) */
	if (op == SOP_EQ || op == SOP_IN || op == SOP_HAS || op == SOP_NOT_HAS ||
		(t->kind != HS_SK_TEXT &&
		 (op == SOP_LT || op == SOP_LTE || op == SOP_GT || op == SOP_GTE)) ||
		((op == SOP_NEQ || op == SOP_NOT_IN) && t->always_set))
		flags |= SF_MAY_BE_EXACT;
	if (op != SOP_NEQ && op != SOP_NOT_IN && op != SOP_NOT_HAS)
		flags |= SF_IMPLIES_SET;
	return list_make5(makeString(pstrdup(t->property)), makeInteger(op),
					  makeInteger(t->kind), makeInteger(index), makeInteger(flags));
}

/* Can an expression be evaluated once when the scan starts (no Var, not volatile)? */
bool
hs_search_is_scan_constant(Node *node)
{
	return !contain_var_clause(node) && !contain_volatile_functions(node) &&
		!contain_subplans(node);
}

/* A comparison (target op value, either way round) as one filter, or NIL. */
static List *
comparison_filter(HsSearchPlan *plan, HsTable *table, Index relid, OpExpr *opexpr)
{
	Target		t;
	Node	   *left,
			   *right;
	Oid			opno = opexpr->opno;
	int			op;

	if (list_length(opexpr->args) != 2)
		return NIL;
	left = linitial(opexpr->args);
	right = lsecond(opexpr->args);
	if (!search_target(table, relid, left, &t))
	{
		Node	   *swap = left;

		left = right;
		right = swap;
		opno = get_commutator(opno);
		if (!search_target(table, relid, left, &t))
			return NIL;
	}
	if (!hs_search_is_scan_constant(right) || !value_type_ok(t.kind, exprType(right)))
		return NIL;
	op = filter_op(opno, t.type);
	if (op < 0 || !op_pushable(&t, op, opexpr->inputcollid))
		return NIL;
	return make_filter(plan, &t, op, (Expr *) right);
}

/* x = ANY(array) as IN, x <> ALL(array) as NOT_IN, or NIL. */
static List *
array_filter(HsSearchPlan *plan, HsTable *table, Index relid, ScalarArrayOpExpr *saop)
{
	Target		t;
	Node	   *array = lsecond(saop->args);
	int			op;

	if (!search_target(table, relid, linitial(saop->args), &t) ||
		!hs_search_is_scan_constant(array) ||
		!value_type_ok(t.kind, get_element_type(exprType(array))))
		return NIL;
	op = filter_op(saop->opno, t.type);
	if (op == SOP_EQ && saop->useOr)
		op = SOP_IN;
	else if (op == SOP_NEQ && !saop->useOr)
		op = SOP_NOT_IN;
	else
		return NIL;
	if (!op_pushable(&t, op, saop->inputcollid))
		return NIL;
	return make_filter(plan, &t, op, (Expr *) array);
}

/*
 * clause_filter
 *		One condition as one filter (a List in the plan's form), or NIL:
 *		a comparison, IN / NOT IN, IS [NOT] NULL, or a boolean column (as
 *		such, negated, or IS TRUE / IS FALSE).
 */
static List *
clause_filter(HsSearchPlan *plan, HsTable *table, Index relid, Expr *clause)
{
	Target		t;
	bool		value = true;

	if (IsA(clause, OpExpr))
		return comparison_filter(plan, table, relid, (OpExpr *) clause);
	if (IsA(clause, ScalarArrayOpExpr))
		return array_filter(plan, table, relid, (ScalarArrayOpExpr *) clause);
	if (IsA(clause, NullTest))
	{
		NullTest   *nt = (NullTest *) clause;

		if (nt->argisrow || !search_target(table, relid, (Node *) nt->arg, &t))
			return NIL;
		return make_filter(plan, &t, nt->nulltesttype == IS_NULL ? SOP_NOT_HAS : SOP_HAS,
						   NULL);
	}
	if (IsA(clause, BooleanTest))
	{
		BooleanTest *bt = (BooleanTest *) clause;

		if (bt->booltesttype != IS_TRUE && bt->booltesttype != IS_FALSE)
			return NIL;
		value = bt->booltesttype == IS_TRUE;
		clause = bt->arg;
	}
	else if (is_notclause(clause))
	{
		value = false;
		clause = get_notclausearg(clause);
	}
	if (!search_target(table, relid, (Node *) clause, &t) || t.kind != HS_SK_BOOL)
		return NIL;
	return make_filter(plan, &t, SOP_EQ, (Expr *) makeBoolConst(value, false));
}

/*
 * equalities_as_in
 *		An OR of equalities of one property (price = 1 OR price = 2 ...), as
 *		one IN filter over an array of the values: one filter where HubSpot
 *		would take at most five groups.  Other ORs as they are, and text's
 *		(a string IN leaves out non-ASCII values, which EQ can carry).
 */
static List *
equalities_as_in(HsSearchPlan *plan, List *conjunctions)
{
	List	   *first = linitial(linitial(conjunctions));
	Oid			type = InvalidOid;
	List	   *elements = NIL;
	ListCell   *lc;
	List	   *in;

	if (list_length(conjunctions) < 2)
		return conjunctions;
	foreach(lc, conjunctions)
	{
		List	   *conj = lfirst(lc);
		List	   *f = linitial(conj);
		int			index = intVal(list_nth(f, F_VALUE));
		Expr	   *value;

		/* not text: a string IN with non-ASCII text would be left out */
		if (list_length(conj) != 1 || intVal(list_nth(f, F_OP)) != SOP_EQ || index < 0 ||
			intVal(list_nth(f, F_KIND)) == HS_SK_TEXT ||
			strcmp(strVal(list_nth(f, F_PROPERTY)), strVal(list_nth(first, F_PROPERTY))) != 0 ||
			intVal(list_nth(f, F_KIND)) != intVal(list_nth(first, F_KIND)))
			return conjunctions;
		value = list_nth(plan->exprs, index);
		if (type == InvalidOid)
			type = exprType((Node *) value);
		if (exprType((Node *) value) != type || !OidIsValid(get_array_type(type)))
			return conjunctions;
		elements = lappend(elements, value);
	}
	in = list_copy(first);
	list_nth_cell(in, F_OP)->ptr_value = makeInteger(SOP_IN);
	list_nth_cell(in, F_VALUE)->ptr_value = makeInteger(list_length(plan->exprs));
	{
		ArrayExpr  *array = makeNode(ArrayExpr);

		array->array_typeid = get_array_type(type);
		array->element_typeid = type;
		array->elements = elements;
		array->multidims = false;
		array->location = -1;
		plan->exprs = lappend(plan->exprs, array);
	}
	return list_make1(list_make1(in));
}

/*
 * clause_conjunctions
 *		A condition as an OR of ANDs of filters (a List of Lists of
 *		filters), or NIL when some part of it cannot be a filter.
 */
static List *
clause_conjunctions(HsSearchPlan *plan, HsTable *table, Index relid, Expr *clause)
{
	List	   *f;

	if (is_orclause(clause))
	{
		List	   *result = NIL;
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) clause)->args)
		{
			List	   *arm = clause_conjunctions(plan, table, relid, lfirst(lc));

			if (arm == NIL)
				return NIL;
			result = list_concat(result, arm);
		}
		return equalities_as_in(plan, result);
	}
	if (is_andclause(clause))
	{
		List	   *conj = NIL;
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) clause)->args)
		{
			f = clause_filter(plan, table, relid, lfirst(lc));
			if (f == NIL)
				return NIL;
			conj = lappend(conj, f);
		}
		return list_make1(conj);
	}
	f = clause_filter(plan, table, relid, clause);
	return f == NIL ? NIL : list_make1(list_make1(f));
}

/*
 * add_conjunctions
 *		The groups AND the condition (an OR of conjunctions): every group
 *		with every conjunction.  NIL if that passes HubSpot's limits (one
 *		filter of each group left for keyset paging).
 */
static List *
add_conjunctions(List *groups, List *conjunctions)
{
	List	   *result = NIL;
	ListCell   *g;
	ListCell   *c;
	int			total = 0;

	foreach(g, groups)
		foreach(c, conjunctions)
	{
		List	   *group = list_concat_copy((List *) lfirst(g), (List *) lfirst(c));

		if (list_length(group) > GROUP_FILTERS)
			return NIL;
		total += list_length(group) + 1;
		result = lappend(result, group);
	}
	if (list_length(result) > HS_SEARCH_MAX_GROUPS || total > HS_SEARCH_MAX_FILTERS)
		return NIL;
	return result;
}

/*
 * hs_search_plan
 *		Which of a scan's conditions (RestrictInfos) become search filters,
 *		within HubSpot's limits, in their order.  Makes no request.
 */
HsSearchPlan *
hs_search_plan(PlannerInfo *root, RelOptInfo *baserel, HsTable *table,
			   List *restrictinfos)
{
	HsSearchPlan *plan = palloc0(sizeof(HsSearchPlan));
	List	   *groups = list_make1(NIL);
	bool		exact = true;
	ListCell   *lc;

	foreach(lc, restrictinfos)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		int			nexprs = list_length(plan->exprs);
		List	   *conj = clause_conjunctions(plan, table, baserel->relid, ri->clause);
		List	   *added = conj != NIL ? add_conjunctions(groups, conj) : NIL;

		if (added == NIL)
		{
			/* forget the values of filters that are not used */
			plan->exprs = list_truncate(plan->exprs, nexprs);
			plan->kept = lappend(plan->kept, ri);
			exact = false;
			continue;
		}
		groups = added;
		plan->pushed = lappend(plan->pushed, ri);
	}
	if (plan->pushed != NIL)
	{
		ListCell   *g;

		plan->groups = groups;
		foreach(g, groups)
		{
			ListCell   *f;

			foreach(f, (List *) lfirst(g))
				if ((intVal(list_nth((List *) lfirst(f), F_FLAGS)) & SF_MAY_BE_EXACT) == 0)
					exact = false;
		}
	}
	plan->exact_candidate = exact;
	plan->pushed_selectivity = clauselist_selectivity(root, plan->pushed, 0,
													  JOIN_INNER, NULL);
	return plan;
}

/*
 * hs_search_sort_property
 *		Can HubSpot sort by expr (an ORDER BY's expression)?  The property,
 *		or NULL: numbers, dates and datetimes (not text: HubSpot's order of
 *		strings is not PostgreSQL's collation).  *always_set tells whether
 *		every record has a value (ids, created_at, updated_at).
 */
const char *
hs_search_sort_property(HsTable *table, Index relid, Expr *expr, bool *always_set)
{
	Target		t;

	if (!search_target(table, relid, (Node *) expr, &t) ||
		(t.kind != HS_SK_NUMBER && t.kind != HS_SK_DATE && t.kind != HS_SK_DATETIME))
		return NULL;
	*always_set = t.always_set;
	return t.property;
}

/*
 * hs_search_implies_set
 *		Does every group (plan form) have a filter on property that only
 *		records with a value pass?  Then HubSpot's place for empty values in
 *		a sort does not matter.
 */
bool
hs_search_implies_set(List *groups, const char *property)
{
	ListCell   *g;

	if (groups == NIL)
		return false;
	foreach(g, groups)
	{
		ListCell   *f;
		bool		found = false;

		foreach(f, (List *) lfirst(g))
		{
			List	   *filter = (List *) lfirst(f);

			if (strcmp(strVal(list_nth(filter, F_PROPERTY)), property) == 0 &&
				(intVal(list_nth(filter, F_FLAGS)) & SF_IMPLIES_SET) != 0)
				found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

/*
 * hs_search_cursor_init
 *		Start a search: the plan's groups with the values of the moment
 *		(values: ExprStates indexed as the scan's fdw_exprs), the types of
 *		properties from type_of, one sort, and a first page no larger than
 *		limit_hint (0: none) when the answer is exact.  Called at each
 *		(re)start of a scan; allocates in CurrentMemoryContext.
 */
void
hs_search_cursor_init(HsSearchCursor *cur, List *groups, ExprState **values,
					  ExprContext *econtext, HsPropertyTypeFn type_of, void *arg,
					  bool exact_candidate, const char *sort_property,
					  bool sort_descending, int limit_hint)
{
	List	   *built = NIL;
	bool		exact = exact_candidate;
	bool		all = false;	/* a group every record passes */
	ListCell   *g;

	memset(cur, 0, sizeof(HsSearchCursor));
	cur->cxt = CurrentMemoryContext;
	foreach(g, groups)
	{
		List	   *group = NIL;
		bool		none = false;
		ListCell   *f;

		foreach(f, (List *) lfirst(g))
		{
			HsSearchFilter *filter = palloc(sizeof(HsSearchFilter));
			bool		fexact;

			switch (hs_filter_build(lfirst(f), values, econtext, type_of, arg, filter, &fexact))
			{
				case FATE_SEND:
					group = lappend(group, filter);
					exact = exact && fexact;
					break;
				case FATE_TRUE:
					break;
				case FATE_FALSE:
					none = true;
					break;
				case FATE_SUPERSET:
					exact = false;
					cur->dropped++;
					break;
			}
		}
		if (none)
			continue;
		if (group == NIL)
			all = true;
		built = lappend(built, hs_filter_merge_between(group));
	}
	cur->none = groups != NIL && built == NIL;
	cur->base_groups = all ? NIL : built;
	cur->exact = exact;
	/* without a sort of its own, by id: keyset paging can go on past 10,000 */
	cur->query.sort_property = sort_property ? sort_property : "hs_object_id";
	cur->query.sort_descending = sort_property ? sort_descending : false;
	cur->query.groups = cur->base_groups;
	cur->first_limit = exact && limit_hint > 0 ?
		Min(limit_hint, HS_SEARCH_PAGE_SIZE) : HS_SEARCH_PAGE_SIZE;
	cur->query.limit = cur->first_limit;
	cur->done = cur->none;
}

/* Restart the search after the last id read (it is sorted by id). */
static void
keyset_restart(HsSearchCursor *cur)
{
	List	   *groups = NIL;
	HsSearchFilter *key;
	ListCell   *g;
	MemoryContext oldcxt = MemoryContextSwitchTo(cur->cxt);

	key = palloc0(sizeof(HsSearchFilter));
	key->property = "hs_object_id";
	key->operator = cur->query.sort_descending ? "LT" : "GT";
	key->value = pstrdup(cur->last_id);
	if (cur->base_groups == NIL)
		groups = list_make1(list_make1(key));
	foreach(g, cur->base_groups)
		groups = lappend(groups, lappend(list_copy((List *) lfirst(g)), key));
	cur->query.groups = groups;
	MemoryContextSwitchTo(oldcxt);
}

/*
 * hs_search_cursor_request
 *		The request for the next page, or NULL when there is none.  A
 *		search sorted by id asks each next page as a new search for the ids
 *		after the last one read (keyset paging): it goes on past HubSpot's
 *		10,000 results, and records that change while it pages (an UPDATE of
 *		what it reads, an INSERT ... SELECT from it) shift nothing.  One
 *		sorted otherwise is one request: plan.c and scan.c use HubSpot's
 *		order only for a LIMIT within one page.
 */
HsApiRequest *
hs_search_cursor_request(HsSearchCursor *cur, const HsRead *rd)
{
	if (cur->done)
		return NULL;
	if (cur->last_id != NULL)
	{
		keyset_restart(cur);
		cur->query.limit = HS_SEARCH_PAGE_SIZE;
	}
	return hs_api_search_page(rd, &cur->query);
}

/* Does id a come before id b (strings of digits) in the search's order? */
static bool
id_before(const char *a, const char *b, bool descending)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);
	int			cmp = la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);

	return descending ? cmp > 0 : cmp < 0;
}

/*
 * hs_search_cursor_page
 *		Take the answer to the request hs_search_cursor_request() made last:
 *		its records in page, and whether another page follows.
 *
 * Errors (FDW_ERROR, a malformed answer): a page sorted by id whose ids do
 * not follow the last one read in order (keyset paging would loop or skip),
 * an empty page with a next one, and a page without a next one while
 * "total" counts more.
 */
void
hs_search_cursor_page(HsSearchCursor *cur, HsResponse *resp, HsPage *page)
{
	bool		by_id = strcmp(cur->query.sort_property, "hs_object_id") == 0;
	const char *prev = cur->last_id;

	hs_api_parse_search_page(resp, page, &cur->total);
	for (int i = 0; by_id && i < page->nrecords; i++)
	{
		const char *id = hs_json_string(page->records[i], "id");

		if (prev != NULL && !id_before(prev, id, cur->query.sort_descending))
			hs_report_malformed_answer(resp->method, resp->path, resp->status,
									   "record %d's id %s does not follow id %s in the order asked for",
									   i + 1, id, prev);
		prev = id;
	}
	if (page->nrecords > cur->total)
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "\"total\" is " INT64_FORMAT " but the page has %d records",
								   cur->total, page->nrecords);
	if (page->nrecords == 0 && page->after != NULL)
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "a page without results has a next page");
	if (page->after == NULL && cur->total > page->nrecords)
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "\"total\" is " INT64_FORMAT " but the page of %d has no next page",
								   cur->total, page->nrecords);
	if (page->nrecords > 0)
		cur->last_id = MemoryContextStrdup(cur->cxt,
										   hs_json_string(page->records[page->nrecords - 1], "id"));
	/* sorted otherwise: the one page the LIMIT needs */
	if (page->after == NULL || !by_id)
		cur->done = true;
}

/* Does an expression use a Param of the executor's (a subquery's value)? */
bool
hs_search_has_exec_param(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXEC)
		return true;
	return expression_tree_walker(node, hs_search_has_exec_param, context);
}

/*
 * hs_search_limit
 *		The rows a query needs at most: the plan's LIMIT (limit), or the
 *		values of its LIMIT and OFFSET parameters now (count, offset; NULL
 *		when not given by parameters); 0 when unknown or past what one
 *		search can sort (10,000).
 */
int
hs_search_limit(int limit, ExprState *count, ExprState *offset, ExprContext *econtext)
{
	Datum		n;
	Datum		skip = Int64GetDatum(0);
	bool		isnull;

	if (count == NULL)
		return limit;
	n = ExecEvalExprSwitchContext(count, econtext, &isnull);
	if (isnull || DatumGetInt64(n) < 0)
		return 0;
	if (offset != NULL)
	{
		skip = ExecEvalExprSwitchContext(offset, econtext, &isnull);
		if (isnull || DatumGetInt64(skip) < 0)
			skip = Int64GetDatum(0);
	}
	if (DatumGetInt64(n) > HS_SEARCH_MAX_RESULTS ||
		DatumGetInt64(skip) > HS_SEARCH_MAX_RESULTS - DatumGetInt64(n))
		return 0;
	return (int) (DatumGetInt64(n) + DatumGetInt64(skip));
}
