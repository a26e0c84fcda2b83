/*-------------------------------------------------------------------------
 *
 * answers.c
 *		HubSpot's answers to hubspot_fdw's writes, taken apart: which rows
 *		were written, rejected or left unknown, and how that is reported
 *		(the on_error policy, 08007 for rows whose outcome is unknown).
 *
 * HubSpot has no transactions: rows of batches already sent stay written
 * when a later batch fails, and every error says how many there are.  Rows
 * HubSpot rejects either fail the statement (on_error 'abort') or are
 * reported as WARNINGs and left out of the row count (on_error 'skip').  A
 * batch answer that does not account for every row it was sent is an ERROR
 * (08007) naming the rows whose outcome is unknown, whatever on_error says;
 * so is an answer that does not identify the record HubSpot wrote.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "answers.h"
#include "errors.h"
#include "statement.h"
#include "visibility.h"

const HsWriterOpInfo hs_writer_op_info[] =
{
	[HS_OP_CREATE] = {"INSERT into", "create", "created", "INSERT"},
	[HS_OP_UPSERT] = {"INSERT into", "upsert", "created or updated", "INSERT"},
	[HS_OP_UPDATE] = {"UPDATE of", "update", "updated", "UPDATE"},
	[HS_OP_ARCHIVE] = {"DELETE from", "archive", "archived", "DELETE"},
	[HS_OP_ASSOC_CREATE] = {"INSERT into", "create", "created", "INSERT"},
	[HS_OP_ASSOC_DEFAULT] = {"INSERT into", "associate/default", "created", "INSERT"},
	[HS_OP_ASSOC_ARCHIVE] = {"DELETE from", "labels/archive", "removed", "DELETE"},
};

/* A row HubSpot rejected, with what it said. */
typedef struct RejectedRow
{
	int64		row;			/* row number in the statement, 0 if unknown */
	const char *ident;			/* id or key, NULL if unknown */
	const char *category;
	char	   *message;
} RejectedRow;

/* ----------------------------------------------------------------
 *		Rejected rows
 * ----------------------------------------------------------------
 */

static int
rejected_cmp_list(const ListCell *a, const ListCell *b)
{
	int64		ra = ((const RejectedRow *) lfirst(a))->row;
	int64		rb = ((const RejectedRow *) lfirst(b))->row;

	/* rows HubSpot did not identify last */
	if (ra == 0 || rb == 0)
		return (ra == 0) - (rb == 0);
	return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/* A rejection of input i of batch (-1: of no row it names). */
static RejectedRow *
new_rejected(HsWriteBatch *batch, int i, const HsBatchError *err)
{
	RejectedRow *r = palloc0(sizeof(RejectedRow));

	if (i >= 0)
	{
		r->row = batch->inputs[i].row;
		r->ident = batch->inputs[i].id;
		batch->rejected[i] = true;
	}
	r->category = err->category;
	r->message = err->message;
	return r;
}

/*
 * collect_rejected_rows
 *		The rows an error of a batch answer names, through
 *		context.objectWriteTraceId (row numbers) or context.ids (ids or
 *		keys); one row 0 when it names none of this batch's rows.
 */
static List *
collect_rejected_rows(List *list, const HsBatchError *err, HsWriteBatch *batch)
{
	int			before = list_length(list);
	bool		any = false;

	for (int k = 0; k < err->ntraces; k++)
	{
		int64		row = err->traces[k] ? strtoll(err->traces[k], NULL, 10) : 0;

		for (int i = 0; i < batch->ninputs; i++)
			if (batch->inputs[i].row == row && !batch->rejected[i])
			{
				list = lappend(list, new_rejected(batch, i, err));
				any = true;
			}
	}
	for (int k = 0; !any && k < err->nids; k++)
		for (int i = 0; i < batch->ninputs; i++)
			if (err->ids[k] && batch->inputs[i].id && !batch->rejected[i] &&
				strcmp(batch->inputs[i].id, err->ids[k]) == 0)
				list = lappend(list, new_rejected(batch, i, err));
	if (!any && list_length(list) == before)
		list = lappend(list, new_rejected(batch, -1, err));
	return list;
}

/* " (id 123)" or " (sku ABC)" for a row with an id or key, else "" */
char *
hs_answer_describe_ident(HsWriter *w, const char *ident)
{
	if (ident == NULL)
		return "";
	/* an association's ident is its description: "deal 1 to line_item 2" */
	if (HS_OP_ASSOCIATES(w->op))
		return psprintf(" (%s)", ident);
	return psprintf(" (%s %s)",
					w->op == HS_OP_UPSERT ? w->table->id_property : "id", ident);
}

static char *
describe_rejected(HsWriter *w, RejectedRow *r)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (r->row > 0)
		appendStringInfo(&buf, "row " INT64_FORMAT, r->row);
	else
		appendStringInfoString(&buf, "a row HubSpot did not identify");
	appendStringInfoString(&buf, hs_answer_describe_ident(w, r->ident));
	appendStringInfo(&buf, ": %s: %s", r->category ? r->category : "ERROR",
					 r->message);
	return buf.data;
}

/* on_error 'skip': a WARNING for each rejected row, which is not counted */
static void
warn_rejected_rows(HsWriter *w, List *rejected)
{
	ListCell   *lc;
	const char *stmt = hs_writer_op_info[w->op].command;

	foreach(lc, rejected)
	{
		RejectedRow *r = (RejectedRow *) lfirst(lc);
		char	   *ident = hs_answer_describe_ident(w, r->ident);

		/* a warning, though its SQLSTATE is an error's: no statement context */
		hs_statement_context_muted = true;
		ereport(WARNING,
				(errcode(hs_errcode_for_rejection(r->category, r->message)),
				 r->row > 0 ?
				 errmsg("HubSpot rejected row " INT64_FORMAT "%s of the %s; skipping it",
						r->row, ident, stmt) :
				 errmsg("HubSpot rejected a row of the %s without naming it; skipping it",
						stmt),
				 errdetail("%s: %s", r->category ? r->category : "ERROR", r->message)));
		hs_statement_context_muted = false;
	}
	w->rows_rejected += list_length(rejected);
}

/*
 * report_rejected_rows
 *		Rows HubSpot rejected in a request that applied "applied" others:
 *		on_error 'abort' raises one ERROR listing them, with a hint counting
 *		what HubSpot already wrote; 'skip' warns about each and goes on.
 */
static void
report_rejected_rows(HsWriter *w, List *rejected, int ninputs, int applied)
{
	ListCell   *lc;
	StringInfoData detail;
	const char *category = NULL;
	const char *message = NULL;
	const char *done = hs_writer_op_info[w->op].done;

	list_sort(rejected, rejected_cmp_list);
	if (w->table->on_error_skip)
	{
		warn_rejected_rows(w, rejected);
		return;
	}
	hs_statement_settle();

	initStringInfo(&detail);
	foreach(lc, rejected)
	{
		RejectedRow *r = (RejectedRow *) lfirst(lc);

		if (category == NULL)
			category = r->category;
		if (message == NULL)
			message = r->message;
		if (detail.len > 0)
			appendStringInfoChar(&detail, '\n');
		appendStringInfoString(&detail, describe_rejected(w, r));
	}

	ereport(ERROR,
			(errcode(hs_errcode_for_rejection(category, message)),
			 ninputs == 1 ?
			 errmsg("HubSpot rejected the row") :
			 errmsg("HubSpot rejected %d of %d rows of a batch %s",
					list_length(rejected), ninputs, hs_writer_op_info[w->op].batch),
			 errdetail("%s", detail.data),
			 ninputs == 1 ?
			 errhint("This error does not undo HubSpot writes. With on_error 'skip', rejected rows are reported as warnings instead.") :
			 applied == 0 ?
			 errhint("HubSpot %s no other row of this batch. With on_error 'skip', rejected rows are reported as warnings instead.",
					 done) :
			 errhint("HubSpot %s the other %s of this batch; this error does not undo HubSpot writes. With on_error 'skip', rejected rows are reported as warnings instead.",
					 done, applied == 1 ? "row" : psprintf("%d rows", applied))));
}

/*
 * Is a failed single-row write a rejection of that row (not of the request)?
 * A 404 is one only for a PATCH: the record is gone.
 */
static bool
is_row_rejection(HsWriter *w, HsResponse *resp)
{
	return resp->status == 400 || resp->status == 409 ||
		(resp->status == 404 && w->op == HS_OP_UPDATE);
}

/*
 * reject_single
 *		A single-row write HubSpot refused: ERROR (abort) or WARNING (skip).
 */
void
hs_answer_reject_single(HsWriter *w, HsResponse *resp, int64 row, const char *ident)
{
	RejectedRow *r = palloc0(sizeof(RejectedRow));
	HsBatchError *err;

	if (!is_row_rejection(w, resp) || !w->table->on_error_skip)
		hs_report_response_error(resp);
	err = hs_api_parse_rejection(resp);
	r->row = row;
	r->ident = ident;
	r->category = err->category;
	r->message = err->message;
	report_rejected_rows(w, list_make1(r), 1, 0);
}

/* ----------------------------------------------------------------
 *		Batch answers
 * ----------------------------------------------------------------
 */

/*
 * report_unknown_rows
 *		A batch answer that accounts for fewer (or more) rows than were sent:
 *		the rows it says nothing about may or may not have been written, and
 *		that is an ERROR (08007) naming them, whatever on_error says.
 *		written (may be NULL when results cannot be matched to rows) marks
 *		the rows with a result.
 */
static void
report_unknown_rows(HsWriteBatch *batch, bool *written, int applied, int nrejected)
{
	HsWriter   *w = batch->writer;
	HsResponse *resp = batch->response;
	int			n = batch->ninputs;
	StringInfoData which;
	int			listed = 0;
	char	   *request;

	initStringInfo(&which);
	for (int i = 0; written != NULL && i < n; i++)
	{
		if (written[i] || batch->rejected[i])
			continue;
		if (listed++ == 20)
		{
			appendStringInfoString(&which, ", ...");
			break;
		}
		appendStringInfo(&which, "%s" INT64_FORMAT "%s", listed > 1 ? ", " : "",
						 batch->inputs[i].row, hs_answer_describe_ident(w, batch->inputs[i].id));
	}
	request = hs_request_detail(batch->request->method, batch->request->path,
								"HTTP status %ld; %d written, %d rejected; correlationId %s",
								resp->status, applied, nrejected,
								resp->correlation_id[0] ? resp->correlation_id : "none");
	batch->stats.outcome_unknown = true;
	hs_statement_settle();
	ereport(ERROR,
			(errcode(HS_ERRCODE_UNKNOWN_OUTCOME),
			 applied + nrejected > n || written == NULL ?
			 errmsg("HubSpot's answer to a batch %s of %d row%s does not match it: rows of it may or may not have been %s",
					hs_writer_op_info[w->op].batch, n, n == 1 ? "" : "s",
					hs_writer_op_info[w->op].done) :
			 errmsg("HubSpot's answer accounts for %d of the %d rows of a batch %s: the others may or may not have been %s",
					applied + nrejected, n, hs_writer_op_info[w->op].batch,
					hs_writer_op_info[w->op].done),
			 which.len > 0 ?
			 errdetail("Rows without an answer: %s. %s", which.data, request) :
			 errdetail("%s", request),
			 errhint("Check these rows in HubSpot.")));
}


/*
 * match_results
 *		Which rows the results are for: updates carry their id, and results
 *		may echo objectWriteTraceId.  A row with neither a result nor an
 *		error may or may not have been written.
 */
static void
match_results(HsWriteBatch *batch, const HsBatchAnswer *answer, ResultMatch *m)
{
	bool		by_id = batch->writer->op == HS_OP_UPDATE;

	m->written = palloc0(sizeof(bool) * Max(batch->ninputs, 1));
	m->unidentified = palloc0(sizeof(bool) * Max(batch->ninputs, 1));
	m->nunidentified = 0;
	m->all_identified = true;
	m->duplicate = m->unmatched = false;
	for (int k = 0; k < answer->nresults; k++)
	{
		const HsBatchResult *r = &answer->results[k];
		bool		found = false;

		if (r->id == NULL)
			m->nunidentified++;
		for (int i = 0; i < batch->ninputs && !found; i++)
		{
			const HsWriteInput *in = &batch->inputs[i];
			bool		same_id = r->id != NULL && in->id != NULL &&
				strcmp(in->id, r->id) == 0;

			if ((r->trace != NULL && in->row == strtoll(r->trace, NULL, 10)) ||
				(by_id && same_id))
			{
				if (m->written[i])
					m->duplicate = true;	/* two results for one row */
				found = m->written[i] = true;
				/* an update's result is for the row's record */
				if (r->id == NULL || (by_id && !same_id))
				{
					if (r->id != NULL)
						m->nunidentified++;
					m->unidentified[i] = true;
				}
			}
		}
		if (!found)
			m->all_identified = false;
		/* a result for a row that was not sent: the answer is wrong */
		if (!found && (r->trace != NULL || by_id))
			m->unmatched = true;
		/* two results for one record */
		for (int j = 0; j < k && r->id != NULL; j++)
			if (answer->results[j].id != NULL && strcmp(answer->results[j].id, r->id) == 0)
				m->duplicate = true;
	}
}

/*
 * report_unidentified_rows
 *		Results that do not identify the record HubSpot wrote: no record, a
 *		record without a HubSpot record id, or (update) another record's id.
 *		The rows were written, but which records they are is unknown, and
 *		RETURNING, AFTER triggers and the statement's scans cannot be told:
 *		an ERROR (08007) naming them, whatever on_error says.
 */
static void
report_unidentified_rows(HsWriteBatch *batch, const ResultMatch *m)
{
	HsWriter   *w = batch->writer;
	HsResponse *resp = batch->response;
	int			n = batch->ninputs;
	StringInfoData which;
	int			named = 0;
	char	   *request;

	initStringInfo(&which);
	for (int i = 0; i < n; i++)
	{
		if (!m->unidentified[i])
			continue;
		if (++named == 21)
			appendStringInfoString(&which, ", ...");
		if (named > 20)
			continue;
		appendStringInfo(&which, "%s" INT64_FORMAT "%s", named > 1 ? ", " : "",
						 batch->inputs[i].row,
						 hs_answer_describe_ident(w, batch->inputs[i].id));
	}
	if (m->nunidentified > named)
		appendStringInfo(&which, "%s%d result%s naming no row", named > 0 ? "; " : "",
						 m->nunidentified - named,
						 m->nunidentified - named == 1 ? "" : "s");
	request = hs_request_detail(batch->request->method, batch->request->path,
								"HTTP status %ld; correlationId %s", resp->status,
								resp->correlation_id[0] ? resp->correlation_id : "none");
	hs_statement_settle();
	ereport(ERROR,
			(errcode(HS_ERRCODE_UNKNOWN_OUTCOME),
			 n == 1 && named == 1 ?
			 errmsg("HubSpot %s row " INT64_FORMAT "%s, but its answer does not identify the record",
					hs_writer_op_info[w->op].done, batch->inputs[0].row,
					hs_answer_describe_ident(w, batch->inputs[0].id)) :
			 errmsg("HubSpot %s rows of a batch %s, but its answer does not identify the records of %d of them",
					hs_writer_op_info[w->op].done, hs_writer_op_info[w->op].batch,
					Max(m->nunidentified, named)),
			 errdetail("Rows whose record is unknown: %s. %s", which.data, request),
			 errhint("Check these rows in HubSpot.")));
}

/* An error that named no row is that of a row without a result. */
static void
assign_unnamed_errors(HsWriteBatch *batch, const bool *written, List *rejected)
{
	for (int i = 0; i < batch->ninputs; i++)
	{
		ListCell   *lc;

		if (written[i] || batch->rejected[i])
			continue;
		foreach(lc, rejected)
		{
			RejectedRow *r = (RejectedRow *) lfirst(lc);

			if (r->row == 0 && r->ident == NULL)
			{
				r->row = batch->inputs[i].row;
				r->ident = batch->inputs[i].id;
				batch->rejected[i] = true;
				break;
			}
		}
	}
}

/* Records this statement created: its scans must not see them. */
static void
note_created(HsWriteBatch *batch, const HsBatchAnswer *answer)
{
	HsWriter   *w = batch->writer;

	for (int k = 0; k < answer->nresults; k++)
	{
		const HsBatchResult *r = &answer->results[k];

		if (w->op == HS_OP_UPSERT && r->is_new)
			w->upsert_created++;
		else if (w->op == HS_OP_UPSERT && !batch->stats.resent)
			continue;			/* it existed before: scans see it */

		/*
		 * A create, or an upsert result after a resend: "new": false may
		 * then be the record the first attempt created.  Hiding a record that
		 * existed before from the statement's running scans is the lesser
		 * harm than copying it again.
		 */
		if (r->id != NULL)
			hs_visibility_created(w->table->object, r->id);
	}
}


/*
 * batch_count
 *		Count what HubSpot wrote and collect the rows it rejected (marking
 *		them in batch->rejected); reports nothing.  Only rows known written
 *		count: when the answer does not match the batch, those are the rows
 *		it names, never more than were sent.
 */
void
hs_answer_count(HsWriteBatch *batch, const HsBatchAnswer *answer, BatchCount *c)
{
	int			n = batch->ninputs;
	int			applied = answer->nresults;
	ResultMatch m0 = {NULL, NULL, 0, true, false, false};

	c->m = m0;
	c->rejected = NIL;
	for (int k = 0; k < answer->nerrors; k++)
		c->rejected = collect_rejected_rows(c->rejected, &answer->errors[k], batch);
	if (answer->has_results)
	{
		match_results(batch, answer, &c->m);
		if (c->m.all_identified)
			assign_unnamed_errors(batch, c->m.written, c->rejected);
	}
	if (batch->writer->op == HS_OP_CREATE || batch->writer->op == HS_OP_UPSERT)
		note_created(batch, answer);

	c->mismatch = applied + list_length(c->rejected) != n || c->m.duplicate ||
		c->m.unmatched;
	c->known = applied;
	if (c->mismatch && c->m.written != NULL && c->m.all_identified)
	{
		c->known = 0;
		for (int i = 0; i < n; i++)
			c->known += c->m.written[i] ? 1 : 0;
	}
	else if (c->mismatch)
		c->known = Min(applied, n - list_length(c->rejected));
	if (c->m.unmatched)
		c->known = 0;
}

/*
 * batch_outcome
 *		Count what HubSpot wrote, and report the rows whose outcome is
 *		unknown and those it rejected.
 */
void
hs_answer_outcome(HsWriteBatch *batch, const HsBatchAnswer *answer)
{
	HsWriter   *w = batch->writer;
	BatchCount	c;

	hs_answer_count(batch, answer, &c);
	w->rows_applied += c.known;
	if (c.mismatch)
		report_unknown_rows(batch,
							c.m.written != NULL && c.m.all_identified ? c.m.written : NULL,
							answer->nresults, list_length(c.rejected));
	if (c.m.nunidentified > 0)
		report_unidentified_rows(batch, &c.m);
	if (c.rejected != NIL)
		report_rejected_rows(batch->writer, c.rejected, batch->ninputs,
							 answer->nresults);
}

/*
 * hs_answer_rejected_rows_text
 *		"12, 40 (sku A)" for the rejected rows (RejectedRow) of a count, in
 *		row order, at most 20 and "..."; NULL when there are none.
 */
char *
hs_answer_rejected_rows_text(List *rejected)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	if (rejected == NIL)
		return NULL;
	list_sort(rejected, rejected_cmp_list);
	initStringInfo(&buf);
	foreach(lc, rejected)
	{
		RejectedRow *r = (RejectedRow *) lfirst(lc);

		if (n++ == 20)
		{
			appendStringInfoString(&buf, ", ...");
			break;
		}
		if (r->row > 0)
			appendStringInfo(&buf, "%s" INT64_FORMAT, n > 1 ? ", " : "", r->row);
		else
			appendStringInfo(&buf, "%sone HubSpot did not identify", n > 1 ? ", " : "");
	}
	return buf.data;
}
