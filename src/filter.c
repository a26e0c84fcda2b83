/*-------------------------------------------------------------------------
 *
 * filter.c
 *		One filter of a search with the values of the moment: HubSpot's form
 *		of each value (plain decimals, epoch milliseconds, "true"/"false",
 *		lowercase text for string IN; hubspot-api.md 3.11, 12), and what a
 *		value HubSpot has no form for means (NaN above every number, a time
 *		between milliseconds, '' that is no value), so that a filter is
 *		sent exactly when it can be, as a superset when it must, and left out
 *		otherwise.  search.c makes the filters (planning) and pages the
 *		search (execution).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "executor/executor.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "filter.h"

static const char *const op_names[] = {
	"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "IN", "NOT_IN",
	"HAS_PROPERTY", "NOT_HAS_PROPERTY"
};

/*
 * Does HubSpot's type of a property hold what kind assumes?  Text also
 * matches numbers and booleans: properties->>'price' is the text HubSpot
 * sends, a plain decimal (value_form() sends such text as a number).
 */
static bool
kind_matches(HsSearchKind kind, HsPropertyType type)
{
	switch (kind)
	{
		case HS_SK_NUMBER:
			return type == HS_PROP_NUMBER;
		case HS_SK_DATE:
			return type == HS_PROP_DATE;
		case HS_SK_DATETIME:
			return type == HS_PROP_DATETIME;
		case HS_SK_BOOL:
			return type == HS_PROP_BOOL;
		case HS_SK_TEXT:
			return type == HS_PROP_STRING || type == HS_PROP_ENUMERATION ||
				type == HS_PROP_NUMBER || type == HS_PROP_BOOL;
	}
	return false;
}

/* What a value is to HubSpot (value_form()). */
typedef enum ValueForm
{
	FORM_TEXT,					/* text: its form in HubSpot's format */
	FORM_ABOVE_ALL,				/* above every value (NaN, infinity) */
	FORM_BELOW_ALL,				/* below every value (-infinity) */
	FORM_BETWEEN,				/* between two values HubSpot has (a time
								 * between milliseconds): text is the one
								 * below, high the one above */
	FORM_NO_RECORD,				/* no record has it: '' (a cleared value is no
								 * value, to HubSpot and to a column or
								 * properties), text no number or boolean is
								 * written as */
	FORM_NONE					/* no form: the filter is left out */
} ValueForm;

/* Microseconds since 1970 as milliseconds: floor in *lo, and whether exact. */
static bool
epoch_ms(int64 us, int64 *lo)
{
	*lo = us / 1000 - (us % 1000 < 0 ? 1 : 0);
	return us % 1000 == 0;
}

/* Text that names a number or boolean of type: its HubSpot form, or NO_RECORD. */
static ValueForm
text_form(char *utf8, HsPropertyType type, bool lowercase, char **out)
{
	*out = utf8;
	if (utf8[0] == '\0')
		return FORM_NO_RECORD;
	if (type == HS_PROP_NUMBER)
	{
		/*
		 * HubSpot writes numbers as plain decimals: an optional "-", digits
		 * and an optional single "." ("7.", ".5"; hubspot-api.md 12.2)
		 */
		const char *p = utf8 + (utf8[0] == '-');
		size_t		before = strspn(p, "0123456789");
		size_t		after = p[before] == '.' ? strspn(p + before + 1, "0123456789") : 0;
		size_t		len = before + (p[before] == '.' ? 1 + after : 0);

		if (before + after == 0 || p[len] != '\0')
			return FORM_NO_RECORD;
		return FORM_TEXT;
	}
	if (type == HS_PROP_BOOL)
		return strcmp(utf8, "true") == 0 || strcmp(utf8, "false") == 0 ?
			FORM_TEXT : FORM_NO_RECORD;
	if (lowercase)
	{
		for (char *p = utf8; *p; p++)
		{
			if (IS_HIGHBIT_SET(*p))
				return FORM_NONE;	/* HubSpot's lowercase of it is unknown */
			*p = pg_ascii_tolower((unsigned char) *p);
		}
	}
	return FORM_TEXT;
}

/*
 * value_form
 *		A value of type as HubSpot takes it for kind, with a property of
 *		ptype (hubspot-api.md 3.11, 12): plain decimals, epoch milliseconds
 *		(a date at midnight UTC), "true"/"false", UTF-8 text (lowercase:
 *		for string IN), in *text; or where it lies when HubSpot has no such
 *		value.
 */
static ValueForm
value_form(HsSearchKind kind, HsPropertyType ptype, Oid type, Datum value,
		   bool lowercase, char **out, char **high)
{
	int64		ms;
	int64		us;

	switch (kind)
	{
		case HS_SK_NUMBER:
			if (type == NUMERICOID)
			{
				Numeric		n = DatumGetNumeric(value);

				if (numeric_is_nan(n) || numeric_is_inf(n))
					return numeric_is_nan(n) || DatumGetBool(DirectFunctionCall2(numeric_gt, value,
																				 DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))) ?
						FORM_ABOVE_ALL : FORM_BELOW_ALL;
				*out = DatumGetCString(DirectFunctionCall1(numeric_out, value));
			}
			else if (type == INT8OID)
				*out = psprintf(INT64_FORMAT, DatumGetInt64(value));
			else
				*out = psprintf("%d", type == INT4OID ? DatumGetInt32(value) :
								 (int) DatumGetInt16(value));
			return FORM_TEXT;
		case HS_SK_DATE:
			if (DATE_NOT_FINITE(DatumGetDateADT(value)))
				return DATE_IS_NOBEGIN(DatumGetDateADT(value)) ? FORM_BELOW_ALL : FORM_ABOVE_ALL;
			*out = psprintf(INT64_FORMAT,
							 ((int64) DatumGetDateADT(value) +
							  (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE)) * INT64CONST(86400000));
			return FORM_TEXT;
		case HS_SK_DATETIME:
			if (TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(value)))
				return TIMESTAMP_IS_NOBEGIN(DatumGetTimestampTz(value)) ?
					FORM_BELOW_ALL : FORM_ABOVE_ALL;
			/* the last years PostgreSQL has are past what int64 ms since 1970 hold */
			if (pg_add_s64_overflow(DatumGetTimestampTz(value),
									(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY,
									&us))
				return FORM_ABOVE_ALL;
			if (epoch_ms(us, &ms))
			{
				*out = psprintf(INT64_FORMAT, ms);
				return FORM_TEXT;
			}
			*out = psprintf(INT64_FORMAT, ms);
			*high = psprintf(INT64_FORMAT, ms + 1);
			return FORM_BETWEEN;
		case HS_SK_BOOL:
			*out = pstrdup(DatumGetBool(value) ? "true" : "false");
			return FORM_TEXT;
		case HS_SK_TEXT:
			{
				char	   *s = TextDatumGetCString(value);
				char	   *utf8 = pg_server_to_any(s, strlen(s), PG_UTF8);

				return text_form(utf8 == s ? utf8 : pstrdup(utf8), ptype, lowercase, out);
			}
	}
	return FORM_NONE;
}

/*
 * scalar_fate
 *		A comparison with a value HubSpot has no form for, as what it
 *		means: above every value, x < v is "has a value" and x > v nothing;
 *		between two milliseconds, x > v is x >= the next one; no record
 *		equals a value no record has.
 */
static HsFilterFate
scalar_fate(HsSearchFilter *out, HsSearchOp op, ValueForm form)
{
	bool		up = (op == SOP_GT || op == SOP_GTE);
	bool		down = (op == SOP_LT || op == SOP_LTE);

	switch (form)
	{
		case FORM_TEXT:
			return FATE_SEND;
		case FORM_ABOVE_ALL:
		case FORM_BELOW_ALL:
			if (op == SOP_EQ || (form == FORM_ABOVE_ALL ? up : down))
				return FATE_FALSE;
			out->operator = op_names[SOP_HAS];
			out->value = NULL;
			return FATE_SEND;
		case FORM_BETWEEN:
			if (op == SOP_EQ)
				return FATE_FALSE;
			if (op == SOP_NEQ)
			{
				out->operator = op_names[SOP_HAS];
				out->value = NULL;
			}
			else if (up)
			{
				out->operator = op_names[SOP_GTE];
				out->value = out->high_value;
			}
			else if (down)
				out->operator = op_names[SOP_LTE];
			out->high_value = NULL;
			return FATE_SEND;
		case FORM_NO_RECORD:
			return op == SOP_EQ ? FATE_FALSE : FATE_SUPERSET;
		case FORM_NONE:
			break;
	}
	return FATE_SUPERSET;
}

static int
text_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The values of IN / NOT_IN, written, distinct; the fate of the filter. */
static HsFilterFate
array_values(HsSearchFilter *out, HsSearchKind kind, HsPropertyType ptype, Datum array,
			 bool lowercase, bool not_in)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	char	  **texts;
	int			ntexts = 0;

	get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
	deconstruct_array(arr, elemtype, elmlen, elmbyval, elmalign, &elems, &nulls, &n);
	texts = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		char	   *text = NULL;
		char	   *high = NULL;
		ValueForm	form;

		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
		{
			/* x NOT IN (..., NULL) is never true; x IN (..., NULL) may be */
			if (not_in)
				return FATE_FALSE;
			continue;
		}
		form = value_form(kind, ptype, getBaseType(elemtype), elems[i], lowercase,
						  &text, &high);
		if (form == FORM_TEXT)
			texts[ntexts++] = text;
		else if (form == FORM_NONE)
			return FATE_SUPERSET;
		/* else a value no record has: it changes nothing */
	}
	if (ntexts == 0)
		return not_in ? FATE_TRUE : FATE_FALSE;
	qsort(texts, ntexts, sizeof(char *), text_cmp);
	for (int i = 0; i < ntexts; i++)
		if (i == 0 || strcmp(texts[i], texts[i - 1]) != 0)
			out->values = lappend(out->values, texts[i]);
	return FATE_SEND;
}

/*
 * hs_filter_build
 *		One filter of the plan, with its value now, in out; its fate, and
 *		whether it is exact.
 */
HsFilterFate
hs_filter_build(List *filter, ExprState **values, ExprContext *econtext,
			 HsPropertyTypeFn type_of, void *arg, HsSearchFilter *out, bool *exact)
{
	HsSearchOp	op = intVal(list_nth(filter, F_OP));
	HsSearchKind kind = intVal(list_nth(filter, F_KIND));
	int			index = intVal(list_nth(filter, F_VALUE));
	HsPropertyType ptype;
	Datum		value;
	bool		isnull;
	bool		lowercase;
	MemoryContext oldcxt;
	char	   *high = NULL;

	memset(out, 0, sizeof(HsSearchFilter));
	out->property = strVal(list_nth(filter, F_PROPERTY));
	out->operator = op_names[op];
	*exact = (intVal(list_nth(filter, F_FLAGS)) & SF_MAY_BE_EXACT) != 0;
	if (!type_of(arg, out->property, kind, &ptype) || !kind_matches(kind, ptype))
		return FATE_SUPERSET;
	/* strings compare without case, text as numbers; "" is no value to all */
	if (kind == HS_SK_TEXT && ptype != HS_PROP_ENUMERATION &&
		op != SOP_HAS && op != SOP_NOT_HAS)
		*exact = false;
	if (index < 0)
		return FATE_SEND;

	oldcxt = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	value = ExecEvalExpr(values[index], econtext, &isnull);
	MemoryContextSwitchTo(oldcxt);
	if (isnull)
		return FATE_FALSE;		/* a comparison with NULL is never true */
	lowercase = kind == HS_SK_TEXT && ptype == HS_PROP_STRING;
	if (op == SOP_IN || op == SOP_NOT_IN)
		return array_values(out, kind, ptype, value, lowercase && op == SOP_IN,
							op == SOP_NOT_IN);
	{
		char	   *text = NULL;
		ValueForm	form = value_form(kind, ptype,
									  getBaseType(exprType((Node *) values[index]->expr)),
									  value, false, &text, &high);

		out->value = text;
		out->high_value = high;
		return scalar_fate(out, op, form);
	}
}

/* GTE a and LTE b of one property in a group, as BETWEEN a AND b. */
List *
hs_filter_merge_between(List *group)
{
	ListCell   *lc;

	foreach(lc, group)
	{
		HsSearchFilter *lo = lfirst(lc);
		ListCell   *hc;

		if (strcmp(lo->operator, "GTE") != 0)
			continue;
		foreach(hc, group)
		{
			HsSearchFilter *hi = lfirst(hc);

			if (strcmp(hi->operator, "LTE") == 0 && strcmp(hi->property, lo->property) == 0)
			{
				lo->operator = "BETWEEN";
				lo->high_value = hi->value;
				return hs_filter_merge_between(list_delete_ptr(group, hi));
			}
		}
	}
	return group;
}

/* Plain EXPLAIN, without the catalogue: the type each filter assumes. */
bool
hs_filter_assumed_type(void *arg pg_attribute_unused(), const char *name pg_attribute_unused(),
					   HsSearchKind kind, HsPropertyType *type)
{
	static const HsPropertyType types[] = {
		[HS_SK_NUMBER] = HS_PROP_NUMBER,
		[HS_SK_DATE] = HS_PROP_DATE,
		[HS_SK_DATETIME] = HS_PROP_DATETIME,
		[HS_SK_BOOL] = HS_PROP_BOOL,
		[HS_SK_TEXT] = HS_PROP_STRING
	};

	*type = types[kind];
	return true;
}
