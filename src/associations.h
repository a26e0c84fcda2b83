/*-------------------------------------------------------------------------
 *
 * associations.h
 *		The associated ids of records, for the jsonb "associations" column
 *		of object tables with the table option "associations"
 *		(associations.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_ASSOCIATIONS_H
#define HUBSPOT_ASSOCIATIONS_H

#include "postgres.h"

#include "client.h"
#include "json.h"
#include "table.h"

/*
 * hs_associations_inline
 *		Replace member "associations" of records[0..n-1] (HubSpot records of
 *		table->object) by {"<to object>": ["101", "102"], ...}: for each
 *		object of the option (table->inline_associations, the names the
 *		column shows, as the option wrote them; table->inline_types their
 *		registry entries, from hs_associations_resolve(), which must have
 *		run) the ids of the records associated with it, de-duplicated, in
 *		HubSpot's order, [] for none.  HubSpot keys a custom object's inline
 *		list by its fully qualified name; any spelling of it is matched.
 *
 * inline_given says that the read asked HubSpot for these associations
 * inline (a listing or GET by id with associations=, hubspot-objects.md
 * 4.2): a record's list is then taken as it is, unless it has a next page
 * (more than 100), and a record without the key has none.  Otherwise, and
 * for lists with a next page, the complete sets are read through v4
 * batch/read (4.3).  New JSON belongs to the records; requests count in
 * stats.
 */
extern void hs_associations_inline(HsConnection *conn, HsStats *stats, HsTable *table,
								   json_object **records, int n, bool inline_given);

/*
 * hs_associations_resolve
 *		Set table->inline_types (unless set already; nothing without conn,
 *		under plain EXPLAIN) to the registry entries (const HsObjectType *)
 *		of the objects that the option "associations" names, in its order:
 *		standard objects by any of their names; custom objects by
 *		objectTypeId, p{portal}_{name}, p_{name} (hs_resolve_object()) or
 *		their schema's bare name, which HubSpot itself does not take
 *		(hubspot-objects.md 1.1), looked up in the account's schemas.
 *
 * Errors: FDW_TABLE_NOT_FOUND (HV00R) for a name of no object the account
 * has; those of hs_resolve_object() and hs_get_custom_objects().
 */
extern void hs_associations_resolve(HsConnection *conn, HsTable *table, HsStats *stats);

/*
 * hs_associations_paths
 *		What an "associations=" query parameter names for each object of
 *		table->inline_types: the plural name of a standard object, the
 *		objectTypeId of a custom one (HubSpot does not infer a custom object
 *		from its bare name), each object once; the option's names as
 *		written before hs_associations_resolve() (plain EXPLAIN).
 */
extern List *hs_associations_paths(HsTable *table);

/*
 * hs_assoc_resolve_objects
 *		Complete an association table's two objects for execution: a custom
 *		object (2-NNN, p{portal}_{name}, p_{name}) is resolved through the
 *		account's schemas (hs_resolve_table_object(), hs_resolve_object())
 *		and table->object and table->to_object become the paths HubSpot's
 *		v3 and v4 endpoints take, the objectTypeId (hubspot-objects.md 1.1).
 *		Standard objects need no request.
 *
 * Errors: those of hs_resolve_object() (HV00R for a custom object the
 * account does not have).
 */
extern void hs_assoc_resolve_objects(HsConnection *conn, HsTable *table,
									 HsStats *stats);

#endif							/* HUBSPOT_ASSOCIATIONS_H */
