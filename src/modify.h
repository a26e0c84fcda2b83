/*-------------------------------------------------------------------------
 *
 * modify.h
 *		What modify.c (the INSERT, UPDATE and DELETE callbacks) shares with
 *		rows.c (the checks that turn a row into a write input, and the
 *		stored record back into a row).  Nothing else includes it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_MODIFY_H
#define HUBSPOT_MODIFY_H

#include "postgres.h"

#include "executor/tuptable.h"
#include "nodes/bitmapset.h"
#include "utils/hsearch.h"

#include "writer.h"

/* Execution state of an INSERT, UPDATE or DELETE. */
typedef struct HsModifyState
{
	HsTable    *table;
	HsWriteOp	op;
	HsWriter   *writer;			/* sends the rows; its conn is NULL under
								 * plain EXPLAIN */
	MemoryContext batch_cxt;	/* INSERT: the rows of one request */
	MemoryContext row_cxt;		/* work on one row */

	int64		rows_seen;		/* rows handed to us by the executor */
	bool		moving_in;		/* INSERT of rows an UPDATE moves into this
								 * partition */
	bool		queue_rows;		/* INSERT: rows handed over one at a time
								 * are queued for batches */
	bool		deferred;		/* write_mode 'commit': rows are queued for
								 * COMMIT (deferred.c), not sent */
	Oid			userid;			/* whose user mapping writes */
	int			deferred_stmt;	/* its number in the transaction's queue */

	/* UPDATE/DELETE: junk attributes of the subplan's rows */
	AttrNumber	id_attno;
	AttrNumber	wholerow_attno;
	TupleTableSlot *old_slot;	/* the row as read */
	TupleTableSlot *stored_slot;	/* UPDATE: what HubSpot stored */
	TupleTableSlot *new_slot;	/* UPDATE: a copy of the new row */

	/* ids (UPDATE/DELETE) or keys (upsert) already written by the statement */
	HTAB	   *seen;
	bool		track_ids;		/* UPDATE/DELETE: may a record come twice? */
	HsProperty *key_property;	/* upsert: the id_property, once checked */
	EState	   *estate;

	/*
	 * UPDATE of a partition that also gets rows routed into it (an UPDATE of
	 * the partition key moving rows from another partition): their inserts
	 * have a state of their own.
	 */
	struct HsModifyState *routed_insert;
	ModifyTableState *mtstate;	/* UPDATE/DELETE */
	Bitmapset  *assigned;		/* UPDATE: columns its SET assigns, offset by
								 * FirstLowInvalidHeapAttributeNumber */
} HsModifyState;

/* ---------- rows.c ---------- */

/*
 * hs_row_insert_input
 *		Check INSERT row number row of slot and turn it into *in: properties
 *		from column "properties" and the typed columns, associations, and
 *		for an upsert the key (in->id), which no earlier row may have had.
 */
extern void hs_row_insert_input(HsModifyState *fmstate, TupleTableSlot *slot,
								int64 row, HsWriteInput *in);

/*
 * hs_row_update_input
 *		Check UPDATE row number row (old: as read, new: as the SET made it)
 *		and put the properties it changes into *in.  Returns false when it
 *		changes nothing.
 */
extern bool hs_row_update_input(HsModifyState *fmstate, TupleTableSlot *old,
								TupleTableSlot *new, int64 row, HsWriteInput *in);

/*
 * hs_row_merge_stored
 *		Put what HubSpot stored (a record object) into the slot of an
 *		updated row.  Properties HubSpot's answer leaves out are as sent
 *		(sent: the input of the UPDATE, or NULL; "" is NULL, a cleared
 *		property), and the others keep the row's new values.
 */
extern void hs_row_merge_stored(HsModifyState *fmstate, json_object *obj,
								const HsWriteInput *sent, TupleTableSlot *slot);

/* A value of a column in its type's text form. */
extern char *hs_row_column_output(HsColumn *col, Datum value);

/*
 * hs_row_remember
 *		Note that the statement writes the record with this id or key.
 *		Returns the row that already wrote it, or 0.
 */
extern int64 hs_row_remember(HsModifyState *fmstate, const char *ident, int64 row);

#endif							/* HUBSPOT_MODIFY_H */
