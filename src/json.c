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

#include "lib/stringinfo.h"
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
 * hs_json_parse_owned
 *		Parse JSON text with json-c; the result is freed when the memory
 *		context "owner" is reset or deleted, on the error path included.
 *
 * Returns NULL if the text is not one complete JSON value.
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

/* The string member "key" of an object, or NULL. */
const char *
hs_json_string(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, key, &v) ||
		!json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
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
 * hs_member_text
 *		Member key of a JSON object as text: a string as it is, true/false,
 *		any other value as its JSON text (HubSpot sends mostly strings, but
 *		not only).  NULL as for hs_member().  Valid as long as obj is.
 */
const char *
hs_member_text(json_object *obj, const char *key)
{
	json_object *v = hs_member(obj, key);

	if (v == NULL)
		return NULL;
	switch (json_object_get_type(v))
	{
		case json_type_string:
			return json_object_get_string(v);
		case json_type_boolean:
			return json_object_get_boolean(v) ? "true" : "false";
		default:
			return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	}
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
 * at once.
 */
char *
hs_json_to_text(json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
												   JSON_C_TO_STRING_NOSLASHESCAPE);

	if (s == NULL)
		out_of_memory();
	return pstrdup(s);
}
