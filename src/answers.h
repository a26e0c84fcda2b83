/*-------------------------------------------------------------------------
 *
 * answers.h
 *		HubSpot's answers to writes taken apart and reported (answers.c),
 *		for the write pipeline (writer.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_ANSWERS_H
#define HUBSPOT_ANSWERS_H

#include "postgres.h"

#include "writes.h"

/* Words for each kind of write, in messages. */
typedef struct HsWriterOpInfo
{
	const char *statement;		/* for errcontext */
	const char *batch;			/* endpoint suffix */
	const char *done;			/* what HubSpot did to accepted rows */
	const char *command;		/* for warnings */
} HsWriterOpInfo;

extern const HsWriterOpInfo hs_writer_op_info[];

/* Which rows the results name, and what about them does not fit. */
typedef struct ResultMatch
{
	bool	   *written;		/* per input: a result names it */
	bool	   *unidentified;	/* per input: its result has no record id,
								 * or (update) not the row's */
	int			nunidentified;	/* results without a proper record id,
								 * those naming no row included */
	bool		all_identified; /* every result names an input */
	bool		duplicate;		/* two results for one row or record */
	bool		unmatched;		/* a result for a row that was not sent */
} ResultMatch;

/* What an answer says about a batch, before anything is reported. */
typedef struct BatchCount
{
	ResultMatch m;
	List	   *rejected;		/* RejectedRow */
	bool		mismatch;		/* the answer does not account for the batch */
	int			known;			/* rows known written */
} BatchCount;

/*
 * hs_answer_count
 *		Count what HubSpot wrote in a batch answer and collect the rows it
 *		rejected (marking them in batch->rejected); reports nothing.  Only
 *		rows known written count: when the answer does not match the batch,
 *		those are the rows it names, never more than were sent.
 */
extern void hs_answer_count(HsWriteBatch *batch, const HsBatchAnswer *answer,
							BatchCount *c);

/*
 * hs_answer_outcome
 *		Count what HubSpot wrote (into the writer's rows_applied), and report
 *		the rows whose outcome is unknown (ERROR 08007) and those it rejected
 *		(ERROR under on_error 'abort', WARNINGs under 'skip').
 */
extern void hs_answer_outcome(HsWriteBatch *batch, const HsBatchAnswer *answer);

/* A single-row write HubSpot refused: ERROR (abort) or WARNING (skip). */
extern void hs_answer_reject_single(HsWriter *w, HsResponse *resp, int64 row,
									const char *ident);

/* "12, 40" for the rejected rows of a BatchCount, or NULL when none */
extern char *hs_answer_rejected_rows_text(List *rejected);

/* " (id 123)" or " (sku ABC)" for a row with an id or key, else "" */
extern char *hs_answer_describe_ident(HsWriter *w, const char *ident);

#endif							/* HUBSPOT_ANSWERS_H */
