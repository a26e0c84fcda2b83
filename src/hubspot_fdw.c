/*-------------------------------------------------------------------------
 *
 * hubspot_fdw.c
 *		Foreign data wrapper for HubSpot CRM objects: the handler.
 *
 * The callbacks live in scan.c (SELECT) and modify.c (INSERT, UPDATE,
 * DELETE), declared in fdw.h; those of association tables (tables with the
 * option to_object) in assoc_scan.c and assoc_modify.c, declared in
 * assoc.h, to which the callbacks here send such a table; IMPORT FOREIGN
 * SCHEMA in import.c, declared in import.h; the option
 * validator in validator.c; statement-level work (executor hooks, flushing,
 * what HubSpot already applied) in statement.c, whose hooks _PG_init
 * installs; the rate-limit budgets in ratelimit.c, whose shared memory
 * _PG_init requests when the library is preloaded.  The README's "How it
 * is built" has the layers below them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "foreign/fdwapi.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "assoc.h"
#include "deferred.h"
#include "dryrun.h"
#include "fdw.h"
#include "import.h"
#include "option.h"
#include "ratelimit.h"
#include "statement.h"
#include "table.h"
#include "usage.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	hs_statement_init();
	hs_deferred_init();
	hs_rate_init();
	hs_dryrun_init();

	DefineCustomBoolVariable("hubspot_fdw.statement_summary",
							 "Ends every statement that touched HubSpot with a NOTICE summing up its requests and rows.",
							 "Rows created, updated, archived, rejected and read; requests by endpoint; retries, 429 answers and the time waited for the rate limit.",
							 &hs_statement_summary, false, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	hs_usage_init();
}

/* ----------------------------------------------------------------
 *		Object table or association table
 *
 * Planning asks the catalogs (the table's options); execution looks at
 * the plan (an association scan's fdw_private starts with a mark) or at
 * the state, whose first member is always the HsTable (table.h).
 * ----------------------------------------------------------------
 */

static bool
is_assoc_state(void *state)
{
	return state != NULL && (*(HsTable **) state)->to_object != NULL;
}

static bool
is_assoc_scan(ForeignScanState *node)
{
	return hs_assoc_is_scan_plan((ForeignScan *) node->ss.ps.plan);
}

static void
getForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	if (hs_table_is_association(foreigntableid))
		hubspotAssocGetForeignRelSize(root, baserel, foreigntableid);
	else
		hubspotGetForeignRelSize(root, baserel, foreigntableid);
}

static void
getForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	if (hs_table_is_association(foreigntableid))
		hubspotAssocGetForeignPaths(root, baserel, foreigntableid);
	else
		hubspotGetForeignPaths(root, baserel, foreigntableid);
}

static ForeignScan *
getForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
			   ForeignPath *best_path, List *tlist, List *scan_clauses,
			   Plan *outer_plan)
{
	if (baserel->reloptkind == RELOPT_BASEREL ||
		baserel->reloptkind == RELOPT_OTHER_MEMBER_REL)
	{
		if (hs_table_is_association(foreigntableid))
			return hubspotAssocGetForeignPlan(root, baserel, foreigntableid, best_path,
											  tlist, scan_clauses, outer_plan);
	}
	return hubspotGetForeignPlan(root, baserel, foreigntableid, best_path, tlist,
								 scan_clauses, outer_plan);
}

static void
getForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
					 RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra)
{
	/* association tables push down no aggregate */
	if (input_rel->reloptkind == RELOPT_BASEREL &&
		hs_table_is_association(planner_rt_fetch(input_rel->relid, root)->relid))
		return;
	hubspotGetForeignUpperPaths(root, stage, input_rel, output_rel, extra);
}

static void
beginForeignScan(ForeignScanState *node, int eflags)
{
	if (is_assoc_scan(node))
		hubspotAssocBeginForeignScan(node, eflags);
	else
		hubspotBeginForeignScan(node, eflags);
}

static TupleTableSlot *
iterateForeignScan(ForeignScanState *node)
{
	if (is_assoc_scan(node))
		return hubspotAssocIterateForeignScan(node);
	return hubspotIterateForeignScan(node);
}

static void
reScanForeignScan(ForeignScanState *node)
{
	if (is_assoc_scan(node))
		hubspotAssocReScanForeignScan(node);
	else
		hubspotReScanForeignScan(node);
}

static void
endForeignScan(ForeignScanState *node)
{
	if (is_assoc_scan(node))
		hubspotAssocEndForeignScan(node);
	else
		hubspotEndForeignScan(node);
}

static void
explainForeignScan(ForeignScanState *node, ExplainState *es)
{
	if (is_assoc_scan(node))
		hubspotAssocExplainForeignScan(node, es);
	else
		hubspotExplainForeignScan(node, es);
}

static void
addForeignUpdateTargets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte,
						Relation target_relation)
{
	if (hs_table_is_association(RelationGetRelid(target_relation)))
		hubspotAssocAddForeignUpdateTargets(root, rtindex, target_rte, target_relation);
	else
		hubspotAddForeignUpdateTargets(root, rtindex, target_rte, target_relation);
}

static List *
planForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
				  int subplan_index)
{
	if (hs_table_is_association(planner_rt_fetch(resultRelation, root)->relid))
		return hubspotAssocPlanForeignModify(root, plan, resultRelation, subplan_index);
	return hubspotPlanForeignModify(root, plan, resultRelation, subplan_index);
}

static void
beginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
				   int subplan_index, int eflags)
{
	if (hs_table_is_association(RelationGetRelid(rinfo->ri_RelationDesc)))
		hubspotAssocBeginForeignModify(mtstate, rinfo, fdw_private, subplan_index, eflags);
	else
		hubspotBeginForeignModify(mtstate, rinfo, fdw_private, subplan_index, eflags);
}

static void
beginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	if (hs_table_is_association(RelationGetRelid(rinfo->ri_RelationDesc)))
		hubspotAssocBeginForeignInsert(mtstate, rinfo);
	else
		hubspotBeginForeignInsert(mtstate, rinfo);
}

static TupleTableSlot *
execForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
				  TupleTableSlot *planSlot)
{
	if (is_assoc_state(rinfo->ri_FdwState))
		return hubspotAssocExecForeignInsert(estate, rinfo, slot, planSlot);
	return hubspotExecForeignInsert(estate, rinfo, slot, planSlot);
}

static TupleTableSlot **
execForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
					   TupleTableSlot **planSlots, int *numSlots)
{
	if (is_assoc_state(rinfo->ri_FdwState))
		return hubspotAssocExecForeignBatchInsert(estate, rinfo, slots, planSlots, numSlots);
	return hubspotExecForeignBatchInsert(estate, rinfo, slots, planSlots, numSlots);
}

static int
getForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	if (hs_table_is_association(RelationGetRelid(rinfo->ri_RelationDesc)))
		return hubspotAssocGetForeignModifyBatchSize(rinfo);
	return hubspotGetForeignModifyBatchSize(rinfo);
}

static TupleTableSlot *
execForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
				  TupleTableSlot *planSlot)
{
	/* association tables refuse UPDATE when it is planned */
	return hubspotExecForeignUpdate(estate, rinfo, slot, planSlot);
}

static TupleTableSlot *
execForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
				  TupleTableSlot *planSlot)
{
	if (is_assoc_state(rinfo->ri_FdwState))
		return hubspotAssocExecForeignDelete(estate, rinfo, slot, planSlot);
	return hubspotExecForeignDelete(estate, rinfo, slot, planSlot);
}

static void
endForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	if (is_assoc_state(rinfo->ri_FdwState))
		hubspotAssocEndForeignModify(estate, rinfo);
	else
		hubspotEndForeignModify(estate, rinfo);
}

static void
endForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	if (is_assoc_state(rinfo->ri_FdwState))
		hubspotAssocEndForeignModify(estate, rinfo);
	else
		hubspotEndForeignInsert(estate, rinfo);
}

static void
explainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
					 int subplan_index, ExplainState *es)
{
	if (is_assoc_state(rinfo->ri_FdwState))
		hubspotAssocExplainForeignModify(mtstate, rinfo, fdw_private, subplan_index, es);
	else
		hubspotExplainForeignModify(mtstate, rinfo, fdw_private, subplan_index, es);
}

PG_FUNCTION_INFO_V1(hubspot_fdw_handler);

Datum
hubspot_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	/* SELECT */
	routine->GetForeignRelSize = getForeignRelSize;
	routine->GetForeignPaths = getForeignPaths;
	routine->GetForeignPlan = getForeignPlan;
	routine->BeginForeignScan = beginForeignScan;
	routine->IterateForeignScan = iterateForeignScan;
	routine->ReScanForeignScan = reScanForeignScan;
	routine->EndForeignScan = endForeignScan;
	routine->ExplainForeignScan = explainForeignScan;
	routine->GetForeignUpperPaths = getForeignUpperPaths;

	/* INSERT, UPDATE, DELETE */
	routine->AddForeignUpdateTargets = addForeignUpdateTargets;
	routine->ExecForeignUpdate = execForeignUpdate;
	routine->ExecForeignDelete = execForeignDelete;
	routine->IsForeignRelUpdatable = hubspotIsForeignRelUpdatable;
	routine->PlanForeignModify = planForeignModify;
	routine->BeginForeignModify = beginForeignModify;
	routine->ExecForeignInsert = execForeignInsert;
	routine->ExecForeignBatchInsert = execForeignBatchInsert;
	routine->GetForeignModifyBatchSize = getForeignModifyBatchSize;
	routine->EndForeignModify = endForeignModify;
	routine->BeginForeignInsert = beginForeignInsert;
	routine->EndForeignInsert = endForeignInsert;
	routine->ExplainForeignModify = explainForeignModify;

	/* IMPORT FOREIGN SCHEMA */
	routine->ImportForeignSchema = hubspotImportForeignSchema;

	PG_RETURN_POINTER(routine);
}
