/*-------------------------------------------------------------------------
 *
 * associations.c
 *		The associated ids of records for the "associations" column of
 *		object tables (associations.h): HubSpot's inline associations of a
 *		listing or GET by id (hubspot-objects.md 4.2), completed through v4
 *		batch/read (4.3) where the inline list has a next page or the read
 *		(batch/read, search) returns none.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "api.h"
#include "api_assoc.h"
#include "associations.h"
#include "objects.h"
#include "schemas.h"

/*
 * resolve_bare
 *		The custom object whose schema name is name ("pets"), or NULL: read
 *		again once on a miss, as hs_resolve_object() does.
 */
static const HsObjectType *
resolve_bare(HsConnection *conn, const char *name, HsStats *stats)
{
	for (int pass = 0; pass < 2; pass++)
	{
		int			n;
		HsObjectType **objects = hs_get_custom_objects(conn, pass > 0, stats, &n);

		for (int i = 0; i < n; i++)
			if (pg_strcasecmp(objects[i]->singular, name) == 0)
				return objects[i];
	}
	return NULL;
}

void
hs_associations_resolve(HsConnection *conn, HsTable *table, HsStats *stats)
{
	List	   *types = NIL;
	ListCell   *lc;

	if (conn == NULL || table->inline_types != NIL)
		return;
	foreach(lc, table->inline_associations)
	{
		const char *name = (const char *) lfirst(lc);
		const HsObjectType *o;

		if (hs_object_name_kind(name) != HS_OBJNAME_INVALID)
			o = hs_resolve_object(conn, name, stats);
		else if ((o = resolve_bare(conn, name, stats)) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("option \"associations\" of foreign table \"%s\" names \"%s\", which is no object of the HubSpot account",
							table->relname, name),
					 errhint("Name standard objects by plural or singular name or type id (%s), custom objects by objectTypeId (2-NNN), fully qualified name (p{portal}_{name}), p_{name} or name.",
							 hs_object_names())));
		types = lappend(types, (void *) o);
	}
	table->inline_types = types;
}

List *
hs_associations_paths(HsTable *table)
{
	List	   *paths = NIL;
	ListCell   *lc;

	/* plain EXPLAIN: the names as written */
	if (table->inline_types == NIL)
		return table->inline_associations;
	foreach(lc, table->inline_types)
	{
		const char *path = hs_object_path((const HsObjectType *) lfirst(lc));
		ListCell   *lc2;
		bool		seen = false;

		/* a few names: "pets, p_pets" ask once */
		foreach(lc2, paths)
			seen |= strcmp((const char *) lfirst(lc2), path) == 0;
		if (!seen)
			paths = lappend(paths, pstrdup(path));
	}
	return paths;
}

void
hs_assoc_resolve_objects(HsConnection *conn, HsTable *table, HsStats *stats)
{
	hs_resolve_table_object(conn, table, stats);
	if (hs_object_name_kind(table->to_object) != HS_OBJNAME_STANDARD)
		table->to_object =
			pstrdup(hs_object_path(hs_resolve_object(conn, table->to_object, stats)));
}

/* Does key, a member name of HubSpot's inline associations, stand for o? */
static bool
inline_key_is(const char *key, const HsObjectType *o)
{
	if (!o->custom)
		return hs_object_find(key) == o;
	/* HubSpot keys custom objects by fully qualified name (p{portal}_{name}) */
	return pg_strcasecmp(key, o->name) == 0 ||
		(o->type_id != NULL && pg_strcasecmp(key, o->type_id) == 0);
}

/* The inline member of assoc for object o: its key, or an alias of it. */
static json_object *
inline_member(json_object *assoc, const HsObjectType *o)
{
	json_object *v;

	if (assoc == NULL || !json_object_is_type(assoc, json_type_object))
		return NULL;
	if (json_object_object_get_ex(assoc, o->name, &v))
		return v;
	for (struct lh_entry *e = json_object_get_object(assoc)->head; e; e = e->next)
		if (inline_key_is((const char *) lh_entry_k(e), o))
			return (json_object *) lh_entry_v(e);
	return NULL;
}

/* An id of a list being de-duplicated: its text and where it came */
typedef struct SeenId
{
	const char *id;
	int			pos;
} SeenId;

static int
seen_cmp(const void *a, const void *b)
{
	const SeenId *x = (const SeenId *) a;
	const SeenId *y = (const SeenId *) b;
	int			c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * distinct_ids
 *		ids (char *) without repeats, each where it first came: sorted, not
 *		scanned per id, since a record may have thousands (v4 batch/read).
 */
static List *
distinct_ids(List *ids)
{
	int			n = list_length(ids);
	SeenId	   *seen;
	bool	   *keep;
	List	   *out = NIL;

	if (n < 2)
		return ids;
	seen = palloc(sizeof(SeenId) * n);
	keep = palloc(sizeof(bool) * n);
	for (int i = 0; i < n; i++)
	{
		seen[i].id = (const char *) list_nth(ids, i);
		seen[i].pos = i;
		keep[i] = true;
	}
	qsort(seen, n, sizeof(SeenId), seen_cmp);
	for (int i = 1; i < n; i++)
		if (strcmp(seen[i].id, seen[i - 1].id) == 0)
			keep[seen[i].pos] = false;
	for (int i = 0; i < n; i++)
		if (keep[i])
			out = lappend(out, list_nth(ids, i));
	pfree(seen);
	pfree(keep);
	return out;
}

/*
 * read_inline
 *		The ids of one inline list ({"results":[{"id","type"}],"paging"}),
 *		into *ids; true when it has a next page.
 */
static bool
read_inline(json_object *member, List **ids)
{
	json_object *results = hs_member(member, "results");

	if (results != NULL && json_object_is_type(results, json_type_array))
		for (size_t k = 0; k < json_object_array_length(results); k++)
		{
			const char *id = hs_json_string(json_object_array_get_idx(results, k), "id");

			if (id != NULL)
				*ids = lappend(*ids, pstrdup(id));
		}
	return hs_member(hs_member(member, "paging"), "next") != NULL;
}

/*
 * read_complete
 *		The complete sets of the records marked in need, through v4
 *		batch/read of object to to (1,000 inputs at most per request, each
 *		record's next pages sent again with their cursor): *ids[i] replaced.
 */
static void
read_complete(HsConnection *conn, HsStats *stats, const char *object, const char *to,
			  json_object **records, int n, const bool *need, List **ids)
{
	int			cap = Max(n, 1);
	HsAssocReadInput *queue = palloc(sizeof(HsAssocReadInput) * cap);
	int			nqueue = 0;

	for (int i = 0; i < n; i++)
		if (need[i])
		{
			queue[nqueue].id = hs_json_string(records[i], "id");
			queue[nqueue++].after = NULL;
			ids[i] = NIL;
		}
	while (nqueue > 0)
	{
		int			take = Min(nqueue, HS_ASSOC_READ_MAX_INPUTS);
		HsAssocPage page;

		CHECK_FOR_INTERRUPTS();
		hs_api_assoc_parse_read(hs_api_send(conn, hs_api_assoc_read(object, to, queue, take),
											stats), &page);
		nqueue -= take;
		memmove(queue, queue + take, sizeof(HsAssocReadInput) * nqueue);
		if (nqueue + page.nnext > cap)
		{
			cap = nqueue + page.nnext;
			queue = repalloc(queue, sizeof(HsAssocReadInput) * cap);
		}
		for (int k = 0; k < page.nnext; k++)
			queue[nqueue++] = page.next[k];
		for (int r = 0; r < page.nrows; r++)
			for (int i = 0; i < n; i++)
				if (need[i] && strcmp(hs_json_string(records[i], "id"), page.rows[r].from_id) == 0)
					ids[i] = lappend(ids[i], pstrdup(page.rows[r].to_id));
	}
}

void
hs_associations_inline(HsConnection *conn, HsStats *stats, HsTable *table,
					   json_object **records, int n, bool inline_given)
{
	const char *object = table->object;
	List	   *to_objects = table->inline_associations;
	List	   *to_types = table->inline_types;
	int			nto = list_length(to_objects);
	List	  **ids = palloc0(sizeof(List *) * Max(n * nto, 1));
	bool	   *need = palloc(sizeof(bool) * Max(n, 1));
	ListCell   *lc;
	int			t = 0;

	Assert(list_length(to_types) == nto);
	foreach(lc, to_types)
	{
		const HsObjectType *to = (const HsObjectType *) lfirst(lc);
		bool		any = false;

		for (int i = 0; i < n; i++)
		{
			json_object *member = inline_member(hs_member(records[i], "associations"), to);

			need[i] = !inline_given ||
				(member != NULL && read_inline(member, &ids[t * n + i]));
			any |= need[i];
		}
		if (any)
			read_complete(conn, stats, object, hs_object_path(to), records, n, need,
						  &ids[t * n]);
		for (int i = 0; i < n; i++)
			ids[t * n + i] = distinct_ids(ids[t * n + i]);
		t++;
	}

	/* the lists read, as the column shows them */
	for (int i = 0; i < n; i++)
	{
		json_object *obj = hs_json_add_object(records[i], "associations");

		t = 0;
		foreach(lc, to_objects)
		{
			json_object *arr = hs_json_add_array(obj, (const char *) lfirst(lc));
			ListCell   *lc2;

			foreach(lc2, ids[t * n + i])
				hs_json_append_string(arr, (const char *) lfirst(lc2));
			t++;
		}
	}
}
