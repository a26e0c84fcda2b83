/*-------------------------------------------------------------------------
 *
 * errors.h
 *		hubspot_fdw's one error path: the table from HubSpot's error
 *		categories, HTTP statuses and transport outcomes to SQLSTATEs, and
 *		the functions that raise the ERRORs (errors.c).
 *
 * Everything that describes a request in an error detail goes through
 * hs_request_detail() (or hs_errdetail_request()), so that all details
 * begin the same way:
 *
 *		Request: METHOD path[; what happened].
 *
 * The path is the URL path only: never the query string (it may carry
 * property lists or ids) and never a header (the token).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_ERRORS_H
#define HUBSPOT_ERRORS_H

#include "postgres.h"

#include "request.h"

struct HsHttpResult;			/* http.h; only client.c and errors.c see it */

/* ---------- SQLSTATEs ---------- */

/*
 * The SQLSTATE for a HubSpot error answer: by its category when HubSpot
 * gave a known one ("VALIDATION_ERROR" -> 22023, ...), else by its HTTP
 * status; ERRCODE_FDW_ERROR when neither is in the table.  The README lists
 * the table for users.
 */
extern int	hs_errcode_for_category(const char *category, long status);

/*
 * The SQLSTATE for one input of a batch request that HubSpot rejected (an
 * entry of a 207 answer's "errors" array) with this category (NULL if it
 * gave none): as for a 400 answer with that category.
 */
extern int	hs_errcode_for_rejected_input(const char *category);

/*
 * The SQLSTATE for a row HubSpot rejected with this category and message:
 * 23505 when the message says another record holds a unique value ("...
 * already has that value", "Existing ID: N"), else as
 * hs_errcode_for_rejected_input().
 */
extern int	hs_errcode_for_rejection(const char *category, const char *message);

/*
 * hs_unique_conflict_id
 *		The id (palloc'd digits) of the record that already holds a unique
 *		value, when message is HubSpot's word for that: "Contact already
 *		exists. Existing ID: N" (409; hubspot-objects.md 1.3) or "... B
 *		already has that value." (400, any unique property); else NULL.
 */
extern char *hs_unique_conflict_id(const char *message);

/*
 * The SQLSTATE for a transfer that ended without an HTTP answer (res is an
 * http.h HsHttpResult whose outcome is not HS_HTTP_DONE): 08001 could not
 * connect, 08000 timed out, 54000 response too large, 58000 internal, else
 * 08006 (the connection broke, the transfer was aborted).
 */
extern int	hs_errcode_for_transport(const struct HsHttpResult *res);

/* SQLSTATE of "HubSpot may or may not have applied this write request" */
#define HS_ERRCODE_UNKNOWN_OUTCOME ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN

/* ---------- the request in error details ---------- */

/*
 * hs_request_detail
 *		"Request: METHOD path." or, with fmt, "Request: METHOD path; <fmt>."
 *		(printf-style; fmt NULL for none), palloc'd.
 *
 * For details that say more before the request ("Rows without an answer:
 * ... . Request: ..."): errdetail("Rows ...: %s. %s", rows,
 * hs_request_detail("POST", path, "HTTP status %ld", status)).
 */
extern char *hs_request_detail(const char *method, const char *path,
							   const char *fmt,...) pg_attribute_printf(3, 4);

/*
 * hs_errdetail_request
 *		errdetail() of hs_request_detail(method, path, fmt, ...), for use
 *		inside ereport(): ereport(ERROR, (errcode(...), errmsg(...),
 *		hs_errdetail_request("GET", path, "cursor \"%s\"", after)));
 */
extern int	hs_errdetail_request(const char *method, const char *path,
								 const char *fmt,...) pg_attribute_printf(3, 4);

/* ---------- HubSpot's error bodies ---------- */

/*
 * The readable message of a HubSpot error object ({"category": ...,
 * "message": ...}), palloc'd: the inner messages of a VALIDATION_ERROR's
 * "Property values were not valid: [...]" joined with "; ", else the
 * message itself, else "(no message)".
 */
extern char *hs_error_message_text(json_object *err);

/* ---------- reporters: each raises ERROR and does not return ---------- */

/*
 * A HubSpot answer that is not a success: "HubSpot CATEGORY: message"
 * (or "HubSpot answered HTTP n" without a readable body), the SQLSTATE from
 * the category table, detail "Request: M path; HTTP status n; correlationId
 * c.", a hint for authentication, scopes (the request's object and the
 * scope it needs, objects.h), a wrong object and redirects.  A unique value
 * another record holds ("... already has that value", "Existing ID: N") is
 * 23505 whatever the category; when HubSpot names that record
 * (hs_unique_conflict_id()), the detail does, and for a batch says that
 * HubSpot refused it whole.
 */
extern void hs_report_response_error(HsResponse *resp) pg_attribute_noreturn();

/*
 * A transfer that ended without an answer and will not be retried; server
 * gives the timeouts the message and hint name, attempts how many were
 * made, res (http.h) libcurl's text and the timings of the last one.
 */
extern void hs_report_transport_error(const HsServerOptions *server,
									  const char *method, const char *path,
									  const struct HsHttpResult *res,
									  int attempts) pg_attribute_noreturn();

/* Our own words for a transfer's failure ("could not connect to HubSpot"). */
extern char *hs_transport_failure_text(const HsServerOptions *server,
									   const struct HsHttpResult *res);

/*
 * A write that HubSpot may or may not have applied (08007): why is our
 * text, transport libcurl's (or NULL).  Sets stats->outcome_unknown (stats
 * may be NULL) so that the caller's error context names the rows.
 */
extern void hs_report_unknown_outcome(const char *method, const char *path,
									  HsRequestSafety safety, const char *why,
									  const char *transport, int attempts,
									  HsStats *stats) pg_attribute_noreturn();

/* A transfer interrupted by a cancel or a timeout that is not ours (57014). */
extern void hs_report_interrupted(const char *method, const char *path) pg_attribute_noreturn();

/* A 429 with policyName DAILY: the account's daily limit is used up. */
extern void hs_report_daily_limit(const char *method, const char *path,
								  const char *correlation_id) pg_attribute_noreturn();

/* A success status whose body is not JSON, on a read. */
extern void hs_report_malformed_response(const char *method, const char *path,
										 long status, size_t body_len) pg_attribute_noreturn();

/*
 * A success answer that is JSON but not what HubSpot documents (a record id
 * that is not a string of digits, a paging cursor that is not a string):
 * FDW_ERROR (HV000) "HubSpot sent a malformed response", the detail naming
 * the request, the status and what is wrong (printf-style fmt).
 */
extern void hs_report_malformed_answer(const char *method, const char *path,
									   long status, const char *fmt,...)
			pg_attribute_printf(4, 5) pg_attribute_noreturn();

#endif							/* HUBSPOT_ERRORS_H */
