/*-------------------------------------------------------------------------
 *
 * modify.c
 *		INSERT, UPDATE and DELETE on a HubSpot object: the FDW callbacks.
 *
 * Each row is turned into a checked write input (rows.c) and handed to the
 * write pipeline (writer.c), which sends it.  INSERT sends batch/create of
 * batch_size rows (batch/upsert keyed by the table's id_property when it
 * has one); UPDATE queues batch/update inputs carrying only the properties
 * whose value changed; DELETE queues batch/archive ids.  Where RETURNING, a
 * row trigger or WITH CHECK OPTION needs each row's outcome at once, every
 * row is its own request instead.
 *
 * Queued UPDATE and DELETE rows are sent when a batch is full and when the
 * statement's executor run ends (statement.c calls the writer's flush
 * before the command tag is computed), so that the row count can leave out
 * rejected rows and AFTER statement triggers see HubSpot updated.
 *
 * A foreign table that is a partition gets rows routed from its parent
 * (INSERT, COPY, an UPDATE moving rows into it): the user mapping is then
 * the one of the user the parent is accessed as.  PostgreSQL cannot move a
 * row out of a foreign partition, so an UPDATE that would is refused rather
 * than left in a partition whose bounds it no longer fits.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fdw.h"
#include "modify.h"
#include "convert.h"
#include "deferred.h"
#include "dryrun.h"
#include "option.h"
#include "properties.h"
#include "schemas.h"
#include "writer.h"

/*
 * The name of the junk column carrying a row's HubSpot id.  Partitions of
 * one UPDATE share row identity columns by name, and those of one name must
 * be the same column: the name says which (position and type).
 */
static char *
id_junk_name(HsColumn *idcol)
{
	return psprintf("hubspot_id_%d_%u", idcol->attnum, idcol->typid);
}

static void refuse_on_conflict(OnConflictAction action);
static bool needs_each_result(ResultRelInfo *rinfo);

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

int
hubspotIsForeignRelUpdatable(Relation rel pg_attribute_unused())
{
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

/*
 * hubspotAddForeignUpdateTargets
 *		UPDATE and DELETE identify records by the id column, fetched as a
 *		junk column; DELETE ... RETURNING also needs the whole row as read
 *		(UPDATE always gets it from the planner).
 */
void
hubspotAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							   RangeTblEntry *target_rte,
							   Relation target_relation)
{
	HsTable    *table = hs_get_table(target_relation);
	Form_pg_attribute attr;
	Var		   *var;

	if (table->id_col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("foreign table \"%s\" has no column \"id\"",
						table->relname),
				 errdetail("UPDATE and DELETE identify HubSpot records by their id."),
				 errhint("Add a column \"id\" of type text to the foreign table.")));
	attr = TupleDescAttr(RelationGetDescr(target_relation),
						 table->id_col->attnum - 1);
	var = makeVar(rtindex, attr->attnum, attr->atttypid, attr->atttypmod,
				  attr->attcollation, 0);
	add_row_identity_var(root, var, rtindex, id_junk_name(table->id_col));

	if (root->parse->commandType == CMD_DELETE && root->parse->returningList != NIL)
		add_row_identity_var(root,
							 makeWholeRowVar(target_rte, rtindex, 0, false),
							 rtindex, "wholerow");
}

List *
hubspotPlanForeignModify(PlannerInfo *root pg_attribute_unused(), ModifyTable *plan,
						 Index resultRelation pg_attribute_unused(), int subplan_index pg_attribute_unused())
{
	refuse_on_conflict(plan->onConflictAction);
	return NIL;
}

/* ----------------------------------------------------------------
 *		Execution: setup
 * ----------------------------------------------------------------
 */

/*
 * modify_user
 *		The user whose user mapping a modification uses: the one the target
 *		table is accessed as (a view's owner, else the current user).  A
 *		partition that rows are routed to has no range table entry of its own
 *		(its index is 0): the root table's entry decides, as in postgres_fdw.
 */
static Oid
modify_user(ResultRelInfo *rinfo, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
	Index		rti = rinfo->ri_RootResultRelInfo ?
		rinfo->ri_RootResultRelInfo->ri_RangeTableIndex :
		rinfo->ri_RangeTableIndex;

	if (rti == 0)
		elog(ERROR, "no range table entry for foreign table \"%s\"",
			 RelationGetRelationName(rinfo->ri_RelationDesc));
	return hs_scan_user(estate, rti);
#endif
}

/* INSERT ... ON CONFLICT, directly or through a partitioned parent */
static void
refuse_on_conflict(OnConflictAction action)
{
	/* HubSpot cannot tell us about a conflict: refuse rather than ignore */
	if (action != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT with ON CONFLICT is not supported by hubspot_fdw"),
				 errdetail("HubSpot's create endpoints cannot report a conflict, so ON CONFLICT DO NOTHING could not be honoured."),
				 errhint("To insert or update by a unique property, set the foreign table's id_property option.")));
}

/*
 * A partitioned parent's statement-level trigger with a transition table
 * cannot collect rows of a foreign partition: PostgreSQL raises that after
 * the FDW wrote the row.  Raise it before anything is sent.
 */
static void
refuse_transition_capture(ModifyTableState *mtstate)
{
	if (mtstate->mt_transition_capture != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot collect transition tuples from child foreign tables"),
				 errdetail("A trigger of the partitioned table has a transition table (REFERENCING NEW TABLE or OLD TABLE)."),
				 errhint("Nothing was sent to HubSpot.")));
}

/*
 * set_up_deferred
 *		write_mode 'commit': the rows are queued for COMMIT.  In immediate
 *		mode, an object with writes queued in the transaction is not written
 *		(they would reach HubSpot after this statement's).
 */
static void
set_up_deferred(HsModifyState *fmstate)
{
	/* a dry run queues nothing, and sends nothing either */
	fmstate->deferred = hs_deferred_commit_mode() &&
		fmstate->writer->dry_run == HS_DRY_RUN_OFF;
	if (!fmstate->deferred && fmstate->writer->dry_run == HS_DRY_RUN_OFF)
		hs_deferred_refuse_immediate(fmstate->table, fmstate->userid);
}

/*
 * refuse_deferred
 *		In commit mode, what needs HubSpot's answer at once is refused
 *		before any row: RETURNING of INSERT and UPDATE (DELETE returns the
 *		row as read), WITH CHECK OPTION, and AFTER ROW triggers (BEFORE ROW
 *		triggers see the row as it is sent).
 */
static void
refuse_deferred(HsModifyState *fmstate, CmdType operation, bool returning,
				bool check_option, TriggerDesc *trig)
{
	bool		after_row = false;

	if (!fmstate->deferred)
		return;
	if (trig != NULL)
		after_row = operation == CMD_INSERT ? trig->trig_insert_after_row :
			operation == CMD_UPDATE ? trig->trig_update_after_row :
			trig->trig_delete_after_row;
	if (returning && operation != CMD_DELETE)
		hs_deferred_refuse_needs_result(fmstate->table,
										operation == CMD_INSERT ? "INSERT ... RETURNING" :
										"UPDATE ... RETURNING");
	if (check_option)
		hs_deferred_refuse_needs_result(fmstate->table, "WITH CHECK OPTION");
	if (after_row)
		hs_deferred_refuse_needs_result(fmstate->table, "an AFTER ROW trigger");
}

/*
 * refuse_dry_run
 *		A dry run cannot give what needs HubSpot's answer at once: RETURNING
 *		of INSERT or UPDATE, an AFTER ROW trigger, WITH CHECK OPTION.  Refused
 *		before any row (0A000); DELETE ... RETURNING gives the row as read.
 */
static void
refuse_dry_run(HsModifyState *fmstate, CmdType operation, ResultRelInfo *rinfo,
			   bool returning, bool check_option)
{
	TriggerDesc *trig = rinfo->ri_TrigDesc;
	bool		after_row = false;

	if (fmstate->writer->dry_run == HS_DRY_RUN_OFF)
		return;
	if (trig != NULL)
		after_row = operation == CMD_INSERT ? trig->trig_insert_after_row :
			operation == CMD_UPDATE ? trig->trig_update_after_row :
			trig->trig_delete_after_row;
	hs_dryrun_refuse(operation == CMD_INSERT ? "INSERT into" :
					 operation == CMD_UPDATE ? "UPDATE of" : "DELETE from",
					 fmstate->table->relname,
					 returning && operation != CMD_DELETE, after_row, check_option);
}

/*
 * refuse_dry_run_move
 *		An UPDATE moving rows from another partition into this one deletes
 *		them from their partition for real (PostgreSQL does that first): in
 *		a dry run, which creates nothing in HubSpot, the rows would be lost.
 *		Refused (0A000) when the first row arrives; the error undoes the
 *		delete.
 */
static void
refuse_dry_run_move(HsModifyState *fmstate)
{
	if (!fmstate->moving_in || fmstate->writer->dry_run == HS_DRY_RUN_OFF)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("a dry run cannot move rows into foreign table \"%s\", a partition",
					fmstate->table->relname),
			 errdetail("The UPDATE deletes each row from its partition and creates it in HubSpot; a dry run would delete it and create nothing."),
			 errhint("Nothing was changed. Leave the partition key out of the dry run's UPDATE, or SET hubspot_fdw.dry_run = off.")));
}

static HsModifyState *
create_modify_state(ResultRelInfo *rinfo, EState *estate, CmdType operation,
					bool explain_only)
{
	HsModifyState *fmstate = palloc0(sizeof(HsModifyState));

	fmstate->table = hs_get_table(rinfo->ri_RelationDesc);
	switch (operation)
	{
		case CMD_UPDATE:
			fmstate->op = HS_OP_UPDATE;
			break;
		case CMD_DELETE:
			fmstate->op = HS_OP_ARCHIVE;
			break;
		default:
			fmstate->op = fmstate->table->id_property ? HS_OP_UPSERT : HS_OP_CREATE;
			break;
	}
	fmstate->estate = estate;
	if (!explain_only)
		fmstate->userid = modify_user(rinfo, estate);
	fmstate->writer = hs_writer_create(fmstate->table, fmstate->op, estate,
									   fmstate->userid);
	if (explain_only)
		return fmstate;
	/* a custom object's paths use its objectTypeId (schemas.c) */
	hs_resolve_table_object(fmstate->writer->conn, fmstate->table,
							&fmstate->writer->stats);
	set_up_deferred(fmstate);

	fmstate->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
											   "hubspot_fdw insert data",
											   ALLOCSET_DEFAULT_SIZES);
	fmstate->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
											 "hubspot_fdw row data",
											 ALLOCSET_DEFAULT_SIZES);
	return fmstate;
}

/*
 * set_up_rows
 *		UPDATE and DELETE: where the subplan's rows carry the id (and the
 *		row as read), whether a record may come twice, and the slots that
 *		rows are compared and merged in.
 */
static void
set_up_rows(HsModifyState *fmstate, ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	EState	   *estate = mtstate->ps.state;
	PlanState  *sub = outerPlanState(mtstate);
	char	   *junk = id_junk_name(fmstate->table->id_col);
	TupleDesc	desc = RelationGetDescr(rinfo->ri_RelationDesc);

	fmstate->id_attno = ExecFindJunkAttributeInTlist(sub->plan->targetlist, junk);
	if (!AttributeNumberIsValid(fmstate->id_attno))
		elog(ERROR, "could not find junk column \"%s\"", junk);
	fmstate->wholerow_attno = ExecFindJunkAttributeInTlist(sub->plan->targetlist, "wholerow");
	if (fmstate->op == HS_OP_UPDATE && !AttributeNumberIsValid(fmstate->wholerow_attno))
		elog(ERROR, "could not find junk column \"wholerow\"");

	/*
	 * A join can hand over the same record twice; a scan of the table alone
	 * cannot, and then the ids need not be remembered.
	 */
	fmstate->track_ids = !(IsA(sub, ForeignScanState) &&
						   ((Scan *) sub->plan)->scanrelid == rinfo->ri_RangeTableIndex);
	if (fmstate->op == HS_OP_UPDATE)
		fmstate->assigned = ExecGetUpdatedCols(rinfo, estate);
	fmstate->old_slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
	fmstate->new_slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
	fmstate->stored_slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
}

void
hubspotBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						  List *fdw_private pg_attribute_unused(), int subplan_index pg_attribute_unused(), int eflags)
{
	EState	   *estate = mtstate->ps.state;
	CmdType		operation = mtstate->operation;
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;
	HsModifyState *fmstate;
	TriggerDesc *trig = rinfo->ri_TrigDesc;
	bool		row_triggers;

	fmstate = create_modify_state(rinfo, estate, operation,
								  (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0);
	rinfo->ri_FdwState = fmstate;
	fmstate->mtstate = mtstate;
	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
	{
		refuse_dry_run(fmstate, operation, rinfo, plan->returningLists != NIL,
					   plan->withCheckOptionLists != NIL);
		refuse_deferred(fmstate, operation, plan->returningLists != NIL,
						plan->withCheckOptionLists != NIL, trig);
	}
	if (operation == CMD_INSERT)
	{
		/* batches' rejected rows come off the count (on_error 'skip') */
		hs_writer_set_buffered(fmstate->writer, false, mtstate->canSetTag);
		return;
	}

	/*
	 * Buffer unless something needs each row's outcome at once: RETURNING
	 * (UPDATE only: DELETE returns the row as read), WITH CHECK OPTION, or a
	 * row trigger, whose OLD and NEW must be what HubSpot has.
	 */
	if (operation == CMD_UPDATE)
		row_triggers = trig && (trig->trig_update_before_row || trig->trig_update_after_row);
	else
		row_triggers = trig && (trig->trig_delete_before_row || trig->trig_delete_after_row);
	hs_writer_set_buffered(fmstate->writer,
						   !row_triggers && plan->withCheckOptionLists == NIL &&
						   (operation == CMD_DELETE || plan->returningLists == NIL),
						   mtstate->canSetTag);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	set_up_rows(fmstate, mtstate, rinfo);
}

/*
 * hubspotBeginForeignInsert
 *		Rows routed to a foreign table that is a partition: INSERT or COPY
 *		into the partitioned parent, or an UPDATE of the partition key moving
 *		rows into it.  When the table is also being updated by the same
 *		statement, its inserts get a state of their own.
 */
void
hubspotBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	HsModifyState *ins;

	/* COPY has no plan */
	if (plan != NULL)
		refuse_on_conflict(plan->onConflictAction);
	refuse_transition_capture(mtstate);
	ins = create_modify_state(rinfo, mtstate->ps.state, CMD_INSERT, false);
	ins->moving_in = (mtstate->operation == CMD_UPDATE);
	refuse_dry_run_move(ins);
	refuse_dry_run(ins, CMD_INSERT, rinfo,
				   rinfo->ri_returningList != NIL ||
				   (plan != NULL && plan->returningLists != NIL),
				   rinfo->ri_WithCheckOptions != NIL);
	refuse_deferred(ins, CMD_INSERT, rinfo->ri_returningList != NIL ||
					(plan != NULL && plan->returningLists != NIL),
					rinfo->ri_WithCheckOptions != NIL, rinfo->ri_TrigDesc);

	/*
	 * Rows handed over one at a time (COPY, rows routed from a partitioned
	 * parent) are queued for batch/create like INSERT ... SELECT, unless
	 * something needs each row's result at once, or the command's count
	 * could not leave out rows HubSpot rejects under on_error 'skip' (COPY
	 * counts rows itself).
	 */
	ins->queue_rows = !ins->moving_in && !needs_each_result(rinfo) &&
		(plan != NULL ? mtstate->canSetTag : !ins->table->on_error_skip);
	if (plan == NULL && !ins->queue_rows && !needs_each_result(rinfo) && !ins->deferred)
		ereport(NOTICE,
				(errmsg("COPY into foreign table \"%s\" sends one create request per row",
						ins->table->relname),
				 errdetail("Under on_error 'skip', COPY could not leave the rows HubSpot rejects out of its row count, so its rows are not batched."),
				 errhint("COPY with on_error 'abort' is batched; or COPY into a local table and INSERT ... SELECT from it.")));
	hs_writer_set_buffered(ins->writer, false, plan != NULL && mtstate->canSetTag);
	if (fmstate != NULL && fmstate->op != HS_OP_CREATE && fmstate->op != HS_OP_UPSERT)
		fmstate->routed_insert = ins;
	else
		rinfo->ri_FdwState = ins;
}

/* Does RETURNING, WITH CHECK OPTION or a row trigger need each inserted
 * row's result at once? */
static bool
needs_each_result(ResultRelInfo *rinfo)
{
	return rinfo->ri_projectReturning != NULL ||
		rinfo->ri_WithCheckOptions != NIL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row));
}

/* The state that inserts into rinfo: its own, or its UPDATE's routed one. */
static HsModifyState *
insert_state(ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;

	if (fmstate != NULL && fmstate->routed_insert != NULL)
		return fmstate->routed_insert;
	return fmstate;
}

/*
 * hubspotGetForeignModifyBatchSize
 *		batch_size, unless something needs each row's result at once:
 *		RETURNING, a row trigger or WITH CHECK OPTION (as postgres_fdw), or
 *		the rows are routed into a table the statement also updates.  May be
 *		called under plain EXPLAIN, so it reads catalogs only.
 */
int
hubspotGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	int			batch_size;

	if (needs_each_result(rinfo) ||
		(fmstate != NULL && fmstate->routed_insert != NULL))
		return 1;

	if (fmstate != NULL)
		batch_size = fmstate->table->batch_size;
	else
		batch_size = hs_table_batch_size(RelationGetRelid(rinfo->ri_RelationDesc));
	return Min(Max(batch_size, 1), HS_MAX_BATCH_SIZE);
}

/* ----------------------------------------------------------------
 *		Execution: INSERT
 * ----------------------------------------------------------------
 */

/*
 * Upserts need a unique id_property: check it once, before the first send.
 * The object's own unique key (objects.h: contacts' email) is one whatever
 * the catalogue says of it (hubspot-objects.md 3: whether email reports
 * hasUniqueValue is not known).
 */
static void
check_upsert_key(HsModifyState *fmstate)
{
	const char *key = fmstate->table->objtype->unique_property;
	HsProperty *prop;

	if (fmstate->op != HS_OP_UPSERT || fmstate->key_property != NULL)
		return;
	prop = hs_find_property(fmstate->writer->conn, fmstate->table->object,
							fmstate->table->id_property, &fmstate->writer->stats);
	if (prop == NULL ||
		(!prop->unique && (key == NULL || strcmp(key, prop->name) != 0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"id_property\" of foreign table \"%s\" names %s \"%s\"",
						fmstate->table->relname,
						prop == NULL ? "no HubSpot property" : "a property without unique values:",
						fmstate->table->id_property),
				 errdetail("HubSpot upserts only by a property created with \"hasUniqueValue\": true."),
				 errhint("Name such a property, or drop the option to create records with INSERT.")));
	fmstate->key_property = prop;
}

/*
 * hubspotExecForeignInsert
 *		One row, one request (create, or an upsert of one input); the slot
 *		is refilled with what HubSpot stored, for RETURNING and AFTER
 *		triggers.  Returns NULL for a row skipped under on_error 'skip'.
 */
TupleTableSlot *
hubspotExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot pg_attribute_unused())
{
	HsModifyState *fmstate = insert_state(rinfo);
	HsWriter   *w = fmstate->writer;
	MemoryContext oldcxt;
	ErrorContextCallback errcallback;
	int64		row = ++fmstate->rows_seen;
	HsColumn   *assoc_col = fmstate->table->associations_col;
	Datum		assoc_value = (Datum) 0;
	bool		assoc_null = true;
	HsWriteInput input;
	json_object *stored = NULL;
	bool		written;

	MemoryContextReset(fmstate->batch_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->batch_cxt);
	hs_writer_begin_rows(w, &errcallback, row, row);
	check_upsert_key(fmstate);
	hs_row_insert_input(fmstate, slot, row, &input);
	if (fmstate->deferred)
	{
		/* counted as inserted; sent at COMMIT */
		error_context_stack = errcallback.previous;
		(void) hs_deferred_queue(fmstate->table, fmstate->userid, fmstate->op, &input,
								 &fmstate->deferred_stmt);
		MemoryContextSwitchTo(oldcxt);
		return slot;
	}
	if (fmstate->queue_rows)
	{
		/* counted as inserted; sent with the next full batch */
		error_context_stack = errcallback.previous;
		hs_writer_queue(w, &input);
		MemoryContextSwitchTo(oldcxt);
		return slot;
	}

	/* HubSpot's create response has no associations: keep what was sent */
	if (assoc_col != NULL)
	{
		assoc_null = slot->tts_isnull[assoc_col->attnum - 1];
		if (!assoc_null)
			assoc_value = datumCopy(slot->tts_values[assoc_col->attnum - 1], false, -1);
	}
	written = hs_writer_write_one(w, &input, &stored);
	error_context_stack = errcallback.previous;
	/* a row skipped under on_error 'skip' */
	if (!written)
	{
		MemoryContextSwitchTo(oldcxt);
		return NULL;
	}
	/* a dry run has no record: the row is as given */
	if (stored == NULL)
	{
		MemoryContextSwitchTo(oldcxt);
		return slot;
	}

	/* values of the returned slot live in the per-tuple context */
	MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
	hs_fill_slot_from_object(fmstate->table, stored, slot, NULL);
	if (assoc_col != NULL && !assoc_null)
	{
		slot->tts_values[assoc_col->attnum - 1] = datumCopy(assoc_value, false, -1);
		slot->tts_isnull[assoc_col->attnum - 1] = false;
	}
	MemoryContextSwitchTo(oldcxt);
	return slot;
}

/*
 * hubspotExecForeignBatchInsert
 *		Send up to batch_size rows as one batch/create (or batch/upsert).
 *
 * Each input carries objectWriteTraceId = its row number in the statement,
 * so that HubSpot reports failures per row (207) instead of failing the
 * whole batch, and so that errors name rows.  Under on_error 'skip' the
 * rows HubSpot wrote are returned and the rejected ones left out.
 */
TupleTableSlot **
hubspotExecForeignBatchInsert(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo,
							  TupleTableSlot **slots, TupleTableSlot **planSlots pg_attribute_unused(),
							  int *numSlots)
{
	HsModifyState *fmstate = insert_state(rinfo);
	HsWriter   *w = fmstate->writer;
	MemoryContext oldcxt;
	ErrorContextCallback errcallback;
	int			n = *numSlots;
	HsWriteInput *inputs;

	MemoryContextReset(fmstate->batch_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->batch_cxt);
	hs_writer_begin_rows(w, &errcallback, fmstate->rows_seen + 1, fmstate->rows_seen + n);
	check_upsert_key(fmstate);

	inputs = palloc0(sizeof(HsWriteInput) * n);
	for (int i = 0; i < n; i++)
	{
		int64		row = ++fmstate->rows_seen;

		/* a row's checks name that row */
		hs_writer_name_rows(w, row, row);
		hs_row_insert_input(fmstate, slots[i], row, &inputs[i]);
	}
	error_context_stack = errcallback.previous;

	/*
	 * Every row counts as inserted for now: rows HubSpot rejects under
	 * on_error 'skip' come off the count when their batch is answered.
	 */
	for (int i = 0; i < n; i++)
	{
		if (fmstate->deferred)
			(void) hs_deferred_queue(fmstate->table, fmstate->userid, fmstate->op,
									 &inputs[i], &fmstate->deferred_stmt);
		else
			hs_writer_queue(w, &inputs[i]);
	}

	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(fmstate->batch_cxt);
	return slots;
}

/* ----------------------------------------------------------------
 *		Execution: UPDATE and DELETE
 * ----------------------------------------------------------------
 */

/* The id of the row being updated or deleted (the junk column). */
static char *
row_id(HsModifyState *fmstate, TupleTableSlot *planSlot)
{
	bool		isnull;
	Datum		datum = ExecGetJunkAttribute(planSlot, fmstate->id_attno, &isnull);
	char	   *id;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a row of foreign table \"%s\" to %s has no id",
						fmstate->table->relname,
						fmstate->op == HS_OP_UPDATE ? "update" : "delete")));
	/* a record created in the transaction: its queued create changes */
	if (fmstate->deferred)
	{
		id = hs_row_column_output(fmstate->table->id_col, datum);
		if (hs_deferred_is_provisional(fmstate->table->serverid, fmstate->userid,
									   fmstate->table->object, id))
			return id;
	}
	id = hs_column_id_text(fmstate->table->id_col, datum);
	if (id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a row of foreign table \"%s\" to %s has an id that names no HubSpot record: %s",
						fmstate->table->relname,
						fmstate->op == HS_OP_UPDATE ? "update" : "delete",
						hs_row_column_output(fmstate->table->id_col, datum))));
	return id;
}

/* Put the row as read (the wholerow junk column) into a slot. */
static void
store_old_row(HsModifyState *fmstate, TupleTableSlot *planSlot, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		datum = ExecGetJunkAttribute(planSlot, fmstate->wholerow_attno, &isnull);
	HeapTupleHeader td;
	HeapTupleData tuple;

	if (isnull)
		elog(ERROR, "wholerow is NULL");
	td = DatumGetHeapTupleHeader(datum);
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = td;
	ExecForceStoreHeapTuple(&tuple, slot, false);
	slot_getallattrs(slot);
}

/*
 * first_time
 *		Has the statement not written this record yet?  A join can hand the
 *		same row over twice; like a heap table, only the first counts.
 */
static bool
first_time(HsModifyState *fmstate, const char *id, int64 row)
{
	return !fmstate->track_ids || hs_row_remember(fmstate, id, row) == 0;
}

/*
 * write_row
 *		Send one UPDATE or DELETE input: queued for a batch/update or
 *		batch/archive, or else one PATCH or DELETE, whose answer (for PATCH)
 *		is put in *stored.  Returns false for a row skipped under on_error
 *		'skip'.
 */
static bool
write_row(HsModifyState *fmstate, ErrorContextCallback *errcallback,
		  const HsWriteInput *input, json_object **stored)
{
	HsWriter   *w = fmstate->writer;

	if (fmstate->deferred)
	{
		(void) hs_deferred_queue(fmstate->table, fmstate->userid, fmstate->op, input,
								 &fmstate->deferred_stmt);
		return true;
	}
	if (!w->buffered)
		return hs_writer_write_one(w, input, stored);
	/* a batch sent now has its own context */
	error_context_stack = errcallback->previous;
	hs_writer_queue(w, input);
	error_context_stack = errcallback;
	return true;
}

/*
 * check_stays_in_partition
 *		PostgreSQL moves an updated row to the partition its new key belongs
 *		to, but not out of a foreign-table partition: it would leave the row
 *		here, where it no longer fits the bounds (and where a query that
 *		prunes by the key would miss it).  Refuse a row that fitted and would
 *		no longer, when it is reached (rows of earlier batches are sent).
 */
static void
check_stays_in_partition(HsModifyState *fmstate, EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot, int64 row)
{
	if (!rinfo->ri_RelationDesc->rd_rel->relispartition ||
		ExecPartitionCheck(rinfo, slot, estate, false))
		return;
	/*
	 * The partition returns every record of the object, also those whose
	 * value of the key property never fitted its bounds: updating those
	 * moves nothing.
	 */
	store_old_row(fmstate, planSlot, fmstate->old_slot);
	if (!ExecPartitionCheck(rinfo, fmstate->old_slot, estate, false))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("row " INT64_FORMAT ": UPDATE would move the row out of foreign table \"%s\", a partition",
					row, RelationGetRelationName(rinfo->ri_RelationDesc)),
			 errdetail("PostgreSQL cannot move a row from a foreign-table partition to another partition."),
			 errhint("DELETE the row (which archives the HubSpot record) and INSERT it through the partitioned table.")));
}

/*
 * modify_input
 *		The input of an UPDATE or DELETE row with this id: for an UPDATE the
 *		properties it changes.  Returns false for an UPDATE row that changes
 *		nothing (it costs no request).
 */
static bool
modify_input(HsModifyState *fmstate, TupleTableSlot *slot,
			 TupleTableSlot *planSlot, int64 row, char *id, HsWriteInput *input)
{
	memset(input, 0, sizeof(HsWriteInput));
	input->row = row;
	if (fmstate->op == HS_OP_UPDATE)
	{
		store_old_row(fmstate, planSlot, fmstate->old_slot);
		slot_getallattrs(slot);
		if (!hs_row_update_input(fmstate, fmstate->old_slot, slot, row, input))
			return false;
	}
	input->id = id;
	return true;
}

/* A row of an UPDATE or DELETE to check (modify_check's arguments and results) */
typedef struct ModifyCheck
{
	EState	   *estate;
	ResultRelInfo *rinfo;
	TupleTableSlot *slot;
	TupleTableSlot *planSlot;
	int64		row;
	HsWriteInput *input;
	bool		first;			/* out: the statement's first write of it */
	bool		changes;		/* out: there is something to send */
} ModifyCheck;

static void
modify_check(void *arg)
{
	ModifyCheck *c = (ModifyCheck *) arg;
	HsModifyState *fmstate = (HsModifyState *) c->rinfo->ri_FdwState;
	char	   *id = row_id(fmstate, c->planSlot);

	if (fmstate->op == HS_OP_UPDATE)
		check_stays_in_partition(fmstate, c->estate, c->rinfo, c->slot,
								 c->planSlot, c->row);
	c->first = first_time(fmstate, id, c->row);
	c->changes = c->first && modify_input(fmstate, c->slot, c->planSlot,
										  c->row, id, c->input);
}

/*
 * modify_row
 *		UPDATE or DELETE one row.  Returns NULL for a row not to count: a
 *		record the statement already wrote, or a row skipped under on_error
 *		'skip'.
 */
static TupleTableSlot *
modify_row(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
		   TupleTableSlot *planSlot)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	ErrorContextCallback errcallback;
	MemoryContext oldcxt;
	int64		row = ++fmstate->rows_seen;
	TupleTableSlot *result = slot;
	json_object *stored = NULL;
	HsWriteInput input;
	ModifyCheck check;

	MemoryContextReset(fmstate->row_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->row_cxt);
	hs_writer_begin_rows(fmstate->writer, &errcallback, row, row);

	/* set up after BeginForeignModify: check at the first row */
	if (row == 1 && fmstate->mtstate != NULL)
		refuse_transition_capture(fmstate->mtstate);
	check.estate = estate;
	check.rinfo = rinfo;
	check.slot = slot;
	check.planSlot = planSlot;
	check.row = row;
	check.input = &input;
	modify_check(&check);
	if (!check.first)
		result = NULL;
	else if (check.changes && !write_row(fmstate, &errcallback, &input, &stored))
		result = NULL;
	else if (!check.changes && fmstate->writer->dry_run != HS_DRY_RUN_OFF)
		hs_dryrun_unchanged(fmstate->table->relname);
	error_context_stack = errcallback.previous;

	/* values of the returned slot live in the per-tuple context */
	MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
	if (result != NULL && stored != NULL)
		hs_row_merge_stored(fmstate, stored, &input, slot);
	else if (result != NULL && fmstate->op == HS_OP_ARCHIVE &&
			 AttributeNumberIsValid(fmstate->wholerow_attno))
	{
		/* DELETE ... RETURNING: the row as it was read */
		store_old_row(fmstate, planSlot, fmstate->old_slot);
		ExecCopySlot(slot, fmstate->old_slot);
	}
	MemoryContextSwitchTo(oldcxt);
	return result;
}

TupleTableSlot *
hubspotExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	return modify_row(estate, rinfo, slot, planSlot);
}

TupleTableSlot *
hubspotExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	return modify_row(estate, rinfo, slot, planSlot);
}

void
hubspotEndForeignModify(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;

	if (fmstate != NULL && fmstate->writer->conn != NULL)
		hs_writer_end(fmstate->writer);
}

void
hubspotEndForeignInsert(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = insert_state(rinfo);

	if (fmstate != NULL && fmstate->writer->conn != NULL)
		hs_writer_end(fmstate->writer);
}

void
hubspotExplainForeignModify(ModifyTableState *mtstate pg_attribute_unused(), ResultRelInfo *rinfo,
							List *fdw_private pg_attribute_unused(), int subplan_index pg_attribute_unused(),
							ExplainState *es)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	HsWriter   *w;
	int			batch_size;

	if (fmstate == NULL)
		return;
	w = fmstate->writer;
	if (fmstate->op == HS_OP_CREATE || fmstate->op == HS_OP_UPSERT)
		batch_size = rinfo->ri_BatchSize > 0 ? rinfo->ri_BatchSize : 1;
	else
		batch_size = w->buffered ? w->batch_size : 1;
	hs_writer_explain(w, batch_size, es);
	/* write_mode 'commit': the rows are queued, sent at COMMIT in batches */
	if (w->dry_run == HS_DRY_RUN_OFF &&
		(fmstate->deferred || (w->conn == NULL && hs_deferred_commit_mode())))
		ExplainPropertyText("HubSpot Write Mode", "commit (rows are queued and sent at COMMIT)", es);
}
