/*-------------------------------------------------------------------------
 *
 * statement.h
 *		Statements of hubspot_fdw (statement.c): the executor hooks, the
 *		registry of modifications to flush at the end of the executor run,
 *		and what a failed statement tells about the rows it wrote.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_STATEMENT_H
#define HUBSPOT_STATEMENT_H

#include "postgres.h"

#include "lib/ilist.h"
#include "nodes/execnodes.h"

/* A running modification, as the statement sees it. */
typedef struct HsStatementMember
{
	dlist_node	node;
	EState	   *estate;
	void		(*flush) (void *arg);	/* send what is buffered, or NULL */
	void	   *arg;
	const char *relname;
	const char *done;			/* what HubSpot does to its rows: "created",
								 * "updated", ...; a static string */
	const int64 *applied;		/* how many rows HubSpot did it to */
	/*
	 * Requests in flight (may be NULL): does it have some, wait for them
	 * counting what HubSpot applied (before an error is raised again), and
	 * errcontext for rows whose outcome is unknown.
	 */
	bool		(*in_flight) (void *arg);
	void		(*settle) (void *arg);
	void		(*report_unknown) (void *arg);
	bool		registered;
	bool		orphan;			/* registered outside every hook */
	int			depth;			/* statement level it registered at */
	MemoryContextCallback reset_cb;
} HsStatementMember;

/* Install the executor and utility hooks (from _PG_init). */
extern void hs_statement_init(void);
/*
 * Register a running modification of executor state estate (whose query
 * memory holds m).  flush (may be NULL) sends what it buffers, called at the
 * end of the executor run: the only way statement.c calls a writer.  The
 * caller fills m->relname, m->done and m->applied, which the statement's
 * error context reports.  Unregistered by hs_statement_unregister() or when
 * estate's query memory goes away, on the error path included.
 */
extern void hs_statement_register(HsStatementMember *m, EState *estate,
								  void (*flush) (void *arg), void *arg);
/*
 * The modification ends.  Inside a statement that goes on (a function's
 * INSERT), what it wrote is kept for the outer statement's errors.
 */
extern void hs_statement_unregister(HsStatementMember *m);
/*
 * Does a statement-level error context tell what HubSpot applied?  When it
 * does not (the library was loaded in the middle of a COPY), the
 * modification's own error context must.
 */
extern bool hs_statement_reports_writes(void);
/*
 * Before hubspot_fdw raises an error of its own: wait for the requests that
 * running modifications have in flight (sending nothing more), counting what
 * HubSpot applied, so that the error's context tells it exactly.  A request
 * whose answer is being taken apart is no longer in flight.
 */
extern void hs_statement_settle(void);
/*
 * Run fn(arg) as a statement level of its own, under the error context that
 * tells what HubSpot applied (for writes sent at COMMIT, outside every
 * statement).
 */
extern void hs_statement_run(void (*fn) (void *arg), void *arg);
/* set around hubspot_fdw's own WARNINGs, which carry error SQLSTATEs */
extern PGDLLIMPORT bool hs_statement_context_muted;

#endif							/* HUBSPOT_STATEMENT_H */
