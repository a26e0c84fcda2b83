/*-------------------------------------------------------------------------
 *
 * client.h
 *		The HubSpot client of hubspot_fdw (client.c): connections per user
 *		mapping, and the retry/wait loop that sends one request.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_CLIENT_H
#define HUBSPOT_CLIENT_H

#include "postgres.h"

#include "request.h"

/* A connection to HubSpot for one user mapping. */
typedef struct HsConnection
{
	Oid			umid;
	char	   *token;			/* from the user mapping; never printed */
	HsServerOptions server;
	struct HsHttp *http;
} HsConnection;

/*
 * The connection for this server and user, from the per-backend cache; no
 * network traffic (the first request connects).  Options are re-read every
 * time, so ALTER SERVER and ALTER USER MAPPING apply at the next statement.
 */
extern HsConnection *hs_connect(Oid serverid, Oid userid);
/*
 * Send one request (path from "/", query without "?" or NULL, body JSON or
 * NULL), retrying and waiting as safety allows, and return HubSpot's final
 * answer, success or not: callers decide what a non-2xx means.  A request
 * that cannot be answered raises errors.c's ERROR; a write HubSpot may or
 * may not have applied raises 08007 and sets stats->outcome_unknown.
 */
extern HsResponse *hs_request(HsConnection *conn, const char *method,
							  const char *path, const char *query,
							  const char *body, HsRequestSafety safety,
							  HsStats *stats);
/* Percent-encode a query-string component or path segment (palloc'd):
 * text of the database encoding as its UTF-8 (hs_url_escape), or UTF-8
 * text HubSpot gave, such as a paging cursor (hs_url_escape_utf8). */
extern char *hs_url_escape(const char *s);
extern char *hs_url_escape_utf8(const char *s);

#endif							/* HUBSPOT_CLIENT_H */
