/*-------------------------------------------------------------------------
 *
 * option.c
 *		Options of hubspot_fdw: the readers that turn catalog options into
 *		HsServerOptions and HsTable, with their defaults.
 *
 * The validator, with the list of every option (valid_options[]), is
 * validator.c; the values it accepted are parsed here again with the same
 * hs_parse_int_option() and hs_parse_on_error().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/table.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "option.h"
#include "convert.h"
#include "objects.h"

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_MAX_RETRIES 5
#define DEFAULT_OBJECT "products"

/*
 * hs_check_object_option
 *		Raise 22023 unless value (of option "object" or "to_object") names an object hubspot_fdw can stand for
 *		(objects.h: a standard object of the registry, or a custom object's
 *		spelling).  Whether a custom object exists is known only from
 *		HubSpot (schemas.c, at first use).
 */
void
hs_check_object_option(const char *option, const char *value)
{
	if (hs_object_name_kind(value) == HS_OBJNAME_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", option, value),
				 errdetail("hubspot_fdw supports the standard objects %s, by plural or singular name or type id, and custom objects.",
						   hs_object_names()),
				 errhint("Name a custom object by its objectTypeId (2-NNN), fully qualified name (p{portal}_{name}) or p_{name}; its bare name is not enough.")));
}

/*
 * hs_parse_int_option
 *		An integer option's value into *result; false if it is not an int.
 */
bool
hs_parse_int_option(const char *value, int *result)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (end == value || *end != '\0' || errno != 0 || v < INT_MIN || v > INT_MAX)
		return false;
	*result = (int) v;
	return true;
}

/*
 * hs_parse_on_error
 *		on_error: "abort" or "skip" (sets *skip); false for anything else.
 */
bool
hs_parse_on_error(const char *value, bool *skip)
{
	if (pg_strcasecmp(value, "abort") == 0)
		*skip = false;
	else if (pg_strcasecmp(value, "skip") == 0)
		*skip = true;
	else
		return false;
	return true;
}

/*
 * hs_get_server_options
 *		Read a server's options, with defaults filled in.
 */
void
hs_get_server_options(Oid serverid, HsServerOptions *opts)
{
	ForeignServer *server = GetForeignServer(serverid);
	ListCell   *lc;

	opts->api_url = HS_DEFAULT_API_URL;
	opts->timeout_ms = DEFAULT_TIMEOUT_MS;
	opts->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	opts->max_retries = DEFAULT_MAX_RETRIES;
	opts->batch_size = HS_MAX_BATCH_SIZE;
	opts->max_concurrent_requests = HS_DEFAULT_CONCURRENT_REQUESTS;
	opts->on_error_skip = false;
	opts->use_search = true;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const char *value = defGetString(def);

		if (strcmp(def->defname, "api_url") == 0)
		{
			char	   *url = pstrdup(value);
			size_t		len = strlen(url);

			while (len > 0 && url[len - 1] == '/')
				url[--len] = '\0';
			opts->api_url = url;
		}
		else if (strcmp(def->defname, "timeout_ms") == 0)
			(void) hs_parse_int_option(value, &opts->timeout_ms);
		else if (strcmp(def->defname, "connect_timeout_ms") == 0)
			(void) hs_parse_int_option(value, &opts->connect_timeout_ms);
		else if (strcmp(def->defname, "max_retries") == 0)
			(void) hs_parse_int_option(value, &opts->max_retries);
		else if (strcmp(def->defname, "batch_size") == 0)
			(void) hs_parse_int_option(value, &opts->batch_size);
		else if (strcmp(def->defname, "max_concurrent_requests") == 0)
			(void) hs_parse_int_option(value, &opts->max_concurrent_requests);
		else if (strcmp(def->defname, "on_error") == 0)
			(void) hs_parse_on_error(value, &opts->on_error_skip);
		else if (strcmp(def->defname, "use_search") == 0)
			(void) parse_bool(value, &opts->use_search);
	}
}

/*
 * hs_table_batch_size
 *		Rows per batch request: the table's batch_size, else the server's,
 *		else HubSpot's cap.  Reads the catalogs only, never HubSpot, so that
 *		plain EXPLAIN can call it.
 */
int
hs_table_batch_size(Oid relid)
{
	ForeignTable *ft = GetForeignTable(relid);
	HsServerOptions server;
	ListCell   *lc;
	int			batch_size;

	hs_get_server_options(ft->serverid, &server);
	batch_size = server.batch_size;
	foreach(lc, ft->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "batch_size") == 0)
			(void) hs_parse_int_option(defGetString(def), &batch_size);
	}
	return batch_size;
}

/*
 * describe_column
 *		Fill col for column attr of table: what it stands for (its name, or
 *		its "property" option), its type checked against that, and its
 *		input/output functions; note the table's special columns.
 */
static void
describe_column(HsTable *table, HsColumn *col, Form_pg_attribute attr)
{
	char	   *property = NULL;
	List	   *colopts;
	ListCell   *lc;

	col->attnum = attr->attnum;
	col->name = pstrdup(NameStr(attr->attname));
	col->typid = attr->atttypid;
	col->typmod = attr->atttypmod;

	colopts = GetForeignColumnOptions(table->relid, attr->attnum);
	foreach(lc, colopts)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "property") == 0)
			property = pstrdup(defGetString(def));
		else if (strcmp(def->defname, "field") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("column \"%s\" of foreign table \"%s\" has option \"field\", which only association tables take",
							col->name, table->relname),
					 errhint("An association table has the table options \"object\" and \"to_object\"; a column of an object table names a HubSpot property with \"property\".")));
	}
	col->kind = property ? HS_COL_PROPERTY : hs_column_kind_for_name(col->name);
	if (col->kind == HS_COL_PROPERTY)
		col->property = property ? property : col->name;

	if (hs_column_kind_info(col->kind)->type_rule == HS_TYPE_JSONB &&
		col->typid != JSONBOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of foreign table \"%s\" must have type jsonb",
						col->name, table->relname),
				 errhint("Give the column another name and a \"property\" option to map it to a HubSpot property instead.")));
	if (hs_column_kind_info(col->kind)->type_rule == HS_TYPE_ID &&
		!hs_id_type_ok(col->typid))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"id\" of foreign table \"%s\" cannot have type %s",
						table->relname, format_type_be(col->typid)),
				 errdetail("HubSpot ids are whole numbers; the column must be of a text type, an integer type or numeric."),
				 errhint("Declare it text or bigint.")));
	if (col->kind == HS_COL_PROPERTIES)
		table->properties_col = col;
	else if (col->kind == HS_COL_ASSOCIATIONS)
		table->associations_col = col;
	else if (col->kind == HS_COL_ID)
		table->id_col = col;
	hs_init_column_io(col);
}

/*
 * hs_table_is_association
 *		Is the foreign table an association table (option to_object)?
 *		Catalogs only: planning and plain EXPLAIN may call it.
 */
bool
hs_table_is_association(Oid relid)
{
	ListCell   *lc;

	foreach(lc, GetForeignTable(relid)->options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, "to_object") == 0)
			return true;
	return false;
}

/*
 * hs_object_path_name
 *		A standard object's plural name (the path and inline-associations
 *		key HubSpot uses) for any of its names; anything else as written.
 */
char *
hs_object_path_name(const char *name)
{
	const HsObjectType *o = hs_object_find(name);

	return pstrdup(o != NULL ? o->name : name);
}

/*
 * hs_parse_object_list
 *		"contacts, companies" as a List of object names (char *, standard
 *		objects by their plural name); NIL for an empty list.
 */
List *
hs_parse_object_list(const char *value)
{
	List	   *names = NIL;
	char	   *copy = pstrdup(value);
	char	   *tok;
	char	   *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		char	   *end;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok != '\0')
			names = lappend(names, hs_object_path_name(tok));
	}
	return names;
}

/*
 * object_singular
 *		The singular name that "<singular>_id" columns use: a standard
 *		object's ("line_item"), a custom object's name in "p_pets" or
 *		"p123_pets" ("pets"); NULL for an objectTypeId such as "2-90001".
 */
static const char *
object_singular(const char *object)
{
	const HsObjectType *o = hs_object_find(object);
	const char *p;

	if (o != NULL)
		return o->singular;
	if (object[0] != 'p')
		return NULL;
	for (p = object + 1; *p >= '0' && *p <= '9'; p++)
		;
	return *p == '_' && p[1] != '\0' ? p + 1 : NULL;
}

static const char *const association_fields[] = {
	[HS_COL_FROM_ID] = "from_id",
	[HS_COL_TO_ID] = "to_id",
	[HS_COL_TYPE_ID] = "type_id",
	[HS_COL_CATEGORY] = "category",
	[HS_COL_LABEL] = "label",
};

/* The association field named name ("from_id" ...), or HS_COL_ID if none. */
static HsColumnKind
association_field(const char *name)
{
	for (int k = HS_COL_FROM_ID; k <= HS_COL_LABEL; k++)
		if (strcmp(association_fields[k], name) == 0)
			return (HsColumnKind) k;
	return HS_COL_ID;
}

/* "from_id, to_id, ..., deal_id, line_item_id": what columns may be named */
static char *
association_column_names(HsTable *table)
{
	StringInfoData buf;
	const char *from = object_singular(table->object);
	const char *to = object_singular(table->to_object);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "from_id, to_id, type_id, category, label");
	if (from != NULL && to != NULL && strcmp(from, to) != 0)
		appendStringInfo(&buf, ", %s_id, %s_id", from, to);
	return buf.data;
}

/*
 * association_column_kind
 *		What column attr of an association table stands for: its "field"
 *		option, else its name (from_id ... label, or "<singular>_id" of
 *		either object when they differ).  Any other column is an ERROR.
 */
static HsColumnKind
association_column_kind(HsTable *table, HsColumn *col)
{
	const char *from = object_singular(table->object);
	const char *to = object_singular(table->to_object);
	const char *field = NULL;
	ListCell   *lc;

	foreach(lc, GetForeignColumnOptions(table->relid, col->attnum))
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "field") == 0)
			field = defGetString(def);
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("column \"%s\" of association table \"%s\" cannot have option \"%s\"",
							col->name, table->relname, def->defname),
					 errhint("Columns of an association table take the option \"field\" only.")));
	}
	if (field != NULL && association_field(field) != HS_COL_ID)
		return association_field(field);
	if (field == NULL && association_field(col->name) != HS_COL_ID)
		return association_field(col->name);
	if (field == NULL && from != NULL && to != NULL && strcmp(from, to) != 0)
	{
		if (strcmp(col->name, psprintf("%s_id", from)) == 0)
			return HS_COL_FROM_ID;
		if (strcmp(col->name, psprintf("%s_id", to)) == 0)
			return HS_COL_TO_ID;
	}

	/*
	 * A custom object named by its objectTypeId ("2-90001") has no name
	 * here (that needs the schemas API): when the other side has one,
	 * "<that name>_id" is that side and another "<name>_id" this one.
	 */
	if (field == NULL && (from == NULL) != (to == NULL) &&
		strlen(col->name) > 3 && strcmp(col->name + strlen(col->name) - 3, "_id") == 0)
	{
		const char *known = from ? from : to;
		bool		is_known = strcmp(col->name, psprintf("%s_id", known)) == 0;

		return (is_known == (from != NULL)) ? HS_COL_FROM_ID : HS_COL_TO_ID;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
			 field != NULL ?
			 errmsg("invalid value for option \"field\" of column \"%s\": \"%s\"", col->name, field) :
			 errmsg("column \"%s\" of association table \"%s\" stands for nothing HubSpot has",
					col->name, table->relname),
			 errhint("Valid column names are %s; or give a column the option \"field\" with one of from_id, to_id, type_id, category, label.",
					 association_column_names(table))));
	return HS_COL_ID;			/* keep the compiler quiet */
}

/* Check the type of an association table's column of kind kind. */
static void
check_association_type(HsTable *table, HsColumn *col)
{
	Oid			base = getBaseType(col->typid);
	const char *want = NULL;

	if ((col->kind == HS_COL_FROM_ID || col->kind == HS_COL_TO_ID) &&
		!hs_id_type_ok(col->typid))
		want = "a text type, an integer type or numeric (HubSpot ids are whole numbers)";
	else if (col->kind == HS_COL_TYPE_ID &&
			 base != INT2OID && base != INT4OID && base != INT8OID)
		want = "an integer type";
	else if ((col->kind == HS_COL_CATEGORY || col->kind == HS_COL_LABEL) &&
			 base != TEXTOID && base != VARCHAROID)
		want = "text or varchar";
	if (want != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of association table \"%s\" cannot have type %s",
						col->name, table->relname, format_type_be(col->typid)),
				 errdetail("Its values are %s's; it must be %s.",
						   association_fields[col->kind], want)));
}

/*
 * describe_association_table
 *		The columns of an association table (table->to_object set): each one
 *		of from_id, to_id, type_id, category, label, once; from_id and to_id
 *		present.  Anything else is an ERROR naming the valid names.
 */
static void
describe_association_table(HsTable *table, TupleDesc tupdesc)
{
	HsColumn  **slots[] = {
		[HS_COL_FROM_ID] = &table->from_col,
		[HS_COL_TO_ID] = &table->to_col,
		[HS_COL_TYPE_ID] = &table->type_col,
		[HS_COL_CATEGORY] = &table->category_col,
		[HS_COL_LABEL] = &table->label_col,
	};

	if (table->id_property != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("association table \"%s\" cannot have option \"id_property\"", table->relname),
				 errdetail("Associations are rows of (from_id, to_id, type); there is no upsert key.")));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
		HsColumn   *col;

		if (attr->attisdropped)
			continue;
		col = &table->columns[table->ncolumns++];
		col->attnum = attr->attnum;
		col->name = pstrdup(NameStr(attr->attname));
		col->typid = attr->atttypid;
		col->typmod = attr->atttypmod;
		col->kind = association_column_kind(table, col);
		check_association_type(table, col);
		if (*slots[col->kind] != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
					 errmsg("association table \"%s\" has two columns for %s: \"%s\" and \"%s\"",
							table->relname, association_fields[col->kind],
							(*slots[col->kind])->name, col->name)));
		*slots[col->kind] = col;
		hs_init_column_io(col);
	}
	if (table->from_col == NULL || table->to_col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
				 errmsg("association table \"%s\" has no %s column", table->relname,
						table->from_col == NULL ? "from_id" : "to_id"),
				 errhint("Valid column names are %s.", association_column_names(table))));
}

/*
 * hs_get_table
 *		Describe a foreign table: options, server settings and columns.
 *
 * Reads catalogs only (no HubSpot request).  Allocates in the current memory
 * context.  Column types that cannot hold what HubSpot sends are an error
 * here, so that they surface before any request is made.
 */
HsTable *
hs_get_table(Relation rel)
{
	HsTable    *table = palloc0(sizeof(HsTable));
	ForeignTable *ft = GetForeignTable(RelationGetRelid(rel));
	HsServerOptions server;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	ListCell   *lc;

	table->relid = RelationGetRelid(rel);
	table->relname = pstrdup(RelationGetRelationName(rel));
	table->serverid = ft->serverid;
	table->object_option = DEFAULT_OBJECT;
	hs_get_server_options(ft->serverid, &server);
	table->batch_size = server.batch_size;
	table->max_concurrent_requests = server.max_concurrent_requests;
	table->on_error_skip = server.on_error_skip;
	table->use_search = server.use_search;

	foreach(lc, ft->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "object") == 0)
			table->object_option = pstrdup(defGetString(def));
		else if (strcmp(def->defname, "batch_size") == 0)
			(void) hs_parse_int_option(defGetString(def), &table->batch_size);
		else if (strcmp(def->defname, "max_concurrent_requests") == 0)
			(void) hs_parse_int_option(defGetString(def), &table->max_concurrent_requests);
		else if (strcmp(def->defname, "on_error") == 0)
			(void) hs_parse_on_error(defGetString(def), &table->on_error_skip);
		else if (strcmp(def->defname, "id_property") == 0)
			table->id_property = pstrdup(defGetString(def));
		else if (strcmp(def->defname, "use_search") == 0)
			(void) parse_bool(defGetString(def), &table->use_search);
		else if (strcmp(def->defname, "to_object") == 0)
			table->to_object = hs_object_path_name(defGetString(def));
		else if (strcmp(def->defname, "associations") == 0)
			table->inline_associations = hs_parse_object_list(defGetString(def));
	}

	hs_check_object_option("object", table->object_option);
	if (hs_object_name_kind(table->object_option) == HS_OBJNAME_STANDARD)
		table->objtype = hs_object_find(table->object_option);
	else
	{
		table->objtype = hs_object_custom_pending(table->object_option);
		table->objtype_pending = true;
	}
	table->object = pstrdup(hs_object_path(table->objtype));

	table->columns = palloc0(sizeof(HsColumn) * Max(tupdesc->natts, 1));
	if (table->to_object != NULL)
	{
		describe_association_table(table, tupdesc);
		return table;
	}
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);

		if (!attr->attisdropped)
			describe_column(table, &table->columns[table->ncolumns++], attr);
	}
	return table;
}

/*
 * hs_scan_user
 *		The user whose user mapping a scan of range table entry rtindex uses:
 *		the view owner for a scan through a view, else the current user.
 */
Oid
hs_scan_user(EState *estate, Index rtindex)
{
#if PG_VERSION_NUM >= 160000
	RTEPermissionInfo *perminfo = getRTEPermissionInfo(estate->es_rteperminfos,
													   exec_rt_fetch(rtindex, estate));

	return OidIsValid(perminfo->checkAsUser) ? perminfo->checkAsUser : GetUserId();
#else
	RangeTblEntry *rte = exec_rt_fetch(rtindex, estate);

	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}
