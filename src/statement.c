/*-------------------------------------------------------------------------
 *
 * statement.c
 *		What hubspot_fdw does at the level of a whole statement: the executor
 *		and utility hooks, the registry of running modifications, and the
 *		error context that tells what HubSpot already applied.
 *
 * Modifications (modify.c) register here with a callback that sends what
 * they still buffer, called when the statement's executor run (or finish)
 * ends, before the command tag is built, and with a running count of the
 * rows HubSpot wrote for them.  The error context pushed by the hooks adds
 * a line with those counts to every ERROR raised while a statement runs,
 * whoever raised it: hubspot_fdw, or PostgreSQL itself (an expression, a
 * COPY parse error, a constraint, a trigger), because HubSpot keeps what it
 * was sent.  Only the outermost statement level reports; the counts of
 * nested statements that ended (a function's INSERT) are kept until it ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "tcop/utility.h"
#include "utils/memutils.h"

#include "statement.h"
#include "dryrun.h"
#include "usage.h"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* running modifications, of every statement level */
static dlist_head members = DLIST_STATIC_INIT(members);

/* how many statement levels have pushed the error context */
static int	statement_depth = 0;

/*
 * A statement that loaded this library while it ran (a session's first
 * statement being COPY into a foreign table) has no hook on the stack: its
 * modifications push this one error context themselves, from their first
 * registration to their last unregistration.
 */
static ErrorContextCallback orphan_callback;
static int	orphan_members = 0;

/* set around hubspot_fdw's own WARNINGs, which carry error SQLSTATEs */
bool		hs_statement_context_muted = false;

/*
 * What modifications of nested statements that have ended (an INSERT in a
 * function the statement called) had HubSpot do: their writes stay too.
 * Forgotten when the outermost statement level ends.
 */
typedef struct RetiredTally
{
	char		relname[NAMEDATALEN];
	const char *done;
	int64		count;
} RetiredTally;

static MemoryContext retired_cxt = NULL;
static List *retired = NIL;

bool		hs_statement_at_commit = false;

static void
report_tally(const char *relname, const char *done, int64 count)
{
	if (count > 0)
		errcontext("HubSpot had already %s " INT64_FORMAT " row%s of foreign table \"%s\" %s; %s %s",
				   done, count, count == 1 ? "" : "s", relname,
				   hs_statement_at_commit ? "at this COMMIT" : "in this statement",
				   count == 1 ? "it stays" : "they stay", done);
}

/*
 * The statement-level error context: only the outermost level reports, so
 * that a nested statement's writes (a function's INSERT) are told once.
 */
/* Did the statement's error context leave its lines to a later raise? */
static bool context_deferred = false;

/*
 * Can the outermost level raise an error again under its error context?
 * Only when it is the whole statement: its hook frame began with no error
 * context outside it.  Not when the library loaded in the middle of a
 * statement (its lines would come twice, or the level is an orphan's).
 */
static bool can_raise_again = false;

/* Has a running modification requests in flight? */
static bool
members_in_flight(void)
{
	dlist_iter	iter;

	dlist_foreach(iter, &members)
	{
		HsStatementMember *m = dlist_container(HsStatementMember, node, iter.cur);

		if (m->in_flight != NULL && m->in_flight(m->arg))
			return true;
	}
	return false;
}

/* Is an error one that is raised again after settling (not a cancel)? */
static bool
settles_first(int sqlerrcode)
{
	return ERRCODE_TO_CATEGORY(sqlerrcode) != ERRCODE_TO_CATEGORY(ERRCODE_QUERY_CANCELED);
}

static void
statement_error_callback(void *arg)
{
	dlist_iter	iter;
	ListCell   *lc;
	int			category = ERRCODE_TO_CATEGORY(geterrcode());

	if ((int) (intptr_t) arg != 1 || hs_statement_context_muted)
		return;
	/* errors only: not notices and warnings (classes 00, 01 and 02) */
	if (category == ERRCODE_SUCCESSFUL_COMPLETION || category == ERRCODE_WARNING ||
		category == ERRCODE_NO_DATA)
		return;
	/* told when the error is raised again, once they are settled */
	/*
	 * Only an error of the outermost level itself: one raised in a nested
	 * statement may be caught by an exception block, and then nothing would
	 * tell its lines.
	 */
	context_deferred = can_raise_again && statement_depth == 1 &&
		settles_first(geterrcode()) && members_in_flight();
	if (context_deferred)
		return;
	/* one line per table and kind of write: ended nested ones and live ones */
	foreach(lc, retired)
	{
		RetiredTally *t = (RetiredTally *) lfirst(lc);
		int64		count = t->count;

		dlist_foreach(iter, &members)
		{
			HsStatementMember *m = dlist_container(HsStatementMember, node, iter.cur);

			if (m->done == t->done && strcmp(m->relname, t->relname) == 0)
				count += *m->applied;
		}
		report_tally(t->relname, t->done, count);
	}
	dlist_foreach(iter, &members)
	{
		HsStatementMember *m = dlist_container(HsStatementMember, node, iter.cur);
		bool		told = false;

		foreach(lc, retired)
		{
			RetiredTally *t = (RetiredTally *) lfirst(lc);

			if (m->done == t->done && strcmp(m->relname, t->relname) == 0)
				told = true;
		}
		if (!told)
			report_tally(m->relname, m->done, *m->applied);
		if (m->report_unknown != NULL)
			m->report_unknown(m->arg);
	}
}

/* A nested statement's modification ends: keep what it did. */
static void
retire(HsStatementMember *m)
{
	MemoryContext oldcxt;
	RetiredTally *t = NULL;
	ListCell   *lc;

	if (retired_cxt == NULL)
		retired_cxt = AllocSetContextCreate(TopMemoryContext,
											"hubspot_fdw nested writes",
											ALLOCSET_SMALL_SIZES);
	if (*m->applied == 0)
		return;
	oldcxt = MemoryContextSwitchTo(retired_cxt);
	foreach(lc, retired)
	{
		RetiredTally *r = (RetiredTally *) lfirst(lc);

		if (r->done == m->done && strcmp(r->relname, m->relname) == 0)
			t = r;
	}
	if (t == NULL)
	{
		t = palloc0(sizeof(RetiredTally));
		strlcpy(t->relname, m->relname, NAMEDATALEN);
		t->done = m->done;
		retired = lappend(retired, t);
	}
	t->count += *m->applied;
	MemoryContextSwitchTo(oldcxt);
}

/* A statement level ends; after the outermost, nested writes are forgotten. */
static void
leave_statement_level(void)
{
	if (--statement_depth > 0)
		return;
	hs_statement_context_muted = false;
	context_deferred = false;
	retired = NIL;
	if (retired_cxt != NULL)
		MemoryContextReset(retired_cxt);
}

/*
 * Run a hook's body with the statement-level error context pushed.
 * PG_TRY saves error_context_stack and restores it on both paths (PG_CATCH
 * and PG_END_TRY): the callback is pushed inside, so that it is popped too.
 */
/*
 * hs_statement_settle
 *		Wait for the requests in flight of every running modification
 *		(sending nothing more), counting what HubSpot applied.
 */
void
hs_statement_settle(void)
{
	dlist_iter	iter;

	dlist_foreach(iter, &members)
	{
		HsStatementMember *m = dlist_container(HsStatementMember, node, iter.cur);

		/*
		 * An outer statement's writes go on if the error is caught, so do
		 * those of a COPY that loaded the library (an orphan, depth 0)
		 * when the error is a nested statement's.
		 */
		if (m->settle != NULL &&
			(m->depth >= statement_depth || (m->orphan && statement_depth <= 1)))
			m->settle(m->arg);
	}
}

/*
 * settle_and_raise_again
 *		An error while modifications have requests in flight: wait for them
 *		(sending nothing more), counting what HubSpot applied, then raise the
 *		error again.  At the outermost level it is raised under the
 *		statement's error context, which left its lines to this raise and
 *		now tells exactly what was applied and which rows are unknown; at
 *		inner levels it goes on as it was (an exception block may catch it,
 *		and the writes are then told by the outer statement's errors).
 *		Returns, for the caller to re-throw the error as it is, for a cancel
 *		(which must not wait) and when nothing is left to settle or tell.
 */
static void
settle_and_raise_again(ErrorContextCallback *errcallback, MemoryContext cxt)
{
	ErrorData  *edata;
	bool		outermost = statement_depth == 1;

	if (!members_in_flight() && !(outermost && context_deferred))
		return;
	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	if (edata->elevel != ERROR || !settles_first(edata->sqlerrcode))
	{
		FreeErrorData(edata);
		return;
	}
	FlushErrorState();
	hs_statement_settle();
	if (!outermost || !context_deferred)
	{
		leave_statement_level();
		ReThrowError(edata);
	}
	context_deferred = false;
	errcallback->previous = error_context_stack;
	error_context_stack = errcallback;
	PG_TRY();
	{
		ThrowErrorData(edata);
	}
	PG_CATCH();
	{
		leave_statement_level();
		PG_RE_THROW();
	}
	PG_END_TRY();
}

#define STATEMENT_CONTEXT_BEGIN() \
	do { \
		ErrorContextCallback errcallback; \
		MemoryContext statement_cxt = CurrentMemoryContext; \
		errcallback.callback = statement_error_callback; \
		errcallback.arg = (void *) (intptr_t) (statement_depth + 1); \
		if (statement_depth++ == 0) \
			can_raise_again = (error_context_stack == NULL); \
		PG_TRY(); \
		{ \
			errcallback.previous = error_context_stack; \
			error_context_stack = &errcallback;

#define STATEMENT_CONTEXT_END() \
		} \
		PG_CATCH(); \
		{ \
			settle_and_raise_again(&errcallback, statement_cxt); \
			leave_statement_level(); \
			PG_RE_THROW(); \
		} \
		PG_END_TRY(); \
		leave_statement_level(); \
	} while (0)

/* Send what the modifications of this executor state still buffer. */
static void
flush_members(EState *estate)
{
	dlist_iter	iter;

	dlist_foreach(iter, &members)
	{
		HsStatementMember *m = dlist_container(HsStatementMember, node, iter.cur);

		if (m->estate == estate && m->flush != NULL)
			m->flush(m->arg);
	}
}

/* Modifications register in ExecutorStart: inside the statement's context */
static void
hs_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (statement_depth == 0)
		hs_dryrun_statement_begin();
	STATEMENT_CONTEXT_BEGIN();
	{
		if (prev_ExecutorStart)
			prev_ExecutorStart(queryDesc, eflags);
		else
			standard_ExecutorStart(queryDesc, eflags);
	}
	STATEMENT_CONTEXT_END();
}

/*
 * Buffered rows go out when the executor run ends: before the command tag
 * (the row count) is built, so that rows HubSpot rejected under on_error
 * 'skip' are not counted.
 */
static void
hs_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
			   bool execute_once)
{
	STATEMENT_CONTEXT_BEGIN();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
		flush_members(queryDesc->estate);
	}
	STATEMENT_CONTEXT_END();
}

/* ... and after ExecutorFinish, which may run data-modifying CTEs. */
static void
hs_ExecutorFinish(QueryDesc *queryDesc)
{
	STATEMENT_CONTEXT_BEGIN();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
		flush_members(queryDesc->estate);
	}
	STATEMENT_CONTEXT_END();
}

/* EndForeignModify may still send a last batch */
static void
hs_ExecutorEnd(QueryDesc *queryDesc)
{
	STATEMENT_CONTEXT_BEGIN();
	{
		if (prev_ExecutorEnd)
			prev_ExecutorEnd(queryDesc);
		else
			standard_ExecutorEnd(queryDesc);
	}
	STATEMENT_CONTEXT_END();
	/* a dry run's NOTICE: once the top-level statement's writers ended */
	if (statement_depth == 0)
		hs_dryrun_statement_end();
	/* then the statement's summary (usage.c) */
	if (statement_depth == 0)
		hs_usage_statement_end();
}

/* COPY into a foreign table runs without the executor hooks */
static void
hs_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				  bool readOnlyTree, ProcessUtilityContext context,
				  ParamListInfo params, QueryEnvironment *queryEnv,
				  DestReceiver *dest, QueryCompletion *qc)
{
	if (statement_depth == 0)
		hs_dryrun_statement_begin();
	STATEMENT_CONTEXT_BEGIN();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	STATEMENT_CONTEXT_END();
	if (statement_depth == 0)
		hs_dryrun_statement_end();
	if (statement_depth == 0)
		hs_usage_statement_end();
}

/*
 * hs_statement_run
 *		Run fn(arg) as a statement level of its own, under the error context
 *		that tells what HubSpot applied: for writes sent outside every
 *		statement (queued writes sent at COMMIT).
 */
void
hs_statement_run(void (*fn) (void *arg), void *arg)
{
	STATEMENT_CONTEXT_BEGIN();
	{
		fn(arg);
	}
	STATEMENT_CONTEXT_END();
}

/*
 * Take the orphan error context off the stack, wherever it is: contexts
 * pushed after it (COPY's own) may still be there.  After an error the stack
 * was reset and it is no longer there at all.
 */
static void
unlink_orphan_callback(void)
{
	ErrorContextCallback **link = &error_context_stack;

	while (*link != NULL)
	{
		if (*link == &orphan_callback)
		{
			*link = orphan_callback.previous;
			return;
		}
		link = &(*link)->previous;
	}
}

/* The statement's memory is going away: forget the member. */
static void
member_reset_callback(void *arg)
{
	hs_statement_unregister((HsStatementMember *) arg);
}

/*
 * hs_statement_register
 *		Register a running modification of executor state estate (whose
 *		query memory holds m).  flush (may be NULL) sends what it buffers;
 *		the caller fills m->relname, m->done and m->applied, which the
 *		statement's error context reports.  Unregistered by hs_statement_unregister() or
 *		when estate's query memory goes away, on the error path included.
 */
void
hs_statement_register(HsStatementMember *m, EState *estate,
					  void (*flush) (void *arg), void *arg)
{
	m->estate = estate;
	m->flush = flush;
	m->arg = arg;
	m->depth = statement_depth;
	m->orphan = (statement_depth == 0);
	if (m->orphan && orphan_members++ == 0)
	{
		/* the orphan statement counts as the outermost level */
		orphan_callback.callback = statement_error_callback;
		orphan_callback.arg = (void *) (intptr_t) 1;
		orphan_callback.previous = error_context_stack;
		error_context_stack = &orphan_callback;
		statement_depth++;
		can_raise_again = false;
	}
	dlist_push_tail(&members, &m->node);
	m->registered = true;
	m->reset_cb.func = member_reset_callback;
	m->reset_cb.arg = m;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, &m->reset_cb);
}

/*
 * hs_statement_unregister
 *		The modification ends.  Inside a statement that goes on (a function's
 *		INSERT), what it wrote is kept for the outer statement's errors.
 */
void
hs_statement_unregister(HsStatementMember *m)
{
	if (m->registered)
	{
		dlist_delete(&m->node);
		m->registered = false;
		/*
		 * A nested statement's modification, while an outer statement goes
		 * on: also when the nested one failed and an exception block caught
		 * it (the hooks' levels are unwound before its memory goes).
		 */
		if (m->depth > 1 && statement_depth >= 1)
			retire(m);
		if (m->orphan && --orphan_members == 0)
		{
			unlink_orphan_callback();
			leave_statement_level();
		}
	}
}

/*
 * hs_statement_reports_writes
 *		Does a statement-level error context tell what HubSpot applied?  When
 *		it does not (the library was loaded in the middle of a COPY), the
 *		modification's own error context must.
 */
bool
hs_statement_reports_writes(void)
{
	return statement_depth > 0 || orphan_members > 0;
}

void
hs_statement_init(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = hs_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = hs_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = hs_ExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = hs_ExecutorEnd;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = hs_ProcessUtility;
}
