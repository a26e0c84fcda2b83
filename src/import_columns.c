/*-------------------------------------------------------------------------
 *
 * import_columns.c
 *		The CREATE FOREIGN TABLE statements of IMPORT FOREIGN SCHEMA: column
 *		names and types from HubSpot's property catalogue, and association
 *		tables (import_columns.h).
 *
 * Types (hubspot-objects.md 3): number -> numeric, bool -> boolean, date
 * -> date, datetime -> timestamptz, enumeration with fieldType checkbox
 * (several values joined by ';') -> text[], every other type (string,
 * phone_number, enumeration, object_coordinates, json, unknown ones) ->
 * text.
 *
 * Names: a property whose name is a lowercase identifier of at most 63
 * bytes is a column of that name, unless a fixed column (id, properties,
 * ...) or a system column (ctid, xmin, ...) has it; every other property
 * gets a lowercased, truncated name, made unique with a suffix _2, _3, ...,
 * and the column option property naming it.  Properties keeping their own names are placed first, so a
 * suffix never takes a name a property has.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/heap.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "import_columns.h"

/* The column names with fixed meanings (README, "Columns"). */
static const char *const fixed_columns[] = {
	"id", "properties", "created_at", "updated_at", "archived",
	"archived_at", "associations", "properties_with_history"
};

/* The fixed columns an imported table has, with their types. */
static const char *const table_columns[] = {
	"id text", "properties jsonb", "created_at timestamptz",
	"updated_at timestamptz", "archived boolean"
};

/* The longest property name the column option "property" takes (validator.c). */
#define PROPERTY_NAME_MAX 200

typedef struct UsedName
{
	char		name[NAMEDATALEN];
} UsedName;

static HTAB *
used_names(void)
{
	HASHCTL		ctl;
	HTAB	   *used;

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(UsedName);
	ctl.hcxt = CurrentMemoryContext;
	used = hash_create("hubspot_fdw import column names", 64, &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (size_t i = 0; i < lengthof(fixed_columns); i++)
		(void) hash_search(used, fixed_columns[i], HASH_ENTER, NULL);
	return used;
}

/*
 * Claim name in used; false when it was taken, or is a system column's
 * (ctid, xmin, tableoid, ...), which no table may have.
 */
static bool
claim(HTAB *used, const char *name)
{
	bool		found;

	Assert(strlen(name) < NAMEDATALEN);
	if (SystemAttributeByName(name) != NULL)
		return false;
	(void) hash_search(used, name, HASH_ENTER, &found);
	return !found;
}

/* A lowercase identifier PostgreSQL keeps as it is, of at most 63 bytes? */
static bool
plain_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || *s == '_') || strlen(s) >= NAMEDATALEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Can the column option "property" hold name (as validator.c checks)? */
static bool
property_option_value(const char *s)
{
	if (*s == '\0' || strlen(s) > PROPERTY_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/*
 * derived_name
 *		A free column name for a property that cannot keep its own: the name
 *		lowercased (an initial digit gets a "_" before it), truncated to 63
 *		bytes, and, when that is taken, truncated further and suffixed _2,
 *		_3, ...  name is ASCII letters, digits and _ (property_option_value()).
 */
static char *
derived_name(HTAB *used, const char *name)
{
	char		base[NAMEDATALEN];
	char		candidate[NAMEDATALEN];
	int			len = 0;

	if (*name >= '0' && *name <= '9')
		base[len++] = '_';
	for (const char *p = name; *p && len < NAMEDATALEN - 1; p++)
		base[len++] = pg_ascii_tolower((unsigned char) *p);
	base[len] = '\0';
	if (claim(used, base))
		return pstrdup(base);
	for (int k = 2;; k++)
	{
		char		suffix[16];
		int			slen = snprintf(suffix, sizeof(suffix), "_%d", k);
		int			keep = Min(len, NAMEDATALEN - 1 - slen);

		snprintf(candidate, sizeof(candidate), "%.*s%s", keep, base, suffix);
		if (claim(used, candidate))
			return pstrdup(candidate);
	}
}

/* The PostgreSQL type of a property's column. */
static const char *
column_type(const HsProperty *p)
{
	switch (p->type)
	{
		case HS_PROP_NUMBER:
			return "numeric";
		case HS_PROP_BOOL:
			return "boolean";
		case HS_PROP_DATE:
			return "date";
		case HS_PROP_DATETIME:
			return "timestamptz";
		case HS_PROP_ENUMERATION:
			return strcmp(p->field_type, "checkbox") == 0 ? "text[]" : "text";
		default:
			return "text";
	}
}

/*
 * kept
 *		Does the filter keep property p?  Sets groups_matched[i] for the
 *		filter's group p is in.
 */
static bool
kept(const HsProperty *p, const HsColumnFilter *filter, bool *groups_matched)
{
	ListCell   *lc;

	if (p->hidden && !filter->include_hidden)
		return false;
	if (p->calculated && !filter->include_calculated)
		return false;
	if (filter->groups == NIL)
		return true;
	foreach(lc, filter->groups)
	{
		if (strcmp(p->group_name, (const char *) lfirst(lc)) == 0)
		{
			groups_matched[foreach_current_index(lc)] = true;
			return true;
		}
	}
	return false;
}

/*
 * column_names
 *		The column name of each kept property (NULL for the others), in two
 *		passes: the properties that keep their own names, then the others.
 */
static char **
column_names(const HsImportTable *table, const HsColumnFilter *filter,
			 bool *groups_matched)
{
	HTAB	   *used = used_names();
	char	  **names = palloc0(sizeof(char *) * Max(table->nproperties, 1));
	bool	   *keep = palloc0(sizeof(bool) * Max(table->nproperties, 1));

	for (int i = 0; i < table->nproperties; i++)
	{
		const HsProperty *p = &table->properties[i];

		keep[i] = kept(p, filter, groups_matched);
		if (keep[i] && !property_option_value(p->name))
		{
			ereport(NOTICE,
					(errmsg("HubSpot property \"%s\" of %s gets no column: the column option \"property\" cannot name it",
							p->name, table->name),
					 errdetail("Property names of letters, digits and _, at most %d characters, can be typed columns.",
							   PROPERTY_NAME_MAX),
					 errhint("Read it from the column \"properties\".")));
			keep[i] = false;
		}
		if (keep[i] && plain_identifier(p->name) && claim(used, p->name))
			names[i] = pstrdup(p->name);
	}
	for (int i = 0; i < table->nproperties; i++)
		if (keep[i] && names[i] == NULL)
			names[i] = derived_name(used, table->properties[i].name);
	hash_destroy(used);
	pfree(keep);
	return names;
}

char *
hs_import_object_ddl(const HsImportTable *table, const HsColumnFilter *filter,
					 bool *groups_matched)
{
	char	  **names = column_names(table, filter, groups_matched);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n", quote_identifier(table->name));
	for (size_t i = 0; i < lengthof(table_columns); i++)
		appendStringInfo(&buf, "%s  %s", i ? ",\n" : "", table_columns[i]);
	for (int i = 0; i < table->nproperties; i++)
	{
		const HsProperty *p = &table->properties[i];

		if (names[i] == NULL)
			continue;
		appendStringInfo(&buf, ",\n  %s %s", quote_identifier(names[i]), column_type(p));
		if (strcmp(names[i], p->name) != 0)
			appendStringInfo(&buf, " OPTIONS (property %s)", quote_literal_cstr(p->name));
	}
	appendStringInfo(&buf, "\n) SERVER %s OPTIONS (object %s)",
					 quote_identifier(table->server), quote_literal_cstr(table->object));
	return buf.data;
}

char *
hs_import_pair_ddl(const char *table, const char *server, const char *from,
				   const char *to, const char *from_singular,
				   const char *to_singular, bool field_options)
{
	StringInfoData buf;
	bool		self = strcmp(from, to) == 0;
	char	   *from_col = psprintf("%s_id", from_singular);
	char	   *to_col = psprintf("%s_id", to_singular);

	/* longer names would be truncated: name the columns by their meaning */
	if (self || strlen(from_col) >= NAMEDATALEN || strlen(to_col) >= NAMEDATALEN)
	{
		from_col = "from_id";
		to_col = "to_id";
	}
	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "CREATE FOREIGN TABLE %s (\n"
					 "  %s text%s,\n"
					 "  %s text%s,\n"
					 "  type_id integer,\n"
					 "  category text,\n"
					 "  label text\n"
					 ") SERVER %s OPTIONS (object %s, to_object %s)",
					 quote_identifier(table),
					 quote_identifier(from_col),
					 field_options && !self ? " OPTIONS (field 'from_id')" : "",
					 quote_identifier(to_col),
					 field_options && !self ? " OPTIONS (field 'to_id')" : "",
					 quote_identifier(server),
					 quote_literal_cstr(from), quote_literal_cstr(to));
	return buf.data;
}
