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

#include "postgres.h"

#include "commands/explain.h"
#include "nodes/pg_list.h"

#include "client.h"
#include "usage.h"				/* readers count the records they receive */

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
extern void hs_api_explain_stats(const HsStats *stats, ExplainState *es);
extern HsCall *hs_api_start(HsConnection *conn, const HsApiRequest *req,
							HsStats *stats);

/* A HubSpot property, as GET /crm/v3/properties/{object} describes it. */
typedef enum HsPropertyType
{
	HS_PROP_STRING,
	HS_PROP_NUMBER,
	HS_PROP_BOOL,
	HS_PROP_DATE,
	HS_PROP_DATETIME,
	HS_PROP_ENUMERATION,
	HS_PROP_OTHER
} HsPropertyType;

/* One option of an enumeration property (options[]): HubSpot's UTF-8. */
typedef struct HsPropertyOption
{
	char	   *value;
	char	   *label;
} HsPropertyOption;

/*
 * name is text of the database encoding; the descriptive members (label,
 * type_name, field_type, group_name, options) are HubSpot's UTF-8 as sent,
 * unconverted, so that a label the database encoding lacks never fails a
 * read that does not show it (hs_text_from_utf8() converts them for output),
 * "" when HubSpot sent none.
 */
typedef struct HsProperty
{
	char	   *name;
	HsPropertyType type;
	bool		read_only;		/* modificationMetadata.readOnlyValue */
	bool		unique;			/* hasUniqueValue */
	bool		multiple;		/* fieldType "checkbox": values joined by ';' */
	bool		hidden;			/* hidden */
	bool		calculated;		/* calculated */
	char	   *label;
	char	   *type_name;		/* "string", "phone_number", ... as sent */
	char	   *field_type;		/* "text", "checkbox", ... */
	char	   *group_name;		/* groupName: "contactinformation" */
	int			noptions;
	HsPropertyOption *options;
} HsProperty;

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
 *   HS_READ_SEARCH	POST /crm/v3/objects/{object}/search (filterGroups, sorts,
 *					properties and limit in the body; paged by id, search.c;
 *					live records only, no history; hubspot-api.md 3.11)
 */
typedef enum HsReadKind
{
	HS_READ_LIST,
	HS_READ_BY_ID,
	HS_READ_BATCH,
	HS_READ_SEARCH
} HsReadKind;

/* HubSpot's search caps (hubspot-api.md 3.11) */
#define HS_SEARCH_PAGE_SIZE 200		/* results per search request */
#define HS_SEARCH_MAX_RESULTS 10000 /* after + limit may not pass it */
#define HS_SEARCH_MAX_GROUPS 5
#define HS_SEARCH_MAX_GROUP_FILTERS 6
#define HS_SEARCH_MAX_FILTERS 18

/*
 * One filter of a search (hubspot-api.md 3.11), values already in
 * HubSpot's text formats: operator "EQ", "NEQ", "LT", "LTE", "GT", "GTE",
 * "BETWEEN" (value and high_value), "IN", "NOT_IN" (values), "HAS_PROPERTY"
 * or "NOT_HAS_PROPERTY" (no value).
 */
typedef struct HsSearchFilter
{
	const char *property;
	const char *operator;
	const char *value;			/* or NULL */
	const char *high_value;		/* BETWEEN only */
	List	   *values;			/* IN, NOT_IN: char * */
} HsSearchFilter;

/*
 * What one search request asks for, but its properties (the HsRead's) and
 * its offset: groups of filters (a List of Lists of HsSearchFilter *; the
 * filters of a group are ANDed, the groups ORed; NIL matches every live
 * record), at most one sort, and the page size (1 to 200).
 */
typedef struct HsSearchQuery
{
	List	   *groups;
	const char *sort_property;	/* NULL: no sort */
	bool		sort_descending;
	int			limit;
} HsSearchQuery;

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

/*
 * The longest path and query hubspot_fdw sends: HubSpot answers 414 from
 * about 16,000 characters (hubspot-api.md; contacts and companies have
 * hundreds of properties).  A read whose URL would be longer carries its
 * properties in a request body instead (scan.c).
 */
#define HS_MAX_URL_LENGTH 12000
extern bool hs_api_read_url_too_long(const HsRead *rd);
extern HsApiRequest *hs_api_list_page(const HsRead *rd, const char *after);
extern HsApiRequest *hs_api_get_by_id(const HsRead *rd, const char *id);
extern HsApiRequest *hs_api_batch_read(const HsRead *rd, char **ids, int nids);
extern HsApiRequest *hs_api_get_properties(const char *object);
/* GET /crm/v3/schemas without property definitions (schemas.c parses it) */
extern HsApiRequest *hs_api_get_schemas(void);
extern HsApiRequest *hs_api_search_page(const HsRead *rd, const HsSearchQuery *q);
extern char *hs_api_search_body(const HsRead *rd, const HsSearchQuery *q);

extern void hs_api_parse_page(HsResponse *resp, const char *after_sent,
							  HsPage *page);
extern void hs_api_parse_search_page(HsResponse *resp, HsPage *page, int64 *total);
extern json_object *hs_api_parse_record(HsResponse *resp);
extern void hs_api_parse_batch_read(HsResponse *resp, HsBatchRead *out);
extern void hs_api_check_batch_read(const HsBatchRead *out);
/* api_properties.c: the property catalogue answer (see there) */
extern HsProperty *hs_api_parse_properties(HsResponse *resp, int *nproperties);
/* The members of an answer's "results" array, which it must have. */
extern json_object **hs_api_results(HsResponse *resp, const char *what, int *n);

/* ---------- writes: create, update, upsert, archive (single and batch) ---------- */

/* What a modification does to HubSpot records. */
typedef enum HsWriteOp
{
	HS_OP_CREATE,				/* INSERT: batch/create, or POST one record */
	HS_OP_UPSERT,				/* INSERT with id_property: batch/upsert */
	HS_OP_UPDATE,				/* UPDATE: batch/update, or PATCH one record */
	HS_OP_ARCHIVE,				/* DELETE: batch/archive, or DELETE one record */
	/* association tables (api_assoc.c): v4 batches only */
	HS_OP_ASSOC_CREATE,			/* INSERT with a type: batch/create */
	HS_OP_ASSOC_DEFAULT,		/* INSERT without: batch/associate/default */
	HS_OP_ASSOC_ARCHIVE			/* DELETE: batch/labels/archive */
} HsWriteOp;

/* Does op write associations (v4)?  Does it remove, all or nothing? */
#define HS_OP_ASSOCIATES(op) ((op) >= HS_OP_ASSOC_CREATE)
#define HS_OP_REMOVES(op) ((op) == HS_OP_ARCHIVE || (op) == HS_OP_ASSOC_ARCHIVE)

/* One property to write: its internal name and its string value ("" clears). */
typedef struct HsWriteProp
{
	const char *name;
	const char *value;
} HsWriteProp;

/*
 * One record to write, as checked by modify.c.  row is the row's number in
 * the statement, sent as objectWriteTraceId in batch inputs (not archives),
 * which HubSpot echoes in results and errors.
 */
typedef struct HsWriteInput
{
	int64		row;
	const char *id;				/* UPDATE/DELETE: the record's id; upsert:
								 * the value of id_property; create: NULL */
	int			nprops;
	HsWriteProp *props;			/* DELETE: none */
	const char *associations;	/* create: a JSON array's text, NULL for [] */

	/*
	 * Association writes (HS_OP_ASSOC_*): the two records and the type
	 * (type_id 0 for the default type); id is then the row's description
	 * for messages ("deal 101 to line_item 202").
	 */
	const char *from_id;
	const char *to_id;
	int32		type_id;
	const char *category;		/* NULL: HUBSPOT_DEFINED */
} HsWriteInput;

/*
 * hs_api_write_batch
 *		POST /crm/v3/objects/{object}/batch/{create|upsert|update|archive}
 *		with {"inputs":[...]} for inputs[0..n-1] (HubSpot takes at most 100).
 *		Create and upsert inputs carry objectWriteTraceId; upsert inputs name
 *		id_property as their idProperty.  Creates are never sent twice.
 */
extern HsApiRequest *hs_api_write_batch(const char *object, HsWriteOp op,
										const char *id_property,
										const HsWriteInput *inputs, int n);

/*
 * hs_api_write_single
 *		One record without a batch: POST /crm/v3/objects/{object} (create),
 *		PATCH or DELETE /crm/v3/objects/{object}/{id}.  Not for upserts,
 *		which HubSpot only takes as a batch.
 */
extern HsApiRequest *hs_api_write_single(const char *object, HsWriteOp op,
										 const HsWriteInput *input);

/*
 * hs_api_write_endpoint
 *		"METHOD path" of the requests above, for EXPLAIN; a single-record
 *		path shows its id as "{id}".
 */
extern char *hs_api_write_endpoint(const char *object, HsWriteOp op,
								   bool batched);

/*
 * One result of a batch answer ("results": [...]), or the answer of a single
 * create or PATCH.  A HubSpot record id is a JSON string of one or more
 * digits: a result whose "id" is anything else has id NULL.
 */
typedef struct HsBatchResult
{
	json_object *record;		/* the result as HubSpot sent it, with the
								 * response's lifetime; NULL when it is no
								 * JSON object (or the body is empty) */
	const char *id;				/* "id" when a record id, else NULL */
	const char *trace;			/* "objectWriteTraceId" when a string */
	bool		is_new;			/* upsert: "new" is true */
} HsBatchResult;

/* One error of a batch answer ("errors": [...]), or a rejected record. */
typedef struct HsBatchError
{
	const char *category;		/* NULL when missing */
	char	   *message;		/* readable text (hs_error_message_text()) */
	int			ntraces;		/* context.objectWriteTraceId: the rows */
	const char **traces;		/* ... it names (elements may be NULL) */
	int			nids;			/* context.ids: ids or upsert keys */
	const char **ids;
} HsBatchError;

/*
 * A batch answer (200, 201 or 207), as plain data.  Results come back in
 * any order: match them to inputs by trace or id, never by position.
 */
typedef struct HsBatchAnswer
{
	bool		has_results;	/* "results" is an array (maybe empty) */
	int			nresults;
	HsBatchResult *results;
	int			nerrors;
	HsBatchError *errors;
} HsBatchAnswer;

/*
 * hs_api_parse_batch
 *		The results and errors of a batch/create, batch/update or
 *		batch/upsert answer; members of the wrong type count as missing.
 */
extern HsBatchAnswer *hs_api_parse_batch(HsResponse *resp);

/*
 * hs_api_parse_result
 *		One record of an answer (a batch result, or the answer of a single
 *		create or PATCH) into *r; r->record is result itself when it is a
 *		JSON object.  result may be NULL (an empty body): r->record and r->id
 *		are then NULL.  Facts only: writer.c decides what a result without a
 *		record or a record id means.
 */
extern void hs_api_parse_result(json_object *result, HsBatchResult *r);

/*
 * hs_api_parse_rejection
 *		A single-record write's error answer (400, 409, 404) as one error
 *		naming no rows; the message is "HTTP <status>" without a body.
 */
extern HsBatchError *hs_api_parse_rejection(HsResponse *resp);

/* ---------- error bodies ---------- */

#endif							/* HUBSPOT_API_H */
