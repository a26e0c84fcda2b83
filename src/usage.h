/*-------------------------------------------------------------------------
 *
 * usage.h
 *		What hubspot_fdw asked of HubSpot (usage.c): every HTTP attempt,
 *		counted once, per (server, user mapping) for the backend's life (the
 *		SQL function and view hubspot_fdw_usage), per top-level statement
 *		(the NOTICE of hubspot_fdw.statement_summary) and per plan node
 *		(EXPLAIN ANALYZE, through HsStats.endpoints).
 *
 * client.c tells of attempts (hs_usage_attempt, hs_usage_attempt_end,
 * hs_usage_rate_wait), scans of records received, writers of inputs sent
 * and of their rows' outcomes; statement.c ends statements.  Endpoints are
 * method + path template: record ids replaced by {id}, no query string.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_USAGE_H
#define HUBSPOT_USAGE_H

#include "postgres.h"

#include "commands/explain.h"

#include "request.h"

struct HsHttpRateLimit;

/* hubspot_fdw.statement_summary (GUC, PGC_USERSET, default off) */
extern PGDLLIMPORT bool hs_statement_summary;

/* From _PG_init: the transaction callback that forgets an aborted
 * statement's counts. */
extern void hs_usage_init(void);

/*
 * A connection of user mapping umid (of server serverid) is used: its row of
 * hubspot_fdw_usage is made, and its server and user names (PUBLIC for a
 * public mapping) refreshed.  From hs_connect().
 */
extern void hs_usage_connect(Oid umid, Oid serverid);

/*
 * The endpoint of a request: method + path template (record ids as {id}, no
 * query string), as a string that lives as long as the backend.
 */
extern const char *hs_usage_endpoint(const char *method, const char *path);

/*
 * client.c: an attempt of a request of mapping umid starts (stats, of the
 * plan node or NULL, gets its endpoint counted) ...
 */
extern void hs_usage_attempt(Oid umid, const char *method, const char *path,
							 HsStats *stats);
/*
 * ... and ends: answered says whether HTTP status came back at all (an
 * attempt without an answer is an error), rl is the answer's rate-limit
 * headers (-1: absent; NULL: none), retried whether the request is sent
 * again.
 */
extern void hs_usage_attempt_end(Oid umid, bool answered, long status,
								 const struct HsHttpRateLimit *rl,
								 bool retried);
/* client.c: requests of umid were held back ms milliseconds for the rate
 * limit (before sending or after a 429) */
extern void hs_usage_rate_wait(Oid umid, double ms);

/* scans: n records received from HubSpot by a read of mapping umid */
extern void hs_usage_rows_read(Oid umid, int64 n);
/* writers: n inputs sent in a write request of mapping umid (once per
 * request, not per attempt) */
extern void hs_usage_rows_written(Oid umid, int64 n);
/* writers, when a modification ends: its rows' outcomes, for the
 * statement's summary */
extern void hs_usage_rows_done(int64 created, int64 updated, int64 archived,
							   int64 rejected);
/*
 * Rows queued for COMMIT (write_mode 'commit') or written in a dry run: the
 * statement touched HubSpot though it may have made no request.  Queued
 * rows of an autocommit statement (no transaction block) are reported with
 * what COMMIT sends, by hs_usage_statement_report() called after sending.
 */
extern void hs_usage_rows_queued(int64 n);
extern void hs_usage_statement_touched(void);

/*
 * hs_usage_statement_end
 *		statement.c, when a top-level statement ends without an error: its
 *		summary NOTICE (if hubspot_fdw.statement_summary is on and the
 *		statement touched HubSpot), unless rows it queued will be sent by
 *		this transaction's COMMIT outside a transaction block.
 * hs_usage_statement_report
 *		The summary NOTICE of everything counted since the last one, now
 *		(if the setting is on and anything touched HubSpot), and the
 *		counts start again.  Call it after sending writes at COMMIT
 *		(XACT_EVENT_PRE_COMMIT): the COMMIT statement, or the autocommit
 *		statement that queued them, then has one summary of what was sent.
 * hs_usage_statement_discard
 *		Forget the counts of a statement that failed (no summary).
 */
extern void hs_usage_statement_end(void);
extern void hs_usage_statement_report(void);
extern void hs_usage_statement_discard(void);

/*
 * EXPLAIN ANALYZE: "HubSpot Requests By Endpoint" of a node's stats, and
 * (writers) "HubSpot Rows Written" with its rows' outcomes.
 */
extern void hs_usage_explain_endpoints(const HsStats *stats, ExplainState *es);
extern void hs_usage_explain_rows(int64 created, int64 updated, int64 archived,
								  int64 rejected, ExplainState *es);
/* add from's endpoint counts to to's (summing a node's batches) */
extern void hs_usage_stats_merge(HsStats *to, const HsStats *from);

#endif							/* HUBSPOT_USAGE_H */
