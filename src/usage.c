/*-------------------------------------------------------------------------
 *
 * usage.c
 *		What hubspot_fdw asked of HubSpot: every HTTP attempt counted once,
 *		per (server, user mapping) for the backend's life (hubspot_fdw_usage),
 *		per top-level statement (the summary NOTICE) and per plan node
 *		(EXPLAIN ANALYZE, through HsStats.endpoints).
 *
 * client.c tells of each attempt where it starts and ends, so that calls in
 * flight side by side and retries are all counted; scans and writers add
 * the rows.  Nothing here sends a request or raises an error of its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_user_mapping.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "usage.h"
#include "http.h"

bool		hs_statement_summary = false;

#define ENDPOINT_LEN 256

/* ----------------------------------------------------------------
 *		Endpoints: method + path template, interned for the backend
 * ----------------------------------------------------------------
 */

typedef struct EndpointEntry
{
	char		name[ENDPOINT_LEN]; /* hash key, and the interned string */
} EndpointEntry;

static HTAB *endpoints = NULL;

static bool
all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * The path template of path (no query): under /crm/vN/objects/<type>/, the
 * segment after the type is a record id unless it is "batch" or "search",
 * and so is any segment of digits after it.
 */
static void
append_template(StringInfo buf, const char *path)
{
	const char *p = path;
	int			seg = 0;		/* segments seen, counting from 1 */
	bool		objects = false;

	while (*p != '\0' && *p != '?')
	{
		const char *start;
		size_t		len;

		if (*p == '/')
		{
			appendStringInfoChar(buf, '/');
			p++;
			continue;
		}
		start = p;
		while (*p != '\0' && *p != '/' && *p != '?')
			p++;
		len = p - start;
		seg++;
		if (seg == 3 && len == 7 && strncmp(start, "objects", 7) == 0)
			objects = true;
		if (objects && seg >= 5 &&
			((seg == 5 && !(len == 5 && strncmp(start, "batch", 5) == 0) &&
			  !(len == 6 && strncmp(start, "search", 6) == 0)) ||
			 all_digits(start, len)))
			appendStringInfoString(buf, "{id}");
		else
			appendBinaryStringInfo(buf, start, (int) len);
	}
}

/*
 * hs_usage_endpoint
 *		"METHOD /path/template", interned: the same pointer for the same
 *		endpoint, for the backend's life.
 */
const char *
hs_usage_endpoint(const char *method, const char *path)
{
	StringInfoData buf;
	char		key[ENDPOINT_LEN];
	EndpointEntry *e;

	if (endpoints == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = ENDPOINT_LEN;
		ctl.entrysize = sizeof(EndpointEntry);
		endpoints = hash_create("hubspot_fdw endpoints", 32, &ctl,
								HASH_ELEM | HASH_STRINGS);
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s ", method);
	append_template(&buf, path);
	strlcpy(key, buf.data, ENDPOINT_LEN);
	pfree(buf.data);
	e = hash_search(endpoints, key, HASH_ENTER, NULL);
	return e->name;
}

/* Count n attempts of endpoint ep in a node's counters. */
static void
stats_count(HsStats *stats, const char *ep, int64 n)
{
	int			last = HS_STATS_ENDPOINTS - 1;

	for (int i = 0; i < HS_STATS_ENDPOINTS; i++)
	{
		if (stats->endpoints[i].endpoint == NULL)
			stats->endpoints[i].endpoint = ep;
		if (stats->endpoints[i].endpoint == ep)
		{
			stats->endpoints[i].requests += n;
			return;
		}
	}
	/* more endpoints than slots (never so far): the last one takes them */
	stats->endpoints[last].endpoint = hs_usage_endpoint("other", "");
	stats->endpoints[last].requests += n;
}

void
hs_usage_stats_merge(HsStats *to, const HsStats *from)
{
	for (int i = 0; i < HS_STATS_ENDPOINTS && from->endpoints[i].endpoint; i++)
		stats_count(to, from->endpoints[i].endpoint, from->endpoints[i].requests);
}

/* ----------------------------------------------------------------
 *		Per (server, user mapping), for the backend's life
 * ----------------------------------------------------------------
 */

typedef struct UsageEntry
{
	Oid			umid;			/* hash key */
	char		server[NAMEDATALEN];
	char		user[NAMEDATALEN];
	int64		requests;
	int64		retries;
	int64		errors;
	int64		throttled;
	int64		rows_read;
	int64		rows_written;
	double		rate_wait_ms;
	long		rl_max;			/* last X-HubSpot-RateLimit-* seen; -1: never */
	long		rl_remaining;
	long		rl_interval_ms;
	long		daily;
	long		daily_remaining;
	TimestampTz last_request_at;	/* 0: never */
} UsageEntry;

static HTAB *usage = NULL;

static UsageEntry *
usage_entry(Oid umid)
{
	UsageEntry *u;
	bool		found;

	if (usage == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(UsageEntry);
		usage = hash_create("hubspot_fdw usage", 8, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	u = hash_search(usage, &umid, HASH_ENTER, &found);
	if (!found)
	{
		memset(u, 0, sizeof(UsageEntry));
		u->umid = umid;
		u->rl_max = u->rl_remaining = u->rl_interval_ms = -1;
		u->daily = u->daily_remaining = -1;
	}
	return u;
}

/*
 * hs_usage_connect
 *		Make umid's row, with the names of its server and of the mapping's
 *		user (PUBLIC for a public mapping), refreshed on every connect.
 */
void
hs_usage_connect(Oid umid, Oid serverid)
{
	UsageEntry *u = usage_entry(umid);
	ForeignServer *server = GetForeignServer(serverid);
	HeapTuple	tp;
	Oid			umuser = InvalidOid;

	strlcpy(u->server, server->servername, NAMEDATALEN);
	tp = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(umid));
	if (HeapTupleIsValid(tp))
	{
		umuser = ((Form_pg_user_mapping) GETSTRUCT(tp))->umuser;
		ReleaseSysCache(tp);
	}
	if (OidIsValid(umuser))
	{
		char	   *name = GetUserNameFromId(umuser, true);

		strlcpy(u->user, name ? name : "?", NAMEDATALEN);
	}
	else
		strlcpy(u->user, "PUBLIC", NAMEDATALEN);
}

/* ----------------------------------------------------------------
 *		Per top-level statement
 * ----------------------------------------------------------------
 */

typedef struct StatementTally
{
	bool		touched;
	int64		requests;
	int64		retries;
	int64		throttled;
	double		rate_wait_ms;
	int64		rows_read;
	int64		created;
	int64		updated;
	int64		archived;
	int64		rejected;
	int64		queued;
	int			nendpoints;
	int			capacity;
	HsEndpointCount *endpoints; /* in TopMemoryContext */
} StatementTally;

static StatementTally stmt;

static void
stmt_count_endpoint(const char *ep)
{
	for (int i = 0; i < stmt.nendpoints; i++)
		if (stmt.endpoints[i].endpoint == ep)
		{
			stmt.endpoints[i].requests++;
			return;
		}
	if (stmt.nendpoints == stmt.capacity)
	{
		stmt.capacity = Max(8, stmt.capacity * 2);
		stmt.endpoints = stmt.endpoints == NULL ?
			MemoryContextAlloc(TopMemoryContext, sizeof(HsEndpointCount) * stmt.capacity) :
			repalloc(stmt.endpoints, sizeof(HsEndpointCount) * stmt.capacity);
	}
	stmt.endpoints[stmt.nendpoints].endpoint = ep;
	stmt.endpoints[stmt.nendpoints].requests = 1;
	stmt.nendpoints++;
}

void
hs_usage_statement_discard(void)
{
	HsEndpointCount *eps = stmt.endpoints;
	int			capacity = stmt.capacity;

	memset(&stmt, 0, sizeof(stmt));
	stmt.endpoints = eps;
	stmt.capacity = capacity;
}

/* ----------------------------------------------------------------
 *		What client.c, scans and writers tell
 * ----------------------------------------------------------------
 */

void
hs_usage_attempt(Oid umid, const char *method, const char *path, HsStats *stats)
{
	UsageEntry *u = usage_entry(umid);
	const char *ep = hs_usage_endpoint(method, path);

	u->requests++;
	u->last_request_at = GetCurrentTimestamp();
	stmt.touched = true;
	stmt.requests++;
	stmt_count_endpoint(ep);
	if (stats != NULL)
		stats_count(stats, ep, 1);
}

void
hs_usage_attempt_end(Oid umid, bool answered, long status,
					 const HsHttpRateLimit *rl, bool retried)
{
	UsageEntry *u = usage_entry(umid);

	if (!answered || (status >= 400 && status != 429))
		u->errors++;
	if (answered && status == 429)
	{
		u->throttled++;
		stmt.throttled++;
	}
	if (retried)
	{
		u->retries++;
		stmt.retries++;
	}
	if (answered && rl != NULL)
	{
		/* each header as it was last sent: searches send none */
		if (rl->max >= 0)
			u->rl_max = rl->max;
		if (rl->remaining >= 0)
			u->rl_remaining = rl->remaining;
		if (rl->interval_ms >= 0)
			u->rl_interval_ms = rl->interval_ms;
		if (rl->daily >= 0)
			u->daily = rl->daily;
		if (rl->daily_remaining >= 0)
			u->daily_remaining = rl->daily_remaining;
	}
}

void
hs_usage_rate_wait(Oid umid, double ms)
{
	usage_entry(umid)->rate_wait_ms += ms;
	stmt.rate_wait_ms += ms;
}

void
hs_usage_rows_read(Oid umid, int64 n)
{
	usage_entry(umid)->rows_read += n;
	stmt.rows_read += n;
}

void
hs_usage_rows_written(Oid umid, int64 n)
{
	usage_entry(umid)->rows_written += n;
}

void
hs_usage_rows_done(int64 created, int64 updated, int64 archived, int64 rejected)
{
	stmt.touched = true;
	stmt.created += created;
	stmt.updated += updated;
	stmt.archived += archived;
	stmt.rejected += rejected;
}

void
hs_usage_rows_queued(int64 n)
{
	stmt.touched = true;
	stmt.queued += n;
}

void
hs_usage_statement_touched(void)
{
	stmt.touched = true;
}

/* ----------------------------------------------------------------
 *		The summary and EXPLAIN ANALYZE
 * ----------------------------------------------------------------
 */

static int
endpoint_cmp(const void *a, const void *b)
{
	const HsEndpointCount *x = (const HsEndpointCount *) a;
	const HsEndpointCount *y = (const HsEndpointCount *) b;

	return strcmp(x->endpoint, y->endpoint);
}

/* "3 POST /a, 1 GET /b" (by endpoint), or "" when there is none. */
static void
append_endpoints(StringInfo buf, HsEndpointCount *eps, int n)
{
	qsort(eps, n, sizeof(HsEndpointCount), endpoint_cmp);
	for (int i = 0; i < n; i++)
		appendStringInfo(buf, "%s" INT64_FORMAT " %s", i > 0 ? ", " : "",
						 eps[i].requests, eps[i].endpoint);
}

/* Whole milliseconds waited, rounded down (a wait under 1 ms shows 0). */
static int64
whole_ms(double ms)
{
	return (int64) floor(ms);
}

/*
 * The summary's text, e.g. "hubspot_fdw: 250 rows created, 0 updated, 0
 * archived, 0 rejected, 0 read; 3 requests (3 POST
 * /crm/v3/objects/products/batch/create); 0 retries, 0 throttled (429), 0 ms
 * waited for the rate limit".
 */
static char *
summary_text(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "hubspot_fdw: " INT64_FORMAT " row%s created, "
					 INT64_FORMAT " updated, " INT64_FORMAT " archived, "
					 INT64_FORMAT " rejected, " INT64_FORMAT " read; ",
					 stmt.created, stmt.created == 1 ? "" : "s", stmt.updated,
					 stmt.archived, stmt.rejected, stmt.rows_read);
	appendStringInfo(&buf, INT64_FORMAT " request%s", stmt.requests,
					 stmt.requests == 1 ? "" : "s");
	if (stmt.nendpoints > 0)
	{
		appendStringInfoString(&buf, " (");
		append_endpoints(&buf, stmt.endpoints, stmt.nendpoints);
		appendStringInfoChar(&buf, ')');
	}
	appendStringInfo(&buf, "; " INT64_FORMAT " retr%s, " INT64_FORMAT
					 " throttled (429), " INT64_FORMAT " ms waited for the rate limit",
					 stmt.retries, stmt.retries == 1 ? "y" : "ies", stmt.throttled,
					 whole_ms(stmt.rate_wait_ms));
	if (stmt.queued > 0)
		appendStringInfo(&buf, "; " INT64_FORMAT " row%s queued for COMMIT",
						 stmt.queued, stmt.queued == 1 ? "" : "s");
	return buf.data;
}

void
hs_usage_statement_report(void)
{
	if (hs_statement_summary && stmt.touched)
	{
		char	   *text = summary_text();

		/* counts start again before the NOTICE goes out */
		hs_usage_statement_discard();
		ereport(NOTICE, (errmsg_internal("%s", text)));
		pfree(text);
	}
	hs_usage_statement_discard();
}

void
hs_usage_statement_end(void)
{
	/* an autocommit statement's queued rows: told with what COMMIT sends */
	if (stmt.queued > 0 && !IsTransactionBlock())
		return;
	hs_usage_statement_report();
}

void
hs_usage_explain_endpoints(const HsStats *stats, ExplainState *es)
{
	HsEndpointCount eps[HS_STATS_ENDPOINTS];
	int			n = 0;
	StringInfoData buf;

	for (int i = 0; i < HS_STATS_ENDPOINTS && stats->endpoints[i].endpoint; i++)
		eps[n++] = stats->endpoints[i];
	initStringInfo(&buf);
	append_endpoints(&buf, eps, n);
	ExplainPropertyText("HubSpot Requests By Endpoint", n > 0 ? buf.data : "none", es);
}

void
hs_usage_explain_rows(int64 created, int64 updated, int64 archived,
					  int64 rejected, ExplainState *es)
{
	ExplainPropertyText("HubSpot Rows Written",
						psprintf(INT64_FORMAT " created, " INT64_FORMAT " updated, "
								 INT64_FORMAT " archived, " INT64_FORMAT " rejected",
								 created, updated, archived, rejected), es);
}

/* ----------------------------------------------------------------
 *		Setup, and the SQL function
 * ----------------------------------------------------------------
 */

/* An aborted transaction's statement gets no summary: forget its counts. */
static void
usage_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		hs_usage_statement_discard();
}

void
hs_usage_init(void)
{
	RegisterXactCallback(usage_xact_callback, NULL);
}

static int
usage_cmp(const void *a, const void *b)
{
	const UsageEntry *x = *(UsageEntry *const *) a;
	const UsageEntry *y = *(UsageEntry *const *) b;
	int			c = strcmp(x->server, y->server);

	return c != 0 ? c : strcmp(x->user, y->user);
}

#define USAGE_COLS 15

static void
usage_put_row(ReturnSetInfo *rsinfo, const UsageEntry *u)
{
	Datum		values[USAGE_COLS];
	bool		nulls[USAGE_COLS];
	long		rl[5] = {u->rl_max, u->rl_remaining, u->rl_interval_ms,
	u->daily, u->daily_remaining};

	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(u->server);
	values[1] = CStringGetTextDatum(u->user);
	values[2] = Int64GetDatum(u->requests);
	values[3] = Int64GetDatum(u->retries);
	values[4] = Int64GetDatum(u->errors);
	values[5] = Int64GetDatum(u->throttled);
	values[6] = Int64GetDatum(u->rows_read);
	values[7] = Int64GetDatum(u->rows_written);
	values[8] = Float8GetDatum(u->rate_wait_ms);
	for (int i = 0; i < 5; i++)
	{
		values[9 + i] = Int64GetDatum((int64) rl[i]);
		nulls[9 + i] = rl[i] < 0;
	}
	values[14] = TimestampTzGetDatum(u->last_request_at);
	nulls[14] = u->last_request_at == 0;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * hubspot_fdw_usage
 *		SQL: one row per (server, user mapping) this backend sent requests
 *		to or connected for since it started, ordered by server and user:
 *		server_name, user_name (PUBLIC for a public mapping), requests
 *		(attempts), retries, errors (attempts answered 4xx/5xx other than
 *		429, and attempts without an answer), throttled (429 answers),
 *		rows_read (records received), rows_written (inputs sent in writes),
 *		rate_wait_ms, HubSpot's last X-HubSpot-RateLimit-Max, -Remaining,
 *		-Interval-Milliseconds, -Daily and -Daily-Remaining (NULL if never
 *		sent) and last_request_at.  The token is never shown.
 */
PG_FUNCTION_INFO_V1(hubspot_fdw_usage);

Datum
hubspot_fdw_usage(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS seq;
	UsageEntry *u;
	UsageEntry **rows;
	int			n = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (usage == NULL)
		return (Datum) 0;
	rows = palloc(sizeof(UsageEntry *) * (hash_get_num_entries(usage) + 1));
	hash_seq_init(&seq, usage);
	while ((u = hash_seq_search(&seq)) != NULL)
		rows[n++] = u;
	qsort(rows, n, sizeof(UsageEntry *), usage_cmp);
	for (int i = 0; i < n; i++)
		usage_put_row(rsinfo, rows[i]);
	return (Datum) 0;
}
