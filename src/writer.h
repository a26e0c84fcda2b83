/*-------------------------------------------------------------------------
 *
 * writer.h
 *		hubspot_fdw's write pipeline: INSERT, upsert, UPDATE and DELETE
 *		inputs, as modify.c checked them, sent to HubSpot in batches.
 *
 * A writer belongs to one foreign table's modification in one statement.
 * It queues inputs (UPDATE and DELETE when nothing needs each row's
 * outcome at once), sends a batch when it is full and when the statement's
 * executor run ends (through statement.c's flush registry), applies the
 * on_error policy to what HubSpot answers, and keeps the row counts that
 * errors, warnings, the command tag and EXPLAIN ANALYZE report.
 *
 * A batch (HsWriteBatch) carries its inputs with their statement row
 * numbers and its request: hs_writer_batch_send() sends it and
 * hs_writer_batch_result() takes its answer apart, so that several batches
 * could be in flight; today each is sent and answered in turn.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_WRITER_H
#define HUBSPOT_WRITER_H

#include "postgres.h"

#include "commands/explain.h"

#include "api.h"
#include "table.h"
#include "statement.h"

typedef struct HsWriter HsWriter;

/* One batch request: its inputs, their fate, its request and answer. */
typedef struct HsWriteBatch
{
	HsWriter   *writer;
	int			ninputs;
	int			capacity;
	HsWriteInput *inputs;		/* rows in statement order */
	bool	   *rejected;		/* per input: HubSpot rejected it */
	HsApiRequest *request;		/* built when sent */
	HsResponse *response;		/* HubSpot's final answer */
	HsBatchAnswer *answer;		/* ... taken apart (not for archives) */
	int			applied;		/* results HubSpot sent back */
} HsWriteBatch;

/* A modification's writes to HubSpot. */
struct HsWriter
{
	HsTable    *table;
	HsWriteOp	op;
	HsConnection *conn;			/* NULL under plain EXPLAIN */
	HsStats		stats;			/* requests, retries; the last one's fate */
	bool		buffered;		/* UPDATE/DELETE: inputs wait for a batch */
	int			batch_size;

	int64		rows_applied;	/* rows HubSpot reported as written */
	int64		rows_rejected;	/* rows skipped under on_error 'skip' */
	int64		upsert_created; /* upserts HubSpot reported as new */

	/* for errcontext: the rows being checked, or of the request in flight */
	int64		first_row;
	int64		last_row;
	bool		sending;		/* is a request of these rows in flight? */

	/* queued UPDATE/DELETE inputs, in queue_cxt */
	MemoryContext queue_cxt;
	MemoryContext batch_cxt;	/* request and answer of a queued batch */
	HsWriteBatch *queue;

	/* flushing at the end of the executor run; what was applied, on error */
	EState	   *estate;
	bool		can_set_tag;	/* does the row count come from us? */
	HsStatementMember member;
};

/*
 * hs_writer_create
 *		A writer for op on table, in estate's query context.  With a null
 *		userid (plain EXPLAIN) it only describes; otherwise it connects as
 *		userid and registers with the statement, so that what it applied is
 *		told on any error and its queue is sent when the executor run ends.
 */
extern HsWriter *hs_writer_create(HsTable *table, HsWriteOp op, EState *estate,
								  Oid userid);

/*
 * hs_writer_set_buffered
 *		UPDATE/DELETE: whether inputs are queued up to the batch size (or
 *		each sent at once); can_set_tag says whether rows HubSpot rejects are
 *		to be taken off the command's count.
 */
extern void hs_writer_set_buffered(HsWriter *w, bool buffered, bool can_set_tag);

/*
 * hs_writer_begin_rows
 *		Work on statement rows first..last starts: push errcontext naming
 *		them (and, when the outcome of a request is unknown, saying so).
 *		The caller pops errcallback when done.
 */
extern void hs_writer_begin_rows(HsWriter *w, ErrorContextCallback *errcallback,
								 int64 first, int64 last);

/* Name rows first..last in the errcontext of hs_writer_begin_rows(). */
extern void hs_writer_name_rows(HsWriter *w, int64 first, int64 last);

/*
 * hs_writer_write_one
 *		Send one input by itself (a POST create, a PATCH, a DELETE, or an
 *		upsert as a batch of one).  Returns whether HubSpot wrote it; false
 *		for a row skipped under on_error 'skip' (abort raises an ERROR).
 *		*stored is the record HubSpot answered with (NULL for DELETE), in
 *		the current memory context: an object whose "id" is a HubSpot record
 *		id (a JSON string of digits), for a PATCH the row's.  An answer that
 *		is not (an empty body included) raises 08007: the row was written,
 *		its record is unknown.
 */
extern bool hs_writer_write_one(HsWriter *w, const HsWriteInput *input,
								json_object **stored);

/*
 * hs_writer_write_batch
 *		Send inputs[0..n-1] as one batch/create or batch/upsert, at once.
 *		rejected[i] (n of them) tells which rows HubSpot rejected under
 *		on_error 'skip'.  Returns the number of results HubSpot sent.
 */
extern int	hs_writer_write_batch(HsWriter *w, const HsWriteInput *inputs, int n,
								  bool *rejected);

/*
 * hs_writer_queue
 *		Queue an UPDATE or DELETE input (copied), sending the queue first
 *		when it is full.  The caller's errcontext should not be active: a
 *		batch names its own rows.
 */
extern void hs_writer_queue(HsWriter *w, const HsWriteInput *input);

/* Send what is queued, if anything (also at the end of the executor run). */
extern void hs_writer_flush(HsWriter *w);

/* A new batch of up to capacity inputs, in the current memory context. */
extern HsWriteBatch *hs_writer_batch_new(HsWriter *w, int capacity);

/*
 * hs_writer_batch_send
 *		Build the batch's request (api.c) and send it; HubSpot's answer is
 *		kept in the batch.  Transport and HTTP errors are raised here.
 */
extern void hs_writer_batch_send(HsWriteBatch *batch);

/*
 * hs_writer_batch_result
 *		Take the batch's answer apart: count what HubSpot wrote, tell scans
 *		about created records, report rows whose outcome is unknown (08007)
 *		and rows HubSpot rejected (ERROR under on_error 'abort', WARNINGs
 *		under 'skip').  Returns the number of results.
 */
extern int	hs_writer_batch_result(HsWriteBatch *batch);

/* Send what is still queued and leave the statement's registry. */
extern void hs_writer_end(HsWriter *w);

/*
 * hs_writer_explain
 *		EXPLAIN's lines for the writer: the request it sends (as api.c
 *		builds it), batch_size, upsert key, on_error, and under ANALYZE the
 *		requests, retries, rejected rows and created records.
 */
extern void hs_writer_explain(HsWriter *w, int batch_size, ExplainState *es);

#endif							/* HUBSPOT_WRITER_H */
