/*-------------------------------------------------------------------------
 *
 * import_columns.h
 *		The CREATE FOREIGN TABLE statements IMPORT FOREIGN SCHEMA returns
 *		(import_columns.c): column names and types from HubSpot's property
 *		catalogue, and association tables.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_IMPORT_COLUMNS_H
#define HUBSPOT_IMPORT_COLUMNS_H

#include "postgres.h"

#include "api.h"

/* Which properties become typed columns (IMPORT FOREIGN SCHEMA's options). */
typedef struct HsColumnFilter
{
	bool		include_hidden;
	bool		include_calculated;
	List	   *groups;			/* group names (char *), NIL for all */
} HsColumnFilter;

/* One object's table. */
typedef struct HsImportTable
{
	const char *name;			/* the table's name */
	const char *server;			/* the server's name */
	const char *object;			/* the table option "object" */
	const HsProperty *properties;	/* in column order; NULL for none */
	int			nproperties;
} HsImportTable;

/*
 * hs_import_object_ddl
 *		CREATE FOREIGN TABLE name (id text, properties jsonb, created_at
 *		timestamptz, updated_at timestamptz, archived boolean, then one typed
 *		column per property the filter keeps, in name order) SERVER server
 *		OPTIONS (object '...'), every identifier and literal quoted.
 *		groups_matched[i] is set when a kept property is in the filter's
 *		i-th group.  palloc'd.
 */
extern char *hs_import_object_ddl(const HsImportTable *table,
								  const HsColumnFilter *filter,
								  bool *groups_matched);

/*
 * hs_import_pair_ddl
 *		CREATE FOREIGN TABLE table (<from>_id text, <to>_id text, type_id
 *		integer, category text, label text) SERVER server OPTIONS (object
 *		'from', to_object 'to'); from_id and to_id for a pair of one object.
 *		With field_options the two id columns say what they are (OPTIONS
 *		(field 'from_id'), (field 'to_id')): a custom object named by its
 *		objectTypeId has no singular name the table could know.
 */
extern char *hs_import_pair_ddl(const char *table, const char *server,
								const char *from, const char *to,
								const char *from_singular,
								const char *to_singular,
								bool field_options);

#endif							/* HUBSPOT_IMPORT_COLUMNS_H */
