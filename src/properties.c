/*-------------------------------------------------------------------------
 *
 * properties.c
 *		The property catalogue of a CRM object, from HubSpot's Properties API
 *		(hs_api_get_properties() in api.c), read once per backend.
 *
 * A scan that returns the properties column asks for every property in the
 * catalogue; writes use it to refuse unknown and read-only properties before
 * anything is sent.  A lookup that misses reads the catalogue again once,
 * so that a property created in HubSpot after the first read is found.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "properties.h"
#include "api.h"

typedef struct CatalogCacheEntry
{
	Oid			umid;
	const char *token;			/* the connection's token when read: a new
								 * token may be another HubSpot account */
	HsCatalog  *catalog;
} CatalogCacheEntry;

/* entries live in TopMemoryContext */
static List *catalog_cache = NIL;

static int
property_cmp(const void *a, const void *b)
{
	return strcmp(((const HsProperty *) a)->name, ((const HsProperty *) b)->name);
}

/* Read the catalogue from HubSpot into a new HsCatalog in TopMemoryContext. */
static HsCatalog *
fetch_catalog(HsConnection *conn, const char *object, HsStats *stats)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw property catalogue",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(tmp);
	HsResponse *resp = hs_api_send(conn, hs_api_get_properties(object), stats);
	HsProperty *properties;
	int			nproperties;
	HsCatalog  *catalog;

	/* an ERROR is raised before the parser allocates anything */
	MemoryContextSwitchTo(TopMemoryContext);
	properties = hs_api_parse_properties(resp, &nproperties);
	catalog = palloc0(sizeof(HsCatalog));
	catalog->object = pstrdup(object);
	catalog->properties = properties;
	catalog->nproperties = nproperties;
	qsort(catalog->properties, catalog->nproperties, sizeof(HsProperty), property_cmp);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(tmp);
	return catalog;
}

/*
 * hs_get_catalog
 *		The property catalogue for a user mapping's account and an object,
 *		from the backend's cache unless refresh is asked for.
 *
 * A replaced catalogue is not freed: a running scan may still point into it.
 */
HsCatalog *
hs_get_catalog(HsConnection *conn, const char *object, bool refresh,
			   HsStats *stats)
{
	ListCell   *lc;
	CatalogCacheEntry *entry = NULL;
	MemoryContext oldcxt;

	foreach(lc, catalog_cache)
	{
		CatalogCacheEntry *e = (CatalogCacheEntry *) lfirst(lc);

		if (e->umid == conn->umid && strcmp(e->catalog->object, object) == 0)
		{
			entry = e;
			break;
		}
	}
	if (entry != NULL && !refresh && entry->token == conn->token)
		return entry->catalog;

	if (entry != NULL)
	{
		entry->catalog = fetch_catalog(conn, object, stats);
		entry->token = conn->token;
		return entry->catalog;
	}

	{
		HsCatalog  *catalog = fetch_catalog(conn, object, stats);

		oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		entry = palloc(sizeof(CatalogCacheEntry));
		entry->umid = conn->umid;
		entry->token = conn->token;
		entry->catalog = catalog;
		catalog_cache = lappend(catalog_cache, entry);
		MemoryContextSwitchTo(oldcxt);
		return catalog;
	}
}

/* The property with this name, or NULL. */
static HsProperty *
hs_catalog_lookup(HsCatalog *catalog, const char *name)
{
	HsProperty	key;

	key.name = (char *) name;
	return bsearch(&key, catalog->properties, catalog->nproperties,
				   sizeof(HsProperty), property_cmp);
}

/*
 * hs_find_property
 *		Look a property up; on a miss, read the catalogue again once, since
 *		the property may have been created after the cached read.
 */
HsProperty *
hs_find_property(HsConnection *conn, const char *object, const char *name,
				 HsStats *stats)
{
	HsProperty *prop = hs_catalog_lookup(hs_get_catalog(conn, object, false, stats),
										 name);

	if (prop == NULL)
		prop = hs_catalog_lookup(hs_get_catalog(conn, object, true, stats), name);
	return prop;
}

/*
 * hs_check_typed_columns
 *		Every typed property column must name a property that exists:
 *		HubSpot ignores unknown names on reads, which would turn a typo into
 *		a column that is always NULL.
 */
void
hs_check_typed_columns(HsConnection *conn, HsTable *table, HsStats *stats)
{
	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];

		if (col->kind == HS_COL_PROPERTY &&
			hs_find_property(conn, table->object, col->property, stats) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of foreign table \"%s\" maps to HubSpot property \"%s\", which %s do not have",
							col->name, table->relname, col->property,
							hs_object_display(table->objtype)),
					 errhint("Set the column's \"property\" option to the internal name of an existing property.")));
	}
}
