/*-------------------------------------------------------------------------
 *
 * deferred.c
 *		Writes at COMMIT: the setting hubspot_fdw.write_mode, the
 *		transaction's log of queued writes, and the transaction callbacks
 *		that send it at pre-commit (deferred_send.c) or drop it.
 *
 * The log is append-only: entries are compacted only when they are sent,
 * so that ROLLBACK TO SAVEPOINT can drop exactly the entries made since
 * the savepoint (each carries the SubTransactionId that queued it; the
 * ids of a transaction's subtransactions grow, and those made inside the
 * savepoint, committed or not, are all >= the savepoint's).  It lives in a
 * child of TopTransactionContext, which goes away with the transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/predicate.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "deferred.h"
#include "usage.h"

int			hs_write_mode = HS_WRITE_IMMEDIATE;

static const struct config_enum_entry write_mode_options[] = {
	{"immediate", HS_WRITE_IMMEDIATE, false},
	{"commit", HS_WRITE_COMMIT, false},
	{NULL, 0, false}
};

/* the transaction's log; NULL context when nothing was queued */
static MemoryContext queue_cxt = NULL;
static HsDeferredEntry **log_entries = NULL;
static int64 nentries = 0;
static int64 capacity = 0;
static int64 nlive = 0;			/* entries not dropped */
static int	next_provisional = 0;
static HsDeferredEntry **creates = NULL;	/* by provisional id: -1 is [0] */
static int	creates_capacity = 0;

/* write statements of the transaction that queued rows */
static int	stmt_count = 0;

bool
hs_deferred_commit_mode(void)
{
	return hs_write_mode == HS_WRITE_COMMIT;
}

/* Forget the log (its memory goes with the transaction's). */
static void
forget_queue(void)
{
	queue_cxt = NULL;
	log_entries = NULL;
	nentries = capacity = nlive = 0;
	next_provisional = 0;
	creates = NULL;
	creates_capacity = 0;
	stmt_count = 0;
}

/* A copy of a write input in the current memory context. */
static void
copy_input(HsWriteInput *dst, const HsWriteInput *src)
{
	memset(dst, 0, sizeof(HsWriteInput));
	dst->id = src->id ? pstrdup(src->id) : NULL;
	dst->nprops = src->nprops;
	dst->props = palloc0(sizeof(HsWriteProp) * Max(src->nprops, 1));
	for (int i = 0; i < src->nprops; i++)
	{
		dst->props[i].name = pstrdup(src->props[i].name);
		dst->props[i].value = src->props[i].value ? pstrdup(src->props[i].value) : NULL;
	}
	dst->associations = src->associations ? pstrdup(src->associations) : NULL;
}

/* A queued create gets the next provisional id. */
static void
remember_create(HsDeferredEntry *e)
{
	if (next_provisional >= creates_capacity)
	{
		creates_capacity = Max(creates_capacity * 2, 64);
		creates = creates == NULL ?
			palloc(sizeof(HsDeferredEntry *) * creates_capacity) :
			repalloc(creates, sizeof(HsDeferredEntry *) * creates_capacity);
	}
	creates[next_provisional++] = e;
	e->provisional = psprintf("-%d", next_provisional);
}

const char *
hs_deferred_queue(HsTable *table, Oid userid, HsWriteOp op, const HsWriteInput *input,
				  int *stmt)
{
	MemoryContext oldcxt;
	HsDeferredEntry *e;

	Assert(op == HS_OP_CREATE || op == HS_OP_UPSERT || op == HS_OP_UPDATE ||
		   op == HS_OP_ARCHIVE);
	if (queue_cxt == NULL)
		queue_cxt = AllocSetContextCreate(TopTransactionContext,
										  "hubspot_fdw queued writes",
										  ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(queue_cxt);
	if (nentries >= capacity)
	{
		capacity = Max(capacity * 2, 64);
		log_entries = log_entries == NULL ?
			palloc(sizeof(HsDeferredEntry *) * capacity) :
			repalloc(log_entries, sizeof(HsDeferredEntry *) * capacity);
	}
	e = palloc0(sizeof(HsDeferredEntry));
	e->seq = nentries + 1;
	e->relid = table->relid;
	e->relname = pstrdup(table->relname);
	e->serverid = table->serverid;
	e->userid = userid;
	e->object = pstrdup(table->object);
	e->object_option = pstrdup(table->object_option);
	e->id_property = table->id_property ? pstrdup(table->id_property) : NULL;
	e->op = op;
	copy_input(&e->input, input);
	e->input.row = e->seq;
	if (*stmt == 0)
		*stmt = ++stmt_count;
	e->stmt = *stmt;
	e->row = input->row;
	e->subid = GetCurrentSubTransactionId();
	if (op == HS_OP_CREATE)
		remember_create(e);
	log_entries[nentries++] = e;
	nlive++;
	hs_usage_rows_queued(1);
	MemoryContextSwitchTo(oldcxt);
	return e->provisional;
}

bool
hs_deferred_has_writes(Oid serverid, Oid userid, const char *object)
{
	for (int64 i = 0; i < nentries; i++)
	{
		HsDeferredEntry *e = log_entries[i];

		if (!e->dropped && e->serverid == serverid &&
			(userid == InvalidOid || e->userid == userid) &&
			(object == NULL || strcmp(e->object, object) == 0))
			return true;
	}
	return false;
}

bool
hs_deferred_is_provisional(Oid serverid, Oid userid, const char *object, const char *id)
{
	HsDeferredEntry *e;
	char	   *end;
	long		n;

	if (id == NULL || id[0] != '-' || id[1] < '1' || id[1] > '9')
		return false;
	errno = 0;
	n = strtol(id + 1, &end, 10);
	if (errno != 0 || *end != '\0' || n > next_provisional)
		return false;
	e = creates[n - 1];
	return !e->dropped && e->serverid == serverid && e->userid == userid &&
		strcmp(e->object, object) == 0;
}

HsDeferredEntry **
hs_deferred_entries(int *n, int64 upto)
{
	HsDeferredEntry **live;
	int			k = 0;

	*n = 0;
	if (nlive == 0)
		return NULL;
	live = palloc(sizeof(HsDeferredEntry *) * nlive);
	for (int64 i = 0; i < nentries; i++)
		if (!log_entries[i]->dropped && (upto == 0 || log_entries[i]->seq <= upto))
			live[k++] = log_entries[i];
	*n = k;
	return live;
}

int64
hs_deferred_last_seq(void)
{
	return nentries;
}

HsDeferredEntry *
hs_deferred_entry(int64 seq)
{
	if (seq < 1 || seq > nentries)
		return NULL;
	return log_entries[seq - 1];
}

void
hs_deferred_refuse_needs_result(HsTable *table, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s on foreign table \"%s\" is not supported with hubspot_fdw.write_mode 'commit'",
					what, table->relname),
			 errdetail("Writes are sent to HubSpot at COMMIT; HubSpot's answer is not known before."),
			 errhint("Send this statement at once with hubspot_fdw.write_mode = 'immediate' (SET LOCAL inside BEGIN ... COMMIT, or SET), on a table with nothing queued; an ORM can key its mapping on a column the application fills, so that it reads back nothing.")));
}

void
hs_deferred_refuse_immediate(HsTable *table, Oid userid)
{
	HsDeferredEntry **live;
	int			n;

	if (!hs_deferred_has_writes(table->serverid, userid, table->object))
		return;
	live = hs_deferred_entries(&n, 0);
	if (!hs_deferred_would_send(live, n, table->serverid, userid, table->object))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot write to foreign table \"%s\" in write_mode 'immediate': this transaction has writes of HubSpot object \"%s\" queued for COMMIT",
					table->relname, table->object),
			 errhint("COMMIT the queued writes first, or write this table with hubspot_fdw.write_mode = 'commit' too.")));
}

/* ----------------------------------------------------------------
 *		Transaction callbacks
 * ----------------------------------------------------------------
 */

/*
 * Pre-commit: send the log.  It is forgotten first: never sent twice.
 *
 * PostgreSQL runs the pre-commit callbacks before it checks a SERIALIZABLE
 * transaction for serialization failures: a failure found then would come
 * after HubSpot was written, and a client retrying the transaction (as
 * 40001 invites) would write twice.  So the check is made here, before
 * anything is sent, as PREPARE TRANSACTION makes it: it marks the
 * transaction prepared, so that no other transaction can doom it any more
 * and the check CommitTransaction makes again cannot fail for a conflict.
 */
static void
send_queue(void)
{
	HsDeferredEntry **live;
	int			n;

	live = hs_deferred_entries(&n, 0);
	forget_queue();
	if (n > 0)
	{
		if (IsolationIsSerializable())
			PreCommit_CheckForSerializationFailure();
		hs_deferred_send(live, n);
	}
	/* the COMMIT's summary (or the autocommit statement's) of what it sent */
	hs_usage_statement_report();
}

static void
xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			send_queue();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (nlive > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has HubSpot writes queued for COMMIT"),
						 errdetail("HubSpot has no two-phase commit: hubspot_fdw cannot promise to send them at COMMIT PREPARED."),
						 errhint("COMMIT or ROLLBACK the transaction instead.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			forget_queue();
			break;
	}
}

/* ROLLBACK TO SAVEPOINT (or a subtransaction's error): drop its entries. */
static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid pg_attribute_unused(),
				 void *arg pg_attribute_unused())
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	for (int64 i = 0; i < nentries; i++)
	{
		HsDeferredEntry *e = log_entries[i];

		if (!e->dropped && e->subid >= mySubid)
		{
			e->dropped = true;
			nlive--;
		}
	}
}

void
hs_deferred_init(void)
{
	DefineCustomEnumVariable("hubspot_fdw.write_mode",
							 "When INSERT, UPDATE and DELETE on HubSpot tables are sent.",
							 "'immediate': by each statement; 'commit': queued and sent at COMMIT, nothing on ROLLBACK.",
							 &hs_write_mode,
							 HS_WRITE_IMMEDIATE,
							 write_mode_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
}
