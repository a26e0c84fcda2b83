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
 *		to_objects (path names) the ids of the records associated with it,
 *		de-duplicated, in HubSpot's order, [] for none.
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
								   json_object **records, int n, bool inline_given);

#endif							/* HUBSPOT_ASSOCIATIONS_H */
