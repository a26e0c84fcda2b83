/*-------------------------------------------------------------------------
 *
 * dryrun.h
 *		The dry run (dryrun.c): the setting hubspot_fdw.dry_run, the
 *		requests a dry-run statement would have sent, and the one NOTICE per
 *		statement that names them.
 *
 * Under hubspot_fdw.dry_run 'on' or 'verbose', a modification (INSERT,
 * upsert, UPDATE, DELETE, COPY; object and association tables) makes every
 * check and read it would make, builds each write request exactly as it
 * would send it, and records it here instead of sending it (writer.c).
 * When the top-level statement ends (statement.c), one NOTICE names, per
 * table, the requests that would have been sent; 'verbose' also gives each
 * request's body, in a NOTICE of its own when the request would be sent.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_DRYRUN_H
#define HUBSPOT_DRYRUN_H

#include "postgres.h"

/* Values of hubspot_fdw.dry_run */
typedef enum HsDryRun
{
	HS_DRY_RUN_OFF,
	HS_DRY_RUN_ON,				/* send no write; one NOTICE per statement */
	HS_DRY_RUN_VERBOSE			/* ... and each request's body */
} HsDryRun;

/* hubspot_fdw.dry_run (an HsDryRun); read when a modification begins */
extern PGDLLIMPORT int hs_dry_run;

/* Define hubspot_fdw.dry_run (from _PG_init). */
extern void hs_dryrun_init(void);

/*
 * hs_dryrun_refuse
 *		A dry run of statement ("INSERT into", "UPDATE of", "DELETE from")
 *		on foreign table relname cannot give what needs HubSpot's answer at
 *		once: raise 0A000 before any row, naming the first of returning
 *		(RETURNING of INSERT or UPDATE), after_row_trigger and check_option
 *		(WITH CHECK OPTION) that is true.  Returns when none is.
 */
extern void hs_dryrun_refuse(const char *statement, const char *relname,
							 bool returning, bool after_row_trigger,
							 bool check_option);

/*
 * hs_dryrun_table
 *		A dry-run modification of relname begins (statement as in
 *		hs_dryrun_refuse): the statement's NOTICE names it, also when it
 *		would send no request.
 */
extern void hs_dryrun_table(const char *statement, const char *relname);

/*
 * hs_dryrun_record
 *		A request that a dry run does not send, as api.c built it: method,
 *		path (its query, or NULL), JSON body (or NULL), and the number of
 *		inputs it carries; batch says whether it is a batch request (else
 *		one record's: POST, PATCH or DELETE of one record).  With verbose
 *		(the modification began under 'verbose') it is told at once in a
 *		NOTICE whose DETAIL is the body.
 */
extern void hs_dryrun_record(const char *statement, const char *relname,
							 const char *method, const char *path,
							 const char *query, const char *body,
							 int ninputs, bool batch, bool verbose);

/* An UPDATE row of relname that changes nothing (it would send nothing). */
extern void hs_dryrun_unchanged(const char *relname);

/* A top-level statement begins: forget what an earlier one left. */
extern void hs_dryrun_statement_begin(void);

/*
 * hs_dryrun_statement_end
 *		The top-level statement ended without error: if it dry-ran a
 *		modification, one NOTICE names per table the requests it would have
 *		sent; then they are forgotten.  Outside a transaction in progress
 *		(a cursor's executor ended by an abort) they are only forgotten.
 */
extern void hs_dryrun_statement_end(void);

#endif							/* HUBSPOT_DRYRUN_H */
