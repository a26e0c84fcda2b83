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
 * numbers, its request and its call: up to max_concurrent_requests batches
 * are in flight at once, and their answers are taken apart in the order the
 * batches were made, so that row counts, warnings and errors come out as
 * if they had been sent one by one.  When a batch's answer fails the
 * statement, the writer first waits for the other batches in flight and
 * counts what HubSpot did with them (sending nothing more), so that the
 * error tells exactly what HubSpot applied and which rows are unknown.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_WRITER_H
#define HUBSPOT_WRITER_H

#include "postgres.h"

#include "commands/explain.h"

#include "writes.h"

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
 *		Whether inputs are queued up to the batch size (or each sent at
 *		once); can_set_tag says whether rows HubSpot rejects are to be taken
 *		off the command's count (es_processed).
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
 * hs_writer_queue
 *		Queue an input (copied) for a batch request; a full batch is sent
 *		at once, while up to max_concurrent_requests are in flight (waiting
 *		for the oldest to be answered first, when they are), and the answers
 *		that have come are taken apart.  Rows HubSpot rejects under on_error
 *		'skip' are then taken off the command's count.  The caller's
 *		errcontext should not be active: a batch names its own rows.
 */
extern void hs_writer_queue(HsWriter *w, const HsWriteInput *input);

/* Send what is queued and wait for every batch in flight (also at the end
 * of the executor run). */
extern void hs_writer_flush(HsWriter *w);

/* A new batch of up to capacity inputs, in the current memory context. */
extern HsWriteBatch *hs_writer_batch_new(HsWriter *w, int capacity);

/*
 * hs_writer_batch_result
 *		Take the batch's answer apart: count what HubSpot wrote, tell scans
 *		about created records, report rows whose outcome is unknown (08007)
 *		and rows HubSpot rejected (ERROR under on_error 'abort', WARNINGs
 *		under 'skip').  Returns the number of results.
 */
extern int	hs_writer_batch_result(HsWriteBatch *batch);

/*
 * Send what is still queued and leave the statement's registry; the rows'
 * outcomes go to the statement's summary (usage.c).
 */
extern void hs_writer_end(HsWriter *w);
/*
 * What HubSpot did to the writer's rows so far: created (creates, upserts
 * HubSpot called "new", associations made), updated (updates, other
 * upserts), archived (archives, associations removed) and rejected (under
 * on_error 'skip').
 */
extern void hs_writer_outcomes(const HsWriter *w, int64 *created, int64 *updated,
							   int64 *archived, int64 *rejected);

/*
 * hs_writer_explain
 *		EXPLAIN's lines for the writer: the request it sends (as api.c
 *		builds it), batch_size, upsert key, on_error, and under ANALYZE the
 *		requests (by endpoint), retries, the rows' outcomes, rejected rows
 *		and created records.
 */
extern void hs_writer_explain(HsWriter *w, int batch_size, ExplainState *es);

/*
 * hs_writer_explain_dry_run
 *		Under a dry run, EXPLAIN's line saying so, and under ANALYZE the
 *		number of requests built but not sent (by w, and by also unless it
 *		is NULL: a table's second writer).  Nothing otherwise.
 */
extern void hs_writer_explain_dry_run(HsWriter *w, HsWriter *also, ExplainState *es);

#endif							/* HUBSPOT_WRITER_H */
