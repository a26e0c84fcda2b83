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
#include "fmgr.h"
#include "utils/builtins.h"

#include "api.h"
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
	OPT_BOOL
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
	{"property", AttributeRelationId, OPT_PROPERTY, 0, 0},
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
			hs_check_object_option(value);
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
	PG_RETURN_VOID();
}
