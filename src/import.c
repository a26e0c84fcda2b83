/*-------------------------------------------------------------------------
 *
 * import.c
 *		IMPORT FOREIGN SCHEMA hubspot FROM SERVER s INTO local_schema: one
 *		foreign table per CRM object the token can read, with a typed column
 *		per property of HubSpot's property catalogue, and association tables
 *		for the pairs the "associations" option names; and the SQL function
 *		hubspot_fdw_properties(server, object) that lists an object's
 *		properties.
 *
 * The objects are the registry's standard objects (objects.c) and the
 * portal's custom objects (the schemas API).  Each imported object costs one
 * request, GET /crm/v3/properties/{object} (hubspot-objects.md 3); an object
 * whose catalogue HubSpot refuses with 403 MISSING_SCOPES is skipped with a
 * NOTICE naming it and the scope.  Objects LIMIT TO or EXCEPT leaves out are
 * not read.  Column names and types: import_columns.c.  docs/import.md
 * describes all of it for users.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "api.h"
#include "client.h"
#include "import.h"
#include "import_columns.h"
#include "json.h"
#include "objects.h"
#include "schemas.h"

/* The remote schema IMPORT FOREIGN SCHEMA takes. */
#define HS_REMOTE_SCHEMA "hubspot"

/* The scope GET /crm/v3/schemas needs (hubspot-objects.md 2). */
#define HS_SCHEMAS_SCOPE "crm.schemas.custom.read"

/* An object that may become a table. */
typedef struct ImportObject
{
	const HsObjectType *type;
	const char *table;			/* plural name, or a custom object's name */
	const char *path;			/* in paths: plural name or objectTypeId */
} ImportObject;

/* An association table the "associations" option asks for. */
typedef struct ImportPair
{
	const ImportObject *from;
	const ImportObject *to;
	char	   *table;			/* <from singular>_<to table> */
} ImportPair;

typedef struct ImportOptions
{
	bool		typed_columns;
	HsColumnFilter filter;
	List	   *pair_names;		/* associations: char *[2] {from, to} */
	const char *pairs_text;		/* its value, NULL when not given */
	List	   *pairs;			/* ImportPair *, once resolved */
} ImportOptions;

/* ---------- objects ---------- */

static ImportObject *
make_object(const HsObjectType *o)
{
	ImportObject *obj = palloc(sizeof(ImportObject));

	obj->type = o;
	obj->table = hs_object_display(o);
	obj->path = hs_object_path(o);
	return obj;
}

/* Is table the table name of one of objects? */
static bool
table_taken(List *objects, const char *table)
{
	ListCell   *lc;

	foreach(lc, objects)
		if (strcmp(((const ImportObject *) lfirst(lc))->table, table) == 0)
			return true;
	return false;
}

/*
 * custom_table_name
 *		The table name of custom object o, free among objects' tables and as
 *		PostgreSQL keeps it (truncated to 63 bytes): its name, else its fully
 *		qualified name (a custom object "contacts"), else its name shortened
 *		and suffixed with _ and its objectTypeId (names alike in their first
 *		63 bytes).  Names are ASCII (parse_schema() in schemas.c).
 */
static const char *
custom_table_name(List *objects, const HsObjectType *o)
{
	int			keep = NAMEDATALEN - 2 - (int) strlen(o->type_id);
	char	   *candidates[3];

	candidates[0] = pstrdup(o->singular);
	candidates[1] = pstrdup(o->name);
	candidates[2] = psprintf("%.*s_%s", Max(keep, 0), o->singular, o->type_id);
	for (int i = 0; i < (int) lengthof(candidates); i++)
	{
		truncate_identifier(candidates[i], strlen(candidates[i]), false);
		if (!table_taken(objects, candidates[i]))
			return candidates[i];
	}
	return o->type_id;			/* unique, and no other table looks like it */
}

/*
 * import_objects
 *		The objects of the portal: the registry's standard objects, in type
 *		id order, then, when with_custom, the custom objects (GET
 *		/crm/v3/schemas, read afresh), in HubSpot's order, with table names
 *		no two objects share (custom_table_name()).  A token without
 *		the schemas scope gets a NOTICE and no custom objects; *all_read
 *		says whether the list is complete.
 */
static List *
import_objects(HsConnection *conn, bool with_custom, HsStats *stats,
			   bool *all_read)
{
	List	   *objects = NIL;
	HsObjectType **custom;
	int			ncustom;

	for (int i = 0; i < hs_object_count(); i++)
		objects = lappend(objects, make_object(hs_object_nth(i)));
	*all_read = with_custom;
	if (!with_custom)
		return objects;
	custom = hs_read_custom_objects(conn, stats, &ncustom);
	if (custom == NULL)
	{
		ereport(NOTICE,
				(errmsg("HubSpot custom objects skipped: the access token lacks the scope %s",
						HS_SCHEMAS_SCOPE),
				 errhint("Give the HubSpot app the scope %s to import custom objects.",
						 HS_SCHEMAS_SCOPE)));
		*all_read = false;
	}
	for (int i = 0; i < ncustom; i++)
	{
		ImportObject *obj = make_object(custom[i]);

		obj->table = custom_table_name(objects, custom[i]);
		objects = lappend(objects, obj);
	}
	return objects;
}

/*
 * find_object
 *		The object of objects named name: its table name, or the names the
 *		object option takes (plural, singular, type id of a standard object;
 *		objectTypeId, fully qualified name or p_{name} of a custom one), in
 *		any case.
 */
static const ImportObject *
find_object(List *objects, const char *name)
{
	const HsObjectType *standard = hs_object_find(name);
	ListCell   *lc;

	foreach(lc, objects)
	{
		const ImportObject *obj = lfirst(lc);

		if (obj->type == standard ||
			pg_strcasecmp(obj->table, name) == 0 ||
			pg_strcasecmp(obj->type->type_id, name) == 0 ||
			pg_strcasecmp(obj->type->name, name) == 0 ||
			(obj->type->custom && pg_strncasecmp(name, "p_", 2) == 0 &&
			 pg_strcasecmp(obj->table, name + 2) == 0))
			return obj;
	}
	return NULL;
}

/* "contacts, companies, ..." of objects' table names, palloc'd. */
static char *
object_names(List *objects)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, objects)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
						 ((const ImportObject *) lfirst(lc))->table);
	return buf.data;
}

/* ---------- options ---------- */

static bool
bool_option(DefElem *def)
{
	bool		b;

	if (!parse_bool(defGetString(def), &b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for IMPORT FOREIGN SCHEMA option \"%s\": \"%s\"",
						def->defname, defGetString(def)),
				 errhint("Valid values are \"true\" and \"false\".")));
	return b;
}

/*
 * split_list
 *		The comma-separated elements of an option's value, trimmed of
 *		spaces; an empty element is an error naming the option.
 */
static List *
split_list(const char *option, const char *value, const char *example)
{
	List	   *out = NIL;
	char	   *copy = pstrdup(value);
	char	   *p = copy;

	for (;;)
	{
		char	   *comma = strchr(p, ',');
		char	   *end;

		if (comma != NULL)
			*comma = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for IMPORT FOREIGN SCHEMA option \"%s\": \"%s\"",
							option, value),
					 errdetail("An element of the comma-separated list is empty."),
					 errhint("Give a comma-separated list such as '%s'.", example)));
		out = lappend(out, p);
		if (comma == NULL)
			return out;
		p = comma + 1;
	}
}

/* s without the spaces and tabs at its ends (s is modified). */
static char *
trimmed(char *s)
{
	char	   *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* The error for text, an element of the "associations" option, no pair. */
static void bad_pair(const char *value, const char *text) pg_attribute_noreturn();

static void
bad_pair(const char *value, const char *text)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for IMPORT FOREIGN SCHEMA option \"associations\": \"%s\"",
					value),
			 errdetail("\"%s\" is no from:to pair.", text),
			 errhint("Give comma-separated from:to pairs such as 'deals:line_items,deals:contacts'.")));
}

/*
 * split_pairs
 *		The "associations" option's from:to pairs, as char *[2] {from, to},
 *		spaces around the ':' trimmed as around the ','; a malformed one is
 *		22023.
 */
static List *
split_pairs(const char *value)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, split_list("associations", value, "deals:line_items,deals:contacts"))
	{
		char	   *text = lfirst(lc);
		char	   *colon = strchr(text, ':');
		char	  **pair;

		if (colon == NULL || strchr(colon + 1, ':'))
			bad_pair(value, text);
		pair = palloc(sizeof(char *) * 2);
		pair[0] = trimmed(pnstrdup(text, colon - text));
		pair[1] = trimmed(pstrdup(colon + 1));
		if (pair[0][0] == '\0' || pair[1][0] == '\0')
			bad_pair(value, text);
		out = lappend(out, pair);
	}
	return out;
}

/*
 * parse_options
 *		IMPORT FOREIGN SCHEMA's OPTIONS: typed_columns, include_hidden,
 *		include_calculated (booleans), property_groups (group names) and
 *		associations (from:to pairs, resolved later by parse_pairs()).
 *		Nothing here needs HubSpot.
 *		An unknown option is 42601, a bad value 22023.
 */
static void
parse_options(List *options, ImportOptions *opts)
{
	ListCell   *lc;

	opts->typed_columns = true;
	opts->filter.include_hidden = false;
	opts->filter.include_calculated = true;
	opts->filter.groups = NIL;
	opts->pairs = NIL;
	opts->pair_names = NIL;
	opts->pairs_text = NULL;
	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "typed_columns") == 0)
			opts->typed_columns = bool_option(def);
		else if (strcmp(def->defname, "include_hidden") == 0)
			opts->filter.include_hidden = bool_option(def);
		else if (strcmp(def->defname, "include_calculated") == 0)
			opts->filter.include_calculated = bool_option(def);
		else if (strcmp(def->defname, "property_groups") == 0)
			opts->filter.groups = split_list(def->defname, defGetString(def),
											 "contactinformation,emailinformation");
		else if (strcmp(def->defname, "associations") == 0)
		{
			opts->pairs_text = defGetString(def);
			opts->pair_names = split_pairs(opts->pairs_text);
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("invalid IMPORT FOREIGN SCHEMA option \"%s\"", def->defname),
					 errhint("Valid options are: typed_columns, include_hidden, include_calculated, property_groups, associations.")));
	}
}

/* The object of one side of an associations pair, or an error naming it. */
static const ImportObject *
pair_object(List *objects, const char *name, const char *value)
{
	const ImportObject *obj = find_object(objects, name);

	if (obj == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("HubSpot object \"%s\" of IMPORT FOREIGN SCHEMA option \"associations\" is unknown",
						name),
				 errdetail("The option's value is \"%s\".", value),
				 errhint("Name objects of the portal: %s.", object_names(objects))));
	if (!obj->type->associable)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("HubSpot %s cannot be associated with other objects", obj->table),
				 errdetail("The IMPORT FOREIGN SCHEMA option \"associations\" is \"%s\".", value),
				 errhint("Line items name their product in their property \"hs_product_id\".")));
	return obj;
}

/*
 * parse_pairs
 *		The "associations" option's pairs as ImportPairs; an unknown or
 *		unassociable object or a pair named twice is 22023.  Tables are
 *		named <from singular>_<to table>.
 */
static List *
parse_pairs(List *objects, List *pair_names, const char *value)
{
	List	   *pairs = NIL;
	ListCell   *lc;

	foreach(lc, pair_names)
	{
		char	  **names = lfirst(lc);
		ImportPair *pair;
		ListCell   *lc2;

		pair = palloc(sizeof(ImportPair));
		pair->from = pair_object(objects, names[0], value);
		pair->to = pair_object(objects, names[1], value);
		pair->table = psprintf("%s_%s", pair->from->type->singular, pair->to->table);
		/* as PostgreSQL keeps it, which LIMIT TO names */
		truncate_identifier(pair->table, strlen(pair->table), false);
		foreach(lc2, pairs)
			if (strcmp(((ImportPair *) lfirst(lc2))->table, pair->table) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("IMPORT FOREIGN SCHEMA option \"associations\" names %s:%s twice",
								pair->from->table, pair->to->table),
						 errdetail("The option's value is \"%s\".", value)));
		pairs = lappend(pairs, pair);
	}
	return pairs;
}

/* ---------- LIMIT TO, EXCEPT ---------- */

static bool
listed(ImportForeignSchemaStmt *stmt, const char *table)
{
	ListCell   *lc;

	foreach(lc, stmt->table_list)
		if (strcmp(((RangeVar *) lfirst(lc))->relname, table) == 0)
			return true;
	return false;
}

/* Is table imported, by LIMIT TO or EXCEPT? */
static bool
wanted(ImportForeignSchemaStmt *stmt, const char *table)
{
	switch (stmt->list_type)
	{
		case FDW_IMPORT_SCHEMA_LIMIT_TO:
			return listed(stmt, table);
		case FDW_IMPORT_SCHEMA_EXCEPT:
			return !listed(stmt, table);
		default:
			return true;
	}
}

/*
 * only_standard
 *		Does LIMIT TO name only standard objects' tables and the tables of
 *		pairs of standard objects?  Then no custom object is read.
 */
static bool
only_standard(ImportForeignSchemaStmt *stmt, List *pair_names)
{
	ListCell   *lc;

	if (stmt->list_type != FDW_IMPORT_SCHEMA_LIMIT_TO)
		return false;
	foreach(lc, pair_names)
	{
		char	  **names = lfirst(lc);

		if (hs_object_find(names[0]) == NULL || hs_object_find(names[1]) == NULL)
			return false;
	}
	foreach(lc, stmt->table_list)
	{
		const char *name = ((RangeVar *) lfirst(lc))->relname;
		const HsObjectType *o = hs_object_find(name);

		if (o == NULL || strcmp(o->name, name) != 0)
		{
			/* an association table of standard objects: "deal_contacts" */
			bool		pair_table = false;

			for (int i = 0; i < hs_object_count() && !pair_table; i++)
			{
				const char *singular = hs_object_nth(i)->singular;
				size_t		len = strlen(singular);
				const HsObjectType *to;

				if (strncmp(name, singular, len) != 0 || name[len] != '_')
					continue;
				to = hs_object_find(name + len + 1);
				pair_table = to != NULL && strcmp(to->name, name + len + 1) == 0;
			}
			if (!pair_table)
				return false;
		}
	}
	return true;
}

/*
 * check_listed
 *		Every table LIMIT TO or EXCEPT names must be one IMPORT could
 *		create (42P01 otherwise, listing them): a typo would silently import
 *		nothing, or everything.  Not called when the custom objects could
 *		not be read.
 */
static void
check_listed(ImportForeignSchemaStmt *stmt, List *objects, List *pairs)
{
	ListCell   *lc;

	foreach(lc, stmt->table_list)
	{
		const char *name = ((RangeVar *) lfirst(lc))->relname;
		bool		found = false;
		ListCell   *lc2;

		foreach(lc2, objects)
			found |= strcmp(((ImportObject *) lfirst(lc2))->table, name) == 0;
		foreach(lc2, pairs)
			found |= strcmp(((ImportPair *) lfirst(lc2))->table, name) == 0;
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("HubSpot has no object for table \"%s\" of %s",
							name, stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ?
							"LIMIT TO" : "EXCEPT"),
					 errhint("The tables IMPORT FOREIGN SCHEMA creates are: %s%s.",
							 object_names(objects),
							 pairs != NIL ? ", and the association tables of the option \"associations\"" : "")));
	}
}

/* ---------- property catalogues ---------- */

/* By name, case aside ("Legacy_CRM_ID" between "lastname" and "lifecyclestage"). */
static int
property_cmp(const void *a, const void *b)
{
	const char *x = ((const HsProperty *) a)->name;
	const char *y = ((const HsProperty *) b)->name;
	int			c = pg_strcasecmp(x, y);

	return c != 0 ? c : strcmp(x, y);
}

/*
 * read_catalogue
 *		The properties of obj, sorted by name, case aside (GET
 *		/crm/v3/properties/{object}, read afresh); NULL when HubSpot answers
 *		403 MISSING_SCOPES and *detail then says which request.  Any other
 *		error is HubSpot's (hs_api_parse_properties()).
 */
static HsProperty *
read_catalogue(HsConnection *conn, const ImportObject *obj, int *n,
			   HsStats *stats, char **detail)
{
	HsApiRequest *req = hs_api_get_properties(obj->path);
	HsResponse *resp = hs_api_send(conn, req, stats);
	const char *category = hs_json_string(resp->json, "category");
	HsProperty *props;

	if (resp->status == 403 && category != NULL &&
		strcmp(category, "MISSING_SCOPES") == 0)
	{
		*detail = psprintf("Request: %s %s; HTTP status 403; category MISSING_SCOPES.",
						   req->method, req->path);
		*n = 0;
		return NULL;
	}
	props = hs_api_parse_properties(resp, n);
	qsort(props, *n, sizeof(HsProperty), property_cmp);
	return props;
}

/* ---------- IMPORT FOREIGN SCHEMA ---------- */

/*
 * object_statement
 *		The CREATE FOREIGN TABLE of one object, or NULL when the token may
 *		not read it (a NOTICE says so).  Works in a context of its own; the
 *		statement is palloc'd in the caller's.
 */
static char *
object_statement(HsConnection *conn, const ImportObject *obj,
				 const char *server, const ImportOptions *opts,
				 bool *groups_matched, HsStats *stats)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "hubspot_fdw import",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(tmp);
	HsProperty *props;
	int			n;
	char	   *detail = NULL;
	char	   *ddl = NULL;

	props = read_catalogue(conn, obj, &n, stats, &detail);
	if (props == NULL)
		ereport(NOTICE,
				(errmsg("HubSpot object %s skipped: the access token lacks the scope %s",
						obj->table, obj->type->read_scope),
				 errdetail_internal("%s", detail),
				 errhint("Give the HubSpot app the scope %s to import %s.",
						 obj->type->read_scope, obj->table)));
	else
	{
		HsImportTable table;

		table.name = obj->table;
		table.server = server;
		table.object = obj->path;
		table.properties = opts->typed_columns ? props : NULL;
		table.nproperties = opts->typed_columns ? n : 0;
		ddl = hs_import_object_ddl(&table, &opts->filter, groups_matched);
		MemoryContextSwitchTo(oldcxt);
		ddl = pstrdup(ddl);
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(tmp);
	return ddl;
}

static char *
pair_statement(const ImportPair *pair, const char *server)
{
	return hs_import_pair_ddl(pair->table, server,
							  pair->from->path, pair->to->path,
							  pair->from->type->singular,
							  pair->to->type->singular,
							  pair->from->type->custom || pair->to->type->custom);
}

/* A NOTICE for each property_groups name no imported property is in. */
static void
notice_unmatched_groups(const ImportOptions *opts, const bool *matched)
{
	int			i = 0;
	ListCell   *lc;

	foreach(lc, opts->filter.groups)
		if (!matched[i++])
			ereport(NOTICE,
					(errmsg("no imported HubSpot property is in the property group \"%s\"",
							(const char *) lfirst(lc)),
					 errhint("hubspot_fdw_properties(server, object) lists each property's group_name.")));
}

List *
hubspotImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	HsConnection *conn;
	ImportOptions opts;
	List	   *objects;
	List	   *out = NIL;
	bool	   *matched;
	bool		with_custom;
	bool		all_read;
	HsStats		stats;
	ListCell   *lc;

	if (strcmp(stmt->remote_schema, HS_REMOTE_SCHEMA) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("HubSpot has no schema \"%s\"", stmt->remote_schema),
				 errhint("Import from the schema \"%s\": IMPORT FOREIGN SCHEMA %s FROM SERVER %s INTO %s.",
						 HS_REMOTE_SCHEMA, HS_REMOTE_SCHEMA,
						 quote_identifier(server->servername),
						 quote_identifier(stmt->local_schema))));
	parse_options(stmt->options, &opts);

	memset(&stats, 0, sizeof(stats));
	conn = hs_connect(serverOid, GetUserId());
	with_custom = !only_standard(stmt, opts.pair_names);
	objects = import_objects(conn, with_custom, &stats, &all_read);
	opts.pairs = parse_pairs(objects, opts.pair_names, opts.pairs_text);
	if (all_read || !with_custom)
		check_listed(stmt, objects, opts.pairs);

	matched = palloc0(sizeof(bool) * Max(list_length(opts.filter.groups), 1));
	foreach(lc, objects)
	{
		const ImportObject *obj = lfirst(lc);
		char	   *ddl;

		CHECK_FOR_INTERRUPTS();
		if (!wanted(stmt, obj->table))
			continue;
		ddl = object_statement(conn, obj, server->servername, &opts, matched, &stats);
		if (ddl != NULL)
			out = lappend(out, ddl);
	}
	foreach(lc, opts.pairs)
	{
		const ImportPair *pair = lfirst(lc);

		if (wanted(stmt, pair->table))
			out = lappend(out, pair_statement(pair, server->servername));
	}
	if (opts.typed_columns)
		notice_unmatched_groups(&opts, matched);
	return out;
}

/* ---------- hubspot_fdw_properties() ---------- */

/* s (HubSpot's UTF-8) as text of the database encoding, naming what it is. */
static Datum
utf8_text(const char *s, const char *what, const char *property)
{
	return CStringGetTextDatum(hs_text_from_utf8(s, strlen(s), what, property));
}

/* options as a jsonb array of {"label": ..., "value": ...} */
static Datum
options_jsonb(const HsProperty *p)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < p->noptions; i++)
	{
		appendStringInfoString(&buf, i ? ", {\"label\": " : "{\"label\": ");
		escape_json(&buf, hs_text_from_utf8(p->options[i].label,
											strlen(p->options[i].label),
											"property option label", p->name));
		appendStringInfoString(&buf, ", \"value\": ");
		escape_json(&buf, hs_text_from_utf8(p->options[i].value,
											strlen(p->options[i].value),
											"property option value", p->name));
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

static void
put_property_row(ReturnSetInfo *rsinfo, const HsProperty *p)
{
	Datum		values[10];
	bool		nulls[10] = {false};

	values[0] = CStringGetTextDatum(p->name);
	values[1] = utf8_text(p->label, "property label", p->name);
	values[2] = utf8_text(p->type_name, "property type", p->name);
	values[3] = utf8_text(p->field_type, "property fieldType", p->name);
	values[4] = utf8_text(p->group_name, "property groupName", p->name);
	values[5] = BoolGetDatum(p->read_only);
	values[6] = BoolGetDatum(p->unique);
	values[7] = BoolGetDatum(p->hidden);
	values[8] = BoolGetDatum(p->calculated);
	values[9] = options_jsonb(p);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* The server named name, which must be one of hubspot_fdw. */
static ForeignServer *
hubspot_server(const char *name)
{
	ForeignServer *server = GetForeignServerByName(name, false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);

	if (!OidIsValid(fdw->fdwhandler) ||
		GetFdwRoutine(fdw->fdwhandler)->ImportForeignSchema != hubspotImportForeignSchema)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not a hubspot_fdw server", name),
				 errhint("Name a server created with FOREIGN DATA WRAPPER hubspot_fdw.")));
	return server;
}

PG_FUNCTION_INFO_V1(hubspot_fdw_properties);

/*
 * hubspot_fdw_properties
 *		SQL: hubspot_fdw_properties(server name, object text) RETURNS TABLE
 *		(name text, label text, type text, field_type text, group_name text,
 *		read_only boolean, is_unique boolean, hidden boolean, calculated
 *		boolean, options jsonb): the property catalogue of object, read
 *		afresh through the current user's user mapping for server (one GET
 *		/crm/v3/properties/{object}), sorted by name, case aside.
 *
 * object takes what the table option "object" takes.  Errors: no such
 * server, or not hubspot_fdw's (42809); no user mapping (client.c); an
 * object of no supported form (22023) or a custom object the account does
 * not have (HV00R; schemas.c); a token without the object's read scope
 * (42501, naming object and scope); HubSpot's others.
 */
Datum
hubspot_fdw_properties(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ForeignServer *server = hubspot_server(NameStr(*PG_GETARG_NAME(0)));
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	HsConnection *conn;
	HsStats		stats;
	const ImportObject *obj;
	HsProperty *props;
	int			n;
	char	   *detail = NULL;

	InitMaterializedSRF(fcinfo, 0);
	memset(&stats, 0, sizeof(stats));
	conn = hs_connect(server->serverid, GetUserId());
	obj = make_object(hs_resolve_object(conn, name, &stats));
	props = read_catalogue(conn, obj, &n, &stats, &detail);
	if (props == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the HubSpot access token may not read the properties of %s",
						obj->table),
				 errdetail_internal("%s", detail),
				 errhint("Give the HubSpot app the scope %s.", obj->type->read_scope)));
	for (int i = 0; i < n; i++)
		put_property_row(rsinfo, &props[i]);
	return (Datum) 0;
}
