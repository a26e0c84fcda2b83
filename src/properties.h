/*-------------------------------------------------------------------------
 *
 * properties.h
 *		HubSpot property catalogues (properties.c): which properties an
 *		object has, their types, and the check of typed columns against them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_PROPERTIES_H
#define HUBSPOT_PROPERTIES_H

#include "postgres.h"

#include "api.h"
#include "table.h"

typedef struct HsCatalog
{
	char	   *object;
	int			nproperties;
	HsProperty *properties;		/* sorted by name */
} HsCatalog;

/*
 * The property catalogue for a user mapping's account and an object, from
 * the backend's cache unless refresh is asked for.
 */
extern HsCatalog *hs_get_catalog(HsConnection *conn, const char *object,
								 bool refresh, HsStats *stats);
/*
 * Look a property up (NULL if the object has none of that name); on a miss
 * the catalogue is read again once.
 */
extern HsProperty *hs_find_property(HsConnection *conn, const char *object,
								   const char *name, HsStats *stats);
/* ERROR unless every typed property column names a property that exists. */
extern void hs_check_typed_columns(HsConnection *conn, HsTable *table,
								   HsStats *stats);

#endif							/* HUBSPOT_PROPERTIES_H */
