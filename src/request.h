/*-------------------------------------------------------------------------
 *
 * request.h
 *		What every layer that makes, sends or reports on a HubSpot request
 *		shares: HubSpot's caps, the server settings a request is sent with
 *		(HsServerOptions), whether it may be sent again (HsRequestSafety),
 *		what came back (HsResponse) and the counters (HsStats).
 *
 * Types only, no functions: option.c fills HsServerOptions, client.c sends
 * requests and makes responses, errors.c reports on them, api.c parses them.
 * It sits below all of them so that none includes a header above itself.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_REQUEST_H
#define HUBSPOT_REQUEST_H

#include "postgres.h"

#include "json.h"

#define HS_MAX_BATCH_SIZE 100	/* HubSpot's cap on batch inputs */
#define HS_LIST_PAGE_SIZE 100	/* HubSpot's cap on list pages */
#define HS_HISTORY_PAGE_SIZE 50 /* ... when asking for property history */
#define HS_MAX_RESPONSE_BYTES (64 * 1024 * 1024)
/* requests in flight: the official Node client's default (maxConcurrent) */
#define HS_DEFAULT_CONCURRENT_REQUESTS 6
#define HS_MAX_CONCURRENT_REQUESTS 100

/* Server and user mapping settings, as used for every request. */
typedef struct HsServerOptions
{
	char	   *api_url;		/* no trailing slash */
	int			timeout_ms;
	int			connect_timeout_ms;
	int			max_retries;
	int			batch_size;		/* server default for tables */
	int			max_concurrent_requests;	/* server default for tables */
	bool		on_error_skip;	/* server default for tables */
	bool		use_search;		/* server default for tables */
} HsServerOptions;

/*
 * Attempts sent to one endpoint (usage.c's hs_usage_endpoint(): method and
 * path template, e.g. "GET /crm/v3/objects/products/{id}"; a string that
 * lives as long as the backend).
 */
#define HS_STATS_ENDPOINTS 8
typedef struct HsEndpointCount
{
	const char *endpoint;		/* NULL: slot unused */
	int64		requests;
} HsEndpointCount;

/* Per-node counters shown by EXPLAIN ANALYZE, and the last request's fate. */
typedef struct HsStats
{
	int64		requests;		/* attempts sent */
	int64		retries;		/* attempts that were sent again */
	int64		throttled;		/* 429 answers (rate limit) */
	double		rate_wait_ms;	/* time requests were held back for the rate
								 * limit, before sending or after a 429 */

	/*
	 * Set by hs_request() when it raises an error (a cancel included) for a
	 * write that HubSpot may or may not have applied; cleared when a request
	 * starts.  Error context callbacks read it to name the rows concerned.
	 */
	bool		outcome_unknown;

	/*
	 * Set by hs_request() when it returns the answer of an attempt that
	 * followed one HubSpot may have applied: the answer may then describe a
	 * second application (an upsert answers "new": false for the record its
	 * first attempt created).
	 */
	bool		resent;

	/* attempts by endpoint, for EXPLAIN ANALYZE (usage.c fills it) */
	HsEndpointCount endpoints[HS_STATS_ENDPOINTS];
} HsStats;

/* What a request does, which decides whether it may be sent again. */
typedef enum HsRequestSafety
{
	HS_READ,					/* reads: retried */
	HS_IDEMPOTENT_WRITE,		/* updates, archives, upserts: retried; when
								 * no attempt gave an answer, the outcome is
								 * unknown */
	HS_NOT_IDEMPOTENT			/* creates: never sent twice */
} HsRequestSafety;

/* A response that came back with some HTTP status. */
typedef struct HsResponse
{
	long		status;
	json_object *json;			/* parsed body, NULL if empty; freed with the
								 * memory context it was parsed in */
	const char *method;
	const char *path;			/* for error messages: path, no query */
	char	   *correlation_id;
} HsResponse;

#endif							/* HUBSPOT_REQUEST_H */
