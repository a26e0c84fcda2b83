/*-------------------------------------------------------------------------
 *
 * visibility.h
 *		Own writes in later scans (visibility.c): records the backend
 *		created, hidden from scans that began before they were created;
 *		and the string-keyed hash tables it and rows.c use.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_VISIBILITY_H
#define HUBSPOT_VISIBILITY_H

#include "postgres.h"

#include "utils/hsearch.h"

/*
 * A scan begins: returns its horizon.  The scan counts as running until
 * scan_cxt (its query memory) is reset or deleted, on the error path included.
 */
extern uint64 hs_visibility_scan_begin(MemoryContext scan_cxt);
/* Is a scan running whose horizon hides this backend's later creates? */
extern bool hs_visibility_scans_running(void);
/* This backend created record id of object (remembered while a scan runs). */
extern void hs_visibility_created(const char *object, const char *id);
/* Must a scan with this horizon leave record id out? */
extern bool hs_visibility_hidden(const char *object, const char *id,
								 uint64 horizon);
/*
 * Writes and search (visibility.c): HubSpot's search index lags writes by
 * seconds.  hs_visibility_wrote() notes that this backend is writing to an
 * object (a statement that may write to it begins or ends);
 * hs_visibility_wrote_recently() tells whether it did so in the current
 * transaction or less than HS_SEARCH_LAG_MS ago, when a scan must not read
 * through search.
 */
#define HS_SEARCH_LAG_MS 60000
extern void hs_visibility_wrote(const char *object);
extern bool hs_visibility_wrote_recently(const char *object);
/*
 * A hash table in cxt whose entries (of entrysize bytes) begin with their
 * key, a char * to a string: hashed and compared as the string.
 */
extern struct HTAB *hs_string_hash_create(const char *name, long nelem,
										  Size entrysize, MemoryContext cxt);

#endif							/* HUBSPOT_VISIBILITY_H */
