/*-------------------------------------------------------------------------
 *
 * deferred_send.c
 *		Writes at COMMIT: the transaction's queued writes compacted and sent
 *		to HubSpot at pre-commit, through the write pipeline (writer.c).
 *
 * Compaction, per server, user and object, record by record (queued
 * creates are known by their provisional ids): a create and later updates
 * are one create with the final values; a create and a later delete are
 * nothing; updates and a later delete are one archive; updates are merged
 * property by property, the later value winning; upserts of one table are
 * merged by their key.  They are sent epoch by epoch (see assign_epochs:
 * a new epoch begins where sending kind by kind would reverse two writes
 * of an object that may depend on each other), each epoch's creates,
 * upserts, updates and archives in that order, each kind table by table in
 * the order they were written, in batches with the table's batch_size,
 * max_concurrent_requests and on_error.  Before anything is sent, every
 * table is opened and checked: its server, object and id_property must be
 * those the rows were checked with.
 *
 * The rows of the batches are numbered as the transaction queued them
 * (the log's entry numbers): errors and warnings name "row N", and this
 * file's error context says which statement of the transaction queued it.
 * The statement-level error context (statement.c) tells what HubSpot had
 * already applied when the COMMIT fails.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "executor/executor.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "deferred.h"
#include "dryrun.h"
#include "option.h"
#include "schemas.h"
#include "statement.h"
#include "writer.h"

/* key length of the compaction's records ("server/user/object/id") */
#define RECORD_KEY_LEN 512

/* One write to send: one record's queued writes, compacted. */
typedef struct Outgoing
{
	HsDeferredEntry *first;		/* the entry that began it: its table, its
								 * user, its row number */
	HsWriteOp	op;
	HsWriteInput input;			/* merged; row: first->seq */
	bool		gone;			/* created and deleted: nothing to send */
	int			epoch;			/* sent after those of earlier epochs */
	List	   *sources;		/* HsDeferredEntry *: every entry merged in */
	bool		abort;			/* one of them is of a table with on_error
								 * 'abort': a rejection fails the COMMIT */
	bool		handed;			/* given to a writer (maybe sent) */
} Outgoing;

typedef struct RecordSlot
{
	char		key[RECORD_KEY_LEN];
	Outgoing   *out;
} RecordSlot;

/* A table written, opened at COMMIT (the table as it is then). */
typedef struct SendTable
{
	Oid			relid;
	Relation	rel;
	HsTable    *table;
} SendTable;

/* The send at COMMIT: for the error context, and hs_statement_run(). */
typedef struct SendState
{
	HsDeferredEntry **entries;	/* by seq, ascending */
	int			nentries;
	int		   *epochs;			/* entries[i]'s epoch (1, 2, ...) */
	Outgoing  **owner;			/* entries[i]'s outgoing write, or NULL */
	List	   *outgoing;		/* Outgoing *, in order (so by epoch) */
	List	   *tables;			/* SendTable *, opened */
	EState	   *estate;			/* the writers' */
	HsWriter   *writer;			/* the one sending, or NULL */
	bool		sending;		/* send_all() runs */
	List	   *writers;		/* all of them, ended at the end */
} SendState;

/* ----------------------------------------------------------------
 *		Compaction
 * ----------------------------------------------------------------
 */

/* Merge in's properties into out's, the later value winning. */
static void
merge_props(HsWriteInput *out, const HsWriteInput *in)
{
	for (int i = 0; i < in->nprops; i++)
	{
		int			j;

		for (j = 0; j < out->nprops; j++)
			if (strcmp(out->props[j].name, in->props[i].name) == 0)
				break;
		if (j == out->nprops)
		{
			out->props = repalloc(out->props, sizeof(HsWriteProp) * (out->nprops + 1));
			out->nprops++;
			out->props[j].name = in->props[i].name;
		}
		out->props[j].value = in->props[i].value;
	}
	if (in->associations != NULL)
		out->associations = in->associations;
}

/* A new outgoing write beginning with entry e (of epoch epoch). */
static Outgoing *
new_outgoing(SendState *s, HsDeferredEntry *e, int epoch)
{
	Outgoing   *o = palloc0(sizeof(Outgoing));

	o->first = e;
	o->op = e->op;
	o->epoch = epoch;
	o->sources = list_make1(e);
	o->input = e->input;
	o->input.props = palloc(sizeof(HsWriteProp) * Max(e->input.nprops, 1));
	memcpy(o->input.props, e->input.props, sizeof(HsWriteProp) * e->input.nprops);
	s->outgoing = lappend(s->outgoing, o);
	return o;
}

/* Does entry e change a queued create (by its provisional id)? */
static bool
changes_queued_create(HsDeferredEntry *e)
{
	return (e->op == HS_OP_UPDATE || e->op == HS_OP_ARCHIVE) && e->input.id[0] == '-';
}

/*
 * The compaction's key of an entry's record, or NULL if too long.  A
 * record's writes are merged within an epoch only; a queued create and
 * what changes it (by its provisional id) are merged whatever the epoch.
 */
static char *
record_key(HsDeferredEntry *e, int epoch)
{
	char	   *key;

	if (e->op == HS_OP_UPSERT)
		key = psprintf("U/%d/%u/%u/%s", epoch, e->relid, e->userid, e->input.id);
	else if (e->op == HS_OP_CREATE || changes_queued_create(e))
		key = psprintf("P/%u/%u/%s/%s", e->serverid, e->userid, e->object,
					   e->op == HS_OP_CREATE ? e->provisional : e->input.id);
	else
		key = psprintf("R/%d/%u/%u/%s/%s", epoch, e->serverid, e->userid, e->object,
					   e->input.id);
	return strlen(key) < RECORD_KEY_LEN ? key : NULL;
}

/* Apply entry e to the record's outgoing write o (NULL: none yet). */
static Outgoing *
apply_entry(SendState *s, Outgoing *o, HsDeferredEntry *e, int epoch)
{
	if (o == NULL)
	{
		/* a provisional id whose create was dropped: nothing to send */
		if (changes_queued_create(e))
			return NULL;
		return new_outgoing(s, e, epoch);
	}
	o->sources = lappend(o->sources, e);
	if (o->gone || o->op == HS_OP_ARCHIVE)
		return o;
	if (e->op == HS_OP_ARCHIVE)
	{
		if (o->op == HS_OP_CREATE)
			o->gone = true;		/* created and deleted: never sent */
		else
		{
			/* updated, then deleted: one archive (keeps the first row) */
			o->op = HS_OP_ARCHIVE;
			o->input.nprops = 0;
		}
		return o;
	}
	merge_props(&o->input, &e->input);
	return o;
}

/*
 * Epochs.  Each epoch's writes are sent kind by kind: creates, upserts,
 * updates, archives (so that they batch); epochs one after the other.  A
 * new epoch begins where that order would send a write of an object
 * before one queued earlier that it may depend on:
 *  - an upsert after an update or archive of the object (a record named
 *    by its upsert key cannot be matched with one named by its id without
 *    reading HubSpot: it may be the same);
 *  - a create after an upsert or archive of the object (the create may
 *    reuse a unique value, e.g. an email, that the archive freed or the
 *    upsert set);
 *  - an update after an archive of the object (same);
 *  - writes of one kind of the object from another user mapping, or
 *    upserts through another table (they are sent apart, table by table).
 * What changes a queued create (by its provisional id) is merged into it.
 */
typedef struct ObjectEpoch
{
	Oid			serverid;
	const char *object;
	int			epoch;			/* the epoch the rest is about */
	unsigned	kinds;			/* 1 << op of the writes queued in it */
	Oid			relid[4];		/* by op: the one table/user so far, */
	Oid			userid[4];		/* InvalidOid when several */
} ObjectEpoch;

#define KIND(op) (1u << (op))

/* Does a write of op (through relid as userid) begin a new epoch? */
static bool
epoch_conflict(ObjectEpoch *oe, HsWriteOp op, Oid relid, Oid userid)
{
	unsigned	later;

	later = op == HS_OP_CREATE ? KIND(HS_OP_UPSERT) | KIND(HS_OP_ARCHIVE) :
		op == HS_OP_UPSERT ? KIND(HS_OP_UPDATE) | KIND(HS_OP_ARCHIVE) :
		op == HS_OP_UPDATE ? KIND(HS_OP_ARCHIVE) : 0;
	if (oe->kinds & later)
		return true;
	if (op == HS_OP_CREATE || !(oe->kinds & KIND(op)))
		return false;
	return oe->userid[op] != userid || (op == HS_OP_UPSERT && oe->relid[op] != relid);
}

/* The epoch of every entry, into s->epochs. */
static void
assign_epochs(SendState *s)
{
	List	   *objects = NIL;
	int			epoch = 1;

	s->epochs = palloc0(sizeof(int) * Max(s->nentries, 1));
	for (int i = 0; i < s->nentries; i++)
	{
		HsDeferredEntry *e = s->entries[i];
		ObjectEpoch *oe = NULL;
		ListCell   *lc;

		if (changes_queued_create(e))
			continue;			/* merged into the create */
		Assert(e->op >= 0 && e->op < 4);
		foreach(lc, objects)
		{
			ObjectEpoch *x = (ObjectEpoch *) lfirst(lc);

			if (x->serverid == e->serverid && strcmp(x->object, e->object) == 0)
				oe = x;
		}
		if (oe == NULL)
		{
			oe = palloc0(sizeof(ObjectEpoch));
			oe->serverid = e->serverid;
			oe->object = e->object;
			objects = lappend(objects, oe);
		}
		if (oe->epoch == epoch && epoch_conflict(oe, e->op, e->relid, e->userid))
			epoch++;
		if (oe->epoch != epoch)
		{
			oe->epoch = epoch;
			oe->kinds = 0;
		}
		if (!(oe->kinds & KIND(e->op)))
		{
			oe->relid[e->op] = e->relid;
			oe->userid[e->op] = e->userid;
		}
		else
		{
			if (oe->relid[e->op] != e->relid)
				oe->relid[e->op] = InvalidOid;
			if (oe->userid[e->op] != e->userid)
				oe->userid[e->op] = InvalidOid;
		}
		oe->kinds |= KIND(e->op);
		s->epochs[i] = epoch;
	}
}

/* The outgoing writes of the entries, compacted. */
static void
compact(SendState *s)
{
	HASHCTL		ctl;
	HTAB	   *records;

	assign_epochs(s);
	s->owner = palloc0(sizeof(Outgoing *) * Max(s->nentries, 1));
	ctl.keysize = RECORD_KEY_LEN;
	ctl.entrysize = sizeof(RecordSlot);
	ctl.hcxt = CurrentMemoryContext;
	records = hash_create("hubspot_fdw queued records", Max(s->nentries, 16), &ctl,
						  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (int i = 0; i < s->nentries; i++)
	{
		HsDeferredEntry *e = s->entries[i];
		char	   *key = record_key(e, s->epochs[i]);
		RecordSlot *slot;
		bool		found;

		if (key == NULL)
		{
			/* an upsert key too long to merge by: sent as it is */
			s->owner[i] = new_outgoing(s, e, s->epochs[i]);
			continue;
		}
		slot = hash_search(records, key, HASH_ENTER, &found);
		slot->out = apply_entry(s, found ? slot->out : NULL, e, s->epochs[i]);
		s->owner[i] = slot->out;
	}
	hash_destroy(records);
}

/* ----------------------------------------------------------------
 *		Error context
 * ----------------------------------------------------------------
 */

/* The index of the entry of row seq (entries are sorted by seq), or -1. */
static int
entry_of_row(SendState *s, int64 seq)
{
	int			lo = 0,
				hi = s->nentries - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (s->entries[mid]->seq == seq)
			return mid;
		if (s->entries[mid]->seq < seq)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Is row one to name: rejected in the batch answered, or any when none is. */
static bool
row_to_name(HsWriter *w, int64 row, bool only_rejected)
{
	HsWriteBatch *b = w->current;

	if (!only_rejected)
		return w->last_row - w->first_row < 10;
	for (int i = 0; b != NULL && i < b->ninputs; i++)
		if (b->inputs[i].row == row && b->rejected[i])
			return true;
	return false;
}

/*
 * name_source
 *		"statement 4 row 1" for the one entry a row was queued by; for a row
 *		several entries were merged into (sent as one input, accepted or
 *		rejected together), each of them with its table: "statement 1 row 1
 *		of "items" merged with statement 2 row 1 of "items"".
 */
static void
name_source(StringInfo buf, Outgoing *o)
{
	ListCell   *lc;

	foreach(lc, o->sources)
	{
		HsDeferredEntry *e = (HsDeferredEntry *) lfirst(lc);

		if (list_length(o->sources) == 1)
			appendStringInfo(buf, "statement %d row " INT64_FORMAT, e->stmt, e->row);
		else
			appendStringInfo(buf, "%sstatement %d row " INT64_FORMAT " of \"%s\"",
							 foreach_current_index(lc) > 0 ? " merged with " : "",
							 e->stmt, e->row, e->relname);
	}
}

/*
 * name_rows
 *		"row 7 = statement 4 row 1, ..." for the rows the error is about (the
 *		ones HubSpot rejected in the batch being answered, else those being
 *		sent when they are few), into buf; returns how many.
 */
static int
name_rows(SendState *s, StringInfo buf, bool only_rejected)
{
	HsWriter   *w = s->writer;
	int			named = 0;

	for (int64 row = w->first_row; row <= w->last_row; row++)
	{
		int			i = entry_of_row(s, row);

		if (i < 0 || s->owner[i] == NULL || !row_to_name(w, row, only_rejected))
			continue;
		if (named++ == 10)
		{
			appendStringInfoString(buf, ", ...");
			break;
		}
		appendStringInfo(buf, "%srow " INT64_FORMAT " = ", named > 1 ? ", " : "", row);
		name_source(buf, s->owner[i]);
	}
	return named;
}

/*
 * An errcontext line naming the rows COMMIT had not begun to send when it
 * failed (later kinds, tables or epochs): HubSpot never saw them.
 */
static void
report_never_sent(SendState *s)
{
	StringInfoData rows;
	int			n = 0;
	ListCell   *lc;

	initStringInfo(&rows);
	foreach(lc, s->outgoing)
	{
		Outgoing   *o = (Outgoing *) lfirst(lc);

		if (o->gone || o->handed)
			continue;
		if (n++ < 10)
		{
			appendStringInfo(&rows, "%srow " INT64_FORMAT " = ", n > 1 ? ", " : "",
							 o->input.row);
			name_source(&rows, o);
		}
		else if (n == 11)
			appendStringInfoString(&rows, ", ...");
	}
	if (n > 0)
		errcontext("COMMIT never sent %d other queued row%s: %s", n, n == 1 ? "" : "s",
				   rows.data);
}

static void
send_error_callback(void *arg)
{
	SendState  *s = (SendState *) arg;
	StringInfoData rows;

	initStringInfo(&rows);
	if (s->writer != NULL &&
		(name_rows(s, &rows, true) > 0 || name_rows(s, &rows, false) > 0))
		errcontext("COMMIT sending the HubSpot writes queued in this transaction (rows are numbered in the order they were queued: %s)",
				   rows.data);
	else
		errcontext("COMMIT sending the HubSpot writes queued in this transaction");
	/* an error (not a WARNING of on_error 'skip'): what was never sent */
	if (s->sending && !hs_statement_context_muted)
		report_never_sent(s);
}

/* ----------------------------------------------------------------
 *		Sending
 * ----------------------------------------------------------------
 */

/* The table relid, opened before anything was sent. */
static HsTable *
send_table_of(SendState *s, Oid relid)
{
	ListCell   *lc;

	foreach(lc, s->tables)
	{
		SendTable  *t = (SendTable *) lfirst(lc);

		if (t->relid == relid)
			return t->table;
	}
	elog(ERROR, "hubspot_fdw: foreign table %u was not opened for COMMIT", relid);
	return NULL;				/* keep the compiler quiet */
}

/*
 * Send the outgoing writes of one epoch (the list cells first to last,
 * exclusive) of the kind of like, through its table as its user, with its
 * on_error: each table's rows are sent with its on_error, those merged with
 * a row of an on_error 'abort' table with 'abort'.
 */
static void
send_op(SendState *s, const ListCell *first, const ListCell *last, Outgoing *like)
{
	HsTable    *table = send_table_of(s, like->first->relid);
	HsWriteOp	op = like->op;
	HsWriter   *w = NULL;

	if (table->on_error_skip && like->abort)
	{
		/* merged with a row of an on_error 'abort' table: abort */
		HsTable    *copy = palloc(sizeof(HsTable));

		*copy = *table;
		copy->on_error_skip = false;
		table = copy;
	}
	for (const ListCell *lc = first; lc != last; lc = lnext(s->outgoing, lc))
	{
		Outgoing   *o = (Outgoing *) lfirst(lc);

		if (o->gone || o->op != op || o->first->relid != like->first->relid ||
			o->first->userid != like->first->userid || o->abort != like->abort)
			continue;
		if (w == NULL)
		{
			w = hs_writer_create(table, op, s->estate, like->first->userid);
			hs_resolve_table_object(w->conn, table, &w->stats);
			hs_writer_set_buffered(w, true, false);
			s->writers = lappend(s->writers, w);
			s->writer = w;
		}
		o->handed = true;
		hs_writer_queue(w, &o->input);
	}
	if (w != NULL)
		hs_writer_flush(w);
	s->writer = NULL;
}

/*
 * Send one epoch's writes (the list cells first to last, exclusive): kind
 * by kind, each through its tables in the order they were written.
 */
static void
send_epoch(SendState *s, const ListCell *first, const ListCell *last)
{
	static const HsWriteOp order[] = {HS_OP_CREATE, HS_OP_UPSERT, HS_OP_UPDATE, HS_OP_ARCHIVE};

	for (int k = 0; k < (int) lengthof(order); k++)
	{
		List	   *done = NIL; /* Outgoing *: one of each (table, user,
								 * abort) sent */

		for (const ListCell *lc = first; lc != last; lc = lnext(s->outgoing, lc))
		{
			Outgoing   *o = (Outgoing *) lfirst(lc);
			bool		seen = false;
			ListCell   *d;

			if (o->gone || o->op != order[k])
				continue;
			foreach(d, done)
			{
				Outgoing   *x = (Outgoing *) lfirst(d);

				seen |= x->first->relid == o->first->relid &&
					x->first->userid == o->first->userid && x->abort == o->abort;
			}
			if (seen)
				continue;
			done = lappend(done, o);
			send_op(s, lc, last, o);
		}
	}
}

/* hs_statement_run(): every epoch's writes, then the writers end. */
static void
send_all(void *arg)
{
	SendState  *s = (SendState *) arg;
	ErrorContextCallback errcallback;
	ListCell   *first = list_head(s->outgoing);
	ListCell   *lc;

	errcallback.callback = send_error_callback;
	errcallback.arg = s;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	s->sending = true;
	while (first != NULL)
	{
		int			epoch = ((Outgoing *) lfirst(first))->epoch;
		ListCell   *last = first;

		while (last != NULL && ((Outgoing *) lfirst(last))->epoch == epoch)
			last = lnext(s->outgoing, last);
		send_epoch(s, first, last);
		first = last;
	}
	foreach(lc, s->writers)
		hs_writer_end((HsWriter *) lfirst(lc));
	error_context_stack = errcallback.previous;
}

/* ----------------------------------------------------------------
 *		The tables, checked before anything is sent
 * ----------------------------------------------------------------
 */

/* Two options, NULL for unset, equal? */
static bool
same_option(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Refuse to send entry e through its table as it is now, if it changed. */
static void
check_entry_table(HsDeferredEntry *e, HsTable *table)
{
	const char *option = NULL;
	const char *then = NULL;
	const char *now = NULL;

	if (table->serverid != e->serverid)
	{
		option = "SERVER";
		then = GetForeignServer(e->serverid)->servername;
		now = GetForeignServer(table->serverid)->servername;
	}
	else if (!same_option(table->object_option, e->object_option))
	{
		option = "object";
		then = e->object_option;
		now = table->object_option;
	}
	else if (e->op == HS_OP_UPSERT && !same_option(table->id_property, e->id_property))
	{
		option = "id_property";
		then = e->id_property;
		now = table->id_property;
	}
	if (option == NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("foreign table \"%s\" was altered after this transaction queued HubSpot writes for it",
					e->relname),
			 errdetail("Its %s was %s%s%s when statement %d row " INT64_FORMAT " of the transaction was queued, and is %s%s%s at COMMIT.  Nothing was sent to HubSpot.",
					   option, then ? "'" : "", then ? then : "unset", then ? "'" : "",
					   e->stmt, e->row,
					   now ? "'" : "", now ? now : "unset", now ? "'" : ""),
			 errhint("Roll back, and queue the writes again after altering the table.")));
}

/*
 * Open every table whose queued rows are to be sent, and check that what
 * the rows were checked and built with (the table's server, object and
 * id_property) did not change since, and that the user mappings that send
 * them still exist: before anything is sent, so that such a COMMIT fails
 * having sent nothing.
 */
static void
open_tables(SendState *s)
{
	for (int i = 0; i < s->nentries; i++)
	{
		HsDeferredEntry *e = s->entries[i];
		SendTable  *t = NULL;
		ListCell   *lc;

		if (s->owner[i] == NULL || s->owner[i]->gone)
			continue;			/* nothing of it is sent */
		foreach(lc, s->tables)
			if (((SendTable *) lfirst(lc))->relid == e->relid)
				t = (SendTable *) lfirst(lc);
		if (t == NULL)
		{
			t = palloc0(sizeof(SendTable));
			t->relid = e->relid;
			t->rel = try_relation_open(e->relid, AccessShareLock);
			if (t->rel == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_TABLE),
						 errmsg("foreign table \"%s\" was dropped after this transaction queued HubSpot writes for it",
								e->relname),
						 errdetail("Its writes (the first: statement %d row " INT64_FORMAT " of the transaction) cannot be sent without its options.  Nothing was sent to HubSpot.",
								   e->stmt, e->row),
						 errhint("Roll back, or drop the table after COMMIT.")));
			t->table = hs_get_table(t->rel);
			s->tables = lappend(s->tables, t);
		}
		/* the user mapping that sends it (an error if it was dropped) */
		(void) GetUserMapping(e->userid, e->serverid);
		check_entry_table(e, t->table);
		if (!t->table->on_error_skip)
			s->owner[i]->abort = true;
	}
}

/* Close the tables open_tables() opened. */
static void
close_tables(SendState *s)
{
	ListCell   *lc;

	foreach(lc, s->tables)
		relation_close(((SendTable *) lfirst(lc))->rel, AccessShareLock);
	s->tables = NIL;
}

bool
hs_deferred_would_send(HsDeferredEntry **entries, int n, Oid serverid, Oid userid,
					   const char *object)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw queue check",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	SendState	s;
	bool		result = false;
	ListCell   *lc;

	memset(&s, 0, sizeof(s));
	s.entries = entries;
	s.nentries = n;
	compact(&s);
	foreach(lc, s.outgoing)
	{
		Outgoing   *o = (Outgoing *) lfirst(lc);

		if (!o->gone && o->first->serverid == serverid && o->first->userid == userid &&
			strcmp(o->first->object, object) == 0)
		{
			result = true;
			break;
		}
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
	return result;
}

void
hs_deferred_send(HsDeferredEntry **entries, int n)
{
	SendState	s;
	int			dry_run;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw commit",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);

	memset(&s, 0, sizeof(s));
	s.entries = entries;
	s.nentries = n;
	compact(&s);
	open_tables(&s);
	s.estate = CreateExecutorState();
	/*
	 * The writers leave the statement's registry when their memory goes:
	 * after the statement's error context told what they applied.  What
	 * was queued is sent whatever hubspot_fdw.dry_run says now.
	 */
	dry_run = hs_dry_run;
	hs_dry_run = HS_DRY_RUN_OFF;
	hs_statement_at_commit = true;
	PG_TRY();
	{
		hs_statement_run(send_all, &s);
	}
	PG_CATCH();
	{
		hs_statement_at_commit = false;
		hs_dry_run = dry_run;
		FreeExecutorState(s.estate);
		PG_RE_THROW();
	}
	PG_END_TRY();
	hs_statement_at_commit = false;
	hs_dry_run = dry_run;
	FreeExecutorState(s.estate);
	close_tables(&s);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
}
