/*-------------------------------------------------------------------------
 *
 * assoc_modify.c
 *		INSERT and DELETE on association tables, through the write pipeline
 *		(writer.c) with HubSpot's v4 batches (hubspot-objects.md 4.3):
 *		a row with a type_id is a batch/create input with that type
 *		(category HUBSPOT_DEFINED unless given), a row without one a
 *		batch/associate/default input (HubSpot's unlabeled default type);
 *		DELETE removes the row's type with batch/labels/archive.  UPDATE is
 *		refused: an association has nothing to change but its identity.
 *
 * The row identity of a DELETE is (from_id, to_id, type_id, category), as
 * junk columns.  Batches, requests in flight, on_error, row counts and
 * unknown outcomes are writer.c's; api_assoc.c matches HubSpot's answers,
 * which name records and types, to the rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "assoc.h"
#include "deferred.h"
#include "api_assoc.h"
#include "associations.h"
#include "convert.h"
#include "dryrun.h"
#include "json.h"
#include "objects.h"
#include "option.h"
#include "usage.h"
#include "writer.h"

/* Execution state of an INSERT or DELETE of an association table. */
typedef struct AssocModifyState
{
	HsTable    *table;			/* first, as in every state (table.h) */
	CmdType		operation;
	HsWriter   *create_w;		/* INSERT: rows with a type */
	HsWriter   *default_w;		/* INSERT: rows without */
	HsWriter   *archive_w;		/* DELETE */
	MemoryContext row_cxt;
	int64		rows_seen;
	AttrNumber	junk[HS_COL_LABEL + 1]; /* DELETE: by HS_COL_FROM_ID ... */
	AttrNumber	wholerow_attno; /* DELETE ... RETURNING */
	bool		one_by_one;		/* COPY under on_error 'skip': COPY counts
								 * the rows, so none may be batched */
} AssocModifyState;

static const HsColumnKind identity_kinds[] = {
	HS_COL_FROM_ID, HS_COL_TO_ID, HS_COL_TYPE_ID, HS_COL_CATEGORY
};

static HsColumn *
column_of(HsTable *t, HsColumnKind kind)
{
	switch (kind)
	{
		case HS_COL_FROM_ID:
			return t->from_col;
		case HS_COL_TO_ID:
			return t->to_col;
		case HS_COL_TYPE_ID:
			return t->type_col;
		case HS_COL_CATEGORY:
			return t->category_col;
		default:
			return t->label_col;
	}
}

/* junk column names: per position and type, as modify.c's */
static char *
junk_name(HsColumn *col)
{
	return psprintf("hubspot_assoc_%d_%u", col->attnum, col->typid);
}

static void
refuse_update(HsTable *t)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("UPDATE is not supported on association table \"%s\"", t->relname),
			 errdetail("An association is its two records and its type; HubSpot has nothing in it to change."),
			 errhint("DELETE the association and INSERT the new one.")));
}

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

/*
 * hubspotAssocAddForeignUpdateTargets
 *		DELETE identifies an association by from_id, to_id, type_id and
 *		category (junk columns); DELETE ... RETURNING also gets the whole
 *		row as read.  UPDATE is refused here, before anything is sent.
 */
void
hubspotAssocAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
									RangeTblEntry *target_rte,
									Relation target_relation)
{
	HsTable    *t = hs_get_table(target_relation);

	if (root->parse->commandType == CMD_UPDATE)
		refuse_update(t);
	if (t->type_col == NULL || t->category_col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("DELETE from association table \"%s\" needs its columns type_id and category",
						t->relname),
				 errdetail("HubSpot removes one association type at a time (batch/labels/archive), named by its category and type id."),
				 errhint("Add the columns \"type_id integer\" and \"category text\" to the foreign table.")));
	for (size_t i = 0; i < lengthof(identity_kinds); i++)
	{
		HsColumn   *col = column_of(t, identity_kinds[i]);
		Form_pg_attribute attr = TupleDescAttr(RelationGetDescr(target_relation),
											   col->attnum - 1);

		add_row_identity_var(root, makeVar(rtindex, attr->attnum, attr->atttypid,
										   attr->atttypmod, attr->attcollation, 0),
							 rtindex, junk_name(col));
	}
	if (root->parse->returningList != NIL)
		add_row_identity_var(root, makeWholeRowVar(target_rte, rtindex, 0, false),
							 rtindex, "wholerow");
}

/* ON CONFLICT and UPDATE are refused before anything is sent. */
List *
hubspotAssocPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
							  Index resultRelation, int subplan_index pg_attribute_unused())
{
	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT with ON CONFLICT is not supported by hubspot_fdw"),
				 errdetail("Writing an association that exists already changes nothing at HubSpot; ON CONFLICT is not needed.")));
	if (plan->operation == CMD_UPDATE)
	{
		RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);

		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("UPDATE is not supported on association table \"%s\"",
						get_rel_name(rte->relid)),
				 errhint("DELETE the association and INSERT the new one.")));
	}
	return NIL;
}

/* ----------------------------------------------------------------
 *		Execution: setup
 * ----------------------------------------------------------------
 */

/* The user whose mapping the writes use (as modify.c's modify_user). */
static Oid
assoc_user(ResultRelInfo *rinfo, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
	Index		rti = rinfo->ri_RootResultRelInfo ?
		rinfo->ri_RootResultRelInfo->ri_RangeTableIndex :
		rinfo->ri_RangeTableIndex;

	return hs_scan_user(estate, rti);
#endif
}

/* Does RETURNING, WITH CHECK OPTION or a row trigger need each row's result? */
static bool
needs_each_result(ResultRelInfo *rinfo)
{
	TriggerDesc *trig = rinfo->ri_TrigDesc;

	return rinfo->ri_projectReturning != NULL || rinfo->ri_WithCheckOptions != NIL ||
		(trig && (trig->trig_insert_before_row || trig->trig_insert_after_row ||
				  trig->trig_delete_before_row || trig->trig_delete_after_row));
}

static AssocModifyState *
create_state(ResultRelInfo *rinfo, EState *estate, CmdType operation, bool explain_only,
			 bool can_set_tag)
{
	AssocModifyState *st = palloc0(sizeof(AssocModifyState));
	Oid			userid = explain_only ? InvalidOid : assoc_user(rinfo, estate);

	st->table = hs_get_table(rinfo->ri_RelationDesc);
	st->operation = operation;
	if (operation == CMD_UPDATE)
		refuse_update(st->table);
	if (!explain_only && hs_deferred_commit_mode() && hs_dry_run == HS_DRY_RUN_OFF)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("writes to association table \"%s\" are not supported with hubspot_fdw.write_mode 'commit'",
						st->table->relname),
				 errhint("Write association tables with hubspot_fdw.write_mode = 'immediate' (SET LOCAL inside BEGIN ... COMMIT, or SET).")));
	if (operation == CMD_INSERT)
	{
		st->create_w = hs_writer_create(st->table, HS_OP_ASSOC_CREATE, estate, userid);
		st->default_w = hs_writer_create(st->table, HS_OP_ASSOC_DEFAULT, estate, userid);
		hs_writer_set_buffered(st->create_w, false, can_set_tag);
		hs_writer_set_buffered(st->default_w, false, can_set_tag);
	}
	else
	{
		st->archive_w = hs_writer_create(st->table, HS_OP_ASSOC_ARCHIVE, estate, userid);
		hs_writer_set_buffered(st->archive_w, !needs_each_result(rinfo), can_set_tag);
	}
	/* a custom object's paths use its objectTypeId */
	if (!explain_only)
		hs_assoc_resolve_objects((st->create_w ? st->create_w : st->archive_w)->conn,
								 st->table,
								 &(st->create_w ? st->create_w : st->archive_w)->stats);
	if (!explain_only)
		st->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
											"hubspot_fdw association row",
											ALLOCSET_DEFAULT_SIZES);
	return st;
}

/*
 * refuse_dry_run
 *		Under a dry run, what needs HubSpot's answer at once is refused
 *		before any row (0A000): INSERT ... RETURNING, AFTER ROW triggers,
 *		WITH CHECK OPTION.  DELETE ... RETURNING gives the row as read.
 */
static void
refuse_dry_run(AssocModifyState *st, ResultRelInfo *rinfo, bool returning,
			   bool check_option)
{
	HsWriter   *w = st->create_w ? st->create_w : st->archive_w;
	TriggerDesc *trig = rinfo->ri_TrigDesc;
	bool		insert = st->operation == CMD_INSERT;

	if (w->dry_run == HS_DRY_RUN_OFF)
		return;
	hs_dryrun_refuse(insert ? "INSERT into" : "DELETE from", st->table->relname,
					 insert && returning,
					 trig != NULL && (insert ? trig->trig_insert_after_row :
									  trig->trig_delete_after_row),
					 check_option);
}

/*
 * hubspotAssocBeginForeignModify
 *		INSERT: a writer for rows with a type (batch/create) and one for rows
 *		without (batch/associate/default); DELETE: one for
 *		batch/labels/archive, buffered unless each row's result is needed,
 *		and where the junk columns are.
 */
void
hubspotAssocBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							   List *fdw_private pg_attribute_unused(),
							   int subplan_index pg_attribute_unused(), int eflags)
{
	bool		explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;
	AssocModifyState *st = create_state(rinfo, mtstate->ps.state, mtstate->operation,
										explain_only, mtstate->canSetTag);
	List	   *tlist = outerPlanState(mtstate)->plan->targetlist;
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;

	rinfo->ri_FdwState = st;
	if (!explain_only)
		refuse_dry_run(st, rinfo, plan->returningLists != NIL,
					   plan->withCheckOptionLists != NIL);
	if (explain_only || mtstate->operation != CMD_DELETE)
		return;
	for (size_t i = 0; i < lengthof(identity_kinds); i++)
	{
		HsColumn   *col = column_of(st->table, identity_kinds[i]);
		char	   *name = junk_name(col);

		st->junk[identity_kinds[i]] = ExecFindJunkAttributeInTlist(tlist, name);
		if (!AttributeNumberIsValid(st->junk[identity_kinds[i]]))
			elog(ERROR, "could not find junk column \"%s\"", name);
	}
	st->wholerow_attno = ExecFindJunkAttributeInTlist(tlist, "wholerow");
}

/* Rows routed into the table (partitions, COPY). */
void
hubspotAssocBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;
	AssocModifyState *st;

	/* COPY has no plan */
	if (plan != NULL && plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT with ON CONFLICT is not supported by hubspot_fdw")));
	st = create_state(rinfo, mtstate->ps.state, CMD_INSERT, false,
					  plan != NULL && mtstate->canSetTag);
	st->one_by_one = plan == NULL && st->table->on_error_skip;
	rinfo->ri_FdwState = st;
	refuse_dry_run(st, rinfo,
				   rinfo->ri_returningList != NIL ||
				   (plan != NULL && plan->returningLists != NIL),
				   rinfo->ri_WithCheckOptions != NIL);
}

/* batch_size, or 1 when each row's result is needed (plain EXPLAIN too). */
int
hubspotAssocGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	AssocModifyState *st = (AssocModifyState *) rinfo->ri_FdwState;
	int			batch_size;

	if (needs_each_result(rinfo) || (st != NULL && st->one_by_one))
		return 1;
	batch_size = st != NULL ? st->table->batch_size :
		hs_table_batch_size(RelationGetRelid(rinfo->ri_RelationDesc));
	return Min(Max(batch_size, 1), HS_MAX_BATCH_SIZE);
}

/* ----------------------------------------------------------------
 *		Rows into inputs
 * ----------------------------------------------------------------
 */

/* "deal 101 to line_item 202": the row's description in messages */
static char *
describe(HsTable *t, const char *from_id, const char *to_id)
{
	const HsObjectType *f = hs_object_find(t->object);
	const HsObjectType *o = hs_object_find(t->to_object);

	return psprintf("%s %s to %s %s", f ? f->singular : t->object, from_id,
					o ? o->singular : t->to_object, to_id);
}

/* A record id column's value; NULL or no record id is an ERROR. */
static const char *
id_value(HsColumn *col, bool isnull, Datum value, int64 row)
{
	char	   *id;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("row " INT64_FORMAT ": column \"%s\" cannot be NULL", row, col->name),
				 errdetail("An association needs both of its records' ids.")));
	id = hs_column_id_text(col, value);
	if (id == NULL || id[0] == '\0' || strspn(id, "0123456789") != strlen(id))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("row " INT64_FORMAT ": column \"%s\" is no HubSpot record id: \"%s\"",
						row, col->name, hs_datum_to_string(col, value)),
				 errdetail("HubSpot record ids are whole numbers.")));
	return id;
}

/* The type of a row: type_id (0 if NULL) and category (NULL if NULL). */
static void
type_value(HsTable *t, Datum type, bool type_null, Datum category, bool cat_null,
		   int64 row, HsWriteInput *in)
{
	if (!type_null)
	{
		int64		v = strtoll(hs_datum_to_string(t->type_col, type), NULL, 10);

		if (v <= 0 || v > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row " INT64_FORMAT ": column \"%s\" must be a positive association type id, not " INT64_FORMAT,
							row, t->type_col->name, v)));
		in->type_id = (int32) v;
	}
	if (!cat_null)
	{
		char	   *c = hs_datum_to_string(t->category_col, category);

		if (strcmp(c, "HUBSPOT_DEFINED") != 0 && strcmp(c, "USER_DEFINED") != 0 &&
			strcmp(c, "INTEGRATOR_DEFINED") != 0 && strcmp(c, "WORK") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row " INT64_FORMAT ": column \"%s\" is no association category: \"%s\"",
							row, t->category_col->name, c),
					 errhint("Valid categories are HUBSPOT_DEFINED, USER_DEFINED, INTEGRATOR_DEFINED and WORK.")));
		in->category = c;
	}
}

/*
 * insert_input
 *		An INSERT row as an input: both ids; type_id and category, or
 *		neither for HubSpot's default type.  A label names no type by
 *		itself: with a type_id it is HubSpot's to give, without one an
 *		ERROR.
 */
static void
insert_input(AssocModifyState *st, TupleTableSlot *slot, int64 row, HsWriteInput *in)
{
	HsTable    *t = st->table;
	bool	   *isnull = slot->tts_isnull;
	Datum	   *values = slot->tts_values;

	slot_getallattrs(slot);
	memset(in, 0, sizeof(HsWriteInput));
	in->row = row;
	in->from_id = id_value(t->from_col, isnull[t->from_col->attnum - 1],
						   values[t->from_col->attnum - 1], row);
	in->to_id = id_value(t->to_col, isnull[t->to_col->attnum - 1],
						 values[t->to_col->attnum - 1], row);
	in->id = describe(t, in->from_id, in->to_id);
	type_value(t,
			   t->type_col ? values[t->type_col->attnum - 1] : (Datum) 0,
			   t->type_col == NULL || isnull[t->type_col->attnum - 1],
			   t->category_col ? values[t->category_col->attnum - 1] : (Datum) 0,
			   t->category_col == NULL || isnull[t->category_col->attnum - 1],
			   row, in);
	if (in->type_id == 0 &&
		((t->category_col && in->category != NULL) ||
		 (t->label_col && !isnull[t->label_col->attnum - 1])))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row " INT64_FORMAT ": a %s without a type_id names no association type",
						row, in->category != NULL ? "category" : "label"),
				 errdetail("HubSpot's types are named by category and type id; a row without a type_id gets the default type."),
				 errhint("Give the type's type_id (and category USER_DEFINED for a label of your own); HubSpot's association labels endpoint lists those of %s to %s.",
						 t->object, t->to_object)));
}

/* ----------------------------------------------------------------
 *		Execution: INSERT
 * ----------------------------------------------------------------
 */

/* For RETURNING: the type HubSpot gave a row written with its default. */
static void
store_default_type(AssocModifyState *st, json_object *stored, TupleTableSlot *slot)
{
	json_object *spec = hs_member(stored, "associationSpec");
	json_object *id = hs_member(spec, "associationTypeId");
	const char *category = hs_json_string(spec, "associationCategory");
	HsTable    *t = st->table;

	if (t->type_col != NULL && id != NULL && json_object_is_type(id, json_type_int))
	{
		slot->tts_values[t->type_col->attnum - 1] =
			hs_string_to_datum(t->type_col, json_object_get_string(id));
		slot->tts_isnull[t->type_col->attnum - 1] = false;
	}
	if (t->category_col != NULL && category != NULL)
	{
		slot->tts_values[t->category_col->attnum - 1] =
			hs_string_to_datum(t->category_col, category);
		slot->tts_isnull[t->category_col->attnum - 1] = false;
	}
}

/*
 * hubspotAssocExecForeignInsert
 *		One row, one request (a batch of one); NULL for a row skipped under
 *		on_error 'skip'.  The slot is the row, with the type HubSpot gave a
 *		default association.
 */
/*
 * For RETURNING: the label of a type written with batch/create, from its
 * answer's "labels" (LabelsBetweenObjectPair: the non-null labels of the
 * types written; one type, so at most one label).  None there (an
 * unlabeled type) is NULL, whatever label the row gave: the label is
 * HubSpot's to give.
 */
static void
store_label(AssocModifyState *st, json_object *stored, TupleTableSlot *slot)
{
	json_object *labels = hs_member(stored, "labels");
	HsColumn   *col = st->table->label_col;
	json_object *label;

	if (col == NULL)
		return;
	if (labels == NULL ||
		(json_object_is_type(labels, json_type_array) && json_object_array_length(labels) == 0))
	{
		slot->tts_isnull[col->attnum - 1] = true;
		return;
	}
	if (!json_object_is_type(labels, json_type_array) || json_object_array_length(labels) != 1)
		return;
	label = json_object_array_get_idx(labels, 0);
	if (label == NULL || !json_object_is_type(label, json_type_string))
		return;
	slot->tts_values[col->attnum - 1] =
		hs_string_to_datum(col, hs_json_text(label, "association label", "labels"));
	slot->tts_isnull[col->attnum - 1] = false;
}

TupleTableSlot *
hubspotAssocExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
							  TupleTableSlot *slot, TupleTableSlot *planSlot pg_attribute_unused())
{
	AssocModifyState *st = (AssocModifyState *) rinfo->ri_FdwState;
	int64		row = ++st->rows_seen;
	ErrorContextCallback errcallback;
	MemoryContext oldcxt;
	HsWriteInput in;
	HsWriter   *w;
	json_object *stored = NULL;
	bool		written;

	MemoryContextReset(st->row_cxt);
	oldcxt = MemoryContextSwitchTo(st->row_cxt);
	hs_writer_begin_rows(st->create_w, &errcallback, row, row);
	insert_input(st, slot, row, &in);
	w = in.type_id != 0 ? st->create_w : st->default_w;
	if (w != st->create_w)
	{
		error_context_stack = errcallback.previous;
		hs_writer_begin_rows(w, &errcallback, row, row);
	}
	written = hs_writer_write_one(w, &in, &stored);
	error_context_stack = errcallback.previous;
	if (!written)
	{
		MemoryContextSwitchTo(oldcxt);
		return NULL;
	}
	MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
	slot_getallattrs(slot);
	if (in.type_id == 0 && stored != NULL)
		store_default_type(st, stored, slot);
	else
	{
		if (stored != NULL)
			store_label(st, stored, slot);
		if (st->table->category_col != NULL && in.category == NULL)
		{
			/* what was sent */
			slot->tts_values[st->table->category_col->attnum - 1] =
				hs_string_to_datum(st->table->category_col, "HUBSPOT_DEFINED");
			slot->tts_isnull[st->table->category_col->attnum - 1] = false;
		}
	}
	MemoryContextSwitchTo(oldcxt);
	return slot;
}

/*
 * hubspotAssocExecForeignBatchInsert
 *		Rows queued to the writer of their kind, sent batch_size at a time;
 *		rows HubSpot rejects under on_error 'skip' come off the count when
 *		their batch is answered (writer.c).
 */
TupleTableSlot **
hubspotAssocExecForeignBatchInsert(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo,
								   TupleTableSlot **slots,
								   TupleTableSlot **planSlots pg_attribute_unused(),
								   int *numSlots)
{
	AssocModifyState *st = (AssocModifyState *) rinfo->ri_FdwState;
	int			n = *numSlots;
	ErrorContextCallback errcallback;
	MemoryContext oldcxt;
	HsWriteInput *inputs;

	MemoryContextReset(st->row_cxt);
	oldcxt = MemoryContextSwitchTo(st->row_cxt);
	inputs = palloc0(sizeof(HsWriteInput) * Max(n, 1));
	hs_writer_begin_rows(st->create_w, &errcallback, st->rows_seen + 1, st->rows_seen + n);
	for (int i = 0; i < n; i++)
	{
		int64		row = ++st->rows_seen;

		hs_writer_name_rows(st->create_w, row, row);
		insert_input(st, slots[i], row, &inputs[i]);
	}
	error_context_stack = errcallback.previous;
	/* queued (copied): sent when a writer's batch is full, and at the end */
	for (int i = 0; i < n; i++)
		hs_writer_queue(inputs[i].type_id != 0 ? st->create_w : st->default_w, &inputs[i]);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(st->row_cxt);
	return slots;
}

/* ----------------------------------------------------------------
 *		Execution: DELETE
 * ----------------------------------------------------------------
 */

/* A DELETE row's identity (the junk columns) as an input. */
static void
delete_input(AssocModifyState *st, TupleTableSlot *planSlot, int64 row, HsWriteInput *in)
{
	HsTable    *t = st->table;
	Datum		v[HS_COL_LABEL + 1];
	bool		isnull[HS_COL_LABEL + 1];

	for (size_t i = 0; i < lengthof(identity_kinds); i++)
		v[identity_kinds[i]] = ExecGetJunkAttribute(planSlot, st->junk[identity_kinds[i]],
													&isnull[identity_kinds[i]]);
	memset(in, 0, sizeof(HsWriteInput));
	in->row = row;
	in->from_id = id_value(t->from_col, isnull[HS_COL_FROM_ID], v[HS_COL_FROM_ID], row);
	in->to_id = id_value(t->to_col, isnull[HS_COL_TO_ID], v[HS_COL_TO_ID], row);
	in->id = describe(t, in->from_id, in->to_id);
	if (isnull[HS_COL_TYPE_ID] || isnull[HS_COL_CATEGORY])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("row " INT64_FORMAT " of association table \"%s\" to delete has no type_id or category",
						row, t->relname)));
	type_value(t, v[HS_COL_TYPE_ID], false, v[HS_COL_CATEGORY], false, row, in);
}

/*
 * hubspotAssocExecForeignDelete
 *		Queue the row's type for batch/labels/archive (or send it at once);
 *		RETURNING gets the row as read.
 */
TupleTableSlot *
hubspotAssocExecForeignDelete(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo,
							  TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	AssocModifyState *st = (AssocModifyState *) rinfo->ri_FdwState;
	HsWriter   *w = st->archive_w;
	int64		row = ++st->rows_seen;
	ErrorContextCallback errcallback;
	MemoryContext oldcxt;
	HsWriteInput in;
	json_object *stored;

	MemoryContextReset(st->row_cxt);
	oldcxt = MemoryContextSwitchTo(st->row_cxt);
	hs_writer_begin_rows(w, &errcallback, row, row);
	delete_input(st, planSlot, row, &in);
	error_context_stack = errcallback.previous;
	if (w->buffered)
		hs_writer_queue(w, &in);
	else
	{
		hs_writer_begin_rows(w, &errcallback, row, row);
		(void) hs_writer_write_one(w, &in, &stored);
		error_context_stack = errcallback.previous;
	}
	MemoryContextSwitchTo(oldcxt);
	if (AttributeNumberIsValid(st->wholerow_attno))
	{
		bool		isnull;
		Datum		datum = ExecGetJunkAttribute(planSlot, st->wholerow_attno, &isnull);
		HeapTupleData tuple;

		if (!isnull)
		{
			tuple.t_data = DatumGetHeapTupleHeader(datum);
			tuple.t_len = HeapTupleHeaderGetDatumLength(tuple.t_data);
			ItemPointerSetInvalid(&tuple.t_self);
			tuple.t_tableOid = InvalidOid;
			ExecForceStoreHeapTuple(&tuple, slot, false);
		}
	}
	return slot;
}

/* ----------------------------------------------------------------
 *		End, EXPLAIN
 * ----------------------------------------------------------------
 */

void
hubspotAssocEndForeignModify(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo)
{
	AssocModifyState *st = (AssocModifyState *) rinfo->ri_FdwState;
	HsWriter   *ws[3];

	if (st == NULL)
		return;
	ws[0] = st->create_w;
	ws[1] = st->default_w;
	ws[2] = st->archive_w;
	for (int i = 0; i < 3; i++)
		if (ws[i] != NULL && ws[i]->conn != NULL)
			hs_writer_end(ws[i]);
}

void
hubspotAssocExplainForeignModify(ModifyTableState *mtstate pg_attribute_unused(),
								 ResultRelInfo *rinfo, List *fdw_private pg_attribute_unused(),
								 int subplan_index pg_attribute_unused(), ExplainState *es)
{
	AssocModifyState *st = (AssocModifyState *) rinfo->ri_FdwState;
	HsTable    *t;
	HsStats		sum;

	if (st == NULL)
		return;
	t = st->table;
	memset(&sum, 0, sizeof(sum));
	if (st->operation == CMD_INSERT)
	{
		ExplainPropertyText("HubSpot Request",
							hs_api_assoc_endpoint(t->object, t->to_object, HS_OP_ASSOC_CREATE, false), es);
		ExplainPropertyText("HubSpot Request Without Type",
							hs_api_assoc_endpoint(t->object, t->to_object, HS_OP_ASSOC_DEFAULT, false), es);
		ExplainPropertyInteger("Batch Size", NULL,
							   rinfo->ri_BatchSize > 0 ? rinfo->ri_BatchSize : 1, es);
	}
	else
	{
		ExplainPropertyText("HubSpot Request",
							hs_api_assoc_endpoint(t->object, t->to_object, HS_OP_ASSOC_ARCHIVE, false), es);
		ExplainPropertyInteger("Batch Size", NULL,
							   st->archive_w->buffered ? st->archive_w->batch_size : 1, es);
	}
	if (es->verbose || t->on_error_skip)
		ExplainPropertyText("HubSpot On Error", t->on_error_skip ? "skip" : "abort", es);
	if (st->archive_w != NULL)
		hs_writer_explain_dry_run(st->archive_w, NULL, es);
	else
		hs_writer_explain_dry_run(st->create_w, st->default_w, es);
	if (es->analyze)
	{
		HsWriter   *ws[3] = {st->create_w, st->default_w, st->archive_w};
		int64		rejected = 0,
					created = 0,
					archived = 0,
					c,
					u,
					a,
					r;

		for (int i = 0; i < 3; i++)
		{
			if (ws[i] == NULL)
				continue;
			sum.requests += ws[i]->stats.requests;
			sum.retries += ws[i]->stats.retries;
			sum.throttled += ws[i]->stats.throttled;
			sum.rate_wait_ms += ws[i]->stats.rate_wait_ms;
			hs_usage_stats_merge(&sum, &ws[i]->stats);
			hs_writer_outcomes(ws[i], &c, &u, &a, &r);
			created += c;
			archived += a;
			rejected += ws[i]->rows_rejected;
		}
		hs_api_explain_stats(&sum, es);
		hs_usage_explain_rows(created, 0, archived, rejected, es);
		if (t->on_error_skip)
			ExplainPropertyInteger("HubSpot Rows Rejected", NULL, rejected, es);
	}
}
