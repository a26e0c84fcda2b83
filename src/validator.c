/*-------------------------------------------------------------------------
 *
 * validator.c
 *		The validator of hubspot_fdw's options (hubspot_fdw_validator),
 *		which PostgreSQL calls for CREATE/ALTER SERVER, USER MAPPING and
 *		FOREIGN TABLE.
 *
 * Every option is listed once, in valid_options[], with the catalog it may
 * appear in and how its value is checked.  The README's option table
 * mirrors this one.  The readers of the accepted values are option.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "access/reloptions.h"
#include "commands/defrem.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "api.h"
#include "objects.h"
#include "option.h"
#include "url.h"

typedef enum HsOptionKind
{
	OPT_URL,
	OPT_INT,
	OPT_OBJECT,
	OPT_TOKEN,
	OPT_PROPERTY,
	OPT_ON_ERROR,
	OPT_BOOL,
	OPT_OBJECT_LIST,
	OPT_FIELD
} HsOptionKind;

typedef struct HsOptionDef
{
	const char *name;
	Oid			context;		/* catalog the option may appear in */
	HsOptionKind kind;
	int			min;			/* OPT_INT only */
	int			max;
} HsOptionDef;

static const HsOptionDef valid_options[] = {
	{"api_url", ForeignServerRelationId, OPT_URL, 0, 0},
	{"timeout_ms", ForeignServerRelationId, OPT_INT, 1, 3600000},
	{"connect_timeout_ms", ForeignServerRelationId, OPT_INT, 1, 600000},
	{"max_retries", ForeignServerRelationId, OPT_INT, 0, 20},
	{"batch_size", ForeignServerRelationId, OPT_INT, 1, HS_MAX_BATCH_SIZE},
	{"max_concurrent_requests", ForeignServerRelationId, OPT_INT, 1, HS_MAX_CONCURRENT_REQUESTS},
	{"on_error", ForeignServerRelationId, OPT_ON_ERROR, 0, 0},
	{"use_search", ForeignServerRelationId, OPT_BOOL, 0, 0},
	{"access_token", UserMappingRelationId, OPT_TOKEN, 0, 0},
	{"object", ForeignTableRelationId, OPT_OBJECT, 0, 0},
	{"batch_size", ForeignTableRelationId, OPT_INT, 1, HS_MAX_BATCH_SIZE},
	{"max_concurrent_requests", ForeignTableRelationId, OPT_INT, 1, HS_MAX_CONCURRENT_REQUESTS},
	{"on_error", ForeignTableRelationId, OPT_ON_ERROR, 0, 0},
	{"use_search", ForeignTableRelationId, OPT_BOOL, 0, 0},
	{"id_property", ForeignTableRelationId, OPT_PROPERTY, 0, 0},
	{"to_object", ForeignTableRelationId, OPT_OBJECT, 0, 0},
	{"associations", ForeignTableRelationId, OPT_OBJECT_LIST, 0, 0},
	{"property", AttributeRelationId, OPT_PROPERTY, 0, 0},
	{"field", AttributeRelationId, OPT_FIELD, 0, 0},
	{NULL, InvalidOid, 0, 0, 0}
};

static const char *
context_name(Oid context)
{
	switch (context)
	{
		case ForeignServerRelationId:
			return "a server";
		case UserMappingRelationId:
			return "a user mapping";
		case ForeignTableRelationId:
			return "a foreign table";
		case AttributeRelationId:
			return "a column of a foreign table";
		case ForeignDataWrapperRelationId:
			return "the foreign-data wrapper";
		default:
			return "this object";
	}
}

/* "a server or a foreign table": where else a misplaced option belongs */
static char *
places_of_option(const char *name)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const HsOptionDef *opt = valid_options; opt->name; opt++)
	{
		if (strcmp(opt->name, name) != 0)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, " or ");
		appendStringInfoString(&buf, context_name(opt->context));
	}
	return buf.len > 0 ? buf.data : NULL;
}

static char *
options_of_context(Oid context)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const HsOptionDef *opt = valid_options; opt->name; opt++)
	{
		if (opt->context != context)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, opt->name);
	}
	return buf.len > 0 ? buf.data : "(none)";
}

static bool
only_chars(const char *s, const char *extra)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
	{
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL))
			return false;
	}
	return true;
}

/*
 * valid_authority
 *		Is the part of an URL after "scheme://" and before any "/" a host
 *		name or address (IPv6 in brackets), with an optional port 1-65535?
 */
static bool
valid_authority(const char *authority)
{
	size_t		len = strcspn(authority, "/");
	char	   *a = pnstrdup(authority, len);
	char	   *port = NULL;

	if (a[0] == '[')
	{
		char	   *close = strchr(a, ']');

		if (close == NULL || close == a + 1 ||
			strspn(a + 1, "0123456789abcdefABCDEF:.") != (size_t) (close - a - 1))
			return false;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return false;
	}
	else
	{
		char	   *colon = strchr(a, ':');

		if (colon != NULL)
		{
			*colon = '\0';
			port = colon + 1;
		}
		if (a[0] == '\0' ||
			strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != strlen(a))
			return false;
	}
	if (port != NULL)
	{
		int			n;

		if (port[0] == '\0' || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port))
			return false;
		n = atoi(port);
		if (n < 1 || n > 65535)
			return false;
	}
	return true;
}

static void
check_api_url(const char *url)
{
	const char *host;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"api_url\": \"%s\"", url),
				 errhint("Use an https:// URL such as %s.", HS_DEFAULT_API_URL)));

	if (*host == '\0' || *host == '/' ||
		strpbrk(url, "?#@ \t\r\n") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"api_url\": \"%s\"", url),
				 errhint("Give only the scheme, host and port, such as %s, without credentials, query or fragment.",
						 HS_DEFAULT_API_URL)));

	/* hubspot_fdw writes every path itself (api.c), the API version included */
	{
		const char *path = strchr(host, '/');

		if (path != NULL && path[strspn(path, "/")] != '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"api_url\": \"%s\"", url),
					 errdetail("The URL has a path (\"%s\"); hubspot_fdw adds the whole API path, such as %s, itself.",
							   path,
							   hs_api_read_new(HS_READ_LIST, "products",
											   false, false)->base.path),
					 errhint("Give only the scheme, host and port, such as %.*s.",
							 (int) (path - url), url)));
	}

	/* host[:port] or [v6]:port, as libcurl will read it */
	if (!valid_authority(host))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"api_url\": \"%s\"", url),
				 errdetail("The host must be a name or an address, and the port, if given, a number from 1 to 65535."),
				 errhint("Give only the scheme, host and port, such as %s.", HS_DEFAULT_API_URL)));

	if (strncmp(url, "http://", 7) == 0 && !hs_url_is_loopback(url))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"api_url\" may use http:// only for a loopback host"),
				 errdetail("The access token would travel unencrypted."),
				 errhint("Use https://, or http:// with localhost, 127.0.0.1 or [::1] for a local emulator.")));
}

/* "contacts, companies": object types, comma-separated */
static void
check_object_list(const char *value)
{
	List	   *names = hs_parse_object_list(value);
	ListCell   *lc;

	if (names == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"associations\": \"%s\"", value),
				 errhint("Give the object types whose associated ids to read, comma-separated, such as \"contacts,companies\".")));
	foreach(lc, names)
	{
		const char *name = (const char *) lfirst(lc);

		if (!only_chars(name, "_-") || strlen(name) > 100)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"associations\": \"%s\"", value),
					 errdetail("\"%s\" is no CRM object type.", name),
					 errhint("Give object types such as \"contacts,companies\", separated by commas.")));
	}
}

/*
 * check_association_options
 *		A foreign table's options together: with to_object it is an
 *		association table, which neither id_property nor use_search nor
 *		associations fit, and neither of whose objects may be one HubSpot
 *		never associates (products, hubspot-objects.md 1.3).
 */
static void
check_association_options(List *options)
{
	const char *object = "products";
	const char *to_object = NULL;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "object") == 0)
			object = defGetString(def);
		else if (strcmp(def->defname, "to_object") == 0)
			to_object = defGetString(def);
	}
	if (to_object == NULL)
		return;
	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "id_property") == 0 ||
			strcmp(def->defname, "use_search") == 0 ||
			strcmp(def->defname, "associations") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("option \"%s\" is not valid in an association table", def->defname),
					 errdetail("The table has option \"to_object\": its rows are associations between %s and %s.",
							   object, to_object),
					 errhint("Valid options in an association table are: object, to_object, batch_size, max_concurrent_requests, on_error.")));
	}
	for (int i = 0; i < 2; i++)
	{
		const char *name = i == 0 ? object : to_object;
		const HsObjectType *o = hs_object_find(name);

		if (o != NULL && !o->associable)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("HubSpot cannot associate %s with anything", o->name),
					 errdetail("Option \"%s\" of an association table names \"%s\".",
							   i == 0 ? "object" : "to_object", name),
					 errhint("Line items point to their product through the property hs_product_id.")));
	}
}

static void
check_option_value(const HsOptionDef *opt, const char *value)
{
	int			ival;
	bool		bval;

	switch (opt->kind)
	{
		case OPT_URL:
			check_api_url(value);
			break;
		case OPT_INT:
			if (!hs_parse_int_option(value, &ival) || ival < opt->min || ival > opt->max)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"",
								opt->name, value),
						 errhint("Valid values are integers from %d to %d.",
								 opt->min, opt->max)));
			break;
		case OPT_OBJECT:
			hs_check_object_option(opt->name, value);
			break;
		case OPT_OBJECT_LIST:
			check_object_list(value);
			break;
		case OPT_FIELD:
			if (strcmp(value, "from_id") != 0 && strcmp(value, "to_id") != 0 &&
				strcmp(value, "type_id") != 0 && strcmp(value, "category") != 0 &&
				strcmp(value, "label") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"field\": \"%s\"", value),
						 errhint("Valid values are from_id, to_id, type_id, category and label.")));
			break;
		case OPT_TOKEN:
			/* never echo the value: it is a secret */
			if (*value == '\0' || strpbrk(value, " \t\r\n\v\f") != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"access_token\""),
						 errhint("Give a HubSpot private app or OAuth access token, without spaces.")));
			for (const char *p = value; *p; p++)
				if ((unsigned char) *p < 0x20 || *p == 0x7f)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"access_token\""),
							 errhint("The token contains a control character.")));
			break;
		case OPT_PROPERTY:
			if (!only_chars(value, "_") || strlen(value) > 200)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
						 errhint("Give the internal name of a HubSpot property, such as \"hs_sku\".")));
			if (strcmp(opt->name, "id_property") == 0 &&
				(strcmp(value, "hs_object_id") == 0 || strcmp(value, "id") == 0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"id_property\": \"%s\"", value),
						 errdetail("The record id cannot be an upsert key: HubSpot assigns it."),
						 errhint("Name a custom property created with \"hasUniqueValue\": true, such as \"external_id\".")));
			break;
		case OPT_ON_ERROR:
			if (!hs_parse_on_error(value, &bval))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"on_error\": \"%s\"", value),
						 errhint("Valid values are \"abort\" and \"skip\".")));
			break;
		case OPT_BOOL:
			if (!parse_bool(value, &bval))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
						 errhint("Valid values are \"true\" and \"false\".")));
			break;
	}
}

PG_FUNCTION_INFO_V1(hubspot_fdw_validator);

/*
 * hubspot_fdw_validator
 *		Check the options of a server, user mapping, foreign table or column.
 */
Datum
hubspot_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const HsOptionDef *found = NULL;

		for (const HsOptionDef *opt = valid_options; opt->name; opt++)
		{
			if (opt->context == catalog && strcmp(opt->name, def->defname) == 0)
			{
				found = opt;
				break;
			}
		}
		if (found == NULL)
		{
			char	   *places = places_of_option(def->defname);

			if (places != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("option \"%s\" is not valid in %s",
								def->defname, context_name(catalog)),
						 errhint("\"%s\" belongs in %s. Valid options in %s are: %s.",
								 def->defname, places, context_name(catalog),
								 options_of_context(catalog))));
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 errhint("Valid options in %s are: %s.",
							 context_name(catalog), options_of_context(catalog))));
		}
		check_option_value(found, defGetString(def));
	}
	if (catalog == ForeignTableRelationId)
		check_association_options(options);
	PG_RETURN_VOID();
}

/*
 * is_hubspot_table
 *		Is relid a foreign table of a server of hubspot_fdw: of a wrapper
 *		whose handler is the hubspot_fdw_handler beside checker (a function
 *		of this extension)?
 */
static bool
is_hubspot_table(Oid relid, Oid checker)
{
	ForeignTable *ft;
	ForeignDataWrapper *fdw;
	char	   *name;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return false;
	ft = GetForeignTable(relid);
	fdw = GetForeignDataWrapper(GetForeignServer(ft->serverid)->fdwid);
	if (!OidIsValid(fdw->fdwhandler))
		return false;
	name = get_func_name(fdw->fdwhandler);
	return name != NULL && strcmp(name, "hubspot_fdw_handler") == 0 &&
		get_func_namespace(fdw->fdwhandler) == get_func_namespace(checker);
}

PG_FUNCTION_INFO_V1(hubspot_fdw_check_table);

/*
 * hubspot_fdw_check_table
 *		SQL: hubspot_fdw_check_table(regclass), called by the extension's
 *		event trigger after CREATE or ALTER FOREIGN TABLE and IMPORT FOREIGN
 *		SCHEMA: the columns of an association table (options object and
 *		to_object) must each stand for from_id, to_id, type_id, category or
 *		label (option.c), which the validator, seeing one column's options
 *		at a time, cannot check.  An ERROR undoes the command.  Object
 *		tables are only checked for the association tables' "field" option;
 *		their column types are checked when they are used, as before.
 */
Datum
hubspot_fdw_check_table(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	ListCell   *lc;
	bool		association = false;

	if (!is_hubspot_table(relid, fcinfo->flinfo->fn_oid))
		PG_RETURN_VOID();
	foreach(lc, GetForeignTable(relid)->options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, "to_object") == 0)
			association = true;
	rel = table_open(relid, AccessShareLock);
	if (association)
		(void) hs_get_table(rel);
	else
	{
		TupleDesc	tupdesc = RelationGetDescr(rel);

		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute attr = TupleDescAttr(tupdesc, i);

			if (attr->attisdropped)
				continue;
			foreach(lc, GetForeignColumnOptions(relid, attr->attnum))
				if (strcmp(((DefElem *) lfirst(lc))->defname, "field") == 0)
					ereport(ERROR,
							(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
							 errmsg("column \"%s\" of foreign table \"%s\" has option \"field\", which only association tables take",
									NameStr(attr->attname), RelationGetRelationName(rel)),
							 errhint("An association table has the table options \"object\" and \"to_object\"; a column of an object table names a HubSpot property with \"property\".")));
		}
	}
	table_close(rel, AccessShareLock);
	PG_RETURN_VOID();
}
