/*-------------------------------------------------------------------------
 *
 * fdw.h
 *		The FDW callbacks (plan.c, scan.c, modify.c) that hubspot_fdw.c puts in its
 *		handler table.  Nothing else includes it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_FDW_CALLBACKS_H
#define HUBSPOT_FDW_CALLBACKS_H

#include "postgres.h"

#include "commands/explain.h"
#include "foreign/fdwapi.h"

/* ---------- plan.c ---------- */

extern void hubspotGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid);
extern void hubspotGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								   Oid foreigntableid);
extern ForeignScan *hubspotGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
										  Oid foreigntableid, ForeignPath *best_path,
										  List *tlist, List *scan_clauses,
										  Plan *outer_plan);
extern void hubspotGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
										RelOptInfo *input_rel, RelOptInfo *output_rel,
										void *extra);

/* ---------- scan.c ---------- */

extern void hubspotBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *hubspotIterateForeignScan(ForeignScanState *node);
extern void hubspotReScanForeignScan(ForeignScanState *node);
extern void hubspotEndForeignScan(ForeignScanState *node);
extern void hubspotExplainForeignScan(ForeignScanState *node, ExplainState *es);

/* ---------- modify.c ---------- */

extern List *hubspotPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
									  Index resultRelation, int subplan_index);
extern void hubspotBeginForeignModify(ModifyTableState *mtstate,
									  ResultRelInfo *rinfo, List *fdw_private,
									  int subplan_index, int eflags);
extern TupleTableSlot *hubspotExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern TupleTableSlot **hubspotExecForeignBatchInsert(EState *estate,
													  ResultRelInfo *rinfo,
													  TupleTableSlot **slots,
													  TupleTableSlot **planSlots,
													  int *numSlots);
extern int	hubspotGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern void hubspotAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
										   RangeTblEntry *target_rte,
										   Relation target_relation);
extern TupleTableSlot *hubspotExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern TupleTableSlot *hubspotExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern void hubspotEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void hubspotBeginForeignInsert(ModifyTableState *mtstate,
									  ResultRelInfo *rinfo);
extern void hubspotEndForeignInsert(EState *estate, ResultRelInfo *rinfo);
extern int	hubspotIsForeignRelUpdatable(Relation rel);
extern void hubspotExplainForeignModify(ModifyTableState *mtstate,
										ResultRelInfo *rinfo, List *fdw_private,
										int subplan_index, ExplainState *es);

#endif							/* HUBSPOT_FDW_CALLBACKS_H */
