/*-------------------------------------------------------------------------
 *
 * json.h
 *		json-c ownership utilities of hubspot_fdw, and a small JSON writer.
 *
 * json-c allocates with malloc, and a backend leaves a function by longjmp
 * when it raises an ERROR.  So every json-c object hubspot_fdw holds is
 * owned by a memory context: a reset callback, registered *before* the
 * object exists, puts it when the context is reset or deleted, on the error
 * path included.  Members added to an owned object or array belong to it.
 *
 * Reading:	hs_json_parse_owned(), hs_json_string(), hs_member(),
 *			hs_member_text().
 * Writing:	build a body with hs_json_new_object()/hs_json_new_array() and
 *			the hs_json_add_*()/hs_json_append_*() functions, then
 *			hs_json_to_text() it.  None of them can leak: each creates its
 *			value and hands it to the container in one step, and raises
 *			ERROR (53200, out of memory) only after freeing what it made.
 *
 *		MemoryContext tmp = AllocSetContextCreate(...);
 *		json_object *body = hs_json_new_object(tmp);
 *		json_object *inputs = hs_json_add_array(body, "inputs");
 *		json_object *in = hs_json_append_object(inputs);
 *		hs_json_add_string(hs_json_add_object(in, "properties"), "name", "x");
 *		text = hs_json_to_text(body);		-- palloc'd in CurrentMemoryContext
 *		MemoryContextDelete(tmp);			-- puts body and all it holds
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_JSON_H
#define HUBSPOT_JSON_H

#include "postgres.h"

#include "utils/palloc.h"

/*
 * PostgreSQL has a SQL function named json_object() (fmgrprotos.h); json-c
 * has a type of that name.  The type is renamed for this extension's
 * sources; every file gets json-c through this header.
 */
#ifndef json_object
#define json_object hs_json_object
#endif
#include <json-c/json.h>

/* ---------- reading ---------- */

/*
 * Parse JSON text (len bytes, need not be NUL-terminated) into an object
 * owned by "owner".  NULL if the text is not exactly one JSON value, or is
 * the JSON value null.  ERROR only when out of memory.
 */
extern json_object *hs_json_parse_owned(const char *text, size_t len,
										MemoryContext owner);

/* The string member "key" of an object, or NULL (not an object, no such
 * member, not a string, a string with an embedded NUL).  HubSpot's UTF-8,
 * unconverted: for comparisons with ASCII names.  Valid as long as obj is. */
extern const char *hs_json_string(json_object *obj, const char *key);

/* Member key of an object; NULL if obj is not an object, has no such
 * member, or the member is JSON null.  Valid as long as obj is. */
extern json_object *hs_member(json_object *obj, const char *key);

/* Member key of an object as text of the database encoding: a string as
 * it is, true/false, any other value as its JSON text; NULL as for
 * hs_member().  22P05 for a string with an embedded NUL (\u0000) or with a
 * character the database encoding lacks. */
extern const char *hs_member_text(json_object *obj, const char *key);
/* The same; the 22P05 message calls the member kind ("property") key. */
extern const char *hs_member_text_as(json_object *obj, const char *key,
									 const char *kind);

/*
 * HubSpot's UTF-8 text (len bytes; a json-c string) as text of the database
 * encoding: s itself in a UTF8 database, else palloc'd.  22P05 for an
 * embedded NUL (the message names the value: kind "property", name "price")
 * or a character the database encoding lacks, 22021 for text that is not
 * UTF-8, as PostgreSQL's own text and jsonb input.
 */
extern const char *hs_text_from_utf8(const char *s, size_t len, const char *kind,
									 const char *name);
extern const char *hs_json_text(json_object *v, const char *kind, const char *name);

/*
 * HubSpot's UTF-8 text for an ERROR/WARNING message: NUL as \u0000, bytes
 * that are not UTF-8 as \xHH; in a database that is not UTF8 converted,
 * characters the encoding lacks as \uXXXX.  palloc'd.
 */
extern char *hs_message_text(const char *s, size_t len);

/* ---------- ownership ---------- */

/*
 * Make "owner" own obj, which must belong to nothing else (not a member of
 * another object).  If that fails (out of memory), obj is put and ERROR is
 * raised.  Returns obj; NULL is passed through.
 */
extern json_object *hs_json_own(json_object *obj, MemoryContext owner);

/* ---------- writing ---------- */

/* A new empty object / array owned by "owner". */
extern json_object *hs_json_new_object(MemoryContext owner);
extern json_object *hs_json_new_array(MemoryContext owner);

/*
 * Set member "key" of object obj (replacing an earlier one).  The _object
 * and _array variants return the new, empty container, which belongs to obj.
 * hs_json_add_string(obj, key, NULL) sets a JSON null.
 */
extern void hs_json_add_string(json_object *obj, const char *key, const char *value);
extern void hs_json_add_int64(json_object *obj, const char *key, int64 value);
extern void hs_json_add_bool(json_object *obj, const char *key, bool value);
extern void hs_json_add_null(json_object *obj, const char *key);
extern json_object *hs_json_add_object(json_object *obj, const char *key);
extern json_object *hs_json_add_array(json_object *obj, const char *key);

/*
 * Set member "key" of obj to val, a value the caller built and that
 * belongs to nothing yet (e.g. a json_object_get() reference to a value of
 * a parsed response).  val belongs to obj afterwards, also when this raises
 * ERROR.
 */
extern void hs_json_add(json_object *obj, const char *key, json_object *val);

/*
 * Set member "key" of obj to JSON text written out as it is when obj is
 * serialized (hs_json_to_text()): for a value PostgreSQL already holds as
 * valid JSON (jsonb's text), which a json-c parse would change (json-c
 * clamps integers beyond 64 bits and refuses nesting deeper than 32).
 * text must stay valid until obj is serialized; it is not copied.
 */
extern void hs_json_add_verbatim(json_object *obj, const char *key,
								 const char *text);

/* Append to array arr; as the hs_json_add_* functions. */
extern void hs_json_append_string(json_object *arr, const char *value);
extern json_object *hs_json_append_object(json_object *arr);
extern json_object *hs_json_append_array(json_object *arr);
extern void hs_json_append(json_object *arr, json_object *val);

/*
 * The compact JSON text of obj (no spaces, "/" not escaped), palloc'd in
 * CurrentMemoryContext.  obj is not changed or freed.
 */
extern char *hs_json_to_text(json_object *obj);

#endif							/* HUBSPOT_JSON_H */
