/*-------------------------------------------------------------------------
 *
 * convert.c
 *		Conversions between HubSpot's values (always strings on the wire)
 *		and PostgreSQL Datums, and between json-c objects and jsonb.
 *
 * A value that does not convert is an ERROR raised by the type's own input
 * function; callers wrap these calls in an error context that names the
 * column and the record, so nothing is ever silently turned into NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "mb/pg_wchar.h"

#include "convert.h"
#include "json.h"

/* Is a type one of the numbers HubSpot number properties take? */
static bool
is_number_type(Oid basetype)
{
	switch (basetype)
	{
		case NUMERICOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
			return true;
		default:
			return false;
	}
}

/*
 * hs_init_column_io
 *		Decide how a column converts, and look up its I/O functions.
 */
void
hs_init_column_io(HsColumn *col)
{
	Oid			elemtype = get_element_type(col->typid);
	Oid			iotype = col->typid;
	Oid			infunc;
	Oid			outfunc;
	bool		isvarlena;

	/* a domain converts like its base type (its input function checks it) */
	col->basetypid = getBaseType(col->typid);
	switch (col->basetypid)
	{
		case BOOLOID:
			col->vkind = HS_VAL_BOOL;
			break;
		case TIMESTAMPTZOID:
			col->vkind = HS_VAL_TIMESTAMPTZ;
			break;
		case TIMESTAMPOID:
			col->vkind = HS_VAL_TIMESTAMP;
			break;
		case DATEOID:
			col->vkind = HS_VAL_DATE;
			break;
		case JSONBOID:
			col->vkind = HS_VAL_JSONB;
			break;
		default:
			if (is_number_type(col->basetypid))
				col->vkind = HS_VAL_NUMBER;
			else
				col->vkind = OidIsValid(elemtype) ? HS_VAL_ARRAY : HS_VAL_TEXT;
			break;
	}
	if (col->vkind == HS_VAL_ARRAY)
	{
		col->elemtype = elemtype;
		col->elembasetypid = getBaseType(elemtype);
		get_typlenbyvalalign(elemtype, &col->elemlen, &col->elembyval,
							 &col->elemalign);
		iotype = elemtype;
	}
	getTypeInputInfo(iotype, &infunc, &col->ioparam);
	fmgr_info(infunc, &col->infunc);
	getTypeOutputInfo(iotype, &outfunc, &isvarlena);
	fmgr_info(outfunc, &col->outfunc);
}

static bool
all_digits(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Epoch milliseconds (as HubSpot sometimes sends datetimes) to a Timestamp. */
static Timestamp
epoch_ms_to_timestamp(const char *value)
{
	int64		ms;

	errno = 0;
	ms = strtoll(value, NULL, 10);
	if (errno != 0 || ms < -210866803200000LL || ms > 9224318016000000LL / 1000)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range: \"%s\" milliseconds", value)));
	return (Timestamp) (ms * 1000 -
						(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY);
}

/*
 * hs_timestamp_string_to_datum
 *		HubSpot's createdAt/updatedAt/datetime values: ISO-8601 or epoch ms.
 */
static Datum
hs_timestamp_string_to_datum(const char *value)
{
	if (all_digits(value))
		return TimestampTzGetDatum(epoch_ms_to_timestamp(value));
	return DirectFunctionCall3(timestamptz_in, CStringGetDatum(value),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/*
 * hs_string_to_datum
 *		Convert a value HubSpot sent (a string) to the column's type.
 */
Datum
hs_string_to_datum(HsColumn *col, const char *value)
{
	switch (col->vkind)
	{
		case HS_VAL_BOOL:
			if (strcmp(value, "true") == 0)
				return BoolGetDatum(true);
			if (strcmp(value, "false") == 0)
				return BoolGetDatum(false);
			break;
		case HS_VAL_TIMESTAMPTZ:
		case HS_VAL_TIMESTAMP:
			if (all_digits(value))
			{
				Timestamp	ts = epoch_ms_to_timestamp(value);

				/* a timestamp without time zone holds the UTC wall clock */
				return col->vkind == HS_VAL_TIMESTAMPTZ ?
					TimestampTzGetDatum(ts) : TimestampGetDatum(ts);
			}
			if (col->vkind == HS_VAL_TIMESTAMP)
			{
				/* read "…Z" as UTC, not as the session's time zone */
				TimestampTz tz = DatumGetTimestampTz(hs_timestamp_string_to_datum(value));

				return TimestampGetDatum((Timestamp) tz);
			}
			break;
		case HS_VAL_DATE:
			if (all_digits(value))
			{
				Timestamp	ts = epoch_ms_to_timestamp(value);

				return DateADTGetDatum((DateADT) (ts / USECS_PER_DAY -
												  (ts % USECS_PER_DAY < 0 ? 1 : 0)));
			}
			break;
		case HS_VAL_ARRAY:
			{
				List	   *parts = NIL;
				char	   *copy = pstrdup(value);
				char	   *start = copy;
				Datum	   *elems;
				int			n = 0;
				int			dims[1];
				int			lbs[1] = {1};
				ListCell   *lc;

				/* multi-select values: "a;b;c" */
				for (char *p = copy;; p++)
				{
					if (*p == ';' || *p == '\0')
					{
						bool		end = (*p == '\0');

						*p = '\0';
						parts = lappend(parts, start);
						start = p + 1;
						if (end)
							break;
					}
				}
				elems = palloc(sizeof(Datum) * list_length(parts));
				foreach(lc, parts)
					elems[n++] = InputFunctionCall(&col->infunc, (char *) lfirst(lc),
												   col->ioparam, -1);
				dims[0] = n;
				return PointerGetDatum(construct_md_array(elems, NULL, 1, dims, lbs,
														  col->elemtype, col->elemlen,
														  col->elembyval, col->elemalign));
			}
		default:
			break;
	}
	return InputFunctionCall(&col->infunc, (char *) value, col->ioparam, col->typmod);
}

/* ISO-8601 UTC with milliseconds, as HubSpot writes datetimes. */
static char *
timestamp_to_iso(Timestamp ts, const char *colname)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts) || timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("column \"%s\": HubSpot cannot store an infinite or out-of-range timestamp",
						colname)));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (fsec / 1000));
}

/*
 * plain_number
 *		A number as HubSpot's number properties take it: plain decimal text,
 *		digits with an optional leading "-" and ".", never an exponent
 *		(hubspot-api.md section 12: "1e-05" is "not a valid number").
 *
 * basetype is the value's type (a domain's base type); outfunc its output
 * function.  Floats are written as their shortest exact decimal (the digits
 * float8out prints with extra_float_digits > 0, whatever the setting is),
 * then expanded by numeric_out; other types' text is expanded the same way
 * if it has an exponent.  NaN and infinities are refused: HubSpot has none.
 */
static char *
plain_number(Oid basetype, FmgrInfo *outfunc, Datum value, const char *colname)
{
	char		buf[64];
	char	   *text;

	if (basetype == FLOAT8OID)
	{
		(void) double_to_shortest_decimal_buf(DatumGetFloat8(value), buf);
		text = pstrdup(buf);
	}
	else if (basetype == FLOAT4OID)
	{
		(void) float_to_shortest_decimal_buf(DatumGetFloat4(value), buf);
		text = pstrdup(buf);
	}
	else
		text = OutputFunctionCall(outfunc, value);

	if (pg_strcasecmp(text, "NaN") == 0 || pg_strcasecmp(text, "Infinity") == 0 ||
		pg_strcasecmp(text, "-Infinity") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("column \"%s\": HubSpot cannot store the number %s",
						colname, text)));
	if (strcmp(text, "-0") == 0)
		return pstrdup("0");
	if (strpbrk(text, "eE") == NULL)
		return text;
	return DatumGetCString(DirectFunctionCall1(numeric_out,
											   DirectFunctionCall3(numeric_in,
																   CStringGetDatum(text),
																   ObjectIdGetDatum(InvalidOid),
																   Int32GetDatum(-1))));
}

/*
 * hs_datum_to_string
 *		Convert a non-NULL column value to the string HubSpot expects.
 */
char *
hs_datum_to_string(HsColumn *col, Datum value)
{
	switch (col->vkind)
	{
		case HS_VAL_BOOL:
			return pstrdup(DatumGetBool(value) ? "true" : "false");
		case HS_VAL_TIMESTAMPTZ:
			return timestamp_to_iso(DatumGetTimestampTz(value), col->name);
		case HS_VAL_TIMESTAMP:
			return timestamp_to_iso(DatumGetTimestamp(value), col->name);
		case HS_VAL_DATE:
			{
				DateADT		d = DatumGetDateADT(value);
				int			y,
							m,
							day;

				if (DATE_NOT_FINITE(d))
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("column \"%s\": HubSpot cannot store an infinite date",
									col->name)));
				j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
				return psprintf("%04d-%02d-%02d", y, m, day);
			}
		case HS_VAL_NUMBER:
			return plain_number(col->basetypid, &col->outfunc, value, col->name);
		case HS_VAL_JSONB:
			{
				Jsonb	   *jb = DatumGetJsonbP(value);

				return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
			}
		case HS_VAL_ARRAY:
			{
				ArrayType  *arr = DatumGetArrayTypeP(value);
				Datum	   *elems;
				bool	   *nulls;
				int			n;
				StringInfoData buf;

				deconstruct_array(arr, col->elemtype, col->elemlen, col->elembyval,
								  col->elemalign, &elems, &nulls, &n);
				initStringInfo(&buf);
				for (int i = 0; i < n; i++)
				{
					char	   *s;

					if (nulls[i])
						ereport(ERROR,
								(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
								 errmsg("column \"%s\": a multi-select value cannot contain NULL",
										col->name)));
					s = is_number_type(col->elembasetypid) ?
						plain_number(col->elembasetypid, &col->outfunc, elems[i], col->name) :
						OutputFunctionCall(&col->outfunc, elems[i]);
					if (strchr(s, ';') != NULL)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("column \"%s\": multi-select option \"%s\" contains \";\", which separates options",
										col->name, s)));
					if (i > 0)
						appendStringInfoChar(&buf, ';');
					appendStringInfoString(&buf, s);
				}
				return buf.data;
			}
		case HS_VAL_TEXT:
			break;
	}
	return OutputFunctionCall(&col->outfunc, value);
}

/*
 * hs_jsonb_scalar_to_string
 *		A scalar of a written properties object as HubSpot's string: strings
 *		as they are, numbers and booleans as their JSON text, null as NULL.
 *		Returns NULL (and *isnull) for null; callers reject non-scalars.
 */
char *
hs_jsonb_scalar_to_string(JsonbValue *v, bool *isnull)
{
	*isnull = false;
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvNull:
			*isnull = true;
			return NULL;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	return NULL;				/* keep compiler quiet */
}

/*
 * Where a value sits in a json-c tree converted to jsonb, for the message of
 * a string that cannot be text: a chain of member names and array indexes
 * on the stack, rendered only when needed.
 */
typedef struct JsonPath
{
	const struct JsonPath *up;
	const char *key;			/* member name, or NULL for an element */
	size_t		index;
	bool		property;		/* a value of the properties map */
} JsonPath;

static void
render_path(StringInfo buf, const JsonPath *path)
{
	if (path == NULL)
		return;
	render_path(buf, path->up);
	if (path->key != NULL)
		appendStringInfo(buf, "%s%s", path->up != NULL ? "." : "", path->key);
	else
		appendStringInfo(buf, "[%zu]", path->index);
}

/*
 * utf8_text
 *		HubSpot's UTF-8 string s (len bytes) at path as text of the database
 *		encoding: hs_text_from_utf8(), whose 22P05 names the path.
 */
static const char *
utf8_text(const char *s, size_t len, const JsonPath *path)
{
	StringInfoData where;

	if (strlen(s) == len && GetDatabaseEncoding() == PG_UTF8)
		return hs_text_from_utf8(s, len, NULL, NULL);	/* cannot fail on NUL */
	initStringInfo(&where);
	render_path(&where, path);
	return hs_text_from_utf8(s, len, path->property ? "property" : "value at",
							 where.data);
}

static void
push_string(JsonbParseState **state, JsonbIteratorToken tok, const char *s, size_t len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = (int) len;
	(void) pushJsonbValue(state, tok, &v);
}

/* Push HubSpot's UTF-8 string s as text of the database encoding. */
static void
push_utf8(JsonbParseState **state, JsonbIteratorToken tok, const char *s, size_t len,
		  const JsonPath *path)
{
	const char *text = utf8_text(s, len, path);

	push_string(state, tok, text, text == s ? len : strlen(text));
}

/* Push one json-c value; returns what pushJsonbValue returned last. */
static JsonbValue *
push_json(JsonbParseState **state, JsonbIteratorToken tok, json_object *obj,
		  const JsonPath *path)
{
	JsonbValue	v;
	JsonPath	sub;

	sub.up = path;
	sub.property = false;
	switch (json_object_get_type(obj))
	{
		case json_type_object:
			{
				struct json_object_iterator it = json_object_iter_begin(obj);
				struct json_object_iterator end = json_object_iter_end(obj);

				(void) pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
				while (!json_object_iter_equal(&it, &end))
				{
					const char *key = json_object_iter_peek_name(&it);

					sub.key = key;
					push_utf8(state, WJB_KEY, key, strlen(key), &sub);
					(void) push_json(state, WJB_VALUE, json_object_iter_peek_value(&it), &sub);
					json_object_iter_next(&it);
				}
				return pushJsonbValue(state, WJB_END_OBJECT, NULL);
			}
		case json_type_array:
			(void) pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
			sub.key = NULL;
			for (size_t i = 0; i < json_object_array_length(obj); i++)
			{
				sub.index = i;
				(void) push_json(state, WJB_ELEM, json_object_array_get_idx(obj, i), &sub);
			}
			return pushJsonbValue(state, WJB_END_ARRAY, NULL);
		case json_type_null:
			v.type = jbvNull;
			break;
		case json_type_boolean:
			v.type = jbvBool;
			v.val.boolean = json_object_get_boolean(obj);
			break;
		case json_type_int:
		case json_type_double:
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																CStringGetDatum(json_object_get_string(obj)),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
			break;
		case json_type_string:
			{
				const char *s = json_object_get_string(obj);
				size_t		len = (size_t) json_object_get_string_len(obj);
				const char *text = utf8_text(s, len, path);

				v.type = jbvString;
				v.val.string.val = (char *) text;
				v.val.string.len = (int) (text == s ? len : strlen(text));
			}
			break;
	}
	return pushJsonbValue(state, tok, &v);
}

/*
 * hs_json_to_jsonb
 *		Any json-c value as jsonb.  Scalars at the top level are wrapped the
 *		way jsonb wants them.
 */
Jsonb *
hs_json_to_jsonb(json_object *obj, const char *name)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	JsonPath	top = {NULL, name, 0, false};

	if (obj == NULL || (!json_object_is_type(obj, json_type_object) &&
						!json_object_is_type(obj, json_type_array)))
	{
		/* a raw scalar: build it through a one-element array */
		(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
		if (obj == NULL)
		{
			JsonbValue	v;

			v.type = jbvNull;
			(void) pushJsonbValue(&state, WJB_ELEM, &v);
		}
		else
			(void) push_json(&state, WJB_ELEM, obj, &top);
		res = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
		res->val.array.rawScalar = true;
		return JsonbValueToJsonb(res);
	}
	res = push_json(&state, WJB_VALUE, obj, &top);
	return JsonbValueToJsonb(res);
}

/*
 * hs_string_map_to_jsonb
 *		HubSpot's "properties" object as the jsonb of the properties column:
 *		every property with a value.  Properties without one are left out,
 *		whether HubSpot sent JSON null or "" (its answer for a cleared value,
 *		hubspot-api.md section 12), exactly as if it had left them out.
 */
Jsonb *
hs_string_map_to_jsonb(json_object *props)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	struct json_object_iterator it;
	struct json_object_iterator end;

	res = pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	if (props != NULL && json_object_is_type(props, json_type_object))
	{
		it = json_object_iter_begin(props);
		end = json_object_iter_end(props);
		while (!json_object_iter_equal(&it, &end))
		{
			const char *key = json_object_iter_peek_name(&it);
			json_object *val = json_object_iter_peek_value(&it);
			JsonPath	path = {NULL, key, 0, true};

			/* "" is how HubSpot answers a cleared value: no value either */
			if (val != NULL && !json_object_is_type(val, json_type_null) &&
				!(json_object_is_type(val, json_type_string) &&
				  json_object_get_string_len(val) == 0))
			{
				push_utf8(&state, WJB_KEY, key, strlen(key), &path);
				if (json_object_is_type(val, json_type_string))
					push_utf8(&state, WJB_VALUE, json_object_get_string(val),
							  json_object_get_string_len(val), &path);
				else
				{
					/* HubSpot sends strings; keep anything else as its text */
					const char *s = json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);

					if (s == NULL)
						ereport(ERROR,
								(errcode(ERRCODE_OUT_OF_MEMORY),
								 errmsg("out of memory")));
					push_utf8(&state, WJB_VALUE, s, strlen(s), &path);
				}
			}
			json_object_iter_next(&it);
		}
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * hs_id_type_ok
 *		Can a column or value of this type name HubSpot records by id?  Text
 *		types (text, varchar, char, name), integers and numeric: types whose
 *		equality is that of the id's text, or of whole numbers.  Floats (whose
 *		text may be 1e+15 and whose equality is inexact) cannot.
 */
bool
hs_id_type_ok(Oid typid)
{
	switch (getBaseType(typid))
	{
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
			return true;
		default:
			return false;
	}
}

/* The id that text, the output of a value of type base, names; see hs_id_text() */
static char *
id_from_output(Oid base, char *text)
{
	if (base == NUMERICOID)
	{
		char	   *dot = strchr(text, '.');
		const char *digits = text + (text[0] == '-');

		if (digits[0] == '\0' || strspn(digits, "0123456789.") != strlen(digits))
			return NULL;		/* NaN, Infinity */
		if (dot != NULL)
		{
			if (dot[1 + strspn(dot + 1, "0")] != '\0')
				return NULL;	/* no id has a fraction */
			*dot = '\0';
		}
	}
	else if (base == BPCHAROID)
	{
		size_t		len = strlen(text);

		while (len > 0 && text[len - 1] == ' ')
			text[--len] = '\0';
	}
	/*
	 * HubSpot's record ids are positive: a negative number names no record
	 * (the provisional ids of records queued for creation, deferred.c, are
	 * such numbers), and is not sent.
	 */
	if (text[0] == '\0' || text[0] == '-' || strcmp(text, ".") == 0 ||
		strcmp(text, "..") == 0)
		return NULL;
	return text;
}

/*
 * hs_id_text
 *		The HubSpot id that a non-NULL value of type typid (hs_id_type_ok)
 *		names, as it goes into a request path or body: a number as its
 *		integer digits, char(n) without its padding.  NULL when the value can
 *		name no record: a fraction or NaN, a negative number (or any text
 *		beginning with '-'), "", "." or "..".
 */
char *
hs_id_text(Oid typid, Datum value)
{
	Oid			base = getBaseType(typid);
	Oid			outfunc;
	bool		isvarlena;

	getTypeOutputInfo(base, &outfunc, &isvarlena);
	return id_from_output(base, OidOutputFunctionCall(outfunc, value));
}

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * hs_ids_from_datum
 *		The distinct ids (hs_id_text()) that a non-NULL value names, sorted:
 *		one value of type typid, or (not one) the elements of an array of
 *		type typid.  NULL elements and values that can name no record
 *		(1000042.5, NaN, "", "..") are left out: no record has them.
 *		*n gets the count; allocates in CurrentMemoryContext.
 */
char **
hs_ids_from_datum(Oid typid, Datum value, bool one, int *n)
{
	Datum	   *elems = &value;
	bool	   *nulls = NULL;
	int			nelems = 1;
	Oid			elemtype = typid;
	char	  **ids;

	if (!one)
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;

		elemtype = ARR_ELEMTYPE(arr);
		get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
		deconstruct_array(arr, elemtype, elmlen, elmbyval, elmalign,
						  &elems, &nulls, &nelems);
	}
	ids = palloc(sizeof(char *) * Max(nelems, 1));
	*n = 0;
	for (int i = 0; i < nelems; i++)
	{
		char	   *id = (nulls && nulls[i]) ? NULL : hs_id_text(elemtype, elems[i]);

		if (id != NULL)
			ids[(*n)++] = id;
	}
	if (*n > 1)
	{
		int			m = 1;

		qsort(ids, *n, sizeof(char *), id_cmp);
		for (int i = 1; i < *n; i++)
			if (strcmp(ids[i], ids[m - 1]) != 0)
				ids[m++] = ids[i];
		*n = m;
	}
	return ids;
}

/*
 * hs_column_id_text
 *		hs_id_text() of a value of the id column col, with the output
 *		function hs_init_column_io() looked up once (a domain's is its base
 *		type's): for UPDATE and DELETE, one per row.
 */
char *
hs_column_id_text(HsColumn *col, Datum value)
{
	Assert(col->vkind != HS_VAL_ARRAY);
	return id_from_output(col->basetypid, OutputFunctionCall(&col->outfunc, value));
}

/* ----------------------------------------------------------------
 *		Column kinds and records
 * ----------------------------------------------------------------
 */

/*
 * What each kind of column stands for, indexed by HsColumnKind; see
 * HsColumnKindInfo in convert.h.  Keys are those of HubSpot's
 * SimplePublicObject (hubspot-api.md).
 */
static const HsColumnKindInfo column_kinds[] = {
	/* kind, column_name, record_key, source, type_rule, on_create, on_update */
	[HS_COL_ID] =
	{HS_COL_ID, "id", "id", HS_SRC_MEMBER, HS_TYPE_ID, false, false},
	[HS_COL_PROPERTIES] =
	{HS_COL_PROPERTIES, "properties", "properties", HS_SRC_PROPERTY_MAP, HS_TYPE_JSONB, true, true},
	[HS_COL_CREATED_AT] =
	{HS_COL_CREATED_AT, "created_at", "createdAt", HS_SRC_MEMBER, HS_TYPE_ANY, false, false},
	[HS_COL_UPDATED_AT] =
	{HS_COL_UPDATED_AT, "updated_at", "updatedAt", HS_SRC_MEMBER, HS_TYPE_ANY, false, false},
	[HS_COL_ARCHIVED] =
	{HS_COL_ARCHIVED, "archived", "archived", HS_SRC_MEMBER, HS_TYPE_ANY, false, false},
	[HS_COL_ARCHIVED_AT] =
	{HS_COL_ARCHIVED_AT, "archived_at", "archivedAt", HS_SRC_MEMBER, HS_TYPE_ANY, false, false},
	[HS_COL_ASSOCIATIONS] =
	{HS_COL_ASSOCIATIONS, "associations", "associations", HS_SRC_JSON, HS_TYPE_JSONB, true, false},
	[HS_COL_PROPERTIES_WITH_HISTORY] =
	{HS_COL_PROPERTIES_WITH_HISTORY, "properties_with_history", "propertiesWithHistory", HS_SRC_JSON, HS_TYPE_JSONB, false, false},
	[HS_COL_PROPERTY] =
	{HS_COL_PROPERTY, NULL, "properties", HS_SRC_PROPERTY, HS_TYPE_ANY, true, true},
	/* association tables' columns: named by option.c, read by assoc_scan.c */
	[HS_COL_FROM_ID] =
	{HS_COL_FROM_ID, NULL, NULL, HS_SRC_MEMBER, HS_TYPE_ID, true, false},
	[HS_COL_TO_ID] =
	{HS_COL_TO_ID, NULL, NULL, HS_SRC_MEMBER, HS_TYPE_ID, true, false},
	[HS_COL_TYPE_ID] =
	{HS_COL_TYPE_ID, NULL, NULL, HS_SRC_MEMBER, HS_TYPE_ANY, true, false},
	[HS_COL_CATEGORY] =
	{HS_COL_CATEGORY, NULL, NULL, HS_SRC_MEMBER, HS_TYPE_ANY, true, false},
	[HS_COL_LABEL] =
	{HS_COL_LABEL, NULL, NULL, HS_SRC_MEMBER, HS_TYPE_ANY, false, false},
};

/*
 * hs_column_kind_info
 *		The table entry of a column kind (never NULL).
 */
const HsColumnKindInfo *
hs_column_kind_info(HsColumnKind kind)
{
	Assert((int) kind >= 0 && (int) kind < (int) lengthof(column_kinds));
	Assert(column_kinds[kind].kind == kind);
	return &column_kinds[kind];
}

/*
 * hs_column_kind_for_name
 *		The kind of a column named name that has no "property" option: one of
 *		the special columns (id, properties, created_at, ...), else a typed
 *		column for the HubSpot property of that name.
 */
HsColumnKind
hs_column_kind_for_name(const char *name)
{
	for (size_t i = 0; i < lengthof(column_kinds); i++)
		if (column_kinds[i].column_name != NULL &&
			strcmp(column_kinds[i].column_name, name) == 0)
			return column_kinds[i].kind;
	return HS_COL_PROPERTY;
}

typedef struct ConvContext
{
	HsTable    *table;
	HsColumn   *col;
	const char *id;
} ConvContext;

static void
conversion_error_callback(void *arg)
{
	ConvContext *ctx = (ConvContext *) arg;

	if (ctx->col != NULL)
		errcontext("column \"%s\" of foreign table \"%s\", HubSpot record %s",
				   ctx->col->name, ctx->table->relname,
				   ctx->id ? ctx->id : "(unknown id)");
}

/*
 * column_value
 *		Convert what a record holds for one column into *value; false if
 *		the column is NULL: the member is absent, JSON null, or "" (HubSpot's
 *		answer for a cleared value).  The properties column is never NULL.
 */
static bool
column_value(HsColumn *col, json_object *obj, json_object *props, Datum *value)
{
	const HsColumnKindInfo *ki = hs_column_kind_info(col->kind);
	const char *text = NULL;
	json_object *sub;

	switch (ki->source)
	{
		case HS_SRC_MEMBER:
			text = hs_member_text(obj, ki->record_key);
			break;
		case HS_SRC_PROPERTY:
			text = hs_member_text_as(props, col->property, "property");
			break;
		case HS_SRC_PROPERTY_MAP:
			*value = JsonbPGetDatum(hs_string_map_to_jsonb(props));
			return true;
		case HS_SRC_JSON:
			sub = hs_member(obj, ki->record_key);
			if (sub == NULL)
				return false;
			*value = JsonbPGetDatum(hs_json_to_jsonb(sub, ki->record_key));
			return true;
	}
	if (text == NULL || text[0] == '\0')
		return false;
	*value = hs_string_to_datum(col, text);
	return true;
}

/*
 * hs_fill_slot_from_object
 *		Store one HubSpot record (SimplePublicObject) in a slot.
 *
 * wanted (indexed like table->columns) limits the work to the columns the
 * query reads; NULL means all.  Values are allocated in the current memory
 * context.  A value that does not convert is an ERROR whose context names
 * the column, the table and the record.
 */
void
hs_fill_slot_from_object(HsTable *table, json_object *obj, TupleTableSlot *slot,
						 bool *wanted)
{
	ErrorContextCallback errcallback;
	ConvContext ctx;
	json_object *props = hs_member(obj, "properties");
	int			natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * natts);

	ctx.table = table;
	ctx.col = NULL;
	ctx.id = hs_member_text(obj, "id");
	errcallback.callback = conversion_error_callback;
	errcallback.arg = &ctx;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	for (int i = 0; i < table->ncolumns; i++)
	{
		HsColumn   *col = &table->columns[i];
		int			idx = col->attnum - 1;

		if (wanted != NULL && !wanted[i])
			continue;
		ctx.col = col;
		slot->tts_isnull[idx] = !column_value(col, obj, props,
											  &slot->tts_values[idx]);
	}

	error_context_stack = errcallback.previous;
	ExecStoreVirtualTuple(slot);
}
