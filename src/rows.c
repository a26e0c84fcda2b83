/*-------------------------------------------------------------------------
 *
 * rows.c
 *		hubspot_fdw's row checks: an INSERT or UPDATE row turned into a
 *		checked write input for writer.c, and HubSpot's stored record merged
 *		back into an updated row.
 *
 * Every row is checked before its request is sent: properties must be a
 * JSON object of scalars, named properties must exist and be writable, a
 * property given twice must have one value, and columns HubSpot maintains
 * cannot be set.  An UPDATE sends only the properties whose value changed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "catalog/pg_collation.h"
#include "executor/executor.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "modify.h"
#include "api.h"
#include "convert.h"
#include "properties.h"
#include "visibility.h"

#define ASSOCIATIONS_HINT \
	"Use HubSpot's create input shape: [{\"to\":{\"id\":\"123\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":20}]}]."

/* One property to send, in order of first appearance. */
typedef struct PropValue
{
	const char *name;
	char	   *value;			/* NULL: JSON null */
	const char *source;			/* "properties" or a column name */
} PropValue;

/* Ids (or keys) a statement has already written, with their row numbers. */
typedef struct SeenEntry
{
	char	   *key;			/* hash key: a pointer to the string */
	int64		row;
} SeenEntry;

/* Where a property's value came from, for messages. */
static char *
describe_source(const PropValue *pv)
{
	if (strcmp(pv->source, "properties") == 0)
		return psprintf("key \"%s\" of column \"properties\"", pv->name);
	return psprintf("column \"%s\"", pv->source);
}

/*
 * add_prop
 *		Add a property to a row's list; the same property given twice must
 *		have the same value.
 */
static void
add_prop(List **props, int64 row, const char *name, char *value,
		 const char *source)
{
	ListCell   *lc;
	PropValue  *pv = palloc(sizeof(PropValue));

	pv->name = name;
	pv->value = value;
	pv->source = source;
	foreach(lc, *props)
	{
		PropValue  *other = (PropValue *) lfirst(lc);

		if (strcmp(other->name, name) != 0)
			continue;
		if (strcmp(other->value, value) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row " INT64_FORMAT ": property \"%s\" is given two different values",
							row, name),
					 errdetail("%s gives \"%s\", %s gives \"%s\".",
							   describe_source(other), other->value[0] ? other->value : "(cleared)",
							   describe_source(pv), value[0] ? value : "(cleared)")));
		return;
	}
	*props = lappend(*props, pv);
}

/*
 * jsonb_properties
 *		The members of a "properties" value, checked: an array of PropValue
 *		in jsonb's key order (value NULL for JSON null).
 */
static PropValue *
jsonb_properties(int64 row, Jsonb *jb, int *count)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;
	PropValue  *out;
	int			n = 0;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row " INT64_FORMAT ": column \"properties\" must be a JSON object", row),
				 errdetail("It is a JSON %s.",
						   JB_ROOT_IS_SCALAR(jb) ? "scalar" : "array"),
				 errhint("Write the properties as {\"name\": \"value\", ...}.")));

	out = palloc(sizeof(PropValue) * Max(JB_ROOT_COUNT(jb), 1));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			bool		isnull;
			char	   *value;

			if (v.type == jbvBinary)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("row " INT64_FORMAT ": property \"%s\" in column \"properties\" has a nested %s",
								row, key,
								JsonContainerIsArray(v.val.binary.data) ? "array" : "object"),
						 errhint("HubSpot property values are strings; numbers and booleans are sent as their text. Join multi-select values with \";\".")));
			value = hs_jsonb_scalar_to_string(&v, &isnull);
			out[n].name = key;
			out[n].value = isnull ? NULL : value;
			out[n].source = "properties";
			n++;
		}
	}
	*count = n;
	return out;
}

/* jsonb's key order: shorter first, then bytewise */
static int
jsonb_key_cmp(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(a, b, la);
}

/*
 * check_property
 *		Refuse, before anything is sent, a property HubSpot would reject for
 *		every row: one it does not have, or one that is read-only.
 */
static void
check_property(HsModifyState *fmstate, int64 row, PropValue *pv)
{
	HsProperty *prop = hs_find_property(fmstate->writer->conn, fmstate->table->object,
										pv->name, &fmstate->writer->stats);

	if (prop == NULL)
	{
		/* the request that lists them, as the catalogue sends it */
		HsApiRequest *list = hs_api_get_properties(fmstate->table->object);

		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("row " INT64_FORMAT ": HubSpot %s have no property \"%s\"",
						row, hs_object_display(fmstate->table->objtype), pv->name),
				 errhint("Property names are HubSpot's internal names, such as \"hs_sku\"; %s %s lists them.",
						 list->method, list->path)));
	}
	if (prop->read_only)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("row " INT64_FORMAT ": HubSpot property \"%s\" is read-only",
						row, pv->name),
				 errdetail("HubSpot computes its value and refuses writes to it."),
				 fmstate->op == HS_OP_UPDATE ?
				 errhint("Leave the property as it was read; to change other keys of \"properties\", write properties || '{\"key\": \"value\"}' or properties - 'key'.") : 0));
}

/* Does the UPDATE's SET assign this column (changed or not)? */
static bool
column_assigned(HsModifyState *fmstate, HsColumn *col)
{
	return bms_is_member(col->attnum - FirstLowInvalidHeapAttributeNumber,
						 fmstate->assigned);
}

/*
 * may_clear
 *		May a key that an UPDATE removes from "properties" (or sets to JSON
 *		null) clear its property?  A key left out does not when the UPDATE
 *		sets a typed column of the property to a value (a JSON null says
 *		"clear" outright).  Not a read-only one, nor one HubSpot
 *		maintains on every record (hs_object_id, the object's creation and
 *		modification dates, objects.h): replacing
 *		the whole object, as ORMs and GraphQL servers do, leaves those out
 *		without meaning to clear them.  Nor one HubSpot no longer has: there
 *		is nothing to clear.
 */
static bool
may_clear(HsModifyState *fmstate, TupleTableSlot *new, const char *name,
		  bool explicit_null)
{
	/* HubSpot sets these on every record, even where they are writable */
	const HsObjectType *o = fmstate->table->objtype;
	const char *const maintained[] = {
		o->created_property, o->modified_property, "hs_object_id"
	};
	HsProperty *prop;

	for (size_t i = 0; i < lengthof(maintained); i++)
		if (strcmp(name, maintained[i]) == 0)
			return false;
	/* a key left out, while the UPDATE sets a typed column to a value */
	for (int i = 0; i < fmstate->table->ncolumns && !explicit_null; i++)
	{
		HsColumn   *col = &fmstate->table->columns[i];

		if (col->kind == HS_COL_PROPERTY && strcmp(col->property, name) == 0 &&
			column_assigned(fmstate, col) && !new->tts_isnull[col->attnum - 1])
			return false;
	}
	prop = hs_find_property(fmstate->writer->conn, fmstate->table->object, name,
							&fmstate->writer->stats);
	return prop != NULL && !prop->read_only;
}

/* A value of a column in its type's text form. */
char *
hs_row_column_output(HsColumn *col, Datum value)
{
	Oid			outfunc;
	bool		isvarlena;

	/* col->outfunc is the element type's for arrays */
	if (col->vkind != HS_VAL_ARRAY)
		return OutputFunctionCall(&col->outfunc, value);
	getTypeOutputInfo(col->typid, &outfunc, &isvarlena);
	return OidOutputFunctionCall(outfunc, value);
}

/* A column's value as text, for comparing old and new values. */
static char *
column_text(HsColumn *col, TupleTableSlot *slot)
{
	int			idx = col->attnum - 1;

	if (slot->tts_isnull[idx])
		return NULL;
	if (col->kind == HS_COL_PROPERTY)
		return hs_datum_to_string(col, slot->tts_values[idx]);
	return hs_row_column_output(col, slot->tts_values[idx]);
}

static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The upsert key of a row: the id_property's value, which must be given. */
static char *
upsert_key(HsModifyState *fmstate, List *props, int64 row)
{
	ListCell   *lc;
	const char *key_name = fmstate->table->id_property;

	foreach(lc, props)
	{
		PropValue  *pv = (PropValue *) lfirst(lc);

		if (strcmp(pv->name, key_name) == 0 && pv->value[0] != '\0')
			return pv->value;
	}
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("row " INT64_FORMAT ": no value for \"%s\", the upsert key of foreign table \"%s\"",
					row, key_name, fmstate->table->relname),
			 errdetail("With the id_property option, INSERT creates or updates the record whose \"%s\" has the row's value.",
					   key_name),
			 errhint("Give \"%s\" a value in the row, as a typed column or a key of column \"properties\".",
					 key_name)));
	return NULL;				/* keep compiler quiet */
}

int64
hs_row_remember(HsModifyState *fmstate, const char *ident, int64 row)
{
	SeenEntry  *entry;
	bool		found;
	char	   *key;

	if (fmstate->seen == NULL)
		fmstate->seen = hs_string_hash_create("hubspot_fdw written records", 256,
											  sizeof(SeenEntry),
											  fmstate->estate->es_query_cxt);
	key = (char *) ident;
	entry = hash_search(fmstate->seen, &key, HASH_ENTER, &found);
	if (found)
		return entry->row;
	/* the entry must own its key: same string, same hash */
	entry->key = MemoryContextStrdup(fmstate->estate->es_query_cxt, ident);
	entry->row = row;
	return 0;
}

/* The properties of a row as an input's array. */
static void
props_to_input(List *props, HsWriteInput *in)
{
	ListCell   *lc;
	int			i = 0;

	in->nprops = list_length(props);
	in->props = palloc(sizeof(HsWriteProp) * Max(in->nprops, 1));
	foreach(lc, props)
	{
		PropValue  *pv = (PropValue *) lfirst(lc);

		in->props[i].name = pv->name;
		in->props[i].value = pv->value;
		i++;
	}
}

/*
 * insert_column
 *		Take a non-null column of an INSERT row: a typed column's property
 *		goes into *props, the associations into *associations (column
 *		"properties" was taken first); columns HubSpot assigns cannot be set
 *		(archived may be false: a new record is not archived).
 */
static void
insert_column(HsModifyState *fmstate, HsColumn *col, Datum value, int64 row,
			  List **props, Jsonb **associations)
{
	const HsColumnKindInfo *ki = hs_column_kind_info(col->kind);

	if (ki->on_create)
	{
		if (ki->source == HS_SRC_PROPERTY)
			add_prop(props, row, col->property, hs_datum_to_string(col, value),
					 col->name);
		else if (ki->source == HS_SRC_JSON)
			*associations = DatumGetJsonbP(value);
		return;
	}
	if (col->kind == HS_COL_ARCHIVED && col->vkind == HS_VAL_BOOL &&
		!DatumGetBool(value))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_GENERATED_ALWAYS),
			 fmstate->moving_in ?
			 errmsg("row " INT64_FORMAT ": a row whose column \"%s\" is set cannot move into foreign table \"%s\"",
					row, col->name, fmstate->table->relname) :
			 errmsg("row " INT64_FORMAT ": column \"%s\" cannot be set by INSERT",
					row, col->name),
			 errdetail("HubSpot assigns it when it creates the record."),
			 fmstate->moving_in ?
			 errhint("Set the column to NULL in the same UPDATE that moves the row into the partition.") :
			 errhint("Leave the column out of the INSERT, or insert NULL or DEFAULT.")));
}

/* An INSERT row's associations: a JSON array of objects, not for upserts. */
static void
check_associations(HsModifyState *fmstate, Jsonb *jb, int64 row)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (fmstate->op == HS_OP_UPSERT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("row " INT64_FORMAT ": column \"associations\" cannot be written by an upsert", row),
				 errdetail("HubSpot's batch/upsert endpoint takes no associations; the foreign table has the id_property option.")));
	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row " INT64_FORMAT ": column \"associations\" must be a JSON array", row),
				 errhint("%s", ASSOCIATIONS_HINT)));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_ELEM &&
			(v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row " INT64_FORMAT ": every element of column \"associations\" must be a JSON object", row),
					 errhint("%s", ASSOCIATIONS_HINT)));
	}
}

/* An upsert row's key: given, and not that of an earlier row. */
static char *
check_upsert_row(HsModifyState *fmstate, List *props, int64 row)
{
	char	   *key = upsert_key(fmstate, props, row);
	const HsObjectType *objtype = fmstate->table->objtype;
	int64		other;

	/* two spellings of one contact's email are one record to HubSpot */
	if (objtype != NULL && objtype->unique_ignores_case &&
		objtype->unique_property != NULL &&
		strcmp(objtype->unique_property, fmstate->table->id_property) == 0)
		other = hs_row_remember(fmstate,
								str_tolower(key, strlen(key), DEFAULT_COLLATION_OID),
								row);
	else
		other = hs_row_remember(fmstate, key, row);

	if (other != 0)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("rows " INT64_FORMAT " and " INT64_FORMAT " have the same upsert key: %s \"%s\"",
						other, row, fmstate->table->id_property, key),
				 errdetail("An INSERT into a foreign table with id_property cannot write the same HubSpot record twice."),
				 errhint("Remove the duplicates from the statement's rows, for example with SELECT DISTINCT ON (%s).",
						 fmstate->table->id_property)));
	return key;
}

void
hs_row_insert_input(HsModifyState *fmstate, TupleTableSlot *slot, int64 row,
					HsWriteInput *in)
{
	HsTable    *table = fmstate->table;
	List	   *props = NIL;
	Jsonb	   *associations = NULL;
	ListCell   *lc;

	slot_getallattrs(slot);

	/* the properties column first, so that a typed column is compared to it */
	if (table->properties_col != NULL &&
		!slot->tts_isnull[table->properties_col->attnum - 1])
	{
		int			n;
		PropValue  *pvs = jsonb_properties(row,
										   DatumGetJsonbP(slot->tts_values[table->properties_col->attnum - 1]),
										   &n);

		/* null leaves the property out of a create */
		for (int i = 0; i < n; i++)
			if (pvs[i].value != NULL)
				add_prop(&props, row, pvs[i].name, pvs[i].value, "properties");
	}

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];

		if (!slot->tts_isnull[col->attnum - 1])
			insert_column(fmstate, col, slot->tts_values[col->attnum - 1], row,
						  &props, &associations);
	}
	if (associations != NULL)
		check_associations(fmstate, associations, row);

	foreach(lc, props)
		check_property(fmstate, row, (PropValue *) lfirst(lc));

	memset(in, 0, sizeof(HsWriteInput));
	in->row = row;
	if (fmstate->op == HS_OP_UPSERT)
		in->id = check_upsert_row(fmstate, props, row);
	props_to_input(props, in);
	if (associations != NULL)
		in->associations = JsonbToCString(NULL, &associations->root,
										  VARSIZE(associations));
}

/*
 * changed_columns
 *		Typed columns an UPDATE row changes go into *props (NULL clears);
 *		columns HubSpot maintains cannot change.  Column "properties" is
 *		compared key by key (changed_keys()).
 */
static void
changed_columns(HsModifyState *fmstate, TupleTableSlot *old, TupleTableSlot *new,
				int64 row, List **props)
{
	HsTable    *table = fmstate->table;

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];
		const HsColumnKindInfo *ki = hs_column_kind_info(col->kind);
		char	   *before;
		char	   *after;

		if (ki->source == HS_SRC_PROPERTY_MAP)
			continue;
		before = column_text(col, old);
		after = column_text(col, new);
		if (same_text(before, after))
			continue;
		if (ki->on_update)
			add_prop(props, row, col->property, after ? after : "", col->name);
		else if (col->kind == HS_COL_ID)
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("row " INT64_FORMAT ": column \"id\" cannot be changed", row),
					 errdetail("The id identifies the HubSpot record; HubSpot assigns it.")));
		else if (col->kind == HS_COL_ASSOCIATIONS)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("row " INT64_FORMAT ": column \"associations\" cannot be changed by UPDATE", row),
					 errdetail("hubspot_fdw writes associations only when it creates a record.")));
		else
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("row " INT64_FORMAT ": column \"%s\" cannot be changed by UPDATE",
							row, col->name),
					 errdetail("HubSpot maintains it."),
					 col->kind == HS_COL_ARCHIVED ?
					 errhint("DELETE archives records.") : 0));
	}
}

/*
 * changed_keys
 *		Keys of "properties" an UPDATE row changes go into *props: removed
 *		keys and JSON nulls clear the property (sent as ""), where it may be.
 */
static void
changed_keys(HsModifyState *fmstate, TupleTableSlot *old, TupleTableSlot *new,
			 int64 row, List **props)
{
	int			idx = fmstate->table->properties_col->attnum - 1;
	PropValue  *before = NULL;
	PropValue  *after = NULL;
	int			nbefore = 0;
	int			nafter = 0;
	int			i = 0;
	int			j = 0;

	if (!old->tts_isnull[idx])
		before = jsonb_properties(row, DatumGetJsonbP(old->tts_values[idx]), &nbefore);
	if (!new->tts_isnull[idx])
		after = jsonb_properties(row, DatumGetJsonbP(new->tts_values[idx]), &nafter);

	/* both are in jsonb's key order: walk them side by side */
	while (i < nbefore || j < nafter)
	{
		int			c;

		if (i >= nbefore)
			c = 1;
		else if (j >= nafter)
			c = -1;
		else
			c = jsonb_key_cmp(before[i].name, after[j].name);

		if (c < 0)
		{
			/* a removed key clears the property */
			if (before[i].value != NULL && may_clear(fmstate, new, before[i].name, false))
				add_prop(props, row, before[i].name, "", "properties");
			i++;
		}
		else if (c > 0)
		{
			if (after[j].value != NULL)
				add_prop(props, row, after[j].name, after[j].value, "properties");
			j++;
		}
		else
		{
			if (same_text(before[i].value, after[j].value))
				;
			else if (after[j].value != NULL)
				add_prop(props, row, after[j].name, after[j].value, "properties");
			else if (may_clear(fmstate, new, after[j].name, true))
				add_prop(props, row, after[j].name, "", "properties");
			i++;
			j++;
		}
	}
}

/*
 * check_assigned_columns
 *		A typed column the SET assigns without changing it still says what
 *		its property is: "properties" must not say otherwise.
 */
static void
check_assigned_columns(HsModifyState *fmstate, TupleTableSlot *new, int64 row,
					   List *props)
{
	HsTable    *table = fmstate->table;
	ListCell   *lc;

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];
		char	   *value;

		if (col->kind != HS_COL_PROPERTY || !column_assigned(fmstate, col))
			continue;
		value = column_text(col, new);
		if (value == NULL)
			value = "";
		foreach(lc, props)
		{
			PropValue  *pv = (PropValue *) lfirst(lc);

			if (strcmp(pv->name, col->property) == 0 && strcmp(pv->value, value) != 0)
			{
				PropValue	mine = {col->property, value, col->name};

				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("row " INT64_FORMAT ": property \"%s\" is given two different values",
								row, col->property),
						 errdetail("%s gives \"%s\", %s gives \"%s\".",
								   describe_source(&mine), value[0] ? value : "(cleared)",
								   describe_source(pv), pv->value[0] ? pv->value : "(cleared)")));
			}
		}
	}
}

bool
hs_row_update_input(HsModifyState *fmstate, TupleTableSlot *old,
					TupleTableSlot *new, int64 row, HsWriteInput *in)
{
	List	   *props = NIL;
	ListCell   *lc;

	changed_columns(fmstate, old, new, row, &props);
	if (fmstate->table->properties_col != NULL)
		changed_keys(fmstate, old, new, row, &props);
	check_assigned_columns(fmstate, new, row, props);
	foreach(lc, props)
		check_property(fmstate, row, (PropValue *) lfirst(lc));
	if (props == NIL)
		return false;
	memset(in, 0, sizeof(HsWriteInput));
	in->row = row;
	props_to_input(props, in);
	return true;
}

/*
 * stored_member
 *		Does HubSpot's answer obj (props: its "properties" object, or NULL)
 *		carry the value of column col: a member of the record, or a property?
 *		Columns of JSON (associations, history) keep the row's value, and
 *		column "properties" is merged apart.
 */
static bool
stored_member(HsColumn *col, json_object *obj, json_object *props)
{
	const HsColumnKindInfo *ki = hs_column_kind_info(col->kind);
	json_object *v;

	if (ki->source == HS_SRC_MEMBER)
		return json_object_object_get_ex(obj, ki->record_key, &v);
	if (ki->source == HS_SRC_PROPERTY)
		return props != NULL && json_object_object_get_ex(props, col->property, &v);
	return false;
}

/*
 * merged_properties
 *		The row's properties (ours, or NULL), with HubSpot's values (theirs,
 *		or NULL; props: the answer's "properties") over them: keys the row
 *		cleared, or that HubSpot answered, are HubSpot's.
 */
static Datum
merged_properties(Jsonb *ours, Jsonb *theirs, json_object *props)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	JsonbIterator *it;
	JsonbValue	jv;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	if (ours != NULL && JB_ROOT_IS_OBJECT(ours))
	{
		it = JsonbIteratorInit(&ours->root);
		while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				key = pnstrdup(jv.val.string.val, jv.val.string.len);
			else if (tok == WJB_VALUE)
			{
				json_object *sv;
				JsonbValue	k;

				/* cleared, or answered by HubSpot: skip */
				if (jv.type == jbvNull ||
					(props != NULL && json_object_object_get_ex(props, key, &sv)))
					continue;
				k.type = jbvString;
				k.val.string.val = key;
				k.val.string.len = strlen(key);
				(void) pushJsonbValue(&state, WJB_KEY, &k);
				(void) pushJsonbValue(&state, WJB_VALUE, &jv);
			}
		}
	}
	if (theirs != NULL)
	{
		it = JsonbIteratorInit(&theirs->root);
		while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY || tok == WJB_VALUE)
				(void) pushJsonbValue(&state, tok, &jv);
		}
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(res));
}

/*
 * complete_answer
 *		Add to HubSpot's answer obj the properties the UPDATE sent that the
 *		answer leaves out, as they were sent ("" for a cleared one): a partial
 *		answer must not bring back a value the UPDATE replaced or cleared.
 *		Returns the answer's "properties" object (NULL if it has none and
 *		nothing was sent).
 */
static json_object *
complete_answer(json_object *obj, const HsWriteInput *sent)
{
	json_object *props = NULL;
	json_object *v;

	if (!json_object_is_type(obj, json_type_object))
		return NULL;			/* not a record: nothing to complete */
	if (!json_object_object_get_ex(obj, "properties", &props) ||
		!json_object_is_type(props, json_type_object))
		props = NULL;
	if (sent == NULL || sent->nprops == 0)
		return props;
	if (props == NULL)
		props = hs_json_add_object(obj, "properties");
	for (int i = 0; i < sent->nprops; i++)
		if (!json_object_object_get_ex(props, sent->props[i].name, &v))
			hs_json_add_string(props, sent->props[i].name, sent->props[i].value);
	return props;
}

void
hs_row_merge_stored(HsModifyState *fmstate, json_object *obj,
					const HsWriteInput *sent, TupleTableSlot *slot)
{
	HsTable    *table = fmstate->table;
	TupleTableSlot *stored = fmstate->stored_slot;
	TupleTableSlot *mine = fmstate->new_slot;
	json_object *props = complete_answer(obj, sent);

	hs_fill_slot_from_object(table, obj, stored, NULL);

	/*
	 * Build the result in a copy of the row (the slot may hold a tuple that
	 * a trigger made), then store it back as the slot's own values.
	 */
	ExecCopySlot(mine, slot);
	slot_getallattrs(mine);

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];
		int			idx = col->attnum - 1;

		if (hs_column_kind_info(col->kind)->source == HS_SRC_PROPERTY_MAP)
		{
			mine->tts_values[idx] =
				merged_properties(mine->tts_isnull[idx] ? NULL :
								  DatumGetJsonbP(mine->tts_values[idx]),
								  stored->tts_isnull[idx] ? NULL :
								  DatumGetJsonbP(stored->tts_values[idx]),
								  props);
			mine->tts_isnull[idx] = false;
		}
		else if (stored_member(col, obj, props))
		{
			mine->tts_values[idx] = stored->tts_values[idx];
			mine->tts_isnull[idx] = stored->tts_isnull[idx];
		}
	}

	ExecClearTuple(slot);
	memcpy(slot->tts_values, mine->tts_values,
		   sizeof(Datum) * slot->tts_tupleDescriptor->natts);
	memcpy(slot->tts_isnull, mine->tts_isnull,
		   sizeof(bool) * slot->tts_tupleDescriptor->natts);
	ExecStoreVirtualTuple(slot);
	ExecMaterializeSlot(slot);
}
