/*-------------------------------------------------------------------------
 *
 * scan.c
 *		Executing scans of a HubSpot object, page by page, with flat memory:
 *		the list endpoint; when the query names the records (WHERE id = ...
 *		/ id IN (...) / id = ANY(...)), exactly those records through GET by
 *		id or batch/read; or CRM search, with the filters, sort and LIMIT
 *		planning found (plan.c, search.c), and count(*) from its total.
 *		WHERE archived lists archived records instead of live ones.
 *
 * These are the FDW callbacks only: api.c builds the read's requests, which
 * EXPLAIN shows, and parses HubSpot's answers; convert.c turns each record
 * into a row.
 *
 * Search lags writes: a scan of an object that this session wrote to in
 * the current transaction or the last HS_SEARCH_LAG_MS (visibility.c)
 * lists it instead, checks every condition itself, and sorts the rows
 * itself when the plan counted on HubSpot's order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplesort.h"

#include "fdw.h"
#include "plan.h"
#include "api.h"
#include "associations.h"
#include "convert.h"
#include "deferred.h"
#include "errors.h"
#include "json.h"
#include "option.h"
#include "properties.h"
#include "schemas.h"
#include "search.h"
#include "filter.h"
#include "visibility.h"

/* why a search plan lists: HubSpot's index lags writes */
#define LISTED_AFTER_WRITES "this session wrote to the object lately: search may not show it yet"
#define LISTED_QUEUED "writes of the object are queued for COMMIT: the rows are checked here"

/* Execution state of a scan. */
typedef struct HsScanState
{
	HsTable    *table;
	bool	   *wanted;			/* per table->columns entry: read it? */
	bool		want_properties;	/* the properties column is read */
	bool		want_history;	/* properties_with_history is read */
	bool		want_inline;	/* associations, with the option associations */
	HsRead	   *read;			/* what is sent (api.c); EXPLAIN shows it */
	HsRead	   *bodies;			/* a list whose URL would be too long: the
								 * batch/read that reads its pages' records */
	ExprState  *id_state;		/* lookups: evaluates the id(s) */
	bool		one_id;			/* the lookup's expression is one id */

	/* lookups: the ids to read, distinct, evaluated at each (re)start */
	MemoryContext ids_cxt;
	char	  **ids;
	int			nids;
	int			next_id;

	/* search: the plan's part, and the search of the current (re)start */
	HsRead	   *search_read;	/* the search; read is it or list_read */
	HsRead	   *list_read;		/* the listing when search cannot be used */
	List	   *groups;			/* filter groups (search.c's plan form) */
	ExprState **values;			/* their values (fdw_exprs) */
	int			flags;			/* SCAN_* (plan.h) */
	char	   *sort;			/* property HubSpot sorts by, or NULL */
	int			limit;			/* rows the query needs at most, or 0 */
	ExprState  *limit_count;	/* ... given by parameters: LIMIT, OFFSET */
	ExprState  *limit_offset;
	int			limit_now;		/* ... at this (re)start, or 0 */
	char	   *kept;			/* conditions search does not see, or "" */
	List	   *sort_spec;		/* local sort: attnum, operator, collation,
								 * nulls first; NIL */
	MemoryContext search_cxt;	/* the cursor; reset per (re)start */
	HsSearchCursor cursor;
	char	   *first_body;		/* the first search request's body (EXPLAIN) */
	const char *listed;			/* why the listing was read instead, or NULL */
	bool		sort_locally;	/* HubSpot's order cannot be used */
	Tuplesortstate *sorter;		/* sort_locally: the rows */
	TupleTableSlot *sorted_slot;	/* a row out of the sort */
	bool		sorted;

	/* count(*): the conditions and the row the scan of them fills */
	ExprState  *count_qual;
	TupleTableSlot *base_slot;
	bool		counted;
	bool		counted_by_total;	/* HubSpot's total answered it */

	HsConnection *conn;			/* NULL under plain EXPLAIN */
	HsDeferredOverlay *overlay; /* writes queued for COMMIT, or NULL */
	HsStats		stats;
	uint64		horizon;		/* later own creates are hidden (visibility.c) */
	int64		own_creates_skipped;
	MemoryContext scan_cxt;		/* lives as long as the scan */
	MemoryContext page_cxt;		/* the parsed page; reset per page */
	MemoryContext row_cxt;		/* the current row's values */
	json_object **records;		/* the current page's records */
	int			nrecords;
	int			next_record;
	StringInfoData after;		/* cursor of the next page */
	bool		started;
	bool		more;			/* is there a next page not yet requested? */
	bool		read_on_demand; /* a LIMIT HubSpot knows: no page ahead */
	/* requests sent ahead of need (read_ahead()), a ring of max_ahead */
	struct ReadAhead *ahead;
	int			max_ahead;
	int			first_ahead;	/* the oldest request in the ring */
	int			nahead;
} HsScanState;

typedef struct ReadAhead
{
	MemoryContext cxt;
	HsCall	   *call;
	char	   *after;			/* the list cursor it sends, or NULL */
} ReadAhead;

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

/* The relation a scan reads: its own, or the one a count(*) counts. */
static Relation
scan_relation(ForeignScanState *node, Index *rtindex)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;

	*rtindex = fsplan->scan.scanrelid;
	if (*rtindex != 0)
		return node->ss.ss_currentRelation;
#if PG_VERSION_NUM >= 160000
	*rtindex = bms_singleton_member(fsplan->fs_base_relids);
#else
	*rtindex = bms_singleton_member(fsplan->fs_relids);
#endif
	return ExecGetRangeTableRelation(node->ss.ps.state, *rtindex);
}

/* The search part of the plan (plan.h), and the reads it may use. */
static void
begin_search(HsScanState *ss, ForeignScanState *node, Relation rel, List *priv)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	char	   *sort = strVal(list_nth(priv, FdwScanPrivateSort));
	List	   *quals = (List *) list_nth(priv, FdwScanPrivateCountQuals);
	List	   *limit_exprs = (List *) list_nth(priv, FdwScanPrivateLimitExprs);
	int			i = 0;
	ListCell   *lc;

	ss->search_read = hs_api_read_new(HS_READ_SEARCH, ss->table->object, false, false);
	ss->list_read = hs_api_read_new(HS_READ_LIST, ss->table->object, false, false);
	ss->read = ss->search_read;
	ss->groups = (List *) list_nth(priv, FdwScanPrivateSearch);
	ss->flags = intVal(list_nth(priv, FdwScanPrivateFlags));
	ss->sort = sort[0] != '\0' ? sort : NULL;
	ss->limit = intVal(list_nth(priv, FdwScanPrivateLimit));
	ss->kept = strVal(list_nth(priv, FdwScanPrivateKept));
	ss->sort_spec = (List *) list_nth(priv, FdwScanPrivateLocalSort);
	ss->values = palloc0(sizeof(ExprState *) * Max(list_length(fsplan->fdw_exprs), 1));
	foreach(lc, fsplan->fdw_exprs)
		ss->values[i++] = ExecInitExpr((Expr *) lfirst(lc), (PlanState *) node);
	if (limit_exprs != NIL)
	{
		ss->limit_count = ss->values[linitial_int(limit_exprs)];
		if (lsecond_int(limit_exprs) >= 0)
			ss->limit_offset = ss->values[lsecond_int(limit_exprs)];
	}
	if (ss->flags & SCAN_COUNT)
	{
		ss->count_qual = ExecInitQual(quals, (PlanState *) node);
		ss->base_slot = ExecInitExtraTupleSlot(node->ss.ps.state,
											   CreateTupleDescCopy(RelationGetDescr(rel)),
											   &TTSOpsVirtual);
	}
}

void
hubspotBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	HsScanState *ss = palloc0(sizeof(HsScanState));
	List	   *priv = fsplan->fdw_private;
	List	   *attnums = (List *) list_nth(priv, FdwScanPrivateAttnums);
	bool		all = list_member_int(attnums, 0);
	HsReadKind	kind = (HsReadKind) intVal(list_nth(priv, FdwScanPrivateLookup));
	bool		archived = intVal(list_nth(priv, FdwScanPrivateArchived)) != 0;
	Index		rtindex;
	Relation	rel = scan_relation(node, &rtindex);

	node->fdw_state = ss;
	ss->table = hs_get_table(rel);
	ss->wanted = palloc0(sizeof(bool) * Max(ss->table->ncolumns, 1));
	for (int i = 0; i < ss->table->ncolumns; i++)
	{
		HsColumn   *col = &ss->table->columns[i];

		ss->wanted[i] = all || list_member_int(attnums, col->attnum);
		if (ss->wanted[i] && col->kind == HS_COL_PROPERTIES)
			ss->want_properties = true;
		if (ss->wanted[i] && col->kind == HS_COL_PROPERTIES_WITH_HISTORY)
			ss->want_history = true;
		ss->want_inline |= ss->wanted[i] && col->kind == HS_COL_ASSOCIATIONS &&
			ss->table->inline_associations != NIL;
	}
	/* custom objects' paths: objectTypeId (plain EXPLAIN: the table's name) */
	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
		ss->conn = hs_connect_table(ss->table, hs_scan_user(estate, rtindex), &ss->stats);
	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
		ss->overlay = hs_deferred_overlay_begin(ss->table, hs_scan_user(estate, rtindex));
	if (kind == HS_READ_SEARCH)
		begin_search(ss, node, rel, priv);
	else
		ss->read = hs_api_read_new(kind, ss->table->object, archived, ss->want_history);
	/* the associations column: inline associations where HubSpot has them */
	if (ss->want_inline)
		hs_associations_resolve(ss->conn, ss->table, &ss->stats);
	if (ss->want_inline && (kind == HS_READ_LIST || kind == HS_READ_BY_ID))
		ss->read->associations = hs_associations_paths(ss->table);

	/* plain EXPLAIN: describe the scan, touch nothing */
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	ss->one_id = kind == HS_READ_BY_ID;
	if (kind == HS_READ_BY_ID || kind == HS_READ_BATCH)
		ss->id_state = ExecInitExpr((Expr *) linitial(fsplan->fdw_exprs),
									(PlanState *) node);
	ss->horizon = hs_visibility_scan_begin(estate->es_query_cxt);
	ss->scan_cxt = estate->es_query_cxt;
	ss->page_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "hubspot_fdw page data",
										 ALLOCSET_DEFAULT_SIZES);
	ss->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
										"hubspot_fdw row data",
										ALLOCSET_DEFAULT_SIZES);
	ss->ids_cxt = AllocSetContextCreate(estate->es_query_cxt,
										"hubspot_fdw ids",
										ALLOCSET_DEFAULT_SIZES);
	ss->search_cxt = AllocSetContextCreate(estate->es_query_cxt,
										   "hubspot_fdw search",
										   ALLOCSET_SMALL_SIZES);
	initStringInfo(&ss->after);

	/* one page ahead; batch/reads up to max_concurrent_requests */
	ss->max_ahead = kind != HS_READ_BATCH ? 1 : Max(ss->table->max_concurrent_requests, 1);
	ss->ahead = palloc0(sizeof(ReadAhead) * ss->max_ahead);
	for (int i = 0; i < ss->max_ahead; i++)
		ss->ahead[i].cxt = AllocSetContextCreate(estate->es_query_cxt, "hubspot_fdw read ahead", ALLOCSET_SMALL_SIZES);
}

/*
 * typed_properties
 *		The properties of the typed columns the scan reads (char *), in
 *		column order.
 */
static List *
typed_properties(HsScanState *ss)
{
	List	   *names = NIL;

	for (int i = 0; i < ss->table->ncolumns; i++)
	{
		HsColumn   *col = &ss->table->columns[i];

		if (ss->wanted[i] && col->kind == HS_COL_PROPERTY)
			names = lappend(names, col->property);
	}
	return names;
}

/*
 * scan_properties
 *		The properties the scan asks HubSpot for: every property in the
 *		catalogue when it reads the properties column or their history, else
 *		those of the typed columns it reads, which must exist.
 */
static List *
scan_properties(HsScanState *ss)
{
	List	   *names = typed_properties(ss);

	if (names != NIL)
		hs_check_typed_columns(ss->conn, ss->table, &ss->stats);
	if (ss->want_properties || ss->want_history)
	{
		HsCatalog  *catalog = hs_get_catalog(ss->conn, ss->table->object, false,
											 &ss->stats);

		names = NIL;
		for (int i = 0; i < catalog->nproperties; i++)
			names = lappend(names, catalog->properties[i].name);
	}
	else if (names == NIL)		/* [] would get HubSpot's default set */
		names = list_make1("hs_object_id");
	return names;
}

/*
 * evaluate_ids
 *		The ids a lookup reads: the value(s) of its expression, now, without
 *		NULLs and duplicates (hs_ids_from_datum()).
 */
static void
evaluate_ids(HsScanState *ss, ExprContext *econtext)
{
	MemoryContext oldcxt;
	Datum		value;
	bool		isnull;

	MemoryContextReset(ss->ids_cxt);
	ss->ids = NULL;
	ss->nids = ss->next_id = 0;

	oldcxt = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	value = ExecEvalExpr(ss->id_state, econtext, &isnull);
	MemoryContextSwitchTo(ss->ids_cxt);
	if (!isnull)
		ss->ids = hs_ids_from_datum(exprType((Node *) ss->id_state->expr), value,
									ss->one_id, &ss->nids);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * prepare_read
 *		Complete a read on first use, with its properties (which may need
 *		the catalogue).  When they would make the URL too long for HubSpot,
 *		a GET by id becomes a batch/read, and a list lists ids only and reads
 *		each page's records with a batch/read, which carries the properties
 *		in its body.  Returns the read to send.
 */
static HsRead *
prepare_read(HsScanState *ss, HsRead *rd)
{
	MemoryContext oldcxt;
	List	   *names;
	HsRead	   *wide;

	if (rd->prepared)
		return rd;
	oldcxt = MemoryContextSwitchTo(ss->scan_cxt);
	names = scan_properties(ss);
	hs_api_read_set_properties(rd, names);
	if (hs_api_read_url_too_long(rd) && rd->kind != HS_READ_BATCH)
	{
		wide = hs_api_read_new(HS_READ_BATCH, rd->object, rd->archived, rd->with_history);
		hs_api_read_set_properties(wide, names);
		if (rd->kind == HS_READ_LIST)
		{
			ss->bodies = wide;
			wide = hs_api_read_new(HS_READ_LIST, rd->object, rd->archived, rd->with_history);
			hs_api_read_set_properties(wide, list_make1("hs_object_id"));
		}
		rd = wide;
	}
	MemoryContextSwitchTo(oldcxt);
	return rd;
}

/*
 * property_type
 *		HubSpot's type of a property, for search.c: from the catalogue;
 *		hs_object_id and the object's creation and modification date
 *		properties (objects.h) are known.  A
 *		multiple-choice enumeration is none search.c knows: HubSpot's EQ
 *		tests one of its values, PostgreSQL's = the ';'-joined text.
 */
static bool
property_type(void *arg, const char *name, HsSearchKind kind pg_attribute_unused(),
			  HsPropertyType *type)
{
	HsScanState *ss = (HsScanState *) arg;
	HsProperty *p = hs_find_property(ss->conn, ss->table->object, name, &ss->stats);

	if (p != NULL)
		/* a value of a multiple choice is no value of the column: no filter */
		*type = p->multiple ? HS_PROP_OTHER : p->type;
	else if (strcmp(name, "hs_object_id") == 0)
		*type = HS_PROP_NUMBER;
	else if (strcmp(name, ss->table->objtype->created_property) == 0 ||
			 strcmp(name, ss->table->objtype->modified_property) == 0)
		*type = HS_PROP_DATETIME;
	else
		return false;
	return true;
}

/* The search of this (re)start, with the values of now, in search_cxt. */
static void
start_cursor(HsScanState *ss, ExprContext *econtext, HsPropertyTypeFn type_of)
{
	MemoryContext oldcxt;

	/* plain EXPLAIN evaluates no LIMIT expression */
	ss->limit_now = ss->conn == NULL ? ss->limit :
		hs_search_limit(ss->limit, ss->limit_count, ss->limit_offset, econtext);
	MemoryContextReset(ss->search_cxt);
	oldcxt = MemoryContextSwitchTo(ss->search_cxt);
	hs_search_cursor_init(&ss->cursor, ss->groups, ss->values, econtext, type_of, ss,
						  (ss->flags & SCAN_EXACT_CANDIDATE) != 0, ss->sort,
						  (ss->flags & SCAN_SORT_DESC) != 0,
						  (ss->flags & SCAN_COUNT) ? 1 : ss->limit_now);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * start_search
 *		Search, or list when this session wrote to the object lately (the
 *		index may not show it yet).  When HubSpot's order cannot be used
 *		(listing; filters that are not exact under a sort by a property that
 *		may be empty or a LIMIT), the rows are sorted here.
 */
static void
start_search(HsScanState *ss, ExprContext *econtext)
{
	ss->listed = NULL;
	ss->sort_locally = ss->sort_spec != NIL;
	ss->read_on_demand = false;
	if (hs_visibility_wrote_recently(ss->table->object) || ss->overlay != NULL)
		ss->listed = ss->overlay != NULL ? LISTED_QUEUED : LISTED_AFTER_WRITES;
	else
	{
		ss->read = prepare_read(ss, ss->search_read);
		start_cursor(ss, econtext, property_type);
		/* a search without a filter reads all: the listing is faster */
		if (ss->groups != NIL && ss->cursor.base_groups == NIL &&
			!ss->cursor.none && !ss->cursor.exact)
			ss->listed = "no filter could be sent with these values";
	}
	if (ss->listed)
	{
		ss->read = ss->list_read = prepare_read(ss, ss->list_read);
		return;
	}
	/* HubSpot's order: by id, or within one exact page (search.c) */
	if (ss->sort_locally &&
		((ss->cursor.exact && ss->limit_now > 0 && ss->limit_now <= HS_SEARCH_PAGE_SIZE) ||
		 strcmp(ss->sort, "hs_object_id") == 0))
		ss->sort_locally = false;
	if (ss->sort_locally)
	{
		/* any order will do: the one that pages past 10,000 */
		ss->cursor.query.sort_property = "hs_object_id";
		ss->cursor.query.sort_descending = false;
	}
	ss->read_on_demand = ss->cursor.exact && (ss->limit_now > 0 || (ss->flags & SCAN_COUNT));
	if (ss->first_body == NULL)
		ss->first_body = ss->cursor.none ? "(none: no record can match these values)" :
			MemoryContextStrdup(ss->scan_cxt,
								hs_api_search_body(ss->read, &ss->cursor.query));
}

/*
 * Complete the read on first use: its properties may need the catalogue,
 * which plain EXPLAIN must not fetch.  Lookups evaluate their ids at every
 * (re)start.
 */
static void
start_scan(HsScanState *ss, ExprContext *econtext)
{
	if (ss->search_read != NULL)
		start_search(ss, econtext);
	else
		ss->read = prepare_read(ss, ss->read);
	if (ss->read->kind == HS_READ_BY_ID || ss->read->kind == HS_READ_BATCH)
		evaluate_ids(ss, econtext);
	ss->started = true;
	ss->more = true;
	ss->sorted = ss->counted = false;
	resetStringInfo(&ss->after);
}

/*
 * read_ahead
 *		Send the requests the scan needs next, while there is room: the next
 *		list or search page, or batch/reads of ids (up to
 *		max_concurrent_requests).
 */
static void
read_ahead(HsScanState *ss)
{
	while (ss->nahead < ss->max_ahead)
	{
		ReadAhead  *ra = &ss->ahead[(ss->first_ahead + ss->nahead) % ss->max_ahead];
		HsApiRequest *req;
		MemoryContext oldcxt;
		int			n = Min(ss->nids - ss->next_id, ss->read->page_size);

		if (ss->read->kind == HS_READ_LIST || ss->read->kind == HS_READ_SEARCH ?
			!ss->more : n <= 0)
			return;
		MemoryContextReset(ra->cxt);
		oldcxt = MemoryContextSwitchTo(ra->cxt);
		ra->after = NULL;
		if (ss->read->kind == HS_READ_SEARCH)
		{
			ss->more = false;	/* until its answer tells */
			req = hs_search_cursor_request(&ss->cursor, ss->read);
			if (req == NULL)
			{
				MemoryContextSwitchTo(oldcxt);
				return;
			}
		}
		else if (ss->read->kind == HS_READ_LIST)
		{
			ra->after = ss->after.len > 0 ? pstrdup(ss->after.data) : NULL;
			req = hs_api_list_page(ss->read, ra->after);
			ss->more = false;	/* until its answer tells */
		}
		else
		{
			req = hs_api_batch_read(ss->read, ss->ids + ss->next_id, n);
			ss->next_id += n;
		}
		ra->call = hs_api_start(ss->conn, req, &ss->stats);
		MemoryContextSwitchTo(oldcxt);
		ss->nahead++;
	}
}

/* The answer to the oldest request sent ahead (in the current context). */
static HsResponse *
take_ahead(HsScanState *ss, char **after)
{
	ReadAhead  *ra = &ss->ahead[ss->first_ahead];
	HsCall	   *call = ra->call;

	ra->call = NULL;
	ss->first_ahead = (ss->first_ahead + 1) % ss->max_ahead;
	ss->nahead--;
	if (after != NULL)
		*after = ra->after ? pstrdup(ra->after) : NULL;
	return hs_call_finish(call);
}

/* Forget the requests sent ahead (a rescan, or the end of the scan). */
static void
drop_ahead(HsScanState *ss)
{
	for (int i = 0; i < ss->max_ahead; i++)
	{
		hs_call_cancel(ss->ahead[i].call);
		ss->ahead[i].call = NULL;
	}
	ss->first_ahead = ss->nahead = 0;
}

/* A batch/read's records (hs_api_check_batch_read() raised its errors). */
static void
take_batch_read(HsScanState *ss, HsBatchRead *out)
{
	hs_api_check_batch_read(out);
	ss->records = out->records;
	ss->nrecords = out->nrecords;
}

/* A wide list: the records of the ids just listed, through batch/read. */
static void
read_bodies(HsScanState *ss)
{
	char	  **ids = palloc(sizeof(char *) * ss->nrecords);
	HsBatchRead out;

	for (int i = 0; i < ss->nrecords; i++)
		ids[i] = pstrdup(hs_json_string(ss->records[i], "id"));
	hs_api_parse_batch_read(hs_api_send(ss->conn,
										hs_api_batch_read(ss->bodies, ids, ss->nrecords),
										&ss->stats), &out);
	take_batch_read(ss, &out);
}

/* Fetch the next page of a list (requested ahead, or now). */
static void
fetch_list_page(HsScanState *ss)
{
	char	   *sent;
	HsResponse *resp;
	HsPage		page;

	read_ahead(ss);
	resp = take_ahead(ss, &sent);
	hs_api_parse_page(resp, sent, &page);
	ss->records = page.records;
	ss->nrecords = page.nrecords;
	ss->more = page.after != NULL;
	resetStringInfo(&ss->after);
	if (page.after != NULL)
		appendStringInfoString(&ss->after, page.after);
	if (ss->bodies != NULL && page.nrecords > 0)
		read_bodies(ss);
}

/* WHERE id = x: one GET; a record that does not exist is no row. */
static void
fetch_one(HsScanState *ss)
{
	HsResponse *resp;
	json_object *record;

	ss->more = false;
	if (ss->nids == 0)
		return;
	resp = hs_api_send(ss->conn, hs_api_get_by_id(ss->read, ss->ids[0]), &ss->stats);
	record = hs_api_parse_record(resp);
	if (record == NULL)
		return;
	ss->records = palloc(sizeof(json_object *));
	ss->records[0] = record;
	ss->nrecords = 1;
}

/*
 * WHERE id = ANY(x): batch/read of the next page_size ids.  Ids that do not
 * exist come back as an OBJECT_NOT_FOUND error item (207): no rows.
 */
static void
fetch_many(HsScanState *ss)
{
	HsBatchRead out;

	read_ahead(ss);
	if (ss->nahead == 0)
	{
		ss->more = false;
		return;
	}
	hs_api_parse_batch_read(take_ahead(ss, NULL), &out);
	read_ahead(ss);
	ss->more = ss->nahead > 0;
	take_batch_read(ss, &out);
}

/* Fetch the next page of a search (requested ahead, or now). */
static void
fetch_search_page(HsScanState *ss)
{
	HsPage		page;

	read_ahead(ss);
	if (ss->nahead == 0)
	{
		ss->more = false;
		return;
	}
	hs_search_cursor_page(&ss->cursor, take_ahead(ss, NULL), &page);
	ss->records = page.records;
	ss->nrecords = page.nrecords;
	ss->more = !ss->cursor.done;
}

/* Fetch the next page of records into page_cxt. */
static void
fetch_page(HsScanState *ss)
{
	MemoryContext oldcxt;

	MemoryContextReset(ss->page_cxt);
	ss->records = NULL;
	ss->nrecords = ss->next_record = 0;

	oldcxt = MemoryContextSwitchTo(ss->page_cxt);
	switch (ss->read->kind)
	{
		case HS_READ_LIST:
			fetch_list_page(ss);
			break;
		case HS_READ_BY_ID:
			fetch_one(ss);
			break;
		case HS_READ_BATCH:
			fetch_many(ss);
			break;
		case HS_READ_SEARCH:
			fetch_search_page(ss);
			break;
	}
	hs_usage_rows_read(ss->conn->umid, ss->nrecords);
	/* sets completed where the page had them cut or not at all */
	if (ss->nrecords > 0 && ss->want_inline)
		hs_associations_inline(ss->conn, &ss->stats, ss->table, ss->records, ss->nrecords,
							   ss->read->associations != NIL && ss->bodies == NULL &&
							   !hs_api_read_url_too_long(ss->read));
	MemoryContextSwitchTo(oldcxt);
}

/* The next record the scan returns, or NULL at its end. */
static json_object *
next_record(HsScanState *ss)
{
	json_object *record;

	for (;;)
	{
		while (ss->next_record >= ss->nrecords)
		{
			if (!ss->more && ss->nahead == 0)
				return hs_deferred_overlay_next_create(ss->overlay);
			fetch_page(ss);
		}
		record = ss->records[ss->next_record++];

		/* half a page read: request the next (a LIMIT may never need it) */
		if (ss->more && ss->nahead == 0 && !ss->read_on_demand &&
			ss->next_record * 2 >= ss->nrecords)
			read_ahead(ss);

		/* not created by this session after the scan began (its id is digits,
		 * check_record_id: no conversion), nor deleted by queued writes */
		if (hs_visibility_hidden(ss->table->object, hs_json_string(record, "id"), ss->horizon))
			ss->own_creates_skipped++;
		else if (hs_deferred_overlay_record(ss->overlay, record))
			return record;
	}
}

/* The next record into slot (in row_cxt); false at the end. */
static bool
next_row(HsScanState *ss, TupleTableSlot *slot)
{
	json_object *record = next_record(ss);
	MemoryContext oldcxt;

	if (record == NULL)
		return false;
	MemoryContextReset(ss->row_cxt);
	oldcxt = MemoryContextSwitchTo(ss->row_cxt);
	hs_fill_slot_from_object(ss->table, record, slot, ss->wanted);
	MemoryContextSwitchTo(oldcxt);
	return true;
}

/*
 * count_row
 *		count(*): HubSpot's total when the filters are exact and search can
 *		be used (one request with limit 1; none when no record can match),
 *		else the rows that pass the conditions, counted here.  Every column
 *		of the scan's one row is the count.
 */
static TupleTableSlot *
count_row(HsScanState *ss, ForeignScanState *node)
{
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	int64		count = 0;

	ExecClearTuple(slot);
	if (ss->counted)
		return slot;
	ss->counted = true;
	ss->counted_by_total = !ss->listed && ss->cursor.exact;
	if (ss->counted_by_total)
	{
		if (!ss->cursor.none)
		{
			fetch_page(ss);		/* its total; its one record is not needed */
			count = ss->cursor.total;
		}
	}
	else
	{
		while (next_row(ss, ss->base_slot))
		{
			ResetExprContext(econtext);
			econtext->ecxt_scantuple = ss->base_slot;
			if (ExecQual(ss->count_qual, econtext))
				count++;
		}
	}
	for (int i = 0; i < slot->tts_tupleDescriptor->natts; i++)
	{
		slot->tts_values[i] = Int64GetDatum(count);
		slot->tts_isnull[i] = false;
	}
	return ExecStoreVirtualTuple(slot);
}

/* The rows in PostgreSQL's order, when HubSpot's cannot be used. */
static TupleTableSlot *
sorted_row(HsScanState *ss, TupleTableSlot *slot)
{
	if (!ss->sorted)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(ss->scan_cxt);
		AttrNumber	attno = linitial_int(ss->sort_spec);
		Oid			sortop = (Oid) lsecond_int(ss->sort_spec);
		Oid			collation = (Oid) lthird_int(ss->sort_spec);
		bool		nulls_first = lfourth_int(ss->sort_spec) != 0;

		if (ss->sorter != NULL)
			tuplesort_end(ss->sorter);
		ss->sorter = tuplesort_begin_heap(slot->tts_tupleDescriptor, 1, &attno, &sortop,
										  &collation, &nulls_first, work_mem, NULL,
										  TUPLESORT_NONE);
		if (ss->sorted_slot == NULL)
			ss->sorted_slot = MakeSingleTupleTableSlot(slot->tts_tupleDescriptor,
													   &TTSOpsMinimalTuple);
		MemoryContextSwitchTo(oldcxt);
		while (next_row(ss, slot))
			tuplesort_puttupleslot(ss->sorter, slot);
		tuplesort_performsort(ss->sorter);
		ss->sorted = true;
	}
	if (!tuplesort_gettupleslot(ss->sorter, true, false, ss->sorted_slot, NULL))
		return ExecClearTuple(slot);
	return ExecCopySlot(slot, ss->sorted_slot);
}

TupleTableSlot *
hubspotIterateForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (!ss->started)
		start_scan(ss, node->ss.ps.ps_ExprContext);
	if (ss->flags & SCAN_COUNT)
		return count_row(ss, node);
	if (ss->sort_locally)
		return sorted_row(ss, slot);
	if (!next_row(ss, slot))
		return ExecClearTuple(slot);
	return slot;
}

void
hubspotReScanForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;

	if (!ss->started)
		return;
	MemoryContextReset(ss->page_cxt);
	ss->records = NULL;
	ss->nrecords = ss->next_record = 0;
	drop_ahead(ss);
	hs_deferred_overlay_rewind(ss->overlay);
	/* start again at the next fetch; lookups evaluate their ids again */
	ss->started = false;
}

void
hubspotEndForeignScan(ForeignScanState *node)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;

	if (ss != NULL && ss->ahead != NULL)
		drop_ahead(ss);
	if (ss != NULL && ss->sorter != NULL)
	{
		tuplesort_end(ss->sorter);
		ss->sorter = NULL;
	}
	if (ss != NULL && ss->sorted_slot != NULL)
	{
		ExecDropSingleTupleTableSlot(ss->sorted_slot);
		ss->sorted_slot = NULL;
	}
	/* deleting the page context frees the json-c page at once */
	if (ss != NULL && ss->page_cxt != NULL)
	{
		MemoryContextDelete(ss->page_cxt);
		ss->page_cxt = NULL;
	}
}

/* The typed properties the scan reads, for EXPLAIN: "a, b", or NULL. */
static char *
typed_properties_text(HsScanState *ss)
{
	List	   *names = typed_properties(ss);
	StringInfoData buf;
	ListCell   *lc;

	if (names == NIL)
		return NULL;
	initStringInfo(&buf);
	foreach(lc, names)
	{
		if (lc != list_head(names))
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, (const char *) lfirst(lc));
	}
	return buf.data;
}

/* The body of the first search request (plain EXPLAIN: built now). */
static const char *
search_body_text(HsScanState *ss, ForeignScanState *node)
{
	if (ss->first_body != NULL)
		return ss->first_body;
	/* values set by a subquery are not known before it runs */
	if (hs_search_has_exec_param((Node *) ((ForeignScan *) node->ss.ps.plan)->fdw_exprs,
								 NULL))
		return "(built at execution: a value comes from a subquery)";
	if (ss->search_cxt == NULL)
		ss->search_cxt = AllocSetContextCreate(CurrentMemoryContext,
											   "hubspot_fdw search",
											   ALLOCSET_SMALL_SIZES);
	/* the properties of typed columns are known without the catalogue */
	if (!ss->want_properties && !ss->want_history)
	{
		List	   *names = typed_properties(ss);

		hs_api_read_set_properties(ss->search_read,
								   names != NIL ? names : list_make1("hs_object_id"));
	}
	start_cursor(ss, node->ss.ps.ps_ExprContext, hs_filter_assumed_type);
	if (ss->cursor.none)
		return "(none: no record can match these values)";
	if (ss->groups != NIL && ss->cursor.base_groups == NIL && !ss->cursor.exact)
		return "(none: no filter could be sent with these values, the listing is read)";
	return hs_api_search_body(ss->search_read, &ss->cursor.query);
}

/* EXPLAIN of a search: its body, what PostgreSQL checks alone, what it did. */
static void
explain_search(HsScanState *ss, ForeignScanState *node, ExplainState *es)
{
	/* the body of a search not made (it listed) would mislead */
	if (es->verbose && !(es->analyze && ss->listed))
	{
		ExplainPropertyText("HubSpot Search Body", search_body_text(ss, node), es);
		if (ss->kept[0] != '\0')
			ExplainPropertyText("HubSpot Conditions Not Pushed", ss->kept, es);
	}
	if (!es->analyze && hs_visibility_wrote_recently(ss->table->object))
		ExplainPropertyText("HubSpot Read", "list (" LISTED_AFTER_WRITES ")", es);
	if (!es->analyze || !ss->started)
		return;
	ExplainPropertyText("HubSpot Read", ss->listed ?
						psprintf("list (%s)", ss->listed) : "search", es);
	if (!ss->listed && ss->cursor.dropped > 0)
		ExplainPropertyInteger("HubSpot Filters Left Out", NULL, ss->cursor.dropped, es);
	if (ss->sort_locally)
		ExplainPropertyText("HubSpot Sort", "in PostgreSQL", es);
	if (ss->flags & SCAN_COUNT)
		ExplainPropertyText("HubSpot Count", ss->counted_by_total ?
							"the search's total" : "rows counted in PostgreSQL", es);
}

void
hubspotExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	HsScanState *ss = (HsScanState *) node->fdw_state;
	HsReadKind	kind = ss->read->kind;

	ExplainPropertyText("HubSpot Request", hs_api_read_describe(ss->read), es);
	if (kind != HS_READ_BY_ID)
		ExplainPropertyInteger(kind == HS_READ_BATCH ?
							   "HubSpot Ids Per Request" : "HubSpot Page Size",
							   NULL, ss->read->page_size, es);
	if (es->verbose)
	{
		const char *props;
		char	   *why = strVal(list_nth(((ForeignScan *) node->ss.ps.plan)->fdw_private,
										  FdwScanPrivateNoSearch));

		if (ss->want_properties || ss->want_history)
			props = "all (from the property catalogue)";
		else
			props = typed_properties_text(ss);
		ExplainPropertyText("HubSpot Properties", props ? props : "none", es);
		if (kind == HS_READ_BATCH)
			ExplainPropertyInteger("HubSpot Max Concurrent Requests", NULL,
								   ss->table->max_concurrent_requests, es);
		if (ss->want_history)
			ExplainPropertyText("HubSpot Properties With History", "all", es);
		if (why[0] != '\0')
			ExplainPropertyText("HubSpot Search", psprintf("not used: %s", why), es);
	}
	if (ss->bodies != NULL)
		ExplainPropertyText("HubSpot Records Read Through",
							psprintf("%s (the properties make the URL too long)",
									 hs_api_read_describe(ss->bodies)), es);
	if (ss->search_read != NULL)
		explain_search(ss, node, es);
	if (es->analyze)
	{
		if (kind == HS_READ_BY_ID || kind == HS_READ_BATCH)
			ExplainPropertyInteger("HubSpot Ids", NULL, ss->nids, es);
		hs_api_explain_stats(&ss->stats, es);
		if (ss->own_creates_skipped > 0 || es->verbose)
			ExplainPropertyInteger("HubSpot Own Creates Skipped", NULL,
								   ss->own_creates_skipped, es);
	}
}
