/*-------------------------------------------------------------------------
 *
 * writer.c
 *		hubspot_fdw's write pipeline: batches of checked inputs sent to
 *		HubSpot, the on_error policy applied to its answers, row counts.
 *
 * HubSpot has no transactions: rows of batches already sent stay written
 * when a later batch fails, and every error says how many there are (here,
 * or in statement.c's context when it reports for the whole statement).
 * Rows HubSpot rejects either fail the statement (on_error 'abort') or are
 * reported as WARNINGs and left out of the row count (on_error 'skip').  A
 * batch answer that does not account for every row it was sent is an
 * ERROR (08007) naming the rows whose outcome is unknown, whatever on_error
 * says; so is an answer that does not identify the record HubSpot wrote (no
 * record, an "id" that is no HubSpot record id, an update's answer for
 * another record): the row was written, but RETURNING, AFTER triggers and
 * the statement's scans cannot know its record.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/memutils.h"

#include "writer.h"
#include "answers.h"
#include "api_assoc.h"
#include "client.h"
#include "dryrun.h"
#include "errors.h"
#include "statement.h"
#include "usage.h"
#include "visibility.h"



static void stats_add(HsStats *to, const HsStats *from);

/* ----------------------------------------------------------------
 *		Error context
 * ----------------------------------------------------------------
 */

/*
 * report_applied
 *		errcontext lines telling what HubSpot already applied for this
 *		modification, when no statement-level error context does (see
 *		hs_statement_reports_writes()).
 */
static void
report_applied(HsWriter *w)
{
	const char *done = hs_writer_op_info[w->op].done;

	if (w->rows_applied > 0)
		errcontext("HubSpot had already %s " INT64_FORMAT " row%s of foreign table \"%s\" in this statement; %s %s",
				   done, w->rows_applied, w->rows_applied == 1 ? "" : "s",
				   w->table->relname,
				   w->rows_applied == 1 ? "it stays" : "they stay", done);
}

/*
 * report_in_flight
 *		errcontext line naming the rows of other batches whose outcome is
 *		unknown: in flight when the statement failed, or found so when the
 *		writer waited for them before raising its error.
 */
static void
report_in_flight(HsWriter *w)
{
	StringInfoData rows;
	ListCell   *lc;
	int			n = 0;			/* ranges */
	int			nrequests = list_length(w->unknown_rows);

	initStringInfo(&rows);
	foreach(lc, w->unknown_rows)
		appendStringInfo(&rows, "%s%s", n++ > 0 ? ", " : "", (char *) lfirst(lc));
	for (int i = 0; i < w->nin_flight; i++)
	{
		HsWriteBatch *b = w->in_flight[i];
		int64		last = b->inputs[b->ninputs - 1].row;

		if (b == w->current || b->call == NULL || !hs_call_maybe_applied(b->call))
			continue;
		nrequests++;
		/* batches that follow each other make one range */
		while (i + 1 < w->nin_flight && w->in_flight[i + 1]->call != NULL &&
			   hs_call_maybe_applied(w->in_flight[i + 1]->call) &&
			   w->in_flight[i + 1]->inputs[0].row == last + 1)
		{
			i++;
			nrequests++;
			last = w->in_flight[i]->inputs[w->in_flight[i]->ninputs - 1].row;
		}
		if (last == b->inputs[0].row)
			appendStringInfo(&rows, "%s" INT64_FORMAT, n++ > 0 ? ", " : "", last);
		else
			appendStringInfo(&rows, "%s" INT64_FORMAT " to " INT64_FORMAT, n++ > 0 ? ", " : "",
							 b->inputs[0].row, last);
	}
	if (w->also_rejected != NULL)
		errcontext("HubSpot also rejected row%s %s of foreign table \"%s\" in requests that were in flight",
				   strchr(w->also_rejected, ',') ? "s" : "", w->also_rejected,
				   w->table->relname);
	if (n > 0)
		errcontext("HubSpot may or may not have %s row%s %s of foreign table \"%s\": %s in flight when the statement failed",
				   hs_writer_op_info[w->op].done, n == 1 && strchr(rows.data, ' ') == NULL ? "" : "s",
				   rows.data, w->table->relname,
				   nrequests == 1 ? "its request was" : "their requests were");
}

static void
writer_error_callback(void *arg)
{
	HsWriter   *w = (HsWriter *) arg;
	char	   *rows;

	if (w->first_row == w->last_row)
		rows = psprintf("row " INT64_FORMAT, w->first_row);
	else
		rows = psprintf("rows " INT64_FORMAT " to " INT64_FORMAT,
						w->first_row, w->last_row);
	if (w->sending && (w->current ? w->current->stats.outcome_unknown :
					   w->stats.outcome_unknown))
		errcontext("%s foreign table \"%s\", %s, which HubSpot may or may not have %s",
				   hs_writer_op_info[w->op].statement, w->table->relname, rows,
				   hs_writer_op_info[w->op].done);
	else if (w->sending && w->current != NULL && w->current->call != NULL &&
			 !hs_call_maybe_applied(w->current->call))
		errcontext("%s foreign table \"%s\", %s, which HubSpot has not %s (%s)",
				   hs_writer_op_info[w->op].statement, w->table->relname, rows,
				   hs_writer_op_info[w->op].done,
				   hs_call_attempts(w->current->call) == 0 ?
				   "their request was not sent yet" : "their request was refused");
	else
		errcontext("%s foreign table \"%s\", %s",
				   hs_writer_op_info[w->op].statement, w->table->relname, rows);
	/* normally the statement's error context tells these, once */
	if (!hs_statement_reports_writes())
	{
		report_in_flight(w);
		report_applied(w);
	}
}

/* statement.c: the rows in flight, in the statement's error context */
static void
report_member_in_flight(void *arg)
{
	report_in_flight((HsWriter *) arg);
}

void
hs_writer_begin_rows(HsWriter *w, ErrorContextCallback *errcallback,
					 int64 first, int64 last)
{
	w->first_row = first;
	w->last_row = last;
	w->sending = false;
	errcallback->callback = writer_error_callback;
	errcallback->arg = w;
	errcallback->previous = error_context_stack;
	error_context_stack = errcallback;
}

void
hs_writer_name_rows(HsWriter *w, int64 first, int64 last)
{
	w->first_row = first;
	w->last_row = last;
}

/*
 * send_request
 *		Send a write request for the rows hs_writer_begin_rows() named;
 *		until the next hs_writer_begin_rows(), an error whose outcome is
 *		unknown names them.
 */
static HsResponse *
send_request(HsWriter *w, const HsApiRequest *req)
{
	w->sending = true;
	hs_visibility_wrote(w->table->object);
	hs_usage_rows_written(w->conn->umid, 1);
	return hs_api_send(w->conn, req, &w->stats);
}

/* ----------------------------------------------------------------
 *		Settling the batches in flight before an error
 * ----------------------------------------------------------------
 */

/* A batch's counters, added to its writer's (for EXPLAIN ANALYZE). */
static void
stats_add(HsStats *to, const HsStats *from)
{
	to->requests += from->requests;
	to->retries += from->retries;
	to->throttled += from->throttled;
	to->rate_wait_ms += from->rate_wait_ms;
	hs_usage_stats_merge(to, from);
}

/* Rows HubSpot rejected in a batch settled before an error: told with it. */
static void
note_rejected(HsWriter *w, List *rejected)
{
	char	   *rows = hs_answer_rejected_rows_text(rejected);
	MemoryContext oldcxt;

	if (rows == NULL)
		return;
	oldcxt = MemoryContextSwitchTo(w->queue_cxt);
	w->also_rejected = w->also_rejected ?
		psprintf("%s, %s", w->also_rejected, rows) : pstrdup(rows);
	MemoryContextSwitchTo(oldcxt);
}

static void
note_unknown(HsWriteBatch *b)
{
	HsWriter   *w = b->writer;
	MemoryContext oldcxt = MemoryContextSwitchTo(w->queue_cxt);

	w->unknown_rows = lappend(w->unknown_rows, b->ninputs == 1 ?
							  psprintf(INT64_FORMAT, b->inputs[0].row) :
							  psprintf(INT64_FORMAT " to " INT64_FORMAT,
									   b->inputs[0].row, b->inputs[b->ninputs - 1].row));
	MemoryContextSwitchTo(oldcxt);
}

/*
 * parse_answer
 *		A batch answer as plain data: api.c's for objects; for associations
 *		(v4 answers name records, not rows) api_assoc.c's, which matches
 *		them to the batch's rows.
 */
static HsBatchAnswer *
parse_answer(HsWriteBatch *b, HsResponse *resp)
{
	if (HS_OP_ASSOCIATES(b->writer->op))
		return hs_api_assoc_parse_write(resp, b->writer->table->object,
										b->writer->table->to_object,
										b->inputs, b->ninputs);
	return hs_api_parse_batch(resp);
}

/*
 * settle_one
 *		A batch in flight while another fails the statement: no further
 *		attempt is made; the one in flight is waited for, and what HubSpot
 *		did with the batch is counted quietly (rows it wrote), or its rows
 *		are noted as unknown.
 */
static void
settle_one(HsWriteBatch *b)
{
	HsWriter   *w = b->writer;
	HsResponse *resp;
	bool		maybe_applied;

	hs_call_stop(b->call);
	/* an answer that cannot be read leaves the outcome unknown too */
	maybe_applied = hs_call_maybe_applied(b->call) || hs_call_answered(b->call);
	resp = hs_call_finish_quiet(b->call);
	b->call = NULL;
	stats_add(&w->stats, &b->stats);
	if (resp == NULL)
	{
		if (maybe_applied)
			note_unknown(b);
		return;
	}
	if ((resp->status < 200 || resp->status >= 300) &&
		!(HS_OP_ASSOCIATES(w->op) && resp->status == 400))
		return;					/* HubSpot refused the whole batch */
	if (HS_OP_REMOVES(w->op))
		w->rows_applied += b->ninputs;
	else
	{
		BatchCount	c;

		hs_answer_count(b, parse_answer(b, resp), &c);
		w->rows_applied += c.known;
		note_rejected(w, c.rejected);
		if (c.mismatch || c.m.nunidentified > 0)
			note_unknown(b);
	}
}

/* ----------------------------------------------------------------
 *		Batches
 * ----------------------------------------------------------------
 */

HsWriteBatch *
hs_writer_batch_new(HsWriter *w, int capacity)
{
	HsWriteBatch *batch = palloc0(sizeof(HsWriteBatch));

	batch->writer = w;
	batch->capacity = capacity;
	batch->inputs = palloc0(sizeof(HsWriteInput) * Max(capacity, 1));
	batch->rejected = palloc0(sizeof(bool) * Max(capacity, 1));
	return batch;
}

/* The batch's request, as api.c builds it. */
static HsApiRequest *
batch_request(HsWriteBatch *batch)
{
	HsWriter   *w = batch->writer;

	if (HS_OP_ASSOCIATES(w->op))
		return hs_api_assoc_write(w->table->object, w->table->to_object,
								  w->op, batch->inputs, batch->ninputs);
	return hs_api_write_batch(w->table->object, w->op, w->table->id_property,
							  batch->inputs, batch->ninputs);
}

/*
 * dry_send
 *		Under a dry run: a request built but not sent (dryrun.c records it),
 *		its ninputs rows counted as if HubSpot had written them all.
 */
static void
dry_send(HsWriter *w, const HsApiRequest *req, int ninputs, bool batch)
{
	hs_dryrun_record(hs_writer_op_info[w->op].statement, w->table->relname,
					 req->method, req->path, req->query, req->body, ninputs, batch,
					 w->dry_run == HS_DRY_RUN_VERBOSE);
	w->dry_requests++;
	w->dry_rows += ninputs;
}

/* Build the batch's request (api.c) and start it, in the batch's context. */
static void
batch_start(HsWriteBatch *batch)
{
	HsWriter   *w = batch->writer;

	batch->request = batch_request(batch);
	hs_visibility_wrote(w->table->object);
	batch->call = hs_api_start(w->conn, batch->request, &batch->stats);
	hs_usage_rows_written(w->conn->umid, batch->ninputs);
}

/*
 * batch_finish
 *		Wait for the batch's call and keep HubSpot's answer in the batch.
 *		A call that ended without one raises its error, after the other
 *		batches in flight are settled.
 */
static void
batch_finish(HsWriteBatch *batch)
{
	HsWriter   *w = batch->writer;
	HsCall	   *call = batch->call;

	w->sending = true;
	(void) hs_call_wait_any(&call, 1);
	/* no longer in flight: settling leaves it alone */
	batch->call = NULL;
	if (!hs_call_answered(call))
		hs_statement_settle();
	PG_TRY();
	{
		batch->response = hs_call_finish(call);
	}
	PG_FINALLY();
	{
		stats_add(&w->stats, &batch->stats);
	}
	PG_END_TRY();
}

/*
 * resend_rows
 *		HubSpot refused a batch of association writes whole (400) for the
 *		rows its error names; whether it wrote the others first is not
 *		known.  Association writes are idempotent (an association written
 *		twice is one), so each row is sent again by itself and its own
 *		answer tells whether it was written or rejected.
 */
static int
resend_rows(HsWriteBatch *batch)
{
	HsWriter   *w = batch->writer;
	int			applied = 0;

	for (int i = 0; i < batch->ninputs; i++)
	{
		HsWriteBatch *one = hs_writer_batch_new(w, 1);

		one->inputs[0] = batch->inputs[i];
		one->ninputs = 1;
		hs_writer_name_rows(w, one->inputs[0].row, one->inputs[0].row);
		batch_start(one);
		batch_finish(one);
		applied += hs_writer_batch_result(one);
	}
	batch->applied = applied;
	return applied;
}

int
hs_writer_batch_result(HsWriteBatch *batch)
{
	HsWriter   *w = batch->writer;
	HsResponse *resp = batch->response;

	if (HS_OP_REMOVES(w->op))
	{
		/* archiving an id that is gone is not an error: all or nothing */
		if (resp->status != 200 && resp->status != 204)
		{
			hs_statement_settle();
			hs_report_response_error(resp);
		}
		w->rows_applied += batch->ninputs;
		batch->applied = batch->ninputs;
		return batch->applied;
	}
	/* v4 association writes answer 400 for invalid inputs: per row too */
	if (HS_OP_ASSOCIATES(w->op) && resp->status == 400 && batch->ninputs > 1 &&
		hs_api_assoc_names_inputs(resp, batch->inputs, batch->ninputs))
		return resend_rows(batch);
	if (resp->status != 200 && resp->status != 201 && resp->status != 207 &&
		!(HS_OP_ASSOCIATES(w->op) && resp->status == 400 &&
		  hs_api_assoc_names_inputs(resp, batch->inputs, batch->ninputs)))
	{
		hs_statement_settle();
		hs_report_response_error(resp);
	}
	batch->answer = parse_answer(batch, resp);
	batch->applied = batch->answer->nresults;
	hs_answer_outcome(batch, batch->answer);
	return batch->applied;
}

/*
 * check_single_record
 *		The answer of a single create or PATCH must be the record HubSpot
 *		wrote: an object whose id is a HubSpot record id, for a PATCH the
 *		row's.  Else the row was written but its record is unknown: an ERROR
 *		(08007) naming it, whatever on_error says.
 */
static void
check_single_record(HsWriter *w, const HsApiRequest *req, HsResponse *resp,
					const HsWriteInput *input, const HsBatchResult *r)
{
	const char *problem;

	if (r->record == NULL)
		problem = resp->json == NULL ? "The answer has no body." :
			"The answer is not a record.";
	else if (r->id == NULL)
		problem = "The answer's \"id\" is not a HubSpot record id.";
	else if (w->op == HS_OP_UPDATE && strcmp(r->id, input->id) != 0)
		problem = psprintf("The answer is for record %s.", r->id);
	else
		return;
	ereport(ERROR,
			(errcode(HS_ERRCODE_UNKNOWN_OUTCOME),
			 errmsg("HubSpot %s row " INT64_FORMAT "%s, but its answer does not identify the record",
					hs_writer_op_info[w->op].done, input->row, hs_answer_describe_ident(w, input->id)),
			 errdetail("%s %s", problem,
					   hs_request_detail(req->method, req->path,
										 "HTTP status %ld; correlationId %s",
										 resp->status,
										 resp->correlation_id[0] ? resp->correlation_id : "none")),
			 errhint("Check this row in HubSpot.")));
}

/*
 * dry_write_one
 *		hs_writer_write_one() under a dry run: the request is built and
 *		recorded, and the row counts as written; there is no record.
 */
static bool
dry_write_one(HsWriter *w, const HsWriteInput *input)
{
	if (w->op == HS_OP_UPSERT || HS_OP_ASSOCIATES(w->op))
	{
		HsWriteBatch *batch = hs_writer_batch_new(w, 1);

		batch->inputs[0] = *input;
		batch->ninputs = 1;
		dry_send(w, batch_request(batch), 1, true);
	}
	else
		dry_send(w, hs_api_write_single(w->table->object, w->op, input), 1, false);
	return true;
}

bool
hs_writer_write_one(HsWriter *w, const HsWriteInput *input, json_object **stored)
{
	HsApiRequest *req;
	HsResponse *resp;
	HsBatchResult r;

	*stored = NULL;
	if (w->dry_run != HS_DRY_RUN_OFF)
		return dry_write_one(w, input);
	if (w->op == HS_OP_UPSERT || HS_OP_ASSOCIATES(w->op))
	{
		/* HubSpot upserts (and writes associations) only in batches: a
		 * batch of one */
		HsWriteBatch *batch = hs_writer_batch_new(w, 1);

		batch->inputs[0] = *input;
		batch->ninputs = 1;
		batch_start(batch);
		batch_finish(batch);
		if (hs_writer_batch_result(batch) == 0)
			return false;
		/* batch_outcome() checked that the result names its record */
		*stored = batch->answer->results[0].record;
		return true;
	}

	req = hs_api_write_single(w->table->object, w->op, input);
	resp = send_request(w, req);
	if ((w->op == HS_OP_CREATE && resp->status != 200 && resp->status != 201) ||
		(w->op != HS_OP_CREATE && resp->status != 200 && resp->status != 204))
	{
		hs_answer_reject_single(w, resp, input->row, input->id);
		return false;
	}
	w->rows_applied++;
	if (w->op == HS_OP_ARCHIVE)
		return true;			/* no body needed */

	hs_api_parse_result(resp->json, &r);
	check_single_record(w, req, resp, input, &r);
	/* like a batch's: scans that began before must not see the record */
	if (w->op == HS_OP_CREATE)
		hs_visibility_created(w->table->object, r.id);
	*stored = r.record;
	return true;
}

/* ----------------------------------------------------------------
 *		The queue, and the batches in flight
 * ----------------------------------------------------------------
 */

/* statement.c: send what is queued when the executor run ends */
static void
flush_member(void *arg)
{
	hs_writer_flush((HsWriter *) arg);
}

void
hs_writer_set_buffered(HsWriter *w, bool buffered, bool can_set_tag)
{
	w->buffered = buffered;
	w->can_set_tag = can_set_tag;
}

/* A copy of an input in the current memory context. */
static void
copy_input(HsWriteInput *dst, const HsWriteInput *src)
{
	dst->row = src->row;
	dst->id = src->id ? pstrdup(src->id) : NULL;
	dst->nprops = src->nprops;
	dst->props = palloc(sizeof(HsWriteProp) * Max(src->nprops, 1));
	for (int i = 0; i < src->nprops; i++)
	{
		dst->props[i].name = pstrdup(src->props[i].name);
		dst->props[i].value = src->props[i].value ? pstrdup(src->props[i].value) : NULL;
	}
	dst->associations = src->associations ? pstrdup(src->associations) : NULL;
	dst->from_id = src->from_id ? pstrdup(src->from_id) : NULL;
	dst->to_id = src->to_id ? pstrdup(src->to_id) : NULL;
	dst->type_id = src->type_id;
	dst->category = src->category ? pstrdup(src->category) : NULL;
}

/*
 * collect_oldest
 *		Wait for the oldest batch in flight and take its answer apart, under
 *		an error context naming its rows; rows HubSpot rejected under
 *		on_error 'skip' come off the command's count.
 */
static void
collect_oldest(HsWriter *w)
{
	HsWriteBatch *batch = w->in_flight[0];
	ErrorContextCallback errcallback;
	MemoryContext oldcxt = MemoryContextSwitchTo(batch->cxt);
	int64		rejected_before = w->rows_rejected;

	hs_writer_begin_rows(w, &errcallback, batch->inputs[0].row,
						 batch->inputs[batch->ninputs - 1].row);
	w->current = batch;
	/* a batch settled before an error (settle_one) was counted there */
	if (batch->call != NULL)
	{
		batch_finish(batch);
		(void) hs_writer_batch_result(batch);
	}
	if (w->can_set_tag && w->rows_rejected > rejected_before)
		w->estate->es_processed -= w->rows_rejected - rejected_before;
	w->current = NULL;
	error_context_stack = errcallback.previous;

	w->nin_flight--;
	memmove(&w->in_flight[0], &w->in_flight[1],
			sizeof(HsWriteBatch *) * w->nin_flight);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(batch->cxt);
}

/*
 * dispatch
 *		Send the queued batch, once fewer than max_in_flight are in flight,
 *		and take apart the answers that have come (oldest first).
 */
static void
dispatch(HsWriter *w)
{
	HsWriteBatch *batch = w->queue;
	MemoryContext oldcxt;

	/* the queue is spent whatever happens: never send it twice */
	w->queue = NULL;
	if (w->dry_run != HS_DRY_RUN_OFF)
	{
		oldcxt = MemoryContextSwitchTo(batch->cxt);
		dry_send(w, batch_request(batch), batch->ninputs, true);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(batch->cxt);
		return;
	}
	while (w->nin_flight >= w->max_in_flight)
		collect_oldest(w);
	oldcxt = MemoryContextSwitchTo(batch->cxt);
	batch_start(batch);
	MemoryContextSwitchTo(oldcxt);
	w->in_flight[w->nin_flight++] = batch;

	/*
	 * A running scan must know the ids of records created before it reads
	 * on (it could read them before their answer came): creates are then
	 * answered one batch at a time.
	 */
	if ((w->op == HS_OP_CREATE || w->op == HS_OP_UPSERT) &&
		hs_visibility_scans_running())
	{
		while (w->nin_flight > 0)
			collect_oldest(w);
		return;
	}
	while (w->nin_flight > 0 && hs_call_poll(w->in_flight[0]->call))
		collect_oldest(w);
}

void
hs_writer_queue(HsWriter *w, const HsWriteInput *input)
{
	MemoryContext oldcxt;

	if (w->queue == NULL)
	{
		MemoryContext cxt = AllocSetContextCreate(w->queue_cxt,
												  "hubspot_fdw batch",
												  ALLOCSET_DEFAULT_SIZES);

		oldcxt = MemoryContextSwitchTo(cxt);
		w->queue = hs_writer_batch_new(w, w->batch_size);
		w->queue->cxt = cxt;
	}
	else
		oldcxt = MemoryContextSwitchTo(w->queue->cxt);
	copy_input(&w->queue->inputs[w->queue->ninputs++], input);
	MemoryContextSwitchTo(oldcxt);
	if (w->queue->ninputs >= w->queue->capacity)
		dispatch(w);
}

/*
 * hs_writer_flush
 *		Send what is queued, and wait for every batch in flight.
 */
void
hs_writer_flush(HsWriter *w)
{
	if (w->queue != NULL && w->queue->ninputs > 0)
		dispatch(w);
	while (w->nin_flight > 0)
		collect_oldest(w);
}

/* statement.c: are requests of this writer in flight? */
static bool
member_in_flight(void *arg)
{
	HsWriter   *w = (HsWriter *) arg;

	for (int i = 0; i < w->nin_flight; i++)
		if (w->in_flight[i]->call != NULL)
			return true;
	return false;
}

/*
 * statement.c, before it raises an error again: settle every batch in
 * flight (wait for it, send nothing more, count what HubSpot applied).
 */
static void
member_settle(void *arg)
{
	HsWriter   *w = (HsWriter *) arg;
	MemoryContext oldcxt = CurrentMemoryContext;

	w->settling = true;
	for (int i = 0; i < w->nin_flight; i++)
		if (w->in_flight[i]->call != NULL)
		{
			MemoryContextSwitchTo(w->in_flight[i]->cxt);
			settle_one(w->in_flight[i]);
		}
	MemoryContextSwitchTo(oldcxt);
}

/* ----------------------------------------------------------------
 *		Setup, end, EXPLAIN
 * ----------------------------------------------------------------
 */

HsWriter *
hs_writer_create(HsTable *table, HsWriteOp op, EState *estate, Oid userid)
{
	HsWriter   *w = palloc0(sizeof(HsWriter));

	w->table = table;
	w->op = op;
	w->batch_size = Min(Max(table->batch_size, 1), HS_MAX_BATCH_SIZE);
	w->estate = estate;
	w->dry_run = hs_dry_run;
	if (!OidIsValid(userid))
		return w;
	if (w->dry_run != HS_DRY_RUN_OFF)
		hs_dryrun_table(hs_writer_op_info[op].statement, table->relname);

	w->conn = hs_connect(table->serverid, userid);
	w->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "hubspot_fdw batch data",
										 ALLOCSET_DEFAULT_SIZES);
	w->queue_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "hubspot_fdw queued rows",
										 ALLOCSET_DEFAULT_SIZES);
	w->max_in_flight = Max(table->max_concurrent_requests, 1);
	w->in_flight = palloc0(sizeof(HsWriteBatch *) * w->max_in_flight);
	w->member.relname = table->relname;
	w->member.done = hs_writer_op_info[op].done;
	w->member.applied = &w->rows_applied;
	w->member.in_flight = member_in_flight;
	w->member.settle = member_settle;
	w->member.report_unknown = report_member_in_flight;
	hs_statement_register(&w->member, estate, flush_member, w);
	return w;
}

/*
 * hs_writer_outcomes
 *		What HubSpot did to the writer's rows so far: created (creates, upserts
 *		HubSpot called new, associations made), updated (updates, the other
 *		upserts), archived (archives, associations removed), rejected (under
 *		on_error 'skip').
 */
void
hs_writer_outcomes(const HsWriter *w, int64 *created, int64 *updated,
				   int64 *archived, int64 *rejected)
{
	*created = *updated = *archived = 0;
	*rejected = w->rows_rejected;
	if (w->op == HS_OP_UPSERT)
	{
		*created = w->upsert_created;
		*updated = w->rows_applied - w->upsert_created;
	}
	else if (HS_OP_REMOVES(w->op))
		*archived = w->rows_applied;
	else if (w->op == HS_OP_UPDATE)
		*updated = w->rows_applied;
	else
		*created = w->rows_applied;
}

void
hs_writer_end(HsWriter *w)
{
	int64		created,
				updated,
				archived,
				rejected;

	/* normally sent at the end of the executor run already */
	hs_writer_flush(w);
	hs_statement_unregister(&w->member);
	hs_writer_outcomes(w, &created, &updated, &archived, &rejected);
	hs_usage_rows_done(created, updated, archived, rejected);
	/* a COPY that loaded the library has no statement hooks to tell it */
	if (w->dry_run != HS_DRY_RUN_OFF && !hs_statement_reports_writes())
		hs_dryrun_statement_end();
	if (w->batch_cxt != NULL)
	{
		MemoryContextDelete(w->batch_cxt);
		w->batch_cxt = NULL;
	}
}

void
hs_writer_explain(HsWriter *w, int batch_size, ExplainState *es)
{
	/* one upsert is still a batch/upsert request */
	bool		batched = batch_size > 1 || w->buffered || w->op == HS_OP_UPSERT;
	bool		skip = w->table->on_error_skip;

	ExplainPropertyText("HubSpot Request",
						hs_api_write_endpoint(w->table->object, w->op, batched),
						es);
	ExplainPropertyInteger("Batch Size", NULL, batch_size, es);
	if (batched && es->verbose)
		ExplainPropertyInteger("HubSpot Max Concurrent Requests", NULL,
							   w->table->max_concurrent_requests, es);
	if (w->op == HS_OP_UPSERT)
		ExplainPropertyText("HubSpot Upsert Key", w->table->id_property, es);
	if (es->verbose || skip)
		ExplainPropertyText("HubSpot On Error", skip ? "skip" : "abort", es);
	hs_writer_explain_dry_run(w, NULL, es);
	if (es->analyze)
	{
		int64		created,
					updated,
					archived,
					rejected;

		hs_api_explain_stats(&w->stats, es);
		hs_writer_outcomes(w, &created, &updated, &archived, &rejected);
		hs_usage_explain_rows(created, updated, archived, rejected, es);
		if (skip)
			ExplainPropertyInteger("HubSpot Rows Rejected", NULL, w->rows_rejected, es);
		if (w->op == HS_OP_UPSERT)
			ExplainPropertyInteger("HubSpot Records Created", NULL, w->upsert_created, es);
	}
}

void
hs_writer_explain_dry_run(HsWriter *w, HsWriter *also, ExplainState *es)
{
	if (w->dry_run == HS_DRY_RUN_OFF)
		return;
	ExplainPropertyText("HubSpot Dry Run",
						es->analyze ? "nothing was sent" : "nothing will be sent", es);
	if (es->analyze)
		ExplainPropertyInteger("HubSpot Requests Not Sent", NULL,
							   w->dry_requests + (also ? also->dry_requests : 0), es);
}
