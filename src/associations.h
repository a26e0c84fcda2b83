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

/*
 * hs_associations_inline
 *		Replace member "associations" of records[0..n-1] (HubSpot records of
 *		object) by {"<to object>": ["101", "102"], ...}: for each object of
 *		to_objects (the names the column shows, as the option wrote them;
 *		to_types their registry entries, hs_associations_resolve()) the ids
 *		of the records associated with it, de-duplicated, in HubSpot's
 *		order, [] for none.  HubSpot keys a custom object's inline list by
 *		its fully qualified name; any spelling of the object is matched.
 *
 * inline_given says that the read asked HubSpot for these associations
 * inline (a listing or GET by id with associations=, hubspot-objects.md
 * 4.2): a record's list is then taken as it is, unless it has a next page
 * (more than 100), and a record without the key has none.  Otherwise, and
 * for lists with a next page, the complete sets are read through v4
 * batch/read (4.3).  New JSON belongs to the records; requests count in
 * stats.
 */
extern void hs_associations_inline(HsConnection *conn, HsStats *stats,
								   const char *object, List *to_objects,
								   List *to_types, json_object **records, int n,
								   bool inline_given);

/*
 * hs_associations_resolve
 *		The registry entries (const HsObjectType *) of the objects that names
 *		(the table option "associations", as written) stand for, in order:
 *		standard objects by any of their names; custom objects by
 *		objectTypeId, p{portal}_{name}, p_{name} (hs_resolve_object()) or
 *		their schema's bare name, which HubSpot itself does not take
 *		(hubspot-objects.md 1.1), looked up in the account's schemas.
 *
 * Errors: FDW_TABLE_NOT_FOUND (HV00R) for a name of no object the account
 * has; those of hs_resolve_object() and hs_get_custom_objects().
 */
extern List *hs_associations_resolve(HsConnection *conn, List *names, HsStats *stats);

/*
 * hs_associations_paths
 *		What an "associations=" query parameter names for each of types (from
 *		hs_associations_resolve()): the plural name of a standard object,
 *		the objectTypeId of a custom one (HubSpot does not infer a custom
 *		object from its bare name); each object once.
 */
extern List *hs_associations_paths(List *types);

#endif							/* HUBSPOT_ASSOCIATIONS_H */
