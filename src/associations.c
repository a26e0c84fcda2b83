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

/* The inline member of assoc for object name: its key, or an alias of it. */
static json_object *
inline_member(json_object *assoc, const char *name)
{
	json_object *v;

	if (assoc == NULL || !json_object_is_type(assoc, json_type_object))
		return NULL;
	if (json_object_object_get_ex(assoc, name, &v))
		return v;
	for (struct lh_entry *e = json_object_get_object(assoc)->head; e; e = e->next)
		if (strcmp(hs_object_key((const char *) lh_entry_k(e)), hs_object_key(name)) == 0)
			return (json_object *) lh_entry_v(e);
	return NULL;
}

/* Append id to *ids unless it is there. */
static void
add_unique(List **ids, const char *id)
{
	ListCell   *lc;

	foreach(lc, *ids)
		if (strcmp((const char *) lfirst(lc), id) == 0)
			return;
	*ids = lappend(*ids, pstrdup(id));
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
				add_unique(ids, id);
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
					add_unique(&ids[i], page.rows[r].to_id);
	}
}

void
hs_associations_inline(HsConnection *conn, HsStats *stats, const char *object,
					   List *to_objects, json_object **records, int n, bool inline_given)
{
	int			nto = list_length(to_objects);
	List	  **ids = palloc0(sizeof(List *) * Max(n * nto, 1));
	bool	   *need = palloc(sizeof(bool) * Max(n, 1));
	ListCell   *lc;
	int			t = 0;

	foreach(lc, to_objects)
	{
		const char *to = (const char *) lfirst(lc);
		bool		any = false;

		for (int i = 0; i < n; i++)
		{
			json_object *member = inline_member(hs_member(records[i], "associations"), to);

			need[i] = !inline_given ||
				(member != NULL && read_inline(member, &ids[t * n + i]));
			any |= need[i];
		}
		if (any)
			read_complete(conn, stats, object, to, records, n, need, &ids[t * n]);
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
