/*-------------------------------------------------------------------------
 *
 * assoc.h
 *		The callbacks of association tables (assoc_scan.c, assoc_modify.c),
 *		to which hubspot_fdw.c's handler sends a table with the option
 *		to_object.  Nothing else includes it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_ASSOC_H
#define HUBSPOT_ASSOC_H

#include "postgres.h"

#include "commands/explain.h"
#include "foreign/fdwapi.h"

/* the first member of an association scan's fdw_private (a String) */
#define ASSOC_SCAN_MARK "hubspot_fdw association scan"

/* ---------- assoc_scan.c ---------- */

extern void hubspotAssocGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
										  Oid foreigntableid);
extern void hubspotAssocGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
										Oid foreigntableid);
extern ForeignScan *hubspotAssocGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
											   Oid foreigntableid, ForeignPath *best_path,
											   List *tlist, List *scan_clauses,
											   Plan *outer_plan);
/* Is plan an association scan (its fdw_private starts with the mark)? */
extern bool hs_assoc_is_scan_plan(ForeignScan *plan);
extern void hubspotAssocBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *hubspotAssocIterateForeignScan(ForeignScanState *node);
extern void hubspotAssocReScanForeignScan(ForeignScanState *node);
extern void hubspotAssocEndForeignScan(ForeignScanState *node);
extern void hubspotAssocExplainForeignScan(ForeignScanState *node, ExplainState *es);

/* ---------- assoc_modify.c ---------- */

extern void hubspotAssocAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
												RangeTblEntry *target_rte,
												Relation target_relation);
extern List *hubspotAssocPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
										   Index resultRelation, int subplan_index);
extern void hubspotAssocBeginForeignModify(ModifyTableState *mtstate,
										   ResultRelInfo *rinfo, List *fdw_private,
										   int subplan_index, int eflags);
extern void hubspotAssocBeginForeignInsert(ModifyTableState *mtstate,
										   ResultRelInfo *rinfo);
extern TupleTableSlot *hubspotAssocExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
													 TupleTableSlot *slot,
													 TupleTableSlot *planSlot);
extern TupleTableSlot **hubspotAssocExecForeignBatchInsert(EState *estate,
														   ResultRelInfo *rinfo,
														   TupleTableSlot **slots,
														   TupleTableSlot **planSlots,
														   int *numSlots);
extern int	hubspotAssocGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern TupleTableSlot *hubspotAssocExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
													 TupleTableSlot *slot,
													 TupleTableSlot *planSlot);
extern void hubspotAssocEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void hubspotAssocExplainForeignModify(ModifyTableState *mtstate,
											 ResultRelInfo *rinfo, List *fdw_private,
											 int subplan_index, ExplainState *es);

#endif							/* HUBSPOT_ASSOC_H */
