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
 * merged by their key.  Then, table by table in the order they were first
 * written, creates, upserts, updates and archives are sent in batches, with
 * the table's batch_size, max_concurrent_requests and on_error.
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
} Outgoing;

typedef struct RecordSlot
{
	char		key[RECORD_KEY_LEN];
	Outgoing   *out;
} RecordSlot;

/* The send at COMMIT: for the error context, and hs_statement_run(). */
typedef struct SendState
{
	HsDeferredEntry **entries;	/* by seq, ascending */
	int			nentries;
	List	   *outgoing;		/* Outgoing *, in order */
	EState	   *estate;			/* the writers' */
	HsWriter   *writer;			/* the one sending, or NULL */
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

/* A new outgoing write beginning with entry e. */
static Outgoing *
new_outgoing(SendState *s, HsDeferredEntry *e)
{
	Outgoing   *o = palloc0(sizeof(Outgoing));

	o->first = e;
	o->op = e->op;
	o->input = e->input;
	o->input.props = palloc(sizeof(HsWriteProp) * Max(e->input.nprops, 1));
	memcpy(o->input.props, e->input.props, sizeof(HsWriteProp) * e->input.nprops);
	s->outgoing = lappend(s->outgoing, o);
	return o;
}

/* The compaction's key of an entry's record, or NULL if too long. */
static char *
record_key(HsDeferredEntry *e)
{
	char	   *key;

	if (e->op == HS_OP_UPSERT)
		key = psprintf("U/%u/%u/%s", e->relid, e->userid, e->input.id);
	else
		key = psprintf("R/%u/%u/%s/%s", e->serverid, e->userid, e->object,
					   e->op == HS_OP_CREATE ? e->provisional : e->input.id);
	return strlen(key) < RECORD_KEY_LEN ? key : NULL;
}

/* Apply entry e to the record's outgoing write o (NULL: none yet). */
static Outgoing *
apply_entry(SendState *s, Outgoing *o, HsDeferredEntry *e)
{
	if (o == NULL)
	{
		/* a provisional id whose create was dropped: nothing to send */
		if ((e->op == HS_OP_UPDATE || e->op == HS_OP_ARCHIVE) && e->input.id[0] == '-')
			return NULL;
		return new_outgoing(s, e);
	}
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

/* The outgoing writes of the entries, compacted. */
static void
compact(SendState *s)
{
	HASHCTL		ctl;
	HTAB	   *records;

	ctl.keysize = RECORD_KEY_LEN;
	ctl.entrysize = sizeof(RecordSlot);
	ctl.hcxt = CurrentMemoryContext;
	records = hash_create("hubspot_fdw queued records", Max(s->nentries, 16), &ctl,
						  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (int i = 0; i < s->nentries; i++)
	{
		HsDeferredEntry *e = s->entries[i];
		char	   *key = record_key(e);
		RecordSlot *slot;
		bool		found;

		if (key == NULL)
		{
			/* an upsert key too long to merge by: sent as it is */
			(void) new_outgoing(s, e);
			continue;
		}
		slot = hash_search(records, key, HASH_ENTER, &found);
		slot->out = apply_entry(s, found ? slot->out : NULL, e);
	}
	hash_destroy(records);
}

/* ----------------------------------------------------------------
 *		Error context
 * ----------------------------------------------------------------
 */

/* The entry of row seq (entries are sorted by seq). */
static HsDeferredEntry *
entry_of_row(SendState *s, int64 seq)
{
	int			lo = 0,
				hi = s->nentries - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (s->entries[mid]->seq == seq)
			return s->entries[mid];
		if (s->entries[mid]->seq < seq)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
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
		HsDeferredEntry *e = entry_of_row(s, row);

		if (e == NULL || !row_to_name(w, row, only_rejected))
			continue;
		if (named++ == 10)
		{
			appendStringInfoString(buf, ", ...");
			break;
		}
		appendStringInfo(buf, "%srow " INT64_FORMAT " = statement %d row " INT64_FORMAT,
						 named > 1 ? ", " : "", row, e->stmt, e->row);
	}
	return named;
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
}

/* ----------------------------------------------------------------
 *		Sending
 * ----------------------------------------------------------------
 */

/* Send the outgoing writes of op for table, as userid. */
static void
send_op(SendState *s, HsTable *table, Oid userid, HsWriteOp op)
{
	HsWriter   *w = NULL;
	ListCell   *lc;

	foreach(lc, s->outgoing)
	{
		Outgoing   *o = (Outgoing *) lfirst(lc);

		if (o->gone || o->op != op || o->first->relid != table->relid ||
			o->first->userid != userid)
			continue;
		if (w == NULL)
		{
			w = hs_writer_create(table, op, s->estate, userid);
			hs_resolve_table_object(w->conn, table, &w->stats);
			hs_writer_set_buffered(w, true, false);
			s->writers = lappend(s->writers, w);
			s->writer = w;
		}
		hs_writer_queue(w, &o->input);
	}
	if (w != NULL)
		hs_writer_flush(w);
	s->writer = NULL;
}

/* Send the writes of one table, written as userid. */
static void
send_table(SendState *s, Oid relid, Oid userid)
{
	static const HsWriteOp order[] = {HS_OP_CREATE, HS_OP_UPSERT, HS_OP_UPDATE, HS_OP_ARCHIVE};
	Relation	rel = try_relation_open(relid, AccessShareLock);
	MemoryContext oldcxt;
	HsTable    *table;

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("a foreign table this transaction queued HubSpot writes for was dropped"),
				 errdetail("Its writes cannot be sent without its options.")));
	oldcxt = MemoryContextSwitchTo(s->estate->es_query_cxt);
	table = hs_get_table(rel);
	MemoryContextSwitchTo(oldcxt);
	for (int i = 0; i < (int) lengthof(order); i++)
		send_op(s, table, userid, order[i]);
	relation_close(rel, AccessShareLock);
}

/* hs_statement_run(): every table's writes, then the writers end. */
static void
send_all(void *arg)
{
	SendState  *s = (SendState *) arg;
	ErrorContextCallback errcallback;
	List	   *done = NIL;		/* (relid, userid) pairs sent, as two lists */
	List	   *done_users = NIL;
	ListCell   *lc;

	errcallback.callback = send_error_callback;
	errcallback.arg = s;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	foreach(lc, s->outgoing)
	{
		Outgoing   *o = (Outgoing *) lfirst(lc);
		bool		seen = false;
		ListCell   *r,
				   *u;

		forboth(r, done, u, done_users)
			seen |= lfirst_oid(r) == o->first->relid && lfirst_oid(u) == o->first->userid;
		if (seen || o->gone)
			continue;
		done = lappend_oid(done, o->first->relid);
		done_users = lappend_oid(done_users, o->first->userid);
		send_table(s, o->first->relid, o->first->userid);
	}
	foreach(lc, s->writers)
		hs_writer_end((HsWriter *) lfirst(lc));
	error_context_stack = errcallback.previous;
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
	s.estate = CreateExecutorState();
	/*
	 * The writers leave the statement's registry when their memory goes:
	 * after the statement's error context told what they applied.  What
	 * was queued is sent whatever hubspot_fdw.dry_run says now.
	 */
	dry_run = hs_dry_run;
	hs_dry_run = HS_DRY_RUN_OFF;
	PG_TRY();
	{
		hs_statement_run(send_all, &s);
	}
	PG_CATCH();
	{
		hs_dry_run = dry_run;
		FreeExecutorState(s.estate);
		PG_RE_THROW();
	}
	PG_END_TRY();
	hs_dry_run = dry_run;
	FreeExecutorState(s.estate);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
}
