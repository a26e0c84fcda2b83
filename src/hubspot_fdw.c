/*-------------------------------------------------------------------------
 *
 * hubspot_fdw.c
 *		Foreign data wrapper for HubSpot CRM objects: the handler.
 *
 * The callbacks live in scan.c (SELECT) and modify.c (INSERT, UPDATE,
 * DELETE); options in option.c; the HubSpot client in client.c over the
 * transport in http.c.  The executor hooks here send what buffered UPDATE
 * and DELETE statements still hold when their executor run ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"

#include "hubspot_fdw.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;

/*
 * Buffered UPDATE/DELETE rows go out when the executor run ends: before the
 * command tag (the row count) is built, so that rows HubSpot rejected under
 * on_error 'skip' are not counted.
 */
static void
hs_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
			   bool execute_once)
{
	if (prev_ExecutorRun)
		prev_ExecutorRun(queryDesc, direction, count, execute_once);
	else
		standard_ExecutorRun(queryDesc, direction, count, execute_once);
	hs_flush_pending(queryDesc->estate);
}

/* ... and after ExecutorFinish, which may run data-modifying CTEs. */
static void
hs_ExecutorFinish(QueryDesc *queryDesc)
{
	if (prev_ExecutorFinish)
		prev_ExecutorFinish(queryDesc);
	else
		standard_ExecutorFinish(queryDesc);
	hs_flush_pending(queryDesc->estate);
}

void
_PG_init(void)
{
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = hs_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = hs_ExecutorFinish;
}

PG_FUNCTION_INFO_V1(hubspot_fdw_handler);

Datum
hubspot_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	/* SELECT */
	routine->GetForeignRelSize = hubspotGetForeignRelSize;
	routine->GetForeignPaths = hubspotGetForeignPaths;
	routine->GetForeignPlan = hubspotGetForeignPlan;
	routine->BeginForeignScan = hubspotBeginForeignScan;
	routine->IterateForeignScan = hubspotIterateForeignScan;
	routine->ReScanForeignScan = hubspotReScanForeignScan;
	routine->EndForeignScan = hubspotEndForeignScan;
	routine->ExplainForeignScan = hubspotExplainForeignScan;

	/* INSERT, UPDATE, DELETE */
	routine->AddForeignUpdateTargets = hubspotAddForeignUpdateTargets;
	routine->ExecForeignUpdate = hubspotExecForeignUpdate;
	routine->ExecForeignDelete = hubspotExecForeignDelete;
	routine->IsForeignRelUpdatable = hubspotIsForeignRelUpdatable;
	routine->PlanForeignModify = hubspotPlanForeignModify;
	routine->BeginForeignModify = hubspotBeginForeignModify;
	routine->ExecForeignInsert = hubspotExecForeignInsert;
	routine->ExecForeignBatchInsert = hubspotExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = hubspotGetForeignModifyBatchSize;
	routine->EndForeignModify = hubspotEndForeignModify;
	routine->BeginForeignInsert = hubspotBeginForeignInsert;
	routine->EndForeignInsert = hubspotEndForeignInsert;
	routine->ExplainForeignModify = hubspotExplainForeignModify;

	PG_RETURN_POINTER(routine);
}

/*
 * hs_scan_user
 *		The user whose user mapping a scan of range table entry rtindex uses:
 *		the view owner for a scan through a view, else the current user.
 */
Oid
hs_scan_user(EState *estate, Index rtindex)
{
#if PG_VERSION_NUM >= 160000
	RTEPermissionInfo *perminfo = getRTEPermissionInfo(estate->es_rteperminfos,
													   exec_rt_fetch(rtindex, estate));

	return OidIsValid(perminfo->checkAsUser) ? perminfo->checkAsUser : GetUserId();
#else
	RangeTblEntry *rte = exec_rt_fetch(rtindex, estate);

	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}
