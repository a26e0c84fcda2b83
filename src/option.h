/*-------------------------------------------------------------------------
 *
 * option.h
 *		Option readers of hubspot_fdw (option.c): the catalog options of a
 *		server, user mapping, foreign table and its columns, turned into
 *		HsServerOptions and HsTable.  The validator is validator.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_OPTION_H
#define HUBSPOT_OPTION_H

#include "postgres.h"

#include "nodes/execnodes.h"
#include "utils/relcache.h"

#include "request.h"
#include "table.h"

/* The api_url used when a server sets none. */
#define HS_DEFAULT_API_URL "https://api.hubapi.com"

/*
 * Describe a foreign table: options, server settings and columns.  Reads
 * catalogs only (no HubSpot request); allocates in the current memory
 * context; column types that cannot hold what HubSpot sends are an ERROR.
 */
extern HsTable *hs_get_table(Relation rel);
/* Read a server's options, with defaults filled in. */
extern void hs_get_server_options(Oid serverid, HsServerOptions *opts);
/*
 * Rows per batch request: the table's batch_size, else the server's, else
 * HubSpot's cap.  Catalogs only, so plain EXPLAIN may call it.
 */
extern int	hs_table_batch_size(Oid relid);
/*
 * The user whose user mapping a scan of range table entry rtindex uses: the
 * view owner for a scan through a view, else the current user.
 */
extern Oid	hs_scan_user(EState *estate, Index rtindex);

/* Is the foreign table an association table (option to_object)? */
extern bool hs_table_is_association(Oid relid);

/*
 * A standard object's plural name for any of its names ("deal", "0-3" ->
 * "deals"), anything else as written; and a comma-separated list of them.
 */
extern char *hs_object_path_name(const char *name);
extern List *hs_parse_object_list(const char *value);

/* Parse an integer option's value; false if it is not one. */
extern bool hs_parse_int_option(const char *value, int *result);

/*
 * hs_check_object_option
 *		The check of option "object" (or "to_object"), for the validator
 *		and for tables made before it: 22023 unless value is a standard
 *		object of the registry
 *		(objects.h; plural, singular, type id) or a custom object's spelling
 *		(2-NNN, p{portal}_{name}, p_{name}), the hint listing what is valid.
 */
extern void hs_check_object_option(const char *option, const char *value);

/* Parse on_error's value ("abort", "skip"); false if it is neither. */
extern bool hs_parse_on_error(const char *value, bool *skip);

#endif							/* HUBSPOT_OPTION_H */
