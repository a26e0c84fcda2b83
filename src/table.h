/*-------------------------------------------------------------------------
 *
 * table.h
 *		What a foreign table is to hubspot_fdw: its columns, what each
 *		stands for and how its values convert (HsColumn), and the table
 *		with its options (HsTable).
 *
 * Types only, no functions: option.c's hs_get_table() makes an HsTable,
 * convert.c converts values with its columns, and the layers above read
 * it.  It sits below both, so that neither includes the other's header
 * for them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_TABLE_H
#define HUBSPOT_TABLE_H

#include "postgres.h"

#include "access/attnum.h"
#include "fmgr.h"
#include "nodes/pg_list.h"

#include "objects.h"

/* What a column of the foreign table stands for. */
typedef enum HsColumnKind
{
	HS_COL_ID,
	HS_COL_PROPERTIES,
	HS_COL_CREATED_AT,
	HS_COL_UPDATED_AT,
	HS_COL_ARCHIVED,
	HS_COL_ARCHIVED_AT,
	HS_COL_ASSOCIATIONS,
	HS_COL_PROPERTIES_WITH_HISTORY,
	HS_COL_PROPERTY,			/* a typed column for one HubSpot property */
	/* the columns of an association table (HsTable.to_object set) */
	HS_COL_FROM_ID,				/* the record associations go from */
	HS_COL_TO_ID,				/* the record they go to */
	HS_COL_TYPE_ID,				/* associationTypeId */
	HS_COL_CATEGORY,			/* associationCategory */
	HS_COL_LABEL				/* the type's label, NULL for unlabeled */
} HsColumnKind;

/* How a value converts between HubSpot's string and the column's type. */
typedef enum HsValueKind
{
	HS_VAL_TEXT,				/* via the type's input/output functions */
	HS_VAL_BOOL,
	HS_VAL_TIMESTAMPTZ,
	HS_VAL_TIMESTAMP,
	HS_VAL_DATE,
	HS_VAL_NUMBER,				/* numeric, integers, floats */
	HS_VAL_JSONB,
	HS_VAL_ARRAY				/* multi-select, ';'-joined */
} HsValueKind;

typedef struct HsColumn
{
	AttrNumber	attnum;
	char	   *name;			/* column name */
	HsColumnKind kind;
	char	   *property;		/* HubSpot property (HS_COL_PROPERTY only) */
	Oid			typid;
	Oid			basetypid;		/* typid, or a domain's base type */
	int32		typmod;
	HsValueKind vkind;
	/* input/output of the column type (of the element type for arrays) */
	Oid			elemtype;
	Oid			elembasetypid;	/* elemtype, or a domain's base type */
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	FmgrInfo	infunc;
	Oid			ioparam;
	FmgrInfo	outfunc;
} HsColumn;

/* Everything about one foreign table that the executor needs. */
typedef struct HsTable
{
	Oid			relid;
	char	   *relname;
	Oid			serverid;
	char	   *object;			/* the object's segment in paths:
								 * hs_object_path(objtype) */
	char	   *object_option;	/* the "object" option as written */
	const HsObjectType *objtype;	/* the object and its rules (objects.h);
									 * while objtype_pending, a stand-in for
									 * a custom object whose schema is not
									 * read yet (schemas.c resolves it) */
	bool		objtype_pending;
	int			batch_size;
	int			max_concurrent_requests;	/* batches in flight at most */
	bool		on_error_skip;	/* on_error 'skip': warn about rejected rows */
	char	   *id_property;	/* upsert key, or NULL */
	bool		use_search;		/* may scans read through CRM search? */
	int			ncolumns;
	HsColumn   *columns;		/* live (non-dropped) columns in attnum order */
	HsColumn   *properties_col; /* NULL if the table has none */
	HsColumn   *id_col;			/* NULL if the table has none */
	HsColumn   *associations_col;	/* NULL if the table has none */
	List	   *inline_associations;	/* option "associations": the object
										 * types (char *, as in paths) whose
										 * associated ids that column reads;
										 * NIL: it reads NULL */
	List	   *inline_types;	/* their objects (const HsObjectType *),
								 * once a scan resolved them (associations.h) */

	/*
	 * An association table (options object and to_object): one row per
	 * (from record, to record, association type).  to_object is NULL for
	 * an object table.  Every callback state of hubspot_fdw starts with the
	 * HsTable pointer, so that the handler can tell the two kinds apart.
	 */
	char	   *to_object;
	HsColumn   *from_col;		/* never NULL in an association table */
	HsColumn   *to_col;			/* never NULL in an association table */
	HsColumn   *type_col;		/* NULL if the table has none */
	HsColumn   *category_col;
	HsColumn   *label_col;
} HsTable;

#endif							/* HUBSPOT_TABLE_H */
