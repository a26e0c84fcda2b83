/*-------------------------------------------------------------------------
 *
 * schemas.h
 *		Which CRM object a foreign table's "object" option names
 *		(schemas.c): standard objects from the registry (objects.h), custom
 *		objects from HubSpot's schemas API, read once per backend and user
 *		mapping.
 *
 * Source: hubspot-objects.md 2 (GET /crm/v3/schemas, ObjectSchema; custom
 * objects are addressed by objectTypeId "2-NNN" in paths) and 1.1 (the
 * spellings: 2-NNN, p{portal}_{name}, p_{name}).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_SCHEMAS_H
#define HUBSPOT_SCHEMAS_H

#include "postgres.h"

#include "client.h"
#include "objects.h"
#include "table.h"

/*
 * hs_get_custom_objects
 *		The custom objects of the HubSpot account of conn's user mapping:
 *		one registry entry per live schema (hs_object_custom(): type_id
 *		"2-NNN", name the fullyQualifiedName, singular the schema's name,
 *		required its requiredProperties), in HubSpot's order; *n gets the
 *		count.  Read with GET /crm/v3/schemas?includePropertyDefinitions=false
 *		once per backend and user mapping (again when refresh is true, or
 *		when the mapping's token changed); the entries live in
 *		TopMemoryContext and stay valid after a refresh.
 *
 * Errors: HubSpot's own for an answer other than 200 (403 MISSING_SCOPES
 * when the token lacks crm.objects.custom.read); FDW_ERROR (HV000) for an
 * answer without "results" or a schema without a string objectTypeId
 * ("2-" digits), name or fullyQualifiedName.
 */
extern HsObjectType **hs_get_custom_objects(HsConnection *conn, bool refresh,
											HsStats *stats, int *n);

/*
 * hs_read_custom_objects
 *		hs_get_custom_objects(conn, true, stats, n), except that HubSpot's
 *		403 MISSING_SCOPES is no error: NULL, *n 0 (IMPORT FOREIGN SCHEMA
 *		then goes on without custom objects; GET /crm/v3/schemas needs
 *		crm.schemas.custom.read).
 */
extern HsObjectType **hs_read_custom_objects(HsConnection *conn, HsStats *stats,
											 int *n);

/*
 * hs_resolve_object
 *		The registry entry of the object that name (an "object" option's
 *		value) stands for.  A standard object needs no request; a custom one
 *		(2-NNN, p{portal}_{name} or p_{name}, any case) is looked up in
 *		hs_get_custom_objects(), read again once on a miss (the object may
 *		be newer than the cached list).
 *
 * Errors: 22023 for a name of no form hubspot_fdw supports; FDW_TABLE_NOT_FOUND
 * (HV00R) for a custom object the account does not have, the detail listing
 * those it has; as hs_get_custom_objects().
 */
extern const HsObjectType *hs_resolve_object(HsConnection *conn, const char *name,
											 HsStats *stats);

/*
 * hs_resolve_table_object
 *		Complete table->objtype for execution: a custom object named by the
 *		table (hs_get_table() leaves a pending stand-in) is resolved with
 *		hs_resolve_object(), and table->object becomes its path segment (the
 *		objectTypeId).  Standard objects are complete already: no request.
 *		Call it once conn exists and before any request about the table's
 *		records (scan and modify begin do).
 */
extern void hs_resolve_table_object(HsConnection *conn, HsTable *table,
									HsStats *stats);

/*
 * hs_connect_table
 *		hs_connect() for the table's server and userid, then
 *		hs_resolve_table_object(): the connection a scan uses, with the
 *		table's object complete.
 */
extern HsConnection *hs_connect_table(HsTable *table, Oid userid, HsStats *stats);

#endif							/* HUBSPOT_SCHEMAS_H */
