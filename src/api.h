/*-------------------------------------------------------------------------
 *
 * api.h
 *		hubspot_fdw's request builder: every HubSpot endpoint it calls, with
 *		path, query parameters and JSON body built in one place, and the
 *		parsers that turn HubSpot's answers into plain structs.
 *
 * Callers above (scan.c, modify.c, writer.c, properties.c) never write a
 * "/crm/v3/..." path or a JSON body themselves; EXPLAIN shows the HsApiRequest
 * these functions build, so what EXPLAIN shows is what is sent.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_API_H
#define HUBSPOT_API_H

#include "hubspot_fdw.h"

/* One request, as built here, sent by client.c and shown by EXPLAIN. */
typedef struct HsApiRequest
{
	const char *method;			/* "GET", "POST", "PATCH", "DELETE" */
	char	   *path;			/* "/crm/v3/objects/products/batch/create" */
	char	   *query;			/* URL query without "?", or NULL */
	char	   *body;			/* JSON text, or NULL */
	HsRequestSafety safety;
} HsApiRequest;

extern HsResponse *hs_api_send(HsConnection *conn, const HsApiRequest *req,
							   HsStats *stats);

/* ---------- reads: list pages, GET by id, batch/read, properties ---------- */

/* ---------- writes: create, update, upsert, archive (single and batch) ---------- */

/* ---------- error bodies ---------- */

#endif							/* HUBSPOT_API_H */
