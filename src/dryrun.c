/*-------------------------------------------------------------------------
 *
 * dryrun.c
 *		The dry run: hubspot_fdw.dry_run, the write requests a statement
 *		would have sent, and the NOTICE that names them.
 *
 * writer.c builds every request of a dry-run modification exactly as it
 * would send it and records it here; statement.c calls
 * hs_dryrun_statement_end() when the top-level statement ends, which tells
 * in one NOTICE, per foreign table and kind of statement, the requests by
 * endpoint (method and path, record ids as {id}) with the inputs of each:
 *
 *	 dry run: nothing was sent to HubSpot; INSERT into foreign table
 *	 "products" would send 3 requests: POST
 *	 /crm/v3/objects/products/batch/create with 100, 100 and 50 inputs
 *
 * (one line).  What is recorded lives in a memory context of its own,
 * forgotten when the NOTICE is given and when the next top-level statement
 * begins (after an error, which gives no NOTICE).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "dryrun.h"

int			hs_dry_run = HS_DRY_RUN_OFF;

static const struct config_enum_entry dry_run_options[] = {
	{"off", HS_DRY_RUN_OFF, false},
	{"on", HS_DRY_RUN_ON, false},
	{"verbose", HS_DRY_RUN_VERBOSE, false},
	{"false", HS_DRY_RUN_OFF, true},
	{"true", HS_DRY_RUN_ON, true},
	{"no", HS_DRY_RUN_OFF, true},
	{"yes", HS_DRY_RUN_ON, true},
	{"0", HS_DRY_RUN_OFF, true},
	{"1", HS_DRY_RUN_ON, true},
	{NULL, 0, false}
};

/* the requests of one endpoint (method and path, ids as {id}) */
typedef struct DryEndpoint
{
	char	   *method;
	char	   *path;
	bool		batch;
	int			nrequests;
	int			capacity;
	int		   *inputs;			/* per request */
	int64		total;			/* inputs in all */
	int			most;			/* inputs of the largest request */
} DryEndpoint;

/* what one kind of statement on one foreign table would have sent */
typedef struct DryTable
{
	char	   *statement;		/* "INSERT into", ... */
	char	   *relname;
	List	   *endpoints;		/* DryEndpoint *, in the order first used */
	int			nrequests;
	int64		unchanged;		/* UPDATE rows that change nothing */
} DryTable;

static MemoryContext dry_cxt = NULL;
static List *dry_tables = NIL;	/* DryTable *, in dry_cxt */

void
hs_dryrun_init(void)
{
	DefineCustomEnumVariable("hubspot_fdw.dry_run",
							 "Send no write to HubSpot; tell what would be sent.",
							 "Under \"on\", INSERT, UPDATE, DELETE and COPY on HubSpot foreign tables "
							 "make their checks and reads but send no write; one NOTICE per statement "
							 "names the requests that would be sent.  \"verbose\" also gives each "
							 "request's JSON body.",
							 &hs_dry_run,
							 HS_DRY_RUN_OFF,
							 dry_run_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

void
hs_dryrun_refuse(const char *statement, const char *relname, bool returning,
				 bool after_row_trigger, bool check_option)
{
	if (returning)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("RETURNING is not supported in a dry run of %s foreign table \"%s\"",
						statement, relname),
				 errdetail("RETURNING gives the rows as HubSpot stores them, and a dry run sends nothing to HubSpot."),
				 errhint("Leave out RETURNING, or SET hubspot_fdw.dry_run = off for this statement.")));
	if (after_row_trigger)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("AFTER ROW triggers are not supported in a dry run of %s foreign table \"%s\"",
						statement, relname),
				 errdetail("An AFTER ROW trigger is given each row as HubSpot stored it, and a dry run sends nothing to HubSpot."),
				 errhint("Disable the trigger for the dry run (ALTER FOREIGN TABLE ... DISABLE TRIGGER), or SET hubspot_fdw.dry_run = off.")));
	if (check_option)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("WITH CHECK OPTION is not supported in a dry run of %s foreign table \"%s\"",
						statement, relname),
				 errdetail("The view's check is made on each row as HubSpot stored it, and a dry run sends nothing to HubSpot."),
				 errhint("Write to the foreign table itself for the dry run, or SET hubspot_fdw.dry_run = off.")));
}

/* ----------------------------------------------------------------
 *		Recording
 * ----------------------------------------------------------------
 */

/* The entry of statement on relname, made if need be (in dry_cxt). */
static DryTable *
table_entry(const char *statement, const char *relname)
{
	ListCell   *lc;
	DryTable   *t;
	MemoryContext oldcxt;

	foreach(lc, dry_tables)
	{
		t = (DryTable *) lfirst(lc);
		if (strcmp(t->statement, statement) == 0 && strcmp(t->relname, relname) == 0)
			return t;
	}
	if (dry_cxt == NULL)
		dry_cxt = AllocSetContextCreate(TopMemoryContext, "hubspot_fdw dry run",
										ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(dry_cxt);
	t = palloc0(sizeof(DryTable));
	t->statement = pstrdup(statement);
	t->relname = pstrdup(relname);
	dry_tables = lappend(dry_tables, t);
	MemoryContextSwitchTo(oldcxt);
	return t;
}

void
hs_dryrun_table(const char *statement, const char *relname)
{
	(void) table_entry(statement, relname);
}

/* A path with its record ids (segments of digits only) as {id}. */
static char *
path_template(const char *path)
{
	StringInfoData buf;
	const char *p = path;

	initStringInfo(&buf);
	while (*p != '\0')
	{
		const char *end = strchr(p + 1, '/');
		int			len = end != NULL ? (int) (end - p) : (int) strlen(p);

		/* p is at a '/' (or the path's start) */
		if (*p == '/' && len > 1 && strspn(p + 1, "0123456789") == (size_t) (len - 1))
			appendStringInfoString(&buf, "/{id}");
		else
			appendBinaryStringInfo(&buf, p, len);
		p += len;
	}
	return buf.data;
}

/* The endpoint entry of t for method and path template, made if need be. */
static DryEndpoint *
endpoint_entry(DryTable *t, const char *method, const char *path, bool batch)
{
	ListCell   *lc;
	DryEndpoint *e;

	foreach(lc, t->endpoints)
	{
		e = (DryEndpoint *) lfirst(lc);
		if (strcmp(e->method, method) == 0 && strcmp(e->path, path) == 0)
			return e;
	}
	e = palloc0(sizeof(DryEndpoint));
	e->method = pstrdup(method);
	e->path = pstrdup(path);
	e->batch = batch;
	e->capacity = 8;
	e->inputs = palloc(sizeof(int) * e->capacity);
	t->endpoints = lappend(t->endpoints, e);
	return e;
}

static const char *
inputs_text(int n)
{
	return psprintf("%d input%s", n, n == 1 ? "" : "s");
}

void
hs_dryrun_record(const char *statement, const char *relname, const char *method,
				 const char *path, const char *query, const char *body,
				 int ninputs, bool batch, bool verbose)
{
	DryTable   *t = table_entry(statement, relname);
	MemoryContext oldcxt = MemoryContextSwitchTo(dry_cxt);
	DryEndpoint *e = endpoint_entry(t, method, path_template(path), batch);

	if (e->nrequests == e->capacity)
	{
		e->capacity *= 2;
		e->inputs = repalloc(e->inputs, sizeof(int) * e->capacity);
	}
	e->inputs[e->nrequests++] = ninputs;
	e->total += ninputs;
	e->most = Max(e->most, ninputs);
	t->nrequests++;
	MemoryContextSwitchTo(oldcxt);

	if (verbose)
	{
		if (body != NULL)
			ereport(NOTICE,
					(errmsg("dry run: %s foreign table \"%s\" would send %s %s%s%s with %s",
							statement, relname, method, path, query ? "?" : "",
							query ? query : "", inputs_text(ninputs)),
					 errdetail_internal("%s", body)));
		else
			ereport(NOTICE,
					(errmsg("dry run: %s foreign table \"%s\" would send %s %s%s%s with %s",
							statement, relname, method, path, query ? "?" : "",
							query ? query : "", inputs_text(ninputs))));
	}
}

void
hs_dryrun_unchanged(const char *relname)
{
	table_entry("UPDATE of", relname)->unchanged++;
}

/* ----------------------------------------------------------------
 *		The statement's NOTICE
 * ----------------------------------------------------------------
 */

/* "POST /crm/v3/objects/products/batch/create with 100, 100 and 50 inputs" */
static void
describe_endpoint(StringInfo buf, const DryEndpoint *e)
{
	appendStringInfo(buf, "%s %s", e->method, e->path);
	if (!e->batch)
	{
		/* one record each */
		if (e->nrequests == 1)
			appendStringInfoString(buf, " once");
		else
			appendStringInfo(buf, " %d times", e->nrequests);
		return;
	}
	if (e->nrequests > 5)
	{
		appendStringInfo(buf, " with " INT64_FORMAT " inputs in all, at most %d per request",
						 e->total, e->most);
		return;
	}
	appendStringInfoString(buf, " with ");
	for (int i = 0; i < e->nrequests; i++)
		appendStringInfo(buf, "%s%d",
						 i == 0 ? "" : i == e->nrequests - 1 ? " and " : ", ",
						 e->inputs[i]);
	appendStringInfo(buf, " input%s", e->total == 1 ? "" : "s");
}

/* One table's part of the NOTICE. */
static void
describe_table(StringInfo buf, const DryTable *t)
{
	ListCell   *lc;

	appendStringInfo(buf, "%s foreign table \"%s\" would send ", t->statement, t->relname);
	if (t->nrequests == 0)
		appendStringInfoString(buf, "no request");
	else
		appendStringInfo(buf, "%d request%s: ", t->nrequests, t->nrequests == 1 ? "" : "s");
	foreach(lc, t->endpoints)
	{
		if (lc != list_head(t->endpoints))
			appendStringInfoString(buf, ", ");
		describe_endpoint(buf, (DryEndpoint *) lfirst(lc));
	}
	if (t->unchanged > 0)
		appendStringInfo(buf, " (" INT64_FORMAT " row%s change%s nothing)", t->unchanged,
						 t->unchanged == 1 ? "" : "s", t->unchanged == 1 ? "s" : "");
}

void
hs_dryrun_statement_begin(void)
{
	dry_tables = NIL;
	if (dry_cxt != NULL)
		MemoryContextReset(dry_cxt);
}

void
hs_dryrun_statement_end(void)
{
	StringInfoData buf;
	ListCell   *lc;

	if (dry_tables == NIL)
		return;
	if (!IsTransactionState())
	{
		hs_dryrun_statement_begin();
		return;
	}
	initStringInfo(&buf);
	appendStringInfoString(&buf, "dry run: nothing was sent to HubSpot");
	foreach(lc, dry_tables)
	{
		appendStringInfoString(&buf, "; ");
		describe_table(&buf, (DryTable *) lfirst(lc));
	}
	/* forgotten first: the NOTICE is given once, whatever happens */
	hs_dryrun_statement_begin();
	ereport(NOTICE, (errmsg("%s", buf.data)));
	pfree(buf.data);
}
