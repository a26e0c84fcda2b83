/*-------------------------------------------------------------------------
 *
 * convert.h
 *		Conversion in hubspot_fdw (convert.c): HubSpot strings <-> Datum,
 *		json-c <-> jsonb, a HubSpot record -> a slot, and the per-column-kind
 *		table.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_CONVERT_H
#define HUBSPOT_CONVERT_H

#include "postgres.h"

#include "executor/tuptable.h"
#include "utils/jsonb.h"

#include "json.h"
#include "table.h"

/*
 * The per-column-kind table: what each HsColumnKind stands for in a HubSpot
 * record, how its value converts, what its column's type must be and
 * whether writes may send it.  hs_column_kind_info(col->kind) gives the
 * entry; code that treats columns by kind reads it instead of switching.
 *
 *	kind (column name: id, properties, created_at, updated_at, archived,
 *	archived_at, associations, properties_with_history, else a property)
 *
 *	kind						record_key				source		type	create	update
 *	HS_COL_ID					"id"					MEMBER		ID		-		-
 *	HS_COL_PROPERTIES			"properties"			PROPERTY_MAP JSONB	yes		yes
 *	HS_COL_CREATED_AT			"createdAt"				MEMBER		any		-		-
 *	HS_COL_UPDATED_AT			"updatedAt"				MEMBER		any		-		-
 *	HS_COL_ARCHIVED				"archived"				MEMBER		any		-(1)	-
 *	HS_COL_ARCHIVED_AT			"archivedAt"			MEMBER		any		-		-
 *	HS_COL_ASSOCIATIONS			"associations"			JSON		JSONB	yes		-
 *	HS_COL_PROPERTIES_WITH_HISTORY "propertiesWithHistory" JSON		JSONB	-		-
 *	HS_COL_PROPERTY				"properties"			PROPERTY	any		yes		yes
 *
 * (1) INSERT accepts archived = false, which is what a new record is.
 */
typedef enum HsValueSource
{
	HS_SRC_MEMBER,				/* record[record_key], a HubSpot string
								 * converted by hs_string_to_datum() */
	HS_SRC_PROPERTY,			/* record.properties[col->property], the same */
	HS_SRC_PROPERTY_MAP,		/* record.properties, all of it, as jsonb of
								 * strings (hs_string_map_to_jsonb()) */
	HS_SRC_JSON					/* record[record_key] as jsonb, any JSON
								 * (hs_json_to_jsonb()) */
} HsValueSource;

/* What a column of a kind must be declared as (checked by hs_get_table()). */
typedef enum HsTypeRule
{
	HS_TYPE_ANY,				/* any type hs_init_column_io() handles */
	HS_TYPE_JSONB,				/* jsonb */
	HS_TYPE_ID					/* a type hs_id_type_ok() accepts */
} HsTypeRule;

typedef struct HsColumnKindInfo
{
	HsColumnKind kind;
	const char *column_name;	/* the column name that stands for the kind,
								 * NULL for HS_COL_PROPERTY */
	const char *record_key;		/* the member of a HubSpot record
								 * (SimplePublicObject) that holds the value */
	HsValueSource source;		/* how that member becomes the value */
	HsTypeRule	type_rule;
	bool		on_create;		/* INSERT may send it (see (1) above) */
	bool		on_update;		/* UPDATE may change it */
} HsColumnKindInfo;

extern const HsColumnKindInfo *hs_column_kind_info(HsColumnKind kind);
extern HsColumnKind hs_column_kind_for_name(const char *name);
extern void hs_fill_slot_from_object(HsTable *table, json_object *obj,
									 TupleTableSlot *slot, bool *wanted);

extern void hs_init_column_io(HsColumn *col);
extern Datum hs_string_to_datum(HsColumn *col, const char *value);
extern char *hs_datum_to_string(HsColumn *col, Datum value);
/*
 * HubSpot JSON as jsonb, strings converted to the database encoding; 22P05
 * for a string with \u0000 (which jsonb cannot hold, as jsonb_in) or with a
 * character the encoding lacks, naming where it is (name: the member obj
 * came from, e.g. "propertiesWithHistory").
 */
extern Jsonb *hs_json_to_jsonb(json_object *obj, const char *name);
extern Jsonb *hs_string_map_to_jsonb(json_object *props);
extern char *hs_jsonb_scalar_to_string(JsonbValue *v, bool *isnull);
extern bool hs_id_type_ok(Oid typid);
extern char *hs_id_text(Oid typid, Datum value);
extern char **hs_ids_from_datum(Oid typid, Datum value, bool one, int *n);
extern char *hs_column_id_text(HsColumn *col, Datum value);

#endif							/* HUBSPOT_CONVERT_H */
