/*-------------------------------------------------------------------------
 *
 * filter.h
 *		One filter of a search (filter.c): its form in the plan, shared with
 *		search.c, which makes it, and its request form with the values of the
 *		moment.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_FILTER_H
#define HUBSPOT_FILTER_H

#include "postgres.h"

#include "nodes/execnodes.h"

#include "api.h"

/* How the value of a filter is written for HubSpot. */
typedef enum HsSearchKind
{
	HS_SK_NUMBER,				/* a plain decimal: number properties, ids */
	HS_SK_DATE,					/* epoch milliseconds of midnight UTC */
	HS_SK_DATETIME,				/* epoch milliseconds */
	HS_SK_BOOL,					/* "true" or "false" */
	HS_SK_TEXT					/* text: strings and enumerations */
} HsSearchKind;

/*
 * How a scan tells filter.c HubSpot's type of a property that a filter of
 * this kind names: false if there is no such property.
 */
typedef bool (*HsPropertyTypeFn) (void *arg, const char *name, HsSearchKind kind,
								  HsPropertyType *type);

/* Operators of filters (HubSpot's names: hs_filter_build()). */
typedef enum HsSearchOp
{
	SOP_EQ,
	SOP_NEQ,
	SOP_LT,
	SOP_LTE,
	SOP_GT,
	SOP_GTE,
	SOP_IN,
	SOP_NOT_IN,
	SOP_HAS,
	SOP_NOT_HAS
} HsSearchOp;


/* flags of a filter */
#define SF_MAY_BE_EXACT 0x01	/* exact if the property has the type assumed */
#define SF_IMPLIES_SET 0x02		/* a record it keeps has a value */

enum
{
	F_PROPERTY,
	F_OP,
	F_KIND,
	F_VALUE,
	F_FLAGS
};

/* What becomes of one filter with the values of the moment. */
typedef enum HsFilterFate
{
	FATE_SEND,					/* send it */
	FATE_TRUE,					/* every record passes: leave it out */
	FATE_FALSE,					/* no record passes: the group matches none */
	FATE_SUPERSET				/* cannot be written exactly: leave it out,
								 * the answer becomes a superset */
} HsFilterFate;

extern HsFilterFate hs_filter_build(List *filter, ExprState **values,
									ExprContext *econtext, HsPropertyTypeFn type_of,
									void *arg, HsSearchFilter *out, bool *exact);
extern List *hs_filter_merge_between(List *group);
extern bool hs_filter_assumed_type(void *arg, const char *name, HsSearchKind kind,
								   HsPropertyType *type);

#endif							/* HUBSPOT_FILTER_H */
