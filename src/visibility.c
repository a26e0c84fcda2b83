/*-------------------------------------------------------------------------
 *
 * visibility.c
 *		Which HubSpot records a scan may return: not the ones this session
 *		created after the scan began.
 *
 * HubSpot has no snapshots: a listing that is still paging sees records
 * created a moment ago.  A statement that reads and creates records of the
 * same object (INSERT INTO products SELECT ... FROM products, an upsert
 * table fed from its own object, a writable CTE, a PL/pgSQL loop inserting
 * while it reads) would then read its own creates and copy them again, for
 * ever.  PostgreSQL's rule for a heap table is that a scan sees the table
 * as it was when the scan's snapshot was taken; the nearest hubspot_fdw can
 * come is to hide from each scan the records that this backend created
 * after the scan began, which is exactly what makes such statements end.
 * (Records updated meanwhile are read with their new values, and other
 * sessions' creates are seen: HubSpot keeps no versions.)
 *
 * Created ids are remembered, with a sequence number, only while some scan
 * is running, and forgotten as soon as none is; a scan hides the ids whose
 * number is above its horizon, the number when it began.  Ids are keyed by
 * object type, whatever name the table's object option gives it
 * ("products", "product", "0-7"), and not by server: one HubSpot account
 * may be reached through servers whose api_url is spelled differently, and
 * a record created through one must be hidden from the others.  (Hiding a
 * record of another account that happens to have the same id, while this
 * session creates one, is the lesser risk.)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "storage/proc.h"
#include "utils/timestamp.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "visibility.h"
#include "objects.h"

typedef struct CreatedEntry
{
	char	   *key;			/* hash key: a pointer to "object\nid" */
	uint64		seq;
} CreatedEntry;

static int	active_scans = 0;
static uint64 last_seq = 0;
static MemoryContext created_cxt = NULL;
static HTAB *created = NULL;

static uint32
string_ptr_hash(const void *key, Size keysize pg_attribute_unused())
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, (int) strlen(s));
}

static int
string_ptr_match(const void *key1, const void *key2, Size keysize pg_attribute_unused())
{
	return strcmp(*(const char *const *) key1, *(const char *const *) key2);
}

/*
 * hs_string_hash_create
 *		A hash table in cxt whose entries (of entrysize bytes) begin with
 *		their key, a char * to a string: hashed and compared as the string.
 *		The caller makes each new entry's key point to a string it owns.
 */
HTAB *
hs_string_hash_create(const char *name, long nelem, Size entrysize,
					  MemoryContext cxt)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = entrysize;
	ctl.hash = string_ptr_hash;
	ctl.match = string_ptr_match;
	ctl.hcxt = cxt;
	return hash_create(name, nelem, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

static char *
make_key(MemoryContext cxt, const char *object, const char *id)
{
	const char *name = hs_object_key(object);
	size_t		len;
	char	   *key;

	len = strlen(name) + strlen(id) + 2;
	key = MemoryContextAlloc(cxt, len);
	snprintf(key, len, "%s\n%s", name, id);
	return key;
}

/* A scan's memory is going away: it no longer needs the ids. */
static void
scan_end_callback(void *arg pg_attribute_unused())
{
	if (--active_scans > 0)
		return;
	active_scans = 0;
	created = NULL;
	if (created_cxt != NULL)
		MemoryContextReset(created_cxt);
}

/*
 * hs_visibility_scan_begin
 *		A scan begins: returns its horizon.  The scan counts as running until
 *		scan_cxt (its query memory) is reset or deleted, on the error path
 *		included.
 */
uint64
hs_visibility_scan_begin(MemoryContext scan_cxt)
{
	MemoryContextCallback *cb = MemoryContextAlloc(scan_cxt, sizeof(MemoryContextCallback));

	cb->func = scan_end_callback;
	cb->arg = NULL;
	MemoryContextRegisterResetCallback(scan_cxt, cb);
	active_scans++;
	return last_seq;
}

/*
 * hs_visibility_scans_running
 *		Does a scan run that hs_visibility_hidden() must hide records from?
 *		Creates are then answered before the next one is sent, so that a
 *		scan never reads a record this backend created before it knows its id.
 */
bool
hs_visibility_scans_running(void)
{
	return active_scans > 0;
}

/*
 * hs_visibility_created
 *		This backend created record id of object.  Remembered
 *		only while a scan runs that must not see it.
 */
void
hs_visibility_created(const char *object, const char *id)
{
	CreatedEntry *entry;
	char	   *key;
	bool		found;

	if (active_scans == 0 || id == NULL)
		return;
	if (created_cxt == NULL)
		created_cxt = AllocSetContextCreate(TopMemoryContext,
											"hubspot_fdw created records",
											ALLOCSET_DEFAULT_SIZES);
	if (created == NULL)
		created = hs_string_hash_create("hubspot_fdw created records", 1024,
										sizeof(CreatedEntry), created_cxt);
	key = make_key(created_cxt, object, id);
	entry = hash_search(created, &key, HASH_ENTER, &found);
	if (!found)
		entry->key = key;
	else
		pfree(key);
	entry->seq = ++last_seq;
}

/*
 * hs_visibility_hidden
 *		Must a scan with this horizon leave record id out?
 */
bool
hs_visibility_hidden(const char *object, const char *id, uint64 horizon)
{
	CreatedEntry *entry;
	char	   *key;

	if (created == NULL || id == NULL)
		return false;
	key = make_key(CurrentMemoryContext, object, id);
	entry = hash_search(created, &key, HASH_FIND, NULL);
	pfree(key);
	return entry != NULL && entry->seq > horizon;
}

/*
 * Writes, for search (scan.c): per object type (by type id, as created
 * records are: "products" and "0-7" are one), when this backend last
 * began or ended a statement that may write to it, and in which local
 * transaction.  A short list: a session writes to a few object types.
 */
typedef struct WriteEntry
{
	struct WriteEntry *next;
	char	   *object;
	TimestampTz at;
	LocalTransactionId lxid;
} WriteEntry;

static WriteEntry *writes = NULL;

/*
 * hs_visibility_wrote
 *		A statement that may write to object begins or ends in this backend.
 */
void
hs_visibility_wrote(const char *object)
{
	WriteEntry *e;

	object = hs_object_key(object);
	for (e = writes; e != NULL; e = e->next)
		if (strcmp(e->object, object) == 0)
			break;
	if (e == NULL)
	{
		e = MemoryContextAllocZero(TopMemoryContext, sizeof(WriteEntry));
		e->object = MemoryContextStrdup(TopMemoryContext, object);
		e->next = writes;
		writes = e;
	}
	e->at = GetCurrentTimestamp();
	e->lxid = MyProc->lxid;
}

/*
 * hs_visibility_wrote_recently
 *		Did this backend write to object in the current transaction, or
 *		less than HS_SEARCH_LAG_MS ago?  Then search may not show its writes
 *		yet (hubspot-api.md 3.11: "It may take a few moments for newly
 *		created or updated CRM objects to appear in search results").
 */
bool
hs_visibility_wrote_recently(const char *object)
{
	object = hs_object_key(object);
	for (WriteEntry *e = writes; e != NULL; e = e->next)
		if (strcmp(e->object, object) == 0)
			return e->lxid == MyProc->lxid ||
				!TimestampDifferenceExceeds(e->at, GetCurrentTimestamp(),
											HS_SEARCH_LAG_MS);
	return false;
}
