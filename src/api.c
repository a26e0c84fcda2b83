/*-------------------------------------------------------------------------
 *
 * api.c
 *		hubspot_fdw's request builder and response parsers: every HubSpot
 *		endpoint it calls (see api.h).
 *
 * Bodies are built with json-c and serialized once; responses are parsed
 * into plain structs, in the caller's memory context.
 *
 *-------------------------------------------------------------------------
 */
#include "api.h"

/*
 * hs_api_send
 *		Send a request built by this file and return HubSpot's final answer
 *		(see hs_request() for retries and the errors raised).
 */
HsResponse *
hs_api_send(HsConnection *conn, const HsApiRequest *req, HsStats *stats)
{
	return hs_request(conn, req->method, req->path, req->query, req->body,
					  req->safety, stats);
}

/* ---------- reads: list pages, GET by id, batch/read, properties ---------- */

/* ---------- writes: create, update, upsert, archive (single and batch) ---------- */

/* ---------- error bodies ---------- */
