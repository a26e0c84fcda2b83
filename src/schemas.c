/*-------------------------------------------------------------------------
 *
 * schemas.c
 *		Which CRM object a foreign table stands for: standard objects from
 *		the registry (objects.c), custom objects from HubSpot's schemas API
 *		(hs_api_get_schemas() in api.c), read once per backend and user
 *		mapping, as property catalogues are (properties.c).
 *
 * hs_get_table() (option.c) reads catalogs only: it knows a standard
 * object at once, and leaves a custom one as a pending stand-in whose
 * rules that all custom objects share are right (planning needs no more).
 * Scan and modify begin call hs_resolve_table_object(), which reads the
 * account's schemas on first use and puts the objectTypeId in the table's
 * paths.  A name that misses is looked up once more after reading the
 * schemas again, so that an object created after the first read is found.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "schemas.h"
#include "api.h"
#include "errors.h"
#include "json.h"
#include "option.h"

typedef struct SchemaCacheEntry
{
	Oid			umid;
	const char *token;			/* the connection's token when read: a new
								 * token may be another HubSpot account */
	HsObjectType **objects;
	int			nobjects;
} SchemaCacheEntry;

/* entries and what they point to live in TopMemoryContext */
static List *schema_cache = NIL;

/* The text of member key of schema, which must be a string; "" if none. */
static const char *
schema_string(json_object *schema, const char *key)
{
	json_object *v = hs_member(schema, key);

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return "";
	return hs_json_text(v, "schema's", key);
}

/* requiredProperties joined by ',', or NULL when there are none. */
static char *
required_properties(json_object *schema)
{
	json_object *arr = hs_member(schema, "requiredProperties");
	StringInfoData buf;

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return NULL;
	initStringInfo(&buf);
	for (size_t i = 0; i < json_object_array_length(arr); i++)
	{
		json_object *v = json_object_array_get_idx(arr, i);

		if (v == NULL || !json_object_is_type(v, json_type_string))
			continue;
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? "," : "",
						 hs_json_text(v, "schema's", "requiredProperties"));
	}
	return buf.len > 0 ? buf.data : NULL;
}

/*
 * parse_schema
 *		One ObjectSchema of the answer as a registry entry, or NULL for an
 *		archived schema (its records cannot be read).  A schema without the
 *		objectTypeId, name or fullyQualifiedName HubSpot documents is a
 *		malformed answer.
 */
static HsObjectType *
parse_schema(HsResponse *resp, json_object *schema, int index)
{
	const char *type_id = schema_string(schema, "objectTypeId");
	const char *fqn = schema_string(schema, "fullyQualifiedName");
	const char *name = schema_string(schema, "name");
	json_object *archived = hs_member(schema, "archived");

	if (schema == NULL || !json_object_is_type(schema, json_type_object))
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "schema %d is not a JSON object", index + 1);
	if (hs_object_name_kind(type_id) != HS_OBJNAME_CUSTOM_ID)
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "schema %d has no objectTypeId of the form \"2-\" and digits",
								   index + 1);
	if (hs_object_name_kind(fqn) != HS_OBJNAME_CUSTOM_FQN ||
		hs_object_name_kind(psprintf("p_%s", name)) != HS_OBJNAME_CUSTOM_SHORT)
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "schema %d (%s) has no valid name and fullyQualifiedName",
								   index + 1, type_id);
	if (archived != NULL && json_object_is_type(archived, json_type_boolean) &&
		json_object_get_boolean(archived))
		return NULL;
	return hs_object_custom(type_id, fqn, name, required_properties(schema));
}

/*
 * fetch_custom_objects
 *		Read the schemas from HubSpot into entries in TopMemoryContext.
 *		The answer is parsed in a temporary context and copied once it has
 *		all been read, so that an error leaves nothing behind.
 */
static HsObjectType **
fetch_custom_objects(HsConnection *conn, HsStats *stats, int *n,
					 bool *missing_scope)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw custom objects",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(tmp);
	HsResponse *resp = hs_api_send(conn, hs_api_get_schemas(), stats);
	json_object *results;
	List	   *parsed = NIL;
	HsObjectType **objects;
	ListCell   *lc;
	int			i = 0;

	/* IMPORT FOREIGN SCHEMA goes on without custom objects */
	if (missing_scope != NULL && resp->status == 403 &&
		hs_json_string(resp->json, "category") != NULL &&
		strcmp(hs_json_string(resp->json, "category"), "MISSING_SCOPES") == 0)
	{
		*missing_scope = true;
		*n = 0;
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(tmp);
		return NULL;
	}
	if (resp->status != 200)
		hs_report_response_error(resp);
	if (resp->json == NULL || !json_object_is_type(resp->json, json_type_object) ||
		!json_object_object_get_ex(resp->json, "results", &results) ||
		!json_object_is_type(results, json_type_array))
		hs_report_malformed_answer(resp->method, resp->path, resp->status,
								   "no \"results\" array");
	for (size_t k = 0; k < json_object_array_length(results); k++)
	{
		HsObjectType *o = parse_schema(resp, json_object_array_get_idx(results, k),
									   (int) k);

		if (o != NULL)
			parsed = lappend(parsed, o);
	}

	MemoryContextSwitchTo(TopMemoryContext);
	objects = palloc0(sizeof(HsObjectType *) * Max(list_length(parsed), 1));
	foreach(lc, parsed)
	{
		HsObjectType *o = (HsObjectType *) lfirst(lc);

		objects[i++] = hs_object_custom(o->type_id, o->name, o->singular, o->required);
	}
	*n = i;
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(tmp);
	return objects;
}

/*
 * custom_objects
 *		The account's custom objects, from the backend's cache unless
 *		refresh is asked for (see schemas.h).  A replaced list is not freed:
 *		tables may still point into it.  With missing_scope, a 403
 *		MISSING_SCOPES answer is NULL (the cache unchanged) instead of an
 *		error.
 */
static HsObjectType **
custom_objects(HsConnection *conn, bool refresh, HsStats *stats, int *n,
			   bool *missing_scope)
{
	SchemaCacheEntry *entry = NULL;
	MemoryContext oldcxt;
	ListCell   *lc;

	foreach(lc, schema_cache)
	{
		SchemaCacheEntry *e = (SchemaCacheEntry *) lfirst(lc);

		if (e->umid == conn->umid)
		{
			entry = e;
			break;
		}
	}
	if (entry != NULL && !refresh && entry->token == conn->token)
	{
		*n = entry->nobjects;
		return entry->objects;
	}
	if (entry == NULL)
	{
		HsObjectType **objects = fetch_custom_objects(conn, stats, n, missing_scope);

		if (objects == NULL)
			return NULL;
		oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		entry = palloc0(sizeof(SchemaCacheEntry));
		entry->umid = conn->umid;
		schema_cache = lappend(schema_cache, entry);
		MemoryContextSwitchTo(oldcxt);
		entry->objects = objects;
	}
	else
	{
		HsObjectType **objects = fetch_custom_objects(conn, stats, n, missing_scope);

		if (objects == NULL)
			return NULL;
		entry->objects = objects;
	}
	entry->nobjects = *n;
	entry->token = conn->token;
	return entry->objects;
}

HsObjectType **
hs_get_custom_objects(HsConnection *conn, bool refresh, HsStats *stats, int *n)
{
	return custom_objects(conn, refresh, stats, n, NULL);
}

HsObjectType **
hs_read_custom_objects(HsConnection *conn, HsStats *stats, int *n)
{
	bool		missing_scope = false;

	return custom_objects(conn, true, stats, n, &missing_scope);
}

/* The custom object of objects[0..n-1] that name stands for, or NULL. */
static const HsObjectType *
find_custom(HsObjectType **objects, int n, const char *name)
{
	HsObjectNameKind kind = hs_object_name_kind(name);

	for (int i = 0; i < n; i++)
	{
		const HsObjectType *o = objects[i];

		if ((kind == HS_OBJNAME_CUSTOM_ID && pg_strcasecmp(name, o->type_id) == 0) ||
			(kind == HS_OBJNAME_CUSTOM_FQN && pg_strcasecmp(name, o->name) == 0) ||
			(kind == HS_OBJNAME_CUSTOM_SHORT && pg_strcasecmp(name + 2, o->singular) == 0))
			return o;
	}
	return NULL;
}

/* "pets (2-90001, p123_pets), ..." or "none" */
static char *
describe_custom_objects(HsObjectType **objects, int n)
{
	StringInfoData buf;

	if (n == 0)
		return "none";
	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s (%s, %s)", i > 0 ? ", " : "",
						 objects[i]->singular, objects[i]->type_id, objects[i]->name);
	return buf.data;
}

const HsObjectType *
hs_resolve_object(HsConnection *conn, const char *name, HsStats *stats)
{
	HsObjectType **objects;
	const HsObjectType *found;
	int			n;

	switch (hs_object_name_kind(name))
	{
		case HS_OBJNAME_STANDARD:
			return hs_object_find(name);
		case HS_OBJNAME_INVALID:
			hs_check_object_option("object", name);	/* raises the error */
			break;
		default:
			break;
	}
	objects = hs_get_custom_objects(conn, false, stats, &n);
	found = find_custom(objects, n, name);
	if (found == NULL)
	{
		objects = hs_get_custom_objects(conn, true, stats, &n);
		found = find_custom(objects, n, name);
	}
	if (found == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("HubSpot has no custom object \"%s\"", name),
				 errdetail("The account's custom objects: %s.",
						   describe_custom_objects(objects, n)),
				 errhint("Name a custom object by its objectTypeId (2-NNN), fully qualified name (p{portal}_{name}) or p_{name}; the standard objects are %s.",
						 hs_object_names())));
	return found;
}

/* errcontext while a table's object is resolved */
static void
resolve_context(void *arg)
{
	HsTable    *table = (HsTable *) arg;

	errcontext("object \"%s\" of foreign table \"%s\"",
			   table->object_option, table->relname);
}

void
hs_resolve_table_object(HsConnection *conn, HsTable *table, HsStats *stats)
{
	ErrorContextCallback errcallback;

	if (!table->objtype_pending)
		return;
	errcallback.callback = resolve_context;
	errcallback.arg = table;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	table->objtype = hs_resolve_object(conn, table->object_option, stats);
	error_context_stack = errcallback.previous;
	table->object = pstrdup(hs_object_path(table->objtype));
	table->objtype_pending = false;
}

HsConnection *
hs_connect_table(HsTable *table, Oid userid, HsStats *stats)
{
	HsConnection *conn = hs_connect(table->serverid, userid);

	hs_resolve_table_object(conn, table, stats);
	return conn;
}

/* required ("a,b") as a text[], or NULL */
static Datum
required_array(const char *required, bool *isnull)
{
	List	   *names = NIL;
	Datum	   *elems;
	int			n = 0;
	char	   *copy;
	ListCell   *lc;

	*isnull = required == NULL;
	if (required == NULL)
		return (Datum) 0;
	copy = pstrdup(required);
	for (char *p = strtok(copy, ","); p != NULL; p = strtok(NULL, ","))
		names = lappend(names, p);
	elems = palloc(sizeof(Datum) * Max(list_length(names), 1));
	foreach(lc, names)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

#define OBJECT_COLUMNS 12

/* One row of hubspot_fdw_objects() for o. */
static void
put_object_row(ReturnSetInfo *rsinfo, const HsObjectType *o)
{
	Datum		values[OBJECT_COLUMNS];
	bool		nulls[OBJECT_COLUMNS] = {0};
	const char *text[] = {
		hs_object_display(o), o->type_id, o->custom ? o->name : NULL, o->singular,
		NULL, o->read_scope, o->write_scope, o->created_property,
		o->modified_property, o->unique_property
	};

	for (int i = 0; i < (int) lengthof(text); i++)
	{
		nulls[i] = text[i] == NULL;
		values[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(text[i]);
	}
	nulls[4] = false;
	values[4] = BoolGetDatum(o->custom);
	values[10] = required_array(o->required, &nulls[10]);
	values[11] = BoolGetDatum(o->associable);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

PG_FUNCTION_INFO_V1(hubspot_fdw_objects);

/*
 * hubspot_fdw_objects
 *		SQL: hubspot_fdw_objects(server name) RETURNS TABLE (name, type_id,
 *		fully_qualified_name, singular, custom, read_scope, write_scope,
 *		created_property, modified_property, unique_property, required
 *		text[], associable): the standard objects of the registry, then the
 *		custom objects of the account of the current user's mapping for
 *		server (a request to the schemas API, unless this backend read them
 *		already).  Errors: those of hs_get_custom_objects(), and the usual
 *		ones for an unknown server or a missing user mapping.
 */
Datum
hubspot_fdw_objects(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ForeignServer *server = GetForeignServerByName(NameStr(*PG_GETARG_NAME(0)), false);
	HsConnection *conn;
	HsObjectType **custom;
	HsStats		stats = {0};
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < hs_object_count(); i++)
		put_object_row(rsinfo, hs_object_nth(i));
	conn = hs_connect(server->serverid, GetUserId());
	custom = hs_get_custom_objects(conn, false, &stats, &n);
	for (int i = 0; i < n; i++)
		put_object_row(rsinfo, custom[i]);
	return (Datum) 0;
}
