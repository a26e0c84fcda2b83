/*-------------------------------------------------------------------------
 *
 * hubspot_fdw.c
 *		Foreign data wrapper for HubSpot CRM objects: the handler.
 *
 * The callbacks live in scan.c (SELECT) and modify.c (INSERT, UPDATE,
 * DELETE), declared in fdw.h, and import.c (IMPORT FOREIGN SCHEMA); the option validator in validator.c;
 * statement-level work (executor hooks, flushing, what HubSpot already
 * applied) in statement.c, whose hooks _PG_init installs; the rate-limit
 * budgets in ratelimit.c, whose shared memory _PG_init requests when the
 * library is preloaded.  The README's "How it is built" has the layers
 * below them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "foreign/fdwapi.h"

#include "fdw.h"
#include "import.h"
#include "ratelimit.h"
#include "statement.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	hs_statement_init();
	hs_rate_init();
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
	routine->GetForeignUpperPaths = hubspotGetForeignUpperPaths;

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

	/* IMPORT FOREIGN SCHEMA */
	routine->ImportForeignSchema = hubspotImportForeignSchema;

	PG_RETURN_POINTER(routine);
}
