/*-------------------------------------------------------------------------
 *
 * deferred.h
 *		Writes at COMMIT (hubspot_fdw.write_mode = 'commit'): the
 *		transaction's queue of checked writes (deferred.c), their sending
 *		at pre-commit (deferred_send.c) and what reads of the same
 *		transaction see of them (deferred_read.c).
 *
 * In commit mode, INSERT, upsert, UPDATE and DELETE of object tables are
 * checked as in immediate mode and appended to a log kept in the
 * transaction's memory instead of being sent.  ROLLBACK (or an error that
 * aborts the transaction) drops the log; ROLLBACK TO SAVEPOINT drops the
 * entries made since the savepoint.  At XACT_EVENT_PRE_COMMIT the log is
 * compacted (a record created and then updated is one create with the
 * final values, ...) and sent through the write pipeline (writer.c) in
 * batches, table by table.  HubSpot has no transactions: a COMMIT that
 * fails part way leaves what HubSpot already applied, and its error says
 * what that is.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_DEFERRED_H
#define HUBSPOT_DEFERRED_H

#include "postgres.h"

#include "access/xact.h"

#include "api.h"
#include "table.h"

/* hubspot_fdw.write_mode */
typedef enum HsWriteMode
{
	HS_WRITE_IMMEDIATE,			/* each statement sends its writes */
	HS_WRITE_COMMIT				/* writes are queued until COMMIT */
} HsWriteMode;

extern PGDLLIMPORT int hs_write_mode;

/*
 * One queued write, as modify.c checked it.  input lives in the queue's
 * memory (a child of TopTransactionContext); input.row is the entry's
 * number in the transaction's log (seq), sent as objectWriteTraceId, and
 * the row errors name; stmt and row say which statement of the
 * transaction queued it and its row number there.
 */
typedef struct HsDeferredEntry
{
	int64		seq;			/* 1, 2, ... in the order queued */
	Oid			relid;			/* the foreign table written */
	Oid			serverid;
	Oid			userid;			/* whose user mapping sends it */
	char	   *object;			/* the object's path segment */
	HsWriteOp	op;				/* create, upsert, update or archive */
	char	   *provisional;	/* create: its provisional id ("-1", ...) */
	HsWriteInput input;			/* id: record id (update, archive; may be
								 * provisional) or upsert key */
	int			stmt;			/* write statement of the transaction: 1,
								 * 2, ... (each modification, also one run
								 * by a function) */
	int64		row;			/* row number in that statement */
	SubTransactionId subid;		/* (sub)transaction that queued it */
	bool		dropped;		/* by ROLLBACK TO SAVEPOINT */
} HsDeferredEntry;

/* ---------- deferred.c: the setting and the queue ---------- */

/* Define hubspot_fdw.write_mode and the transaction callbacks (_PG_init). */
extern void hs_deferred_init(void);

/* Does a modification beginning now queue its writes? */
extern bool hs_deferred_commit_mode(void);

/*
 * hs_deferred_queue
 *		Append a checked write of table (accessed as userid) to the
 *		transaction's log; input (statement row number in input->row) is
 *		copied.  *stmt is the modification's number among the transaction's
 *		write statements: 0 until its first row, which gives it the next
 *		one.  For a create, returns its provisional id ("-1", "-2", ..., in
 *		the queue's memory), else NULL.
 */
extern const char *hs_deferred_queue(HsTable *table, Oid userid, HsWriteOp op,
									 const HsWriteInput *input, int *stmt);

/*
 * Has the transaction queued writes (not dropped) of object through this
 * server and user?  With object NULL: of any object; with userid
 * InvalidOid: of any user.
 */
extern bool hs_deferred_has_writes(Oid serverid, Oid userid, const char *object);

/*
 * Is id the provisional id of a create the transaction queued (and did not
 * drop) for this server, user and object?
 */
extern bool hs_deferred_is_provisional(Oid serverid, Oid userid,
									   const char *object, const char *id);

/*
 * The live entries of the log, oldest first (*n of them), in the queue's
 * memory; NULL when there are none.  upto (0: all) leaves out entries
 * queued after entry seq upto.
 */
extern HsDeferredEntry **hs_deferred_entries(int *n, int64 upto);

/* The number of the last entry queued (0 when none). */
extern int64 hs_deferred_last_seq(void);

/* Entry number seq of the log (dropped or not), or NULL. */
extern HsDeferredEntry *hs_deferred_entry(int64 seq);

/*
 * Modification refusals.  hs_deferred_refuse_needs_result: in commit mode,
 * a write whose statement needs HubSpot's answer at once (what names it, e.g.
 * "RETURNING") is refused, 0A000.  hs_deferred_refuse_immediate: a write in
 * immediate mode to an object with writes queued, 55000.
 */
extern void hs_deferred_refuse_needs_result(HsTable *table, const char *what);
extern void hs_deferred_refuse_immediate(HsTable *table, Oid userid);

/* ---------- deferred_send.c: sending at COMMIT ---------- */

/*
 * hs_deferred_send
 *		Compact the live entries[0..n-1] and send them (pre-commit): per
 *		table, creates, upserts, updates and archives, in batches.  An error
 *		fails the COMMIT, telling what HubSpot already applied and which
 *		statements queued the rows it names.
 */
extern void hs_deferred_send(HsDeferredEntry **entries, int n);

/* ---------- deferred_read.c: reads of the transaction ---------- */

typedef struct HsDeferredOverlay HsDeferredOverlay;

/*
 * hs_deferred_overlay_begin
 *		What a scan of table through serverid and userid beginning now sees
 *		of the queued writes (those queued later it does not), in the current
 *		memory context; NULL when no write of the object is queued.
 */
extern HsDeferredOverlay *hs_deferred_overlay_begin(HsTable *table, Oid userid);

/*
 * hs_deferred_overlay_record
 *		A record HubSpot returned, as the transaction sees it: false when it
 *		archived it; else its queued updates are applied to its
 *		"properties" (in place).  ov may be NULL (no writes queued), as in
 *		the two functions below.
 */
extern bool hs_deferred_overlay_record(HsDeferredOverlay *ov, json_object *record);

/*
 * hs_deferred_overlay_next_create
 *		The next record the transaction created (provisional id, final
 *		values, no createdAt/updatedAt), or NULL after the last one.
 */
extern json_object *hs_deferred_overlay_next_create(HsDeferredOverlay *ov);

/* A scan starts again: the creates come again. */
extern void hs_deferred_overlay_rewind(HsDeferredOverlay *ov);

/* Does the overlay change any record (an update or archive queued)? */
extern bool hs_deferred_overlay_changes_records(HsDeferredOverlay *ov);

#endif							/* HUBSPOT_DEFERRED_H */
