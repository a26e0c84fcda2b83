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

/*
 * Reads of an object's records (HubSpot's CRM objects API, v3):
 *   HS_READ_LIST	GET /crm/v3/objects/{object}, paged with the "after"
 *					cursor (limit, archived, properties, propertiesWithHistory,
 *					associations)
 *   HS_READ_BY_ID	GET /crm/v3/objects/{object}/{id} (archived, properties,
 *					propertiesWithHistory, associations, idProperty)
 *   HS_READ_BATCH	POST /crm/v3/objects/{object}/batch/read (archived in the
 *					query; properties, propertiesWithHistory, idProperty and
 *					the ids in the body)
 */
typedef enum HsReadKind
{
	HS_READ_LIST,
	HS_READ_BY_ID,
	HS_READ_BATCH
} HsReadKind;

/*
 * HsRead
 *		One read of an object's records, described once: EXPLAIN shows it
 *		(hs_api_read_describe) and every request of the read is built from it.
 *
 * Made by hs_api_read_new() (no request, no catalogue: plain EXPLAIN can
 * show it), completed by hs_api_read_set_properties() before the first
 * request.  Allocated in the memory context current at hs_api_read_new().
 */
typedef struct HsRead
{
	HsReadKind	kind;
	char	   *object;			/* CRM object type, as in paths */
	bool		archived;		/* archived records instead of live ones */
	bool		with_history;	/* ask for propertiesWithHistory too */
	int			page_size;		/* LIST: records per page; BATCH: ids per
								 * request (HubSpot's caps, smaller with
								 * history) */
	char	   *id_property;	/* BY_ID, BATCH: the unique property the ids
								 * are values of; NULL for record ids */
	List	   *associations;	/* LIST, BY_ID: object types whose associated
								 * ids to return (char *), or NIL */
	List	   *properties;		/* names to read (char *), once set */
	bool		prepared;		/* hs_api_read_set_properties() was called */
	HsApiRequest base;			/* method; path (BY_ID: the template
								 * ".../{id}"); query without the cursor,
								 * once prepared */
} HsRead;

/* A page of a list: its records and the cursor of the next page. */
typedef struct HsPage
{
	json_object **records;		/* SimplePublicObject, owned by the
								 * response's memory context */
	int			nrecords;
	char	   *after;			/* cursor of the next page; NULL on the last */
} HsPage;

/* An error HubSpot gave for some inputs of a batch (StandardError). */
typedef struct HsInputError
{
	const char *category;		/* "OBJECT_NOT_FOUND", ...; NULL if absent */
	json_object *json;			/* the whole error (hs_error_message_text()
								 * reads it), owned as the records are */
} HsInputError;

/* What a batch/read returned: the records found and the per-input errors. */
typedef struct HsBatchRead
{
	json_object **records;		/* SimplePublicObject, owned by the
								 * response's memory context */
	int			nrecords;
	HsInputError *errors;		/* 207: errors for some inputs */
	int			nerrors;
	HsResponse *resp;			/* the answer they come from (for details) */
} HsBatchRead;

extern HsRead *hs_api_read_new(HsReadKind kind, const char *object,
							   bool archived, bool with_history);
extern void hs_api_read_set_properties(HsRead *rd, List *properties);
extern char *hs_api_read_describe(const HsRead *rd);
extern HsApiRequest *hs_api_list_page(const HsRead *rd, const char *after);
extern HsApiRequest *hs_api_get_by_id(const HsRead *rd, const char *id);
extern HsApiRequest *hs_api_batch_read(const HsRead *rd, char **ids, int nids);
extern HsApiRequest *hs_api_get_properties(const char *object);

extern void hs_api_parse_page(HsResponse *resp, const char *after_sent,
							  HsPage *page);
extern json_object *hs_api_parse_record(HsResponse *resp);
extern void hs_api_parse_batch_read(HsResponse *resp, HsBatchRead *out);
extern HsProperty *hs_api_parse_properties(HsResponse *resp, int *nproperties);

/* ---------- writes: create, update, upsert, archive (single and batch) ---------- */

/* ---------- error bodies ---------- */

#endif							/* HUBSPOT_API_H */
