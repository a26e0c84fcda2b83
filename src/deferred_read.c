/*-------------------------------------------------------------------------
 *
 * deferred_read.c
 *		Writes at COMMIT: what reads of the transaction see of its queued
 *		writes (scan.c applies it to the records HubSpot returns).
 *
 * A scan of an object (same server, user and object) sees the writes
 * queued before it began: records the transaction deleted are hidden,
 * records it updated show the queued values (in "properties", from which
 * the typed columns and the properties column are filled), and records it
 * created are appended after HubSpot's, with their provisional ids ("-1",
 * "-2", ...), their final values, and no createdAt or updatedAt.  Queued
 * upserts are not seen (which record they write is HubSpot's to decide).
 * Writes queued while the scan runs (INSERT ... SELECT from the same
 * object) are not seen by it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "deferred.h"
#include "json.h"

/* longest record id tracked (HubSpot's are digits; provisional "-N") */
#define OVERLAY_ID_LEN 64

/* A record as the queued writes leave it. */
typedef struct OverlayRecord
{
	char		id[OVERLAY_ID_LEN];
	bool		created;		/* by the transaction: id is provisional */
	bool		archived;
	int			nprops;
	HsWriteProp *props;			/* later values replace earlier ones */
} OverlayRecord;

struct HsDeferredOverlay
{
	MemoryContext cxt;			/* the overlay's and its records' */
	HTAB	   *records;		/* by id */
	List	   *creates;		/* OverlayRecord *, in the order queued */
	int			next_create;
	bool		changes;		/* an update or archive of HubSpot's records */
};

/* Set prop to value in rec (the later write wins). */
static void
set_prop(OverlayRecord *rec, const HsWriteProp *prop)
{
	int			j;

	for (j = 0; j < rec->nprops; j++)
		if (strcmp(rec->props[j].name, prop->name) == 0)
			break;
	if (j == rec->nprops)
	{
		rec->props = rec->props == NULL ? palloc(sizeof(HsWriteProp)) :
			repalloc(rec->props, sizeof(HsWriteProp) * (rec->nprops + 1));
		rec->nprops++;
		rec->props[j].name = prop->name;
	}
	rec->props[j].value = prop->value;
}

/* Apply one queued write of the object. */
static void
overlay_entry(HsDeferredOverlay *ov, HsDeferredEntry *e)
{
	const char *id = e->op == HS_OP_CREATE ? e->provisional : e->input.id;
	OverlayRecord *rec;
	bool		found;

	if (e->op == HS_OP_UPSERT || id == NULL || strlen(id) >= OVERLAY_ID_LEN)
		return;
	rec = hash_search(ov->records, id, HASH_ENTER, &found);
	if (!found)
	{
		rec->created = e->op == HS_OP_CREATE;
		rec->archived = false;
		rec->nprops = 0;
		rec->props = NULL;
		if (rec->created)
			ov->creates = lappend(ov->creates, rec);
		else
			ov->changes = true;
	}
	if (e->op == HS_OP_ARCHIVE)
		rec->archived = true;
	for (int i = 0; i < e->input.nprops; i++)
		set_prop(rec, &e->input.props[i]);
}

HsDeferredOverlay *
hs_deferred_overlay_begin(HsTable *table, Oid userid)
{
	HsDeferredOverlay *ov;
	HsDeferredEntry **entries;
	HASHCTL		ctl;
	int			n;

	if (!hs_deferred_has_writes(table->serverid, userid, table->object))
		return NULL;
	ov = palloc0(sizeof(HsDeferredOverlay));
	ov->cxt = CurrentMemoryContext;
	ctl.keysize = OVERLAY_ID_LEN;
	ctl.entrysize = sizeof(OverlayRecord);
	ctl.hcxt = CurrentMemoryContext;
	ov->records = hash_create("hubspot_fdw queued records", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	entries = hs_deferred_entries(&n, 0);
	for (int i = 0; i < n; i++)
		if (entries[i]->serverid == table->serverid && entries[i]->userid == userid &&
			strcmp(entries[i]->object, table->object) == 0)
			overlay_entry(ov, entries[i]);
	if (entries != NULL)
		pfree(entries);
	return ov;
}

/* Put the record's queued values into its "properties" ("" is null). */
static void
apply_props(json_object *record, OverlayRecord *rec)
{
	json_object *props = hs_member(record, "properties");

	if (rec->nprops == 0)
		return;
	if (props == NULL || !json_object_is_type(props, json_type_object))
		props = hs_json_add_object(record, "properties");
	for (int i = 0; i < rec->nprops; i++)
		hs_json_add_string(props, rec->props[i].name,
						   rec->props[i].value == NULL || rec->props[i].value[0] == '\0' ?
						   NULL : rec->props[i].value);
}

bool
hs_deferred_overlay_record(HsDeferredOverlay *ov, json_object *record)
{
	const char *id = hs_json_string(record, "id");
	OverlayRecord *rec;

	if (ov == NULL || !ov->changes || id == NULL || strlen(id) >= OVERLAY_ID_LEN)
		return true;
	rec = hash_search(ov->records, id, HASH_FIND, NULL);
	if (rec == NULL || rec->created)
		return true;
	if (rec->archived)
		return false;
	apply_props(record, rec);
	return true;
}

json_object *
hs_deferred_overlay_next_create(HsDeferredOverlay *ov)
{
	while (ov != NULL && ov->next_create < list_length(ov->creates))
	{
		OverlayRecord *rec = list_nth(ov->creates, ov->next_create++);
		json_object *record;

		if (rec->archived)
			continue;
		record = hs_json_new_object(ov->cxt);
		hs_json_add_string(record, "id", rec->id);
		(void) hs_json_add_object(record, "properties");
		hs_json_add_bool(record, "archived", false);
		apply_props(record, rec);
		return record;
	}
	return NULL;
}

void
hs_deferred_overlay_rewind(HsDeferredOverlay *ov)
{
	if (ov != NULL)
		ov->next_create = 0;
}

bool
hs_deferred_overlay_changes_records(HsDeferredOverlay *ov)
{
	return ov->changes;
}
