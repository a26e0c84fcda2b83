/*-------------------------------------------------------------------------
 *
 * search.h
 *		Reads through HubSpot's CRM search (search.c): which conditions of a
 *		query become search filters (planning), and the filters, sort and
 *		pages of the requests (execution).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_SEARCH_H
#define HUBSPOT_SEARCH_H

#include "postgres.h"

#include "executor/execdesc.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"

#include "api.h"
#include "filter.h"
#include "table.h"

/*
 * HsSearchPlan
 *		What planning found out about a scan's conditions.  groups is the
 *		plan's form of the filter groups (fdw_private; see search.c), whose
 *		values are expressions of exprs (fdw_exprs).  Every condition is still
 *		checked by PostgreSQL: HubSpot's answer is only a superset (its index
 *		lags writes, its text comparisons ignore case).
 */
typedef struct HsSearchPlan
{
	List	   *groups;			/* NIL: no condition became a filter */
	List	   *exprs;			/* the filters' values (Expr *) */
	List	   *pushed;			/* RestrictInfos that became filters */
	List	   *kept;			/* RestrictInfos HubSpot does not see */
	bool		exact_candidate;	/* every condition became filters that
									 * HubSpot evaluates as PostgreSQL does if
									 * the properties are of the types assumed */
	Selectivity pushed_selectivity; /* of the pushed conditions */
} HsSearchPlan;

extern HsSearchPlan *hs_search_plan(PlannerInfo *root, RelOptInfo *baserel,
									HsTable *table, List *restrictinfos);
extern const char *hs_search_sort_property(HsTable *table, Index relid, Expr *expr,
										   bool *always_set);
extern bool hs_search_implies_set(List *groups, const char *property);

/*
 * HsSearchCursor
 *		The pages of one search at execution: the query built from the
 *		plan's groups and the values now, the offset of the next page, and
 *		keyset paging past HubSpot's 10,000 results.
 */
typedef struct HsSearchCursor
{
	MemoryContext cxt;			/* where it lives */
	HsSearchQuery query;		/* what every request sends; groups include
								 * the keyset filter after the first page */
	List	   *base_groups;	/* the groups without it */
	bool		none;			/* no record can match: send nothing */
	bool		exact;			/* HubSpot's answer is exactly the rows */
	int			first_limit;	/* page size of the first request */
	bool		done;			/* the last page was read */
	char	   *last_id;		/* keyset: the last id read (id sort only) */
	int64		total;			/* "total" of the newest answer */
	int			dropped;		/* filters left out: no form for their
								 * values, or another type of property */
} HsSearchCursor;

extern void hs_search_cursor_init(HsSearchCursor *cur, List *groups,
								  ExprState **values, ExprContext *econtext,
								  HsPropertyTypeFn type_of, void *arg,
								  bool exact_candidate, const char *sort_property,
								  bool sort_descending, int limit_hint);
extern HsApiRequest *hs_search_cursor_request(HsSearchCursor *cur, const HsRead *rd);
extern void hs_search_cursor_page(HsSearchCursor *cur, HsResponse *resp, HsPage *page);
extern bool hs_search_has_exec_param(Node *node, void *context);
extern bool hs_search_is_scan_constant(Node *node);
extern bool hs_search_is_integer_type(Oid typid);
extern int	hs_search_limit(int limit, ExprState *count, ExprState *offset,
							ExprContext *econtext);

#endif							/* HUBSPOT_SEARCH_H */
