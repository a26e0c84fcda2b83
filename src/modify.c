/*-------------------------------------------------------------------------
 *
 * modify.c
 *		INSERT, UPDATE and DELETE on a HubSpot object.
 *
 * INSERT sends batch/create of batch_size rows (batch/upsert keyed by the
 * table's id_property when it has one); UPDATE buffers batch/update inputs
 * carrying only the properties whose value changed; DELETE buffers
 * batch/archive ids.  Where RETURNING, a row trigger or WITH CHECK OPTION
 * needs each row's outcome at once, every row is its own request instead.
 *
 * Every row is checked before its request is sent: properties must be a
 * JSON object of scalars, named properties must exist and be writable.
 * HubSpot has no transactions: rows of batches already sent stay written
 * when a later batch fails, and every error says how many there are.  Rows
 * HubSpot rejects either fail the statement (on_error 'abort') or are
 * reported as WARNINGs and left out of the row count (on_error 'skip').
 *
 * Buffered UPDATE and DELETE rows are sent when a batch is full and when
 * the statement's executor run ends (statement.c calls flush_member()
 * before the command tag is computed), so that the row count can leave out
 * rejected rows and AFTER statement triggers see HubSpot updated.  Every
 * modification registers with statement.c, whose error context tells, for
 * any ERROR of the statement, what HubSpot already applied.
 *
 * A foreign table that is a partition gets rows routed from its parent
 * (INSERT, COPY, an UPDATE moving rows into it): the user mapping is then
 * the one of the user the parent is accessed as.  PostgreSQL cannot move a
 * row out of a foreign partition, so an UPDATE that would is refused rather
 * than left in a partition whose bounds it no longer fits.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "executor/executor.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hubspot_fdw.h"

/*
 * The name of the junk column carrying a row's HubSpot id.  Partitions of
 * one UPDATE share row identity columns by name, and those of one name must
 * be the same column: the name says which (position and type).
 */
static char *
id_junk_name(HsColumn *idcol)
{
	return psprintf("hubspot_id_%d_%u", idcol->attnum, idcol->typid);
}

/* What a modification does to HubSpot. */
typedef enum HsWriteOp
{
	OP_CREATE,
	OP_UPSERT,
	OP_UPDATE,
	OP_ARCHIVE
} HsWriteOp;

static const struct
{
	const char *statement;		/* for errcontext */
	const char *batch;			/* endpoint suffix */
	const char *done;			/* what HubSpot did to accepted rows */
	const char *single_method;	/* one row at a time */
} op_info[] =
{
	[OP_CREATE] = {"INSERT into", "create", "created", "POST"},
	[OP_UPSERT] = {"INSERT into", "upsert", "created or updated", "POST"},
	[OP_UPDATE] = {"UPDATE of", "update", "updated", "PATCH"},
	[OP_ARCHIVE] = {"DELETE from", "archive", "archived", "DELETE"},
};

/* A row of a batch request: its row number and its id or upsert key. */
typedef struct BatchRow
{
	int64		row;
	char	   *ident;
	bool		rejected;
} BatchRow;

/* A row HubSpot rejected, with what it said. */
typedef struct RejectedRow
{
	int64		row;			/* row number in the statement, 0 if unknown */
	const char *ident;			/* id or key, NULL if unknown */
	const char *category;
	char	   *message;
} RejectedRow;

/* Ids (or keys) a statement has already written, with their row numbers. */
typedef struct SeenEntry
{
	char	   *key;			/* hash key: a pointer to the string */
	int64		row;
} SeenEntry;

/* Execution state of an INSERT, UPDATE or DELETE. */
typedef struct HsModifyState
{
	HsTable    *table;
	HsWriteOp	op;
	HsConnection *conn;			/* NULL under plain EXPLAIN */
	HsStats		stats;
	bool		buffered;		/* UPDATE/DELETE: inputs wait for a batch */
	int			batch_size;
	MemoryContext batch_cxt;	/* request and response of one batch */
	MemoryContext row_cxt;		/* work on one row */
	char	   *single_path;	/* POST create path, or PATCH/DELETE prefix */
	char	   *batch_path;

	int64		rows_seen;		/* rows handed to us by the executor */
	int64		rows_applied;	/* rows HubSpot reported as written */
	int64		rows_rejected;	/* rows skipped under on_error 'skip' */
	int64		upsert_created; /* upserts HubSpot reported as new */
	/* for errcontext: the rows being checked, or of the request in flight */
	int64		first_row;
	int64		last_row;
	bool		sending;		/* is a request of these rows in flight? */
	bool		moving_in;		/* INSERT of rows an UPDATE moves into this
								 * partition */

	/* UPDATE/DELETE: junk attributes of the subplan's rows */
	AttrNumber	id_attno;
	AttrNumber	wholerow_attno;
	TupleTableSlot *old_slot;	/* the row as read */
	TupleTableSlot *stored_slot;	/* UPDATE: what HubSpot stored */
	TupleTableSlot *new_slot;	/* UPDATE: a copy of the new row */

	/* ids (UPDATE/DELETE) or keys (upsert) already written by the statement */
	HTAB	   *seen;
	bool		track_ids;		/* UPDATE/DELETE: may a record come twice? */
	HsProperty *key_property;	/* upsert: the id_property, once checked */

	/* buffered UPDATE/DELETE inputs, in buffer_cxt */
	MemoryContext buffer_cxt;
	StringInfoData pending;		/* the inputs, comma-separated */
	BatchRow   *pending_rows;
	int			npending;

	/* flushing at the end of the executor run; what was applied, on error */
	EState	   *estate;
	bool		can_set_tag;	/* does the row count come from us? */
	HsStatementMember member;

	/*
	 * UPDATE of a partition that also gets rows routed into it (an UPDATE of
	 * the partition key moving rows from another partition): their inserts
	 * have a state of their own.
	 */
	struct HsModifyState *routed_insert;
	ModifyTableState *mtstate;	/* UPDATE/DELETE */
	Bitmapset  *assigned;		/* UPDATE: columns its SET assigns, offset by
								 * FirstLowInvalidHeapAttributeNumber */
} HsModifyState;

#define ASSOCIATIONS_HINT \
	"Use HubSpot's create input shape: [{\"to\":{\"id\":\"123\"},\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":20}]}]."

/* One property to send, in order of first appearance. */
typedef struct PropValue
{
	const char *name;
	char	   *value;			/* NULL: JSON null */
	const char *source;			/* "properties" or a column name */
} PropValue;

static void flush_pending(HsModifyState *fmstate);
static void refuse_on_conflict(OnConflictAction action);

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

int
hubspotIsForeignRelUpdatable(Relation rel pg_attribute_unused())
{
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

/*
 * hubspotAddForeignUpdateTargets
 *		UPDATE and DELETE identify records by the id column, fetched as a
 *		junk column; DELETE ... RETURNING also needs the whole row as read
 *		(UPDATE always gets it from the planner).
 */
void
hubspotAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							   RangeTblEntry *target_rte,
							   Relation target_relation)
{
	HsTable    *table = hs_get_table(target_relation);
	Form_pg_attribute attr;
	Var		   *var;

	if (table->id_col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("foreign table \"%s\" has no column \"id\"",
						table->relname),
				 errdetail("UPDATE and DELETE identify HubSpot records by their id."),
				 errhint("Add a column \"id\" of type text to the foreign table.")));
	attr = TupleDescAttr(RelationGetDescr(target_relation),
						 table->id_col->attnum - 1);
	var = makeVar(rtindex, attr->attnum, attr->atttypid, attr->atttypmod,
				  attr->attcollation, 0);
	add_row_identity_var(root, var, rtindex, id_junk_name(table->id_col));

	if (root->parse->commandType == CMD_DELETE && root->parse->returningList != NIL)
		add_row_identity_var(root,
							 makeWholeRowVar(target_rte, rtindex, 0, false),
							 rtindex, "wholerow");
}

List *
hubspotPlanForeignModify(PlannerInfo *root pg_attribute_unused(), ModifyTable *plan,
						 Index resultRelation pg_attribute_unused(), int subplan_index pg_attribute_unused())
{
	refuse_on_conflict(plan->onConflictAction);
	return NIL;
}

/* ----------------------------------------------------------------
 *		Row checks and request bodies
 * ----------------------------------------------------------------
 */

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
	HsProperty *prop = hs_find_property(fmstate->conn, fmstate->table->object,
										pv->name, &fmstate->stats);

	if (prop == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("row " INT64_FORMAT ": HubSpot %s have no property \"%s\"",
						row, fmstate->table->object, pv->name),
				 errhint("Property names are HubSpot's internal names, such as \"hs_sku\"; GET /crm/v3/properties/%s lists them.",
						 fmstate->table->object)));
	if (prop->read_only)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("row " INT64_FORMAT ": HubSpot property \"%s\" is read-only",
						row, pv->name),
				 errdetail("HubSpot computes its value and refuses writes to it."),
				 fmstate->op == OP_UPDATE ?
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
 *		maintains on every record (hs_object_id, createdate, ...): replacing
 *		the whole object, as ORMs and GraphQL servers do, leaves those out
 *		without meaning to clear them.  Nor one HubSpot no longer has: there
 *		is nothing to clear.
 */
static bool
may_clear(HsModifyState *fmstate, TupleTableSlot *new, const char *name,
		  bool explicit_null)
{
	/* HubSpot sets these on every record, even where they are writable */
	static const char *const maintained[] = {
		"createdate", "hs_createdate", "lastmodifieddate", "hs_lastmodifieddate",
		"hs_object_id"
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
	prop = hs_find_property(fmstate->conn, fmstate->table->object, name,
							&fmstate->stats);
	return prop != NULL && !prop->read_only;
}

/* Append {"name":"value",...} */
static void
append_properties_object(StringInfo buf, List *props)
{
	ListCell   *lc;
	bool		first = true;

	appendStringInfoChar(buf, '{');
	foreach(lc, props)
	{
		PropValue  *pv = (PropValue *) lfirst(lc);

		if (!first)
			appendStringInfoChar(buf, ',');
		first = false;
		escape_json(buf, pv->name);
		appendStringInfoChar(buf, ':');
		escape_json(buf, pv->value);
	}
	appendStringInfoChar(buf, '}');
}

/* A value of a column in its type's text form. */
static char *
column_output(HsColumn *col, Datum value)
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
	return column_output(col, slot->tts_values[idx]);
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

/*
 * remember_ident
 *		Note that the statement writes the record with this id or key.
 *		Returns the row that already wrote it, or 0.
 */
static int64
remember_ident(HsModifyState *fmstate, const char *ident, int64 row)
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

/*
 * append_insert_input
 *		Check one INSERT row and append it as HubSpot input: create input
 *		{"properties":{...},"associations":[...]}, or upsert input
 *		{"id":key,"idProperty":...,"properties":{...}}; with
 *		objectWriteTraceId when trace_id.  Returns the upsert key (or NULL).
 */
static char *
append_insert_input(HsModifyState *fmstate, StringInfo buf, TupleTableSlot *slot,
					int64 row, bool trace_id)
{
	HsTable    *table = fmstate->table;
	List	   *props = NIL;
	Datum		associations = (Datum) 0;
	bool		has_associations = false;
	ListCell   *lc;
	char	   *key = NULL;

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
		int			idx = col->attnum - 1;
		Datum		value = slot->tts_values[idx];

		if (slot->tts_isnull[idx])
			continue;
		switch (col->kind)
		{
			case HS_COL_PROPERTY:
				add_prop(&props, row, col->property,
						 hs_datum_to_string(col, value), col->name);
				break;
			case HS_COL_ASSOCIATIONS:
				associations = value;
				has_associations = true;
				break;
			case HS_COL_PROPERTIES:
				break;
			case HS_COL_ARCHIVED:
				/* a new record is not archived: false is what it will be */
				if (col->vkind == HS_VAL_BOOL && !DatumGetBool(value))
					break;
				/* FALLTHROUGH */
			default:
				ereport(ERROR,
						(errcode(ERRCODE_GENERATED_ALWAYS),
						 fmstate->moving_in ?
						 errmsg("row " INT64_FORMAT ": a row whose column \"%s\" is set cannot move into foreign table \"%s\"",
								row, col->name, table->relname) :
						 errmsg("row " INT64_FORMAT ": column \"%s\" cannot be set by INSERT",
								row, col->name),
						 errdetail("HubSpot assigns it when it creates the record."),
						 fmstate->moving_in ?
						 errhint("Set the column to NULL in the same UPDATE that moves the row into the partition.") :
						 errhint("Leave the column out of the INSERT, or insert NULL or DEFAULT.")));
		}
	}

	if (has_associations)
	{
		Jsonb	   *jb = DatumGetJsonbP(associations);
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;

		if (fmstate->op == OP_UPSERT)
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

	foreach(lc, props)
		check_property(fmstate, row, (PropValue *) lfirst(lc));

	if (fmstate->op == OP_UPSERT)
	{
		int64		other;

		key = upsert_key(fmstate, props, row);
		other = remember_ident(fmstate, key, row);
		if (other != 0)
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg("rows " INT64_FORMAT " and " INT64_FORMAT " have the same upsert key: %s \"%s\"",
							other, row, table->id_property, key),
					 errdetail("An INSERT into a foreign table with id_property cannot write the same HubSpot record twice."),
					 errhint("Remove the duplicates from the statement's rows, for example with SELECT DISTINCT ON (%s).",
							 table->id_property)));
	}

	appendStringInfoChar(buf, '{');
	if (trace_id)
		appendStringInfo(buf, "\"objectWriteTraceId\":\"" INT64_FORMAT "\",", row);
	if (fmstate->op == OP_UPSERT)
	{
		appendStringInfoString(buf, "\"id\":");
		escape_json(buf, key);
		appendStringInfoString(buf, ",\"idProperty\":");
		escape_json(buf, table->id_property);
		appendStringInfoChar(buf, ',');
	}
	appendStringInfoString(buf, "\"properties\":");
	append_properties_object(buf, props);
	if (fmstate->op == OP_CREATE)
	{
		appendStringInfoString(buf, ",\"associations\":");
		if (has_associations)
		{
			Jsonb	   *jb = DatumGetJsonbP(associations);

			appendStringInfoString(buf, JsonbToCString(NULL, &jb->root, VARSIZE(jb)));
		}
		else
			appendStringInfoString(buf, "[]");
	}
	appendStringInfoChar(buf, '}');
	return key;
}

/*
 * update_changes
 *		The properties an UPDATE row changes, checked: changed keys of
 *		"properties" (removed keys and JSON nulls clear the property, sent as
 *		""), and changed typed columns (NULL clears).  Columns HubSpot
 *		maintains cannot change.
 */
static List *
update_changes(HsModifyState *fmstate, TupleTableSlot *old, TupleTableSlot *new,
			   int64 row)
{
	HsTable    *table = fmstate->table;
	List	   *props = NIL;
	ListCell   *lc;

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];
		char	   *before;
		char	   *after;

		if (col->kind == HS_COL_PROPERTIES)
			continue;
		before = column_text(col, old);
		after = column_text(col, new);
		if (same_text(before, after))
			continue;
		switch (col->kind)
		{
			case HS_COL_PROPERTY:
				add_prop(&props, row, col->property, after ? after : "", col->name);
				break;
			case HS_COL_ID:
				ereport(ERROR,
						(errcode(ERRCODE_GENERATED_ALWAYS),
						 errmsg("row " INT64_FORMAT ": column \"id\" cannot be changed", row),
						 errdetail("The id identifies the HubSpot record; HubSpot assigns it.")));
				break;
			case HS_COL_ASSOCIATIONS:
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("row " INT64_FORMAT ": column \"associations\" cannot be changed by UPDATE", row),
						 errdetail("hubspot_fdw writes associations only when it creates a record.")));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_GENERATED_ALWAYS),
						 errmsg("row " INT64_FORMAT ": column \"%s\" cannot be changed by UPDATE",
								row, col->name),
						 errdetail("HubSpot maintains it."),
						 col->kind == HS_COL_ARCHIVED ?
						 errhint("DELETE archives records.") : 0));
		}
	}

	if (table->properties_col != NULL)
	{
		int			idx = table->properties_col->attnum - 1;
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
					add_prop(&props, row, before[i].name, "", "properties");
				i++;
			}
			else if (c > 0)
			{
				if (after[j].value != NULL)
					add_prop(&props, row, after[j].name, after[j].value, "properties");
				j++;
			}
			else
			{
				if (same_text(before[i].value, after[j].value))
					;
				else if (after[j].value != NULL)
					add_prop(&props, row, after[j].name, after[j].value, "properties");
				else if (may_clear(fmstate, new, after[j].name, true))
					add_prop(&props, row, after[j].name, "", "properties");
				i++;
				j++;
			}
		}
	}

	/*
	 * A typed column the SET assigns without changing it still says what
	 * its property is: "properties" must not say otherwise.
	 */
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

	foreach(lc, props)
		check_property(fmstate, row, (PropValue *) lfirst(lc));
	return props;
}

/* ----------------------------------------------------------------
 *		Rejected rows
 * ----------------------------------------------------------------
 */

static int
rejected_cmp_list(const ListCell *a, const ListCell *b)
{
	int64		ra = ((const RejectedRow *) lfirst(a))->row;
	int64		rb = ((const RejectedRow *) lfirst(b))->row;

	/* rows HubSpot did not identify last */
	if (ra == 0 || rb == 0)
		return (ra == 0) - (rb == 0);
	return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/* The strings of a context member (an array of strings, or one string). */
static int
context_strings(json_object *err, const char *name, const char ***out)
{
	json_object *ctx;
	json_object *val;
	int			n;

	*out = NULL;
	if (!json_object_object_get_ex(err, "context", &ctx) || ctx == NULL ||
		!json_object_object_get_ex(ctx, name, &val) || val == NULL)
		return 0;
	if (!json_object_is_type(val, json_type_array))
	{
		*out = palloc(sizeof(char *));
		(*out)[0] = json_object_get_string(val);
		return 1;
	}
	n = (int) json_object_array_length(val);
	*out = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		(*out)[i] = json_object_get_string(json_object_array_get_idx(val, i));
	return n;
}

static RejectedRow *
new_rejected(BatchRow *br, const char *category, char *message)
{
	RejectedRow *r = palloc0(sizeof(RejectedRow));

	if (br != NULL)
	{
		r->row = br->row;
		r->ident = br->ident;
		br->rejected = true;
	}
	r->category = category;
	r->message = message;
	return r;
}

/*
 * collect_rejected_rows
 *		The rows an error item of a batch response names, through
 *		context.objectWriteTraceId (row numbers) or context.ids (ids or
 *		keys); one row 0 when it names none of this batch's rows.
 */
static List *
collect_rejected_rows(List *list, json_object *err, BatchRow *rows, int nrows)
{
	const char *category = hs_json_string(err, "category");
	char	   *message = hs_error_message_text(err);
	const char **names;
	int			nnames;
	bool		any = false;

	nnames = context_strings(err, "objectWriteTraceId", &names);
	for (int k = 0; k < nnames; k++)
	{
		int64		row = names[k] ? strtoll(names[k], NULL, 10) : 0;

		for (int i = 0; i < nrows; i++)
			if (rows[i].row == row && !rows[i].rejected)
			{
				list = lappend(list, new_rejected(&rows[i], category, message));
				any = true;
			}
	}
	if (!any)
	{
		nnames = context_strings(err, "ids", &names);
		for (int k = 0; k < nnames; k++)
			for (int i = 0; i < nrows; i++)
				if (names[k] && rows[i].ident && !rows[i].rejected &&
					strcmp(rows[i].ident, names[k]) == 0)
				{
					list = lappend(list, new_rejected(&rows[i], category, message));
					any = true;
				}
	}
	if (!any)
		list = lappend(list, new_rejected(NULL, category, message));
	return list;
}

static char *
describe_rejected(HsModifyState *fmstate, RejectedRow *r)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (r->row > 0)
		appendStringInfo(&buf, "row " INT64_FORMAT, r->row);
	else
		appendStringInfoString(&buf, "a row HubSpot did not identify");
	if (r->ident != NULL)
		appendStringInfo(&buf, " (%s %s)",
						 fmstate->op == OP_UPSERT ? fmstate->table->id_property : "id",
						 r->ident);
	appendStringInfo(&buf, ": %s: %s", r->category ? r->category : "ERROR",
					 r->message);
	return buf.data;
}

/*
 * report_rejected_rows
 *		Rows HubSpot rejected in a request that applied "applied" others:
 *		on_error 'abort' raises one ERROR listing them, with a hint counting
 *		what HubSpot already wrote; 'skip' warns about each and goes on.
 */
static void
report_rejected_rows(HsModifyState *fmstate, List *rejected, int ninputs,
					 int applied)
{
	ListCell   *lc;
	StringInfoData detail;
	const char *category = NULL;
	const char *done = op_info[fmstate->op].done;

	list_sort(rejected, rejected_cmp_list);
	if (fmstate->table->on_error_skip)
	{
		const char *stmt = fmstate->op == OP_UPDATE ? "UPDATE" :
			fmstate->op == OP_ARCHIVE ? "DELETE" : "INSERT";

		foreach(lc, rejected)
		{
			RejectedRow *r = (RejectedRow *) lfirst(lc);
			char	   *ident = r->ident == NULL ? "" :
				psprintf(" (%s %s)",
						 fmstate->op == OP_UPSERT ? fmstate->table->id_property : "id",
						 r->ident);

			/* a warning, though its SQLSTATE is an error's: no statement context */
			hs_statement_context_muted = true;
			ereport(WARNING,
					(errcode(hs_errcode_for_category(r->category, 400)),
					 r->row > 0 ?
					 errmsg("HubSpot rejected row " INT64_FORMAT "%s of the %s; skipping it",
							r->row, ident, stmt) :
					 errmsg("HubSpot rejected a row of the %s without naming it; skipping it",
							stmt),
					 errdetail("%s: %s", r->category ? r->category : "ERROR", r->message)));
			hs_statement_context_muted = false;
		}
		fmstate->rows_rejected += list_length(rejected);
		return;
	}

	initStringInfo(&detail);
	foreach(lc, rejected)
	{
		RejectedRow *r = (RejectedRow *) lfirst(lc);

		if (category == NULL)
			category = r->category;
		if (detail.len > 0)
			appendStringInfoChar(&detail, '\n');
		appendStringInfoString(&detail, describe_rejected(fmstate, r));
	}

	ereport(ERROR,
			(errcode(hs_errcode_for_category(category, 400)),
			 ninputs == 1 ?
			 errmsg("HubSpot rejected the row") :
			 errmsg("HubSpot rejected %d of %d rows of a batch %s",
					list_length(rejected), ninputs, op_info[fmstate->op].batch),
			 errdetail("%s", detail.data),
			 ninputs == 1 ?
			 errhint("This error does not undo HubSpot writes. With on_error 'skip', rejected rows are reported as warnings instead.") :
			 applied == 0 ?
			 errhint("HubSpot %s no other row of this batch. With on_error 'skip', rejected rows are reported as warnings instead.",
					 done) :
			 errhint("HubSpot %s the other %s of this batch; this error does not undo HubSpot writes. With on_error 'skip', rejected rows are reported as warnings instead.",
					 done, applied == 1 ? "row" : psprintf("%d rows", applied))));
}

/* ----------------------------------------------------------------
 *		Requests
 * ----------------------------------------------------------------
 */

/*
 * report_applied
 *		errcontext lines telling what HubSpot already applied for this
 *		modification, when no statement-level error context does (see
 *		hs_statement_reports_writes()).
 */
static void
report_applied(HsModifyState *fmstate)
{
	const char *done = op_info[fmstate->op].done;

	if (fmstate->rows_applied > 0)
		errcontext("HubSpot had already %s " INT64_FORMAT " row%s of foreign table \"%s\" in this statement; %s %s",
				   done, fmstate->rows_applied, fmstate->rows_applied == 1 ? "" : "s",
				   fmstate->table->relname,
				   fmstate->rows_applied == 1 ? "it stays" : "they stay", done);
}

static void
modify_error_callback(void *arg)
{
	HsModifyState *fmstate = (HsModifyState *) arg;
	char	   *rows;

	if (fmstate->first_row == fmstate->last_row)
		rows = psprintf("row " INT64_FORMAT, fmstate->first_row);
	else
		rows = psprintf("rows " INT64_FORMAT " to " INT64_FORMAT,
						fmstate->first_row, fmstate->last_row);
	if (fmstate->sending && fmstate->stats.outcome_unknown)
		errcontext("%s foreign table \"%s\", %s, which HubSpot may or may not have %s",
				   op_info[fmstate->op].statement, fmstate->table->relname, rows,
				   op_info[fmstate->op].done);
	else
		errcontext("%s foreign table \"%s\", %s",
				   op_info[fmstate->op].statement, fmstate->table->relname, rows);
	/* normally the statement's error context tells this, once */
	if (!hs_statement_reports_writes())
		report_applied(fmstate);
}

/* Start work on rows first..last: errcontext, nothing in flight yet. */
static void
begin_rows(HsModifyState *fmstate, ErrorContextCallback *errcallback,
		   int64 first, int64 last)
{
	fmstate->first_row = first;
	fmstate->last_row = last;
	fmstate->sending = false;
	errcallback->callback = modify_error_callback;
	errcallback->arg = fmstate;
	errcallback->previous = error_context_stack;
	error_context_stack = errcallback;
}

/*
 * send_request
 *		Send a write request for the rows begin_rows() named; until the next
 *		begin_rows(), an error whose outcome is unknown names them.
 */
static HsResponse *
send_request(HsModifyState *fmstate, const char *method, const char *path,
			 const char *body, HsRequestSafety safety)
{
	fmstate->sending = true;
	return hs_request(fmstate->conn, method, path, NULL, body, safety,
					  &fmstate->stats);
}

/*
 * Is a failed single-row write a rejection of that row (not of the request)?
 * A 404 is one only for a PATCH: the record is gone.
 */
static bool
is_row_rejection(HsModifyState *fmstate, HsResponse *resp)
{
	return resp->status == 400 || resp->status == 409 ||
		(resp->status == 404 && fmstate->op == OP_UPDATE);
}

/*
 * reject_single
 *		A single-row write HubSpot refused: ERROR (abort) or WARNING (skip).
 */
static void
reject_single(HsModifyState *fmstate, HsResponse *resp, int64 row,
			  const char *ident)
{
	BatchRow	br = {row, (char *) ident, false};
	RejectedRow *r;

	if (!fmstate->table->on_error_skip)
		hs_report_response_error(resp);
	r = new_rejected(&br, hs_json_string(resp->json, "category"),
					 resp->json ? hs_error_message_text(resp->json) :
					 psprintf("HTTP %ld", resp->status));
	report_rejected_rows(fmstate, list_make1(r), 1, 0);
}

/*
 * report_unknown_rows
 *		A batch answer that accounts for fewer (or more) rows than were sent:
 *		the rows it says nothing about may or may not have been written, and
 *		that is an ERROR (08007) naming them, whatever on_error says.
 *		written (may be NULL when results cannot be matched to rows) marks
 *		the rows with a result.
 */
static void
report_unknown_rows(HsModifyState *fmstate, HsResponse *resp, BatchRow *rows, int n,
					bool *written, int applied, int nrejected)
{
	StringInfoData which;
	int			listed = 0;

	initStringInfo(&which);
	for (int i = 0; written != NULL && i < n; i++)
	{
		if (written[i] || rows[i].rejected)
			continue;
		if (listed++ == 20)
		{
			appendStringInfoString(&which, ", ...");
			break;
		}
		appendStringInfo(&which, "%s" INT64_FORMAT, listed > 1 ? ", " : "", rows[i].row);
		if (rows[i].ident != NULL)
			appendStringInfo(&which, " (%s %s)",
							 fmstate->op == OP_UPSERT ? fmstate->table->id_property : "id",
							 rows[i].ident);
	}
	fmstate->stats.outcome_unknown = true;
	ereport(ERROR,
			(errcode(ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN),
			 applied + nrejected > n || written == NULL ?
			 errmsg("HubSpot's answer to a batch %s of %d row%s does not match it: rows of it may or may not have been %s",
					op_info[fmstate->op].batch, n, n == 1 ? "" : "s",
					op_info[fmstate->op].done) :
			 errmsg("HubSpot's answer accounts for %d of the %d rows of a batch %s: the others may or may not have been %s",
					applied + nrejected, n, op_info[fmstate->op].batch,
					op_info[fmstate->op].done),
			 which.len > 0 ?
			 errdetail("Rows without an answer: %s. Request: POST %s; HTTP status %ld; %d written, %d rejected; correlationId %s.",
					   which.data, fmstate->batch_path, resp->status, applied, nrejected,
					   resp->correlation_id[0] ? resp->correlation_id : "none") :
			 errdetail("Request: POST %s; HTTP status %ld; %d written, %d rejected; correlationId %s.",
					   fmstate->batch_path, resp->status, applied, nrejected,
					   resp->correlation_id[0] ? resp->correlation_id : "none"),
			 errhint("Check these rows in HubSpot.")));
}

/* A record the statement created: scans that began before must not see it. */
static void
created_record(HsModifyState *fmstate, json_object *record)
{
	json_object *id;

	/* HubSpot's ids are strings; take a JSON number as its text too */
	if (json_object_object_get_ex(record, "id", &id) && id != NULL &&
		(json_object_is_type(id, json_type_string) || json_object_is_type(id, json_type_int)))
		hs_visibility_created(fmstate->table->object, json_object_get_string(id));
}

/*
 * batch_results
 *		Handle a batch/create, batch/update or batch/upsert response: count
 *		what HubSpot wrote, and report the rows it rejected (marking them in
 *		rows[]).  Results come back in random order and are never matched
 *		to inputs by position.  Returns the number of rows written.
 */
static int
batch_results(HsModifyState *fmstate, HsResponse *resp, BatchRow *rows, int n)
{
	json_object *results;
	json_object *errors;
	List	   *rejected = NIL;
	int			applied;
	bool	   *written = NULL;
	bool		all_identified = true;
	bool		duplicate = false;
	bool		unmatched = false;
	bool		mismatch;
	int			known;

	if (resp->status != 200 && resp->status != 201 && resp->status != 207)
		hs_report_response_error(resp);

	if (!json_object_object_get_ex(resp->json, "results", &results) ||
		!json_object_is_type(results, json_type_array))
		results = NULL;
	applied = results ? (int) json_object_array_length(results) : 0;

	if (json_object_object_get_ex(resp->json, "errors", &errors) &&
		json_object_is_type(errors, json_type_array))
	{
		for (size_t i = 0; i < json_object_array_length(errors); i++)
			rejected = collect_rejected_rows(rejected,
											 json_object_array_get_idx(errors, i),
											 rows, n);
	}

	/*
	 * Which rows the results are for: updates carry their id, and results
	 * may echo objectWriteTraceId.  A row with neither a result nor an error
	 * may or may not have been written.
	 */
	if (results != NULL)
	{
		written = palloc0(sizeof(bool) * n);
		for (size_t k = 0; k < json_object_array_length(results); k++)
		{
			json_object *result = json_object_array_get_idx(results, k);
			const char *id = hs_json_string(result, "id");
			const char *trace = hs_json_string(result, "objectWriteTraceId");
			bool		found = false;

			for (int i = 0; i < n && !found; i++)
			{
				if ((trace != NULL && rows[i].row == strtoll(trace, NULL, 10)) ||
					(fmstate->op == OP_UPDATE && id != NULL && rows[i].ident != NULL &&
					 strcmp(rows[i].ident, id) == 0))
				{
					if (written[i])
						duplicate = true;	/* two results for one row */
					found = written[i] = true;
				}
			}
			if (!found)
				all_identified = false;
			/* a result for a row that was not sent: the answer is wrong */
			if (!found && (trace != NULL || fmstate->op == OP_UPDATE))
				unmatched = true;
			/* two results for one record */
			for (size_t j = 0; j < k && id != NULL; j++)
			{
				const char *other = hs_json_string(json_object_array_get_idx(results, j), "id");

				if (other != NULL && strcmp(other, id) == 0)
					duplicate = true;
			}
		}
	}

	/* an error that named no row is that of a row without a result */
	if (written != NULL && all_identified)
	{
		for (int i = 0; i < n; i++)
		{
			ListCell   *lc;

			if (written[i] || rows[i].rejected)
				continue;
			foreach(lc, rejected)
			{
				RejectedRow *r = (RejectedRow *) lfirst(lc);

				if (r->row == 0 && r->ident == NULL)
				{
					r->row = rows[i].row;
					r->ident = rows[i].ident;
					rows[i].rejected = true;
					break;
				}
			}
		}
	}

	/* records this statement created: its scans must not see them */
	if ((fmstate->op == OP_CREATE || fmstate->op == OP_UPSERT) && results != NULL)
	{
		for (size_t k = 0; k < json_object_array_length(results); k++)
		{
			json_object *result = json_object_array_get_idx(results, k);
			json_object *isnew;

			if (fmstate->op == OP_UPSERT &&
				json_object_object_get_ex(result, "new", &isnew) &&
				json_object_get_boolean(isnew))
				fmstate->upsert_created++;
			else if (fmstate->op == OP_UPSERT && !fmstate->stats.resent)
				continue;		/* it existed before: scans see it */

			/*
			 * A create, or an upsert result after a resend: "new": false may
			 * then be the record the first attempt created.  Hiding a record
			 * that existed before from the statement's running scans is the
			 * lesser harm than copying it again.
			 */
			created_record(fmstate, result);
		}
	}

	/*
	 * Count only rows known written.  When the answer does not match the
	 * batch, those are the rows it names, never more than were sent.
	 */
	mismatch = applied + list_length(rejected) != n || duplicate || unmatched;
	known = applied;
	if (mismatch && written != NULL && all_identified)
	{
		known = 0;
		for (int i = 0; i < n; i++)
			known += written[i] ? 1 : 0;
	}
	else if (mismatch)
		known = Min(applied, n - list_length(rejected));
	if (unmatched)
		known = 0;
	fmstate->rows_applied += known;
	if (mismatch)
		report_unknown_rows(fmstate, resp, rows, n,
							written != NULL && all_identified ? written : NULL,
							applied, list_length(rejected));
	if (rejected != NIL)
		report_rejected_rows(fmstate, rejected, n, applied);
	return applied;
}

/* ----------------------------------------------------------------
 *		Execution: setup
 * ----------------------------------------------------------------
 */

/*
 * modify_user
 *		The user whose user mapping a modification uses: the one the target
 *		table is accessed as (a view's owner, else the current user).  A
 *		partition that rows are routed to has no range table entry of its own
 *		(its index is 0): the root table's entry decides, as in postgres_fdw.
 */
static Oid
modify_user(ResultRelInfo *rinfo, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
	Index		rti = rinfo->ri_RootResultRelInfo ?
		rinfo->ri_RootResultRelInfo->ri_RangeTableIndex :
		rinfo->ri_RangeTableIndex;

	if (rti == 0)
		elog(ERROR, "no range table entry for foreign table \"%s\"",
			 RelationGetRelationName(rinfo->ri_RelationDesc));
	return hs_scan_user(estate, rti);
#endif
}

/* statement.c: send what is buffered when the executor run ends */
static void
flush_member(void *arg)
{
	HsModifyState *fmstate = (HsModifyState *) arg;

	if (fmstate->npending > 0)
		flush_pending(fmstate);
}

/* INSERT ... ON CONFLICT, directly or through a partitioned parent */
static void
refuse_on_conflict(OnConflictAction action)
{
	/* HubSpot cannot tell us about a conflict: refuse rather than ignore */
	if (action != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT with ON CONFLICT is not supported by hubspot_fdw"),
				 errdetail("HubSpot's create endpoints cannot report a conflict, so ON CONFLICT DO NOTHING could not be honoured."),
				 errhint("To insert or update by a unique property, set the foreign table's id_property option.")));
}

/*
 * A partitioned parent's statement-level trigger with a transition table
 * cannot collect rows of a foreign partition: PostgreSQL raises that after
 * the FDW wrote the row.  Raise it before anything is sent.
 */
static void
refuse_transition_capture(ModifyTableState *mtstate)
{
	if (mtstate->mt_transition_capture != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot collect transition tuples from child foreign tables"),
				 errdetail("A trigger of the partitioned table has a transition table (REFERENCING NEW TABLE or OLD TABLE)."),
				 errhint("Nothing was sent to HubSpot.")));
}

static HsModifyState *
create_modify_state(ResultRelInfo *rinfo, EState *estate, CmdType operation,
					bool explain_only)
{
	HsModifyState *fmstate = palloc0(sizeof(HsModifyState));
	const char *object;

	fmstate->table = hs_get_table(rinfo->ri_RelationDesc);
	object = fmstate->table->object;
	switch (operation)
	{
		case CMD_UPDATE:
			fmstate->op = OP_UPDATE;
			break;
		case CMD_DELETE:
			fmstate->op = OP_ARCHIVE;
			break;
		default:
			fmstate->op = fmstate->table->id_property ? OP_UPSERT : OP_CREATE;
			break;
	}
	fmstate->single_path = fmstate->op == OP_CREATE ?
		psprintf("/crm/v3/objects/%s", object) :
		psprintf("/crm/v3/objects/%s/{id}", object);
	fmstate->batch_path = psprintf("/crm/v3/objects/%s/batch/%s", object,
								   op_info[fmstate->op].batch);
	fmstate->batch_size = Min(Max(fmstate->table->batch_size, 1), HS_MAX_BATCH_SIZE);
	fmstate->estate = estate;
	if (explain_only)
		return fmstate;

	fmstate->conn = hs_connect(fmstate->table->serverid, modify_user(rinfo, estate));
	fmstate->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
											   "hubspot_fdw batch data",
											   ALLOCSET_DEFAULT_SIZES);
	fmstate->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
											 "hubspot_fdw row data",
											 ALLOCSET_DEFAULT_SIZES);
	fmstate->member.relname = fmstate->table->relname;
	fmstate->member.done = op_info[fmstate->op].done;
	fmstate->member.applied = &fmstate->rows_applied;
	hs_statement_register(&fmstate->member, estate, flush_member, fmstate);
	return fmstate;
}

void
hubspotBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						  List *fdw_private pg_attribute_unused(), int subplan_index pg_attribute_unused(), int eflags)
{
	EState	   *estate = mtstate->ps.state;
	CmdType		operation = mtstate->operation;
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;
	HsModifyState *fmstate;
	TriggerDesc *trig = rinfo->ri_TrigDesc;
	bool		row_triggers;

	fmstate = create_modify_state(rinfo, estate, operation,
								  (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0);
	rinfo->ri_FdwState = fmstate;
	fmstate->mtstate = mtstate;
	if (operation == CMD_INSERT)
		return;

	/*
	 * Buffer unless something needs each row's outcome at once: RETURNING
	 * (UPDATE only: DELETE returns the row as read), WITH CHECK OPTION, or a
	 * row trigger, whose OLD and NEW must be what HubSpot has.
	 */
	if (operation == CMD_UPDATE)
		row_triggers = trig && (trig->trig_update_before_row || trig->trig_update_after_row);
	else
		row_triggers = trig && (trig->trig_delete_before_row || trig->trig_delete_after_row);
	fmstate->buffered = !row_triggers && plan->withCheckOptionLists == NIL &&
		(operation == CMD_DELETE || plan->returningLists == NIL);

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	{
		Plan	   *subplan = outerPlanState(mtstate)->plan;
		char	   *junk = id_junk_name(fmstate->table->id_col);

		fmstate->id_attno = ExecFindJunkAttributeInTlist(subplan->targetlist, junk);
		if (!AttributeNumberIsValid(fmstate->id_attno))
			elog(ERROR, "could not find junk column \"%s\"", junk);
		fmstate->wholerow_attno = ExecFindJunkAttributeInTlist(subplan->targetlist, "wholerow");
		if (operation == CMD_UPDATE && !AttributeNumberIsValid(fmstate->wholerow_attno))
			elog(ERROR, "could not find junk column \"wholerow\"");
	}
	/*
	 * A join can hand over the same record twice; a scan of the table alone
	 * cannot, and then the ids need not be remembered.
	 */
	{
		PlanState  *sub = outerPlanState(mtstate);

		fmstate->track_ids = !(IsA(sub, ForeignScanState) &&
							   ((Scan *) sub->plan)->scanrelid == rinfo->ri_RangeTableIndex);
	}
	if (operation == CMD_UPDATE)
		fmstate->assigned = ExecGetUpdatedCols(rinfo, estate);
	fmstate->old_slot = ExecInitExtraTupleSlot(estate,
											   RelationGetDescr(rinfo->ri_RelationDesc),
											   &TTSOpsVirtual);
	fmstate->new_slot = ExecInitExtraTupleSlot(estate,
											   RelationGetDescr(rinfo->ri_RelationDesc),
											   &TTSOpsVirtual);
	fmstate->stored_slot = ExecInitExtraTupleSlot(estate,
												  RelationGetDescr(rinfo->ri_RelationDesc),
												  &TTSOpsVirtual);

	if (fmstate->buffered)
	{
		MemoryContext oldcxt;

		fmstate->buffer_cxt = AllocSetContextCreate(estate->es_query_cxt,
													"hubspot_fdw buffered rows",
													ALLOCSET_DEFAULT_SIZES);
		oldcxt = MemoryContextSwitchTo(fmstate->buffer_cxt);
		initStringInfo(&fmstate->pending);
		fmstate->pending_rows = palloc(sizeof(BatchRow) * fmstate->batch_size);
		MemoryContextSwitchTo(oldcxt);
		fmstate->can_set_tag = mtstate->canSetTag;
	}
}

/*
 * hubspotBeginForeignInsert
 *		Rows routed to a foreign table that is a partition: INSERT or COPY
 *		into the partitioned parent, or an UPDATE of the partition key moving
 *		rows into it.  When the table is also being updated by the same
 *		statement, its inserts get a state of their own.
 */
void
hubspotBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	HsModifyState *ins;

	/* COPY has no plan */
	if (plan != NULL)
		refuse_on_conflict(plan->onConflictAction);
	refuse_transition_capture(mtstate);
	ins = create_modify_state(rinfo, mtstate->ps.state, CMD_INSERT, false);
	ins->moving_in = (mtstate->operation == CMD_UPDATE);
	if (fmstate != NULL && fmstate->op != OP_CREATE && fmstate->op != OP_UPSERT)
		fmstate->routed_insert = ins;
	else
		rinfo->ri_FdwState = ins;
}

/* The state that inserts into rinfo: its own, or its UPDATE's routed one. */
static HsModifyState *
insert_state(ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;

	if (fmstate != NULL && fmstate->routed_insert != NULL)
		return fmstate->routed_insert;
	return fmstate;
}

/*
 * hubspotGetForeignModifyBatchSize
 *		batch_size, unless something needs each row's result at once:
 *		RETURNING, a row trigger or WITH CHECK OPTION (as postgres_fdw), or
 *		the rows are routed into a table the statement also updates.  May be
 *		called under plain EXPLAIN, so it reads catalogs only.
 */
int
hubspotGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	int			batch_size;

	if (rinfo->ri_projectReturning != NULL ||
		rinfo->ri_WithCheckOptions != NIL ||
		(rinfo->ri_TrigDesc &&
		 (rinfo->ri_TrigDesc->trig_insert_before_row ||
		  rinfo->ri_TrigDesc->trig_insert_after_row)) ||
		(fmstate != NULL && fmstate->routed_insert != NULL))
		return 1;

	if (fmstate != NULL)
		batch_size = fmstate->table->batch_size;
	else
		batch_size = hs_table_batch_size(RelationGetRelid(rinfo->ri_RelationDesc));
	return Min(Max(batch_size, 1), HS_MAX_BATCH_SIZE);
}

/* ----------------------------------------------------------------
 *		Execution: INSERT
 * ----------------------------------------------------------------
 */

/* Upserts need a unique id_property: check it once, before the first send. */
static void
check_upsert_key(HsModifyState *fmstate)
{
	HsProperty *prop;

	if (fmstate->op != OP_UPSERT || fmstate->key_property != NULL)
		return;
	prop = hs_find_property(fmstate->conn, fmstate->table->object,
							fmstate->table->id_property, &fmstate->stats);
	if (prop == NULL || !prop->unique)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"id_property\" of foreign table \"%s\" names %s \"%s\"",
						fmstate->table->relname,
						prop == NULL ? "no HubSpot property" : "a property without unique values:",
						fmstate->table->id_property),
				 errdetail("HubSpot upserts only by a property created with \"hasUniqueValue\": true."),
				 errhint("Name such a property, or drop the option to create records with INSERT.")));
	fmstate->key_property = prop;
}

/*
 * hubspotExecForeignInsert
 *		One row, one request (create, or an upsert of one input); the slot
 *		is refilled with what HubSpot stored, for RETURNING and AFTER
 *		triggers.  Returns NULL for a row skipped under on_error 'skip'.
 */
TupleTableSlot *
hubspotExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot pg_attribute_unused())
{
	HsModifyState *fmstate = insert_state(rinfo);
	MemoryContext oldcxt;
	StringInfoData body;
	HsResponse *resp;
	ErrorContextCallback errcallback;
	int64		row = ++fmstate->rows_seen;
	HsColumn   *assoc_col = fmstate->table->associations_col;
	Datum		assoc_value = (Datum) 0;
	bool		assoc_null = true;
	json_object *stored = NULL;
	bool		written = false;
	char	   *key;

	MemoryContextReset(fmstate->batch_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->batch_cxt);
	begin_rows(fmstate, &errcallback, row, row);
	check_upsert_key(fmstate);

	initStringInfo(&body);
	if (fmstate->op == OP_UPSERT)
		appendStringInfoString(&body, "{\"inputs\":[");
	key = append_insert_input(fmstate, &body, slot, row, fmstate->op == OP_UPSERT);
	if (fmstate->op == OP_UPSERT)
		appendStringInfoString(&body, "]}");

	/* HubSpot's create response has no associations: keep what was sent */
	if (assoc_col != NULL)
	{
		assoc_null = slot->tts_isnull[assoc_col->attnum - 1];
		if (!assoc_null)
			assoc_value = datumCopy(slot->tts_values[assoc_col->attnum - 1], false, -1);
	}

	if (fmstate->op == OP_UPSERT)
	{
		BatchRow	br = {row, key, false};
		json_object *results;

		resp = send_request(fmstate, "POST", fmstate->batch_path, body.data,
							HS_IDEMPOTENT_WRITE);
		written = batch_results(fmstate, resp, &br, 1) > 0;
		if (written && json_object_object_get_ex(resp->json, "results", &results))
			stored = json_object_array_get_idx(results, 0);
	}
	else
	{
		resp = send_request(fmstate, "POST", fmstate->single_path, body.data,
							HS_NOT_IDEMPOTENT);
		written = resp->status == 200 || resp->status == 201;
		if (written)
		{
			fmstate->rows_applied++;
			stored = resp->json;
			created_record(fmstate, stored);
		}
		else
		{
			if (!is_row_rejection(fmstate, resp))
				hs_report_response_error(resp);
			reject_single(fmstate, resp, row, NULL);
		}
	}

	error_context_stack = errcallback.previous;
	/* a row skipped under on_error 'skip' */
	if (!written)
	{
		MemoryContextSwitchTo(oldcxt);
		return NULL;
	}

	/* values of the returned slot live in the per-tuple context */
	MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
	hs_fill_slot_from_object(fmstate->table, stored, slot, NULL);
	if (assoc_col != NULL && !assoc_null)
	{
		slot->tts_values[assoc_col->attnum - 1] = datumCopy(assoc_value, false, -1);
		slot->tts_isnull[assoc_col->attnum - 1] = false;
	}
	MemoryContextSwitchTo(oldcxt);
	return slot;
}

/*
 * hubspotExecForeignBatchInsert
 *		Send up to batch_size rows as one batch/create (or batch/upsert).
 *
 * Each input carries objectWriteTraceId = its row number in the statement,
 * so that HubSpot reports failures per row (207) instead of failing the
 * whole batch, and so that errors name rows.  Under on_error 'skip' the
 * rows HubSpot wrote are returned and the rejected ones left out.
 */
TupleTableSlot **
hubspotExecForeignBatchInsert(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo,
							  TupleTableSlot **slots, TupleTableSlot **planSlots pg_attribute_unused(),
							  int *numSlots)
{
	HsModifyState *fmstate = insert_state(rinfo);
	MemoryContext oldcxt;
	StringInfoData body;
	HsResponse *resp;
	ErrorContextCallback errcallback;
	int			n = *numSlots;
	BatchRow   *rows;
	int			applied;
	int			kept = 0;

	MemoryContextReset(fmstate->batch_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->batch_cxt);
	begin_rows(fmstate, &errcallback, fmstate->rows_seen + 1, fmstate->rows_seen + n);
	check_upsert_key(fmstate);

	rows = palloc0(sizeof(BatchRow) * n);
	initStringInfo(&body);
	appendStringInfoString(&body, "{\"inputs\":[");
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&body, ',');
		rows[i].row = ++fmstate->rows_seen;
		/* a row's checks name that row */
		fmstate->first_row = fmstate->last_row = rows[i].row;
		rows[i].ident = append_insert_input(fmstate, &body, slots[i], rows[i].row, true);
	}
	appendStringInfoString(&body, "]}");
	fmstate->first_row = rows[0].row;
	fmstate->last_row = rows[n - 1].row;

	/* an upsert may be sent again: it cannot create a record twice */
	resp = send_request(fmstate, "POST", fmstate->batch_path, body.data,
						fmstate->op == OP_UPSERT ? HS_IDEMPOTENT_WRITE : HS_NOT_IDEMPOTENT);
	applied = batch_results(fmstate, resp, rows, n);

	/* the rows HubSpot wrote first: they are the ones counted */
	for (int i = 0; i < n; i++)
		if (!rows[i].rejected)
		{
			TupleTableSlot *tmp = slots[kept];

			slots[kept++] = slots[i];
			slots[i] = tmp;
		}
	*numSlots = Min(kept, applied);

	error_context_stack = errcallback.previous;
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(fmstate->batch_cxt);
	return slots;
}

/* ----------------------------------------------------------------
 *		Execution: UPDATE and DELETE
 * ----------------------------------------------------------------
 */

/* The id of the row being updated or deleted (the junk column). */
static char *
row_id(HsModifyState *fmstate, TupleTableSlot *planSlot)
{
	bool		isnull;
	Datum		datum = ExecGetJunkAttribute(planSlot, fmstate->id_attno, &isnull);
	char	   *id;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a row of foreign table \"%s\" to %s has no id",
						fmstate->table->relname,
						fmstate->op == OP_UPDATE ? "update" : "delete")));
	id = hs_id_text(fmstate->table->id_col->typid, datum);
	if (id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a row of foreign table \"%s\" to %s has an id that names no HubSpot record: %s",
						fmstate->table->relname,
						fmstate->op == OP_UPDATE ? "update" : "delete",
						column_output(fmstate->table->id_col, datum))));
	return id;
}

/* Put the row as read (the wholerow junk column) into a slot. */
static void
store_old_row(HsModifyState *fmstate, TupleTableSlot *planSlot, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		datum = ExecGetJunkAttribute(planSlot, fmstate->wholerow_attno, &isnull);
	HeapTupleHeader td;
	HeapTupleData tuple;

	if (isnull)
		elog(ERROR, "wholerow is NULL");
	td = DatumGetHeapTupleHeader(datum);
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = td;
	ExecForceStoreHeapTuple(&tuple, slot, false);
	slot_getallattrs(slot);
}

/*
 * first_time
 *		Has the statement not written this record yet?  A join can hand the
 *		same row over twice; like a heap table, only the first counts.
 */
static bool
first_time(HsModifyState *fmstate, const char *id, int64 row)
{
	return !fmstate->track_ids || remember_ident(fmstate, id, row) == 0;
}

/* Add an input to the buffer, sending the buffer first when it is full. */
static void
buffer_input(HsModifyState *fmstate, int64 row, const char *id, const char *input)
{
	MemoryContext oldcxt;
	BatchRow   *br;

	if (fmstate->npending >= fmstate->batch_size)
		flush_pending(fmstate);
	oldcxt = MemoryContextSwitchTo(fmstate->buffer_cxt);
	if (fmstate->npending > 0)
		appendStringInfoChar(&fmstate->pending, ',');
	appendStringInfoString(&fmstate->pending, input);
	br = &fmstate->pending_rows[fmstate->npending++];
	br->row = row;
	br->ident = pstrdup(id);
	br->rejected = false;
	MemoryContextSwitchTo(oldcxt);
}

/*
 * flush_pending
 *		Send the buffered inputs as one batch/update or batch/archive.  Rows
 *		HubSpot rejects under on_error 'skip' are taken off the row count.
 */
static void
flush_pending(HsModifyState *fmstate)
{
	ErrorContextCallback errcallback;
	MemoryContext oldcxt;
	HsResponse *resp;
	char	   *body;
	int			n = fmstate->npending;
	int64		rejected_before = fmstate->rows_rejected;

	if (n == 0)
		return;
	MemoryContextReset(fmstate->batch_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->batch_cxt);
	begin_rows(fmstate, &errcallback, fmstate->pending_rows[0].row,
			   fmstate->pending_rows[n - 1].row);

	body = psprintf("{\"inputs\":[%s]}", fmstate->pending.data);
	/* the buffer is spent whatever happens: never send it twice */
	fmstate->npending = 0;
	resp = send_request(fmstate, "POST", fmstate->batch_path, body,
						HS_IDEMPOTENT_WRITE);
	if (fmstate->op == OP_ARCHIVE)
	{
		/* archiving an id that is gone is not an error: all or nothing */
		if (resp->status != 200 && resp->status != 204)
			hs_report_response_error(resp);
		fmstate->rows_applied += n;
	}
	else
		(void) batch_results(fmstate, resp, fmstate->pending_rows, n);

	if (fmstate->can_set_tag && fmstate->rows_rejected > rejected_before)
		fmstate->estate->es_processed -= fmstate->rows_rejected - rejected_before;

	error_context_stack = errcallback.previous;
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(fmstate->batch_cxt);
	resetStringInfo(&fmstate->pending);
}

/*
 * merge_stored_record
 *		Put what HubSpot stored into the slot of an updated row.  HubSpot's
 *		answer may carry only some properties: the others keep the row's
 *		new values.
 */
static void
merge_stored_record(HsModifyState *fmstate, json_object *obj, TupleTableSlot *slot)
{
	HsTable    *table = fmstate->table;
	TupleTableSlot *stored = fmstate->stored_slot;
	TupleTableSlot *mine = fmstate->new_slot;
	json_object *props = NULL;

	if (!json_object_object_get_ex(obj, "properties", &props) ||
		!json_object_is_type(props, json_type_object))
		props = NULL;
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
		bool		have;
		json_object *v;

		switch (col->kind)
		{
			case HS_COL_ID:
				have = json_object_object_get_ex(obj, "id", &v);
				break;
			case HS_COL_CREATED_AT:
				have = json_object_object_get_ex(obj, "createdAt", &v);
				break;
			case HS_COL_UPDATED_AT:
				have = json_object_object_get_ex(obj, "updatedAt", &v);
				break;
			case HS_COL_ARCHIVED:
				have = json_object_object_get_ex(obj, "archived", &v);
				break;
			case HS_COL_PROPERTY:
				have = props != NULL && json_object_object_get_ex(props, col->property, &v);
				break;
			case HS_COL_PROPERTIES:
				{
					/* the row's properties, with HubSpot's values over them */
					JsonbParseState *state = NULL;
					JsonbValue *res;
					JsonbIterator *it;
					JsonbValue	jv;
					JsonbIteratorToken tok;
					Jsonb	   *ours = mine->tts_isnull[idx] ? NULL :
						DatumGetJsonbP(mine->tts_values[idx]);
					Jsonb	   *theirs = stored->tts_isnull[idx] ? NULL :
						DatumGetJsonbP(stored->tts_values[idx]);
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
					mine->tts_values[idx] = JsonbPGetDatum(JsonbValueToJsonb(res));
					mine->tts_isnull[idx] = false;
					continue;
				}
			default:
				have = false;
				break;
		}
		if (have)
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

/*
 * update_properties
 *		The properties an UPDATE row changes, as a JSON object, or NULL when
 *		it changes nothing.
 */
static char *
update_properties(HsModifyState *fmstate, TupleTableSlot *slot,
				  TupleTableSlot *planSlot, int64 row)
{
	List	   *changes;
	StringInfoData buf;

	store_old_row(fmstate, planSlot, fmstate->old_slot);
	slot_getallattrs(slot);
	changes = update_changes(fmstate, fmstate->old_slot, slot, row);
	if (changes == NIL)
		return NULL;
	initStringInfo(&buf);
	append_properties_object(&buf, changes);
	return buf.data;
}

/*
 * write_row
 *		Send one UPDATE or DELETE row (props: its changed properties, NULL
 *		for DELETE): buffered, as a batch/update input or batch/archive id;
 *		otherwise one PATCH or DELETE, whose answer (for PATCH) is put in
 *		*stored.  Returns false for a row skipped under on_error 'skip'.
 */
static bool
write_row(HsModifyState *fmstate, ErrorContextCallback *errcallback, int64 row,
		  const char *id, const char *props, json_object **stored)
{
	HsResponse *resp;

	if (fmstate->buffered)
	{
		StringInfoData input;

		initStringInfo(&input);
		appendStringInfoString(&input, "{\"id\":");
		escape_json(&input, id);
		if (props != NULL)
			appendStringInfo(&input, ",\"objectWriteTraceId\":\"" INT64_FORMAT "\",\"properties\":%s",
							 row, props);
		appendStringInfoChar(&input, '}');
		/* a batch sent now has its own context */
		error_context_stack = errcallback->previous;
		buffer_input(fmstate, row, id, input.data);
		error_context_stack = errcallback;
		return true;
	}

	resp = send_request(fmstate, op_info[fmstate->op].single_method,
						psprintf("/crm/v3/objects/%s/%s", fmstate->table->object,
								 hs_url_escape(id)),
						props ? psprintf("{\"properties\":%s}", props) : NULL,
						HS_IDEMPOTENT_WRITE);
	if (resp->status != 200 && resp->status != 204)
	{
		if (!is_row_rejection(fmstate, resp))
			hs_report_response_error(resp);
		reject_single(fmstate, resp, row, id);
		return false;
	}
	fmstate->rows_applied++;
	if (fmstate->op == OP_UPDATE)
		*stored = resp->json;
	return true;
}

/*
 * check_stays_in_partition
 *		PostgreSQL moves an updated row to the partition its new key belongs
 *		to, but not out of a foreign-table partition: it would leave the row
 *		here, where it no longer fits the bounds (and where a query that
 *		prunes by the key would miss it).  Refuse a row that fitted and would
 *		no longer, when it is reached (rows of earlier batches are sent).
 */
static void
check_stays_in_partition(HsModifyState *fmstate, EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot, int64 row)
{
	if (!rinfo->ri_RelationDesc->rd_rel->relispartition ||
		ExecPartitionCheck(rinfo, slot, estate, false))
		return;
	/*
	 * The partition returns every record of the object, also those whose
	 * value of the key property never fitted its bounds: updating those
	 * moves nothing.
	 */
	store_old_row(fmstate, planSlot, fmstate->old_slot);
	if (!ExecPartitionCheck(rinfo, fmstate->old_slot, estate, false))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("row " INT64_FORMAT ": UPDATE would move the row out of foreign table \"%s\", a partition",
					row, RelationGetRelationName(rinfo->ri_RelationDesc)),
			 errdetail("PostgreSQL cannot move a row from a foreign-table partition to another partition."),
			 errhint("DELETE the row (which archives the HubSpot record) and INSERT it through the partitioned table.")));
}

/*
 * modify_row
 *		UPDATE or DELETE one row.  An UPDATE row that changes nothing costs
 *		no request.  Returns NULL for a row not to count: a record the
 *		statement already wrote, or a row skipped under on_error 'skip'.
 */
static TupleTableSlot *
modify_row(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
		   TupleTableSlot *planSlot)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	ErrorContextCallback errcallback;
	MemoryContext oldcxt;
	int64		row = ++fmstate->rows_seen;
	TupleTableSlot *result = slot;
	json_object *stored = NULL;
	char	   *id;
	char	   *props = NULL;

	MemoryContextReset(fmstate->row_cxt);
	oldcxt = MemoryContextSwitchTo(fmstate->row_cxt);
	begin_rows(fmstate, &errcallback, row, row);

	/* set up after BeginForeignModify: check at the first row */
	if (row == 1 && fmstate->mtstate != NULL)
		refuse_transition_capture(fmstate->mtstate);
	id = row_id(fmstate, planSlot);
	if (fmstate->op == OP_UPDATE)
		check_stays_in_partition(fmstate, estate, rinfo, slot, planSlot, row);
	if (!first_time(fmstate, id, row))
		result = NULL;
	else if (fmstate->op == OP_ARCHIVE ||
			 (props = update_properties(fmstate, slot, planSlot, row)) != NULL)
	{
		if (!write_row(fmstate, &errcallback, row, id, props, &stored))
			result = NULL;
	}
	error_context_stack = errcallback.previous;

	/* values of the returned slot live in the per-tuple context */
	MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
	if (result != NULL && stored != NULL)
		merge_stored_record(fmstate, stored, slot);
	else if (result != NULL && fmstate->op == OP_ARCHIVE &&
			 AttributeNumberIsValid(fmstate->wholerow_attno))
	{
		/* DELETE ... RETURNING: the row as it was read */
		store_old_row(fmstate, planSlot, fmstate->old_slot);
		ExecCopySlot(slot, fmstate->old_slot);
	}
	MemoryContextSwitchTo(oldcxt);
	return result;
}

TupleTableSlot *
hubspotExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	return modify_row(estate, rinfo, slot, planSlot);
}

TupleTableSlot *
hubspotExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	return modify_row(estate, rinfo, slot, planSlot);
}

/* Send what is still buffered, and leave the statement's registry. */
static void
end_modify_state(HsModifyState *fmstate)
{
	/* normally sent at the end of the executor run already */
	if (fmstate->npending > 0)
		flush_pending(fmstate);
	hs_statement_unregister(&fmstate->member);
	if (fmstate->batch_cxt != NULL)
	{
		MemoryContextDelete(fmstate->batch_cxt);
		fmstate->batch_cxt = NULL;
	}
}

void
hubspotEndForeignModify(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;

	if (fmstate != NULL && fmstate->conn != NULL)
		end_modify_state(fmstate);
}

void
hubspotEndForeignInsert(EState *estate pg_attribute_unused(), ResultRelInfo *rinfo)
{
	HsModifyState *fmstate = insert_state(rinfo);

	if (fmstate != NULL && fmstate->conn != NULL)
		end_modify_state(fmstate);
}

void
hubspotExplainForeignModify(ModifyTableState *mtstate pg_attribute_unused(), ResultRelInfo *rinfo,
							List *fdw_private pg_attribute_unused(), int subplan_index pg_attribute_unused(),
							ExplainState *es)
{
	HsModifyState *fmstate = (HsModifyState *) rinfo->ri_FdwState;
	int			batch_size;
	bool		batched;

	if (fmstate == NULL)
		return;
	if (fmstate->op == OP_CREATE || fmstate->op == OP_UPSERT)
		batch_size = rinfo->ri_BatchSize > 0 ? rinfo->ri_BatchSize : 1;
	else
		batch_size = fmstate->buffered ? fmstate->batch_size : 1;
	/* one upsert is still a batch/upsert request */
	batched = batch_size > 1 || fmstate->buffered || fmstate->op == OP_UPSERT;
	ExplainPropertyText("HubSpot Request",
						batched ?
						psprintf("POST %s", fmstate->batch_path) :
						psprintf("%s %s", op_info[fmstate->op].single_method,
								 fmstate->single_path),
						es);
	ExplainPropertyInteger("Batch Size", NULL, batch_size, es);
	if (fmstate->op == OP_UPSERT)
		ExplainPropertyText("HubSpot Upsert Key", fmstate->table->id_property, es);
	if (es->verbose || fmstate->table->on_error_skip)
		ExplainPropertyText("HubSpot On Error",
							fmstate->table->on_error_skip ? "skip" : "abort", es);
	if (es->analyze)
	{
		ExplainPropertyInteger("HubSpot Requests", NULL, fmstate->stats.requests, es);
		ExplainPropertyInteger("HubSpot Retries", NULL, fmstate->stats.retries, es);
		if (fmstate->table->on_error_skip)
			ExplainPropertyInteger("HubSpot Rows Rejected", NULL, fmstate->rows_rejected, es);
		if (fmstate->op == OP_UPSERT)
			ExplainPropertyInteger("HubSpot Records Created", NULL, fmstate->upsert_created, es);
	}
}
