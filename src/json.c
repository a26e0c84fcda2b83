/*-------------------------------------------------------------------------
 *
 * json.c
 *		json-c ownership utilities and a small JSON writer (see json.h).
 *
 * Every json-c object that outlives one statement of C here is owned by a
 * memory context through a reset callback.  The callback is allocated
 * before the object is created, so that nothing can throw between the two.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "json.h"

#include <json-c/printbuf.h>

static void
json_put_callback(void *arg)
{
	json_object_put((json_object *) arg);
}

/* Register the callback cb, allocated in owner, to put obj. */
static void
attach(MemoryContext owner, MemoryContextCallback *cb, json_object *obj)
{
	cb->func = json_put_callback;
	cb->arg = obj;
	MemoryContextRegisterResetCallback(owner, cb);
}

static void
out_of_memory(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory")));
}

/*
 * integer_fits
 *		Do the ndigits digits of a JSON integer (negative if neg) fit the
 *		int64 (negative) or uint64 range json-c stores integers in?  json-c
 *		clamps what does not, silently.
 */
static bool
integer_fits(const char *digits, size_t ndigits, bool neg)
{
	const char *limit = neg ? "9223372036854775808" : "18446744073709551615";
	size_t		nlimit = strlen(limit);

	while (ndigits > 1 && digits[0] == '0')
	{
		digits++;
		ndigits--;
	}
	if (ndigits != nlimit)
		return ndigits < nlimit;
	return memcmp(digits, limit, nlimit) <= 0;
}

/*
 * numbers_exact
 *		Would json-c keep every number of this JSON text as written?  Not
 *		for integers beyond 64 bits (clamped to the nearest limit) nor for
 *		NaN and Infinity, which are not JSON (RFC 8259 section 6) but which
 *		json-c accepts.  Decimals and exponents are kept as their text.
 *		Scans outside strings only; the text is parsed afterwards.
 */
static bool
numbers_exact(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		char		c = text[i];

		if (c == '"')
		{
			/* skip the string, escapes included */
			for (i++; i < len && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
		}
		else if (c == 'N' || c == 'I' || c == 'i' ||
				 (c == 'n' && i + 1 < len && text[i + 1] == 'a'))
			return false;		/* NaN, Infinity, in any case */
		else if (c == '-' || (c >= '0' && c <= '9'))
		{
			bool		neg = (c == '-');
			size_t		first = neg ? i + 1 : i;
			size_t		end = first;

			while (end < len && text[end] >= '0' && text[end] <= '9')
				end++;
			if (!(end < len && (text[end] == '.' || text[end] == 'e' ||
								text[end] == 'E')) &&
				!integer_fits(text + first, end - first, neg))
				return false;
			/* the rest of the number (fraction, exponent) is json-c's */
			while (end < len && strchr("0123456789.eE+-", text[end]) != NULL &&
				   text[end] != '\0')
				end++;
			i = end - 1;
		}
	}
	return true;
}

/*
 * hs_json_parse_owned
 *		Parse JSON text with json-c; the result is freed when the memory
 *		context "owner" is reset or deleted, on the error path included.
 *
 * Returns NULL if the text is not one complete JSON value, is not valid
 * UTF-8 (RFC 8259 section 8.1; PostgreSQL's check, before the parse), or has a
 * number json-c would not keep as written (numbers_exact()).
 */
json_object *
hs_json_parse_owned(const char *text, size_t len, MemoryContext owner)
{
	/* allocate the callback first: after the parse nothing may throw */
	MemoryContextCallback *cb = MemoryContextAlloc(owner, sizeof(MemoryContextCallback));
	json_tokener *tok;
	json_object *obj;
	bool		ok;

	if (len > INT_MAX)
		return NULL;
	/*
	 * HubSpot sends UTF-8: anything else is not a JSON answer.  PostgreSQL's
	 * check refuses overlong forms, surrogates and NUL bytes (which JSON
	 * allows only escaped) too, so json-c's weaker JSON_TOKENER_VALIDATE_UTF8
	 * would only walk the text a second time.
	 */
	if (!pg_verify_mbstr(PG_UTF8, text, (int) len, true))
		return NULL;
	if (!numbers_exact(text, len))
		return NULL;
	tok = json_tokener_new();
	if (tok == NULL)
		out_of_memory();
	obj = json_tokener_parse_ex(tok, text, (int) len);
	ok = json_tokener_get_error(tok) == json_tokener_success &&
		(size_t) json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	if (!ok)
	{
		json_object_put(obj);
		return NULL;
	}
	if (obj == NULL)
		return NULL;			/* the JSON text "null" */
	attach(owner, cb, obj);
	return obj;
}

/*
 * hs_text_from_utf8
 *		len bytes of HubSpot's UTF-8 text (a json-c string) as text of the
 *		database encoding, as PostgreSQL's own input converts
 *		client text: in a UTF8 (or SQL_ASCII) database s itself, else a
 *		palloc'd conversion.
 *
 * Errors: 22021 (character_not_in_repertoire) for a string that is not
 * UTF-8 (a \u escape of a lone surrogate), as PostgreSQL's text input;
 * 22P05 (untranslatable_character) for a character the database
 * encoding has no equivalent of, and for an embedded NUL, which no
 * PostgreSQL text can hold (the message names the value: kind "property",
 * name "price").
 */
const char *
hs_text_from_utf8(const char *s, size_t len, const char *kind, const char *name)
{
	if (strlen(s) != len)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("unsupported Unicode escape sequence"),
				 errdetail("\\u0000 in HubSpot's %s \"%s\" cannot be converted to text.",
						   kind, name)));
	/* json-c decodes \u escapes itself: check what they made, as PostgreSQL's input */
	(void) pg_verify_mbstr(PG_UTF8, s, (int) len, false);
	if (GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII)
		return s;
	return pg_any_to_server(s, (int) len, PG_UTF8);
}

/*
 * hs_json_text
 *		A json-c string value as text of the database encoding; see
 *		hs_text_from_utf8().
 */
const char *
hs_json_text(json_object *v, const char *kind, const char *name)
{
	Assert(json_object_is_type(v, json_type_string));
	return hs_text_from_utf8(json_object_get_string(v),
							 (size_t) json_object_get_string_len(v), kind, name);
}

/*
 * hs_message_text
 *		HubSpot text for an ERROR or WARNING message (raises nothing for
 *		the text): NUL written as \u0000, a byte that is not UTF-8 as \xHH;
 *		in a database that is not UTF8 converted to its encoding, a
 *		character the encoding lacks written as \uXXXX (or \UXXXXXXXX)
 *		instead of refusing the whole message.  palloc'd.
 */
char *
hs_message_text(const char *s, size_t len)
{
	StringInfoData buf;
	bool		ascii_only = GetDatabaseEncoding() != PG_UTF8 &&
		GetDatabaseEncoding() != PG_SQL_ASCII;
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;
	Oid			proc = InvalidOid;

	/* the conversion UTF-8 -> database encoding (a catalog lookup) */
	if (ascii_only && IsTransactionState())
		proc = FindDefaultConversionProc(PG_UTF8, GetDatabaseEncoding());
	initStringInfo(&buf);
	while (p < end)
	{
		int			n = pg_utf_mblen(p);

		if (*p == '\0')
		{
			appendStringInfoString(&buf, "\\u0000");
			p++;
		}
		else if (*p < 0x80)
			appendStringInfoChar(&buf, (char) *p++);
		else if (n > end - p || !pg_utf8_islegal(p, n))
		{
			/* not UTF-8: its bytes in hex */
			appendStringInfo(&buf, "\\x%02X", (unsigned int) *p++);
		}
		else if (!ascii_only)
		{
			appendBinaryStringInfo(&buf, (const char *) p, n);
			p += n;
		}
		else
		{
			unsigned char conv[MAX_CONVERSION_GROWTH * 4 + 1];
			int			done = 0;

			if (OidIsValid(proc))
				done = pg_do_encoding_conversion_buf(proc, PG_UTF8, GetDatabaseEncoding(),
													 (unsigned char *) p, n,
													 conv, sizeof(conv), true);
			if (done == n)
				appendStringInfoString(&buf, (char *) conv);
			else
			{
				/* a character the database encoding lacks */
				pg_wchar	c = utf8_to_unicode(p);

				appendStringInfo(&buf, c > 0xFFFF ? "\\U%08X" : "\\u%04X", (unsigned int) c);
			}
			p += n;
		}
	}
	return buf.data;
}

/*
 * hs_json_string
 *		The string member "key" of an object, or NULL (not an object, no such
 *		member, not a string).  A string PostgreSQL text cannot hold (an
 *		embedded NUL) is NULL as well: callers take it as missing.  The text
 *		is HubSpot's UTF-8, for comparisons with ASCII names; values that go
 *		into a Datum take hs_member_text(), message texts hs_message_text().
 */
const char *
hs_json_string(json_object *obj, const char *key)
{
	json_object *v;
	const char *s;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, key, &v) ||
		!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t) json_object_get_string_len(v))
		return NULL;
	return s;
}

/*
 * hs_member
 *		Member key of a JSON object; NULL if obj is not an object, has no
 *		such member, or the member is JSON null.
 */
json_object *
hs_member(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, key, &v) ||
		v == NULL || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/*
 * hs_member_text_as
 *		Member key of a JSON object as text of the database encoding: a
 *		string as it is, true/false, any other value as its JSON text
 *		(HubSpot sends mostly strings, but not only).  NULL as for
 *		hs_member().  Valid as long as obj is (or palloc'd, when converted).
 *
 * Errors: 22P05 for a string with an embedded NUL or a character the
 * database encoding lacks (hs_text_from_utf8()); the message names the
 * member as kind ("member", "property") and key.
 */
const char *
hs_member_text_as(json_object *obj, const char *key, const char *kind)
{
	json_object *v = hs_member(obj, key);

	if (v == NULL)
		return NULL;
	switch (json_object_get_type(v))
	{
		case json_type_string:
			return hs_json_text(v, kind, key);
		case json_type_boolean:
			return json_object_get_boolean(v) ? "true" : "false";
		default:
			{
				const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);

				/* NULL is json-c out of memory, not a missing member */
				if (s == NULL)
					out_of_memory();
				return s;
			}
	}
}

/* hs_member_text_as(obj, key, "member") */
const char *
hs_member_text(json_object *obj, const char *key)
{
	return hs_member_text_as(obj, key, "member");
}

/*
 * hs_json_own
 *		Hand obj over to owner; on failure put it and raise ERROR.
 */
json_object *
hs_json_own(json_object *obj, MemoryContext owner)
{
	MemoryContextCallback *cb;

	if (obj == NULL)
		return NULL;
	cb = MemoryContextAllocExtended(owner, sizeof(MemoryContextCallback),
									MCXT_ALLOC_NO_OOM);
	if (cb == NULL)
	{
		json_object_put(obj);
		out_of_memory();
	}
	attach(owner, cb, obj);
	return obj;
}

/* A new container made by make(), owned by owner. */
static json_object *
new_owned(json_object *(*make) (void), MemoryContext owner)
{
	MemoryContextCallback *cb = MemoryContextAlloc(owner, sizeof(MemoryContextCallback));
	json_object *obj = make();

	if (obj == NULL)
		out_of_memory();
	attach(owner, cb, obj);
	return obj;
}

json_object *
hs_json_new_object(MemoryContext owner)
{
	return new_owned(json_object_new_object, owner);
}

json_object *
hs_json_new_array(MemoryContext owner)
{
	return new_owned(json_object_new_array, owner);
}

/*
 * hs_json_add
 *		obj[key] = val; val belongs to obj afterwards, or is put.
 *
 * A NULL val means that creating it failed (json-c returns NULL when out of
 * memory); a JSON null is added with hs_json_add_null().
 */
void
hs_json_add(json_object *obj, const char *key, json_object *val)
{
	Assert(json_object_is_type(obj, json_type_object));
	if (val == NULL)
		out_of_memory();
	if (json_object_object_add(obj, key, val) != 0)
	{
		/* json-c leaves val alone when it cannot insert it */
		json_object_put(val);
		out_of_memory();
	}
}

/* json-c serializer of hs_json_add_verbatim()'s values: the text itself */
static int
verbatim_to_json_string(json_object *jso, struct printbuf *pb,
						int level, int flags)
{
	const char *text = json_object_get_userdata(jso);

	(void) level;
	(void) flags;
	return printbuf_memappend(pb, text, (int) strlen(text)) < 0 ? -1 : 0;
}

void
hs_json_add_verbatim(json_object *obj, const char *key, const char *text)
{
	json_object *val;

	if (strlen(text) > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("JSON value too large to send to HubSpot")));
	val = json_object_new_object();	/* any type: the serializer decides */
	if (val == NULL)
		out_of_memory();
	json_object_set_serializer(val, verbatim_to_json_string, (void *) text, NULL);
	hs_json_add(obj, key, val);
}

void
hs_json_append(json_object *arr, json_object *val)
{
	Assert(json_object_is_type(arr, json_type_array));
	if (val == NULL)
		out_of_memory();
	if (json_object_array_add(arr, val) != 0)
	{
		json_object_put(val);
		out_of_memory();
	}
}

void
hs_json_add_string(json_object *obj, const char *key, const char *value)
{
	if (value == NULL)
		hs_json_add_null(obj, key);
	else
		hs_json_add(obj, key, json_object_new_string(value));
}

void
hs_json_add_int64(json_object *obj, const char *key, int64 value)
{
	hs_json_add(obj, key, json_object_new_int64(value));
}

void
hs_json_add_bool(json_object *obj, const char *key, bool value)
{
	hs_json_add(obj, key, json_object_new_boolean(value ? 1 : 0));
}

void
hs_json_add_null(json_object *obj, const char *key)
{
	/* json-c represents null as a NULL member, which cannot fail to exist */
	Assert(json_object_is_type(obj, json_type_object));
	if (json_object_object_add(obj, key, NULL) != 0)
		out_of_memory();
}

json_object *
hs_json_add_object(json_object *obj, const char *key)
{
	json_object *child = json_object_new_object();

	hs_json_add(obj, key, child);
	return child;
}

json_object *
hs_json_add_array(json_object *obj, const char *key)
{
	json_object *child = json_object_new_array();

	hs_json_add(obj, key, child);
	return child;
}

void
hs_json_append_string(json_object *arr, const char *value)
{
	hs_json_append(arr, json_object_new_string(value));
}

json_object *
hs_json_append_object(json_object *arr)
{
	json_object *child = json_object_new_object();

	hs_json_append(arr, child);
	return child;
}

json_object *
hs_json_append_array(json_object *arr)
{
	json_object *child = json_object_new_array();

	hs_json_append(arr, child);
	return child;
}

/*
 * hs_json_to_text
 *		obj as compact JSON text, palloc'd.
 *
 * json-c keeps the text in a buffer of obj (freed with obj); it is copied
 * at once.  The strings of obj are text of the database encoding; the JSON
 * text is UTF-8, as HubSpot reads it (converted when the database encoding
 * is not UTF8; 22P05 for a character UTF-8 lacks).
 */
char *
hs_json_to_text(json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
												   JSON_C_TO_STRING_NOSLASHESCAPE);
	char	   *utf8;

	if (s == NULL)
		out_of_memory();
	utf8 = pg_server_to_any(s, (int) strlen(s), PG_UTF8);
	return utf8 == s ? pstrdup(s) : utf8;
}
