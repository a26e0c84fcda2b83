/*-------------------------------------------------------------------------
 *
 * import.h
 *		IMPORT FOREIGN SCHEMA for hubspot_fdw (import.c), and the SQL
 *		function hubspot_fdw_properties() that lists an object's properties.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_IMPORT_H
#define HUBSPOT_IMPORT_H

#include "postgres.h"

#include "nodes/parsenodes.h"

/*
 * hubspotImportForeignSchema
 *		The ImportForeignSchema callback: CREATE FOREIGN TABLE statements
 *		(char *) for every object the token can read, and the association
 *		tables the "associations" option names (docs/import.md).
 */
extern List *hubspotImportForeignSchema(ImportForeignSchemaStmt *stmt,
										Oid serverOid);

#endif							/* HUBSPOT_IMPORT_H */
