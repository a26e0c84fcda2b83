/*-------------------------------------------------------------------------
 *
 * api_assoc.h
 *		HubSpot's v4 associations API (hubspot-objects.md 4.3): the paths,
 *		bodies and parsers of batch/read, batch/create,
 *		batch/associate/default and batch/labels/archive, at the layer of
 *		api.c (which would otherwise pass its size limit).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_API_ASSOC_H
#define HUBSPOT_API_ASSOC_H

#include "postgres.h"

#include "api.h"

/* HubSpot's cap on batch/read inputs (since 2025-02-10) */
#define HS_ASSOC_READ_MAX_INPUTS 1000

/* One association row: (from, to, type), as batch/read answers it. */
typedef struct HsAssocRow
{
	const char *from_id;		/* digits */
	const char *to_id;			/* digits (toObjectId is a JSON number) */
	int32		type_id;
	const char *category;		/* "HUBSPOT_DEFINED", "USER_DEFINED", ... */
	const char *label;			/* NULL for unlabeled types */
} HsAssocRow;

/* One input of a batch/read: a record, and the page of it to read. */
typedef struct HsAssocReadInput
{
	const char *id;
	const char *after;			/* NULL: the first page */
} HsAssocReadInput;

/*
 * An answer of batch/read: its rows, and the inputs to send again for
 * their next page (paging.next.after per result).
 */
typedef struct HsAssocPage
{
	HsAssocRow *rows;
	int			nrows;
	HsAssocReadInput *next;
	int			nnext;
} HsAssocPage;

/*
 * hs_api_assoc_read
 *		POST /crm/v4/associations/{from}/{to}/batch/read with
 *		{"inputs":[{"id":"1"},{"id":"2","after":"..."}]} (n at most
 *		HS_ASSOC_READ_MAX_INPUTS).  A read: retried.
 */
extern HsApiRequest *hs_api_assoc_read(const char *from, const char *to,
									   const HsAssocReadInput *inputs, int n);

/*
 * hs_api_assoc_parse_read
 *		The rows of a batch/read answer (200 or 207), one per (from, to,
 *		type), and the inputs whose paging.next.after asks for more.  A 207
 *		error of subCategory crm.associations.NO_ASSOCIATIONS_FOUND is zero
 *		rows; any other error, or a malformed answer, is an ERROR naming the
 *		request.  Strings live in the current memory context.
 */
extern void hs_api_assoc_parse_read(HsResponse *resp, HsAssocPage *out);

/*
 * hs_api_assoc_endpoint
 *		"POST /crm/v4/associations/{from}/{to}/batch/<what>" for EXPLAIN,
 *		what being "read" or the endpoint of a write op.
 */
extern char *hs_api_assoc_endpoint(const char *from, const char *to, HsWriteOp op,
								   bool read);

/*
 * hs_api_assoc_write
 *		POST /crm/v4/associations/{from}/{to}/batch/{create |
 *		associate/default | labels/archive} for inputs[0..n-1] (from_id,
 *		to_id, type_id, category of each):
 *		create:  {"inputs":[{"from":{"id"},"to":{"id"},"types":[
 *				  {"associationCategory","associationTypeId"}]}]}
 *		default: {"inputs":[{"from":{"id"},"to":{"id"}}]}
 *		archive: as create, the types to remove.
 *		Creates are idempotent at HubSpot (an association that exists stays
 *		one), so every one of them may be sent again.
 */
extern HsApiRequest *hs_api_assoc_write(const char *from, const char *to, HsWriteOp op,
										const HsWriteInput *inputs, int n);

/*
 * hs_api_assoc_parse_write
 *		A batch/create (201/207), batch/associate/default (200/207) or
 *		their 400 answer, matched to the inputs: the answer writer.c reads,
 *		with one result per input that a HubSpot result names (by its from
 *		and to ids; trace and id are the input's row number, record the
 *		HubSpot result), and one error per HubSpot error naming the rows
 *		whose ids or type it names (context INVALID_OBJECT_IDS
 *		"DEAL=12 is not valid", INVALID_ASSOCIATION_TYPE_ID
 *		"USER_DEFINED=3 is not ...", fromObjectId/toObjectId; from and to
 *		are the objects, whose upper-case singular names say which side an
 *		id is), its message followed by that context.  A 400 is one error.
 */
extern HsBatchAnswer *hs_api_assoc_parse_write(HsResponse *resp, const char *from,
											   const char *to,
											   const HsWriteInput *inputs, int n);

/* Does a 400 answer name one of the inputs (so that it is per row)? */
extern bool hs_api_assoc_names_inputs(HsResponse *resp, const HsWriteInput *inputs,
									  int n);

#endif							/* HUBSPOT_API_ASSOC_H */
