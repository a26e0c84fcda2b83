/*-------------------------------------------------------------------------
 *
 * writes.h
 *		The write pipeline's types: a modification's writer (HsWriter) and
 *		its batches (HsWriteBatch), shared by writer.c, which sends them,
 *		and answers.c, which takes HubSpot's answers apart.  Types only.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_WRITES_H
#define HUBSPOT_WRITES_H

#include "postgres.h"

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
	MemoryContext cxt;			/* queued batch: everything of it */
	HsApiRequest *request;		/* built when sent */
	struct HsCall *call;		/* in flight */
	HsStats		stats;			/* of its request; its fate */
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
	int			max_in_flight;	/* batches in flight at most */

	int64		rows_applied;	/* rows HubSpot reported as written */
	int64		rows_rejected;	/* rows skipped under on_error 'skip' */
	int64		upsert_created; /* upserts HubSpot reported as new */

	/* dry run (dryrun.h): requests built but not sent, and their inputs */
	int			dry_run;		/* hubspot_fdw.dry_run when it began */
	int64		dry_requests;
	int64		dry_rows;

	/* for errcontext: the rows being checked, or of the request in flight */
	int64		first_row;
	int64		last_row;
	bool		sending;		/* is a request of these rows in flight? */

	/* queued inputs: the batch being filled, and those in flight */
	MemoryContext queue_cxt;	/* parent of the batches' contexts */
	MemoryContext batch_cxt;	/* request and answer of a single write */
	HsWriteBatch *queue;
	HsWriteBatch **in_flight;	/* oldest first */
	int			nin_flight;
	HsWriteBatch *current;		/* whose answer is being taken apart */
	bool		settling;		/* waiting out the others before an error */
	char	   *also_rejected;	/* "12, 40" rows rejected in batches settled
								 * before an error, or NULL */
	List	   *unknown_rows;	/* "rows a to b" of requests in flight when
								 * the statement failed, whose outcome is
								 * unknown */

	/* flushing at the end of the executor run; what was applied, on error */
	EState	   *estate;
	bool		can_set_tag;	/* does the row count come from us? */
	HsStatementMember member;
};

#endif							/* HUBSPOT_WRITES_H */
