/*-------------------------------------------------------------------------
 *
 * plan.h
 *		What planning (plan.c) leaves in a ForeignScan for execution
 *		(scan.c): the layout of its fdw_private list.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_PLAN_H
#define HUBSPOT_PLAN_H

#include "postgres.h"

/*
 * Indexes of a ForeignScan's fdw_private list.  fdw_exprs holds, for the
 * lookups (HS_READ_BY_ID, HS_READ_BATCH), the expression giving the id (or
 * the array of ids); for a search, the values of its filters.
 */
enum FdwScanPrivateIndex
{
	/* Integer list of the attnums the scan reads */
	FdwScanPrivateAttnums,
	/* Integer: an HsReadKind */
	FdwScanPrivateLookup,
	/* Integer: 1 to read archived records instead of live ones */
	FdwScanPrivateArchived,
	/* List: the search's filter groups in search.c's plan form, or NIL */
	FdwScanPrivateSearch,
	/* Integer: SCAN_* flags below */
	FdwScanPrivateFlags,
	/* String: the property HubSpot sorts by, or "" */
	FdwScanPrivateSort,
	/* Integer: rows the query needs at most (LIMIT), 0 if unknown */
	FdwScanPrivateLimit,
	/* String: the conditions HubSpot's search does not see, as SQL, or "" */
	FdwScanPrivateKept,
	/*
	 * Integer list: for a sorted search, how PostgreSQL sorts the same way
	 * when HubSpot's order cannot be used (attnum, sort operator, collation,
	 * nulls first); NIL
	 */
	FdwScanPrivateLocalSort,
	/* List: count(*): the conditions, for counting without search; NIL */
	FdwScanPrivateCountQuals,
	/*
	 * Integer list: a LIMIT given by parameters: the fdw_exprs indexes of
	 * its count and offset (-1: none); NIL
	 */
	FdwScanPrivateLimitExprs,
	/* String: a listing with conditions: why it does not search, or "" */
	FdwScanPrivateNoSearch,
	FdwScanPrivateCount			/* the length of the list */
};

#define SCAN_EXACT_CANDIDATE 0x01	/* see HsSearchPlan */
#define SCAN_COUNT 0x02			/* count(*) pushed down: one row */
#define SCAN_SORT_DESC 0x04		/* HubSpot sorts descending */

/* ---------- plan.c, for association tables (assoc_scan.c) ---------- */

#include "nodes/pathnodes.h"
#include "api.h"
#include "table.h"

extern bool hs_plan_id_lookup(Expr *clause, Index relid, HsColumn *idcol,
							  HsReadKind *kind, Expr **expr, double *nids);
extern List *hs_plan_id_join_clauses(PlannerInfo *root, RelOptInfo *baserel,
									 HsColumn *idcol);
extern Expr *hs_plan_id_join_expr(PlannerInfo *root, Expr *clause,
								  RelOptInfo *baserel, HsColumn *idcol);

#endif							/* HUBSPOT_PLAN_H */
