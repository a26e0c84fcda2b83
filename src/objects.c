/*-------------------------------------------------------------------------
 *
 * objects.c
 *		The registry of HubSpot CRM object types (objects.h): one row of
 *		data per standard object, and custom objects made from their schema.
 *
 * Rows follow hubspot-objects.md 1.2 (type ids, scopes, required
 * properties; engagements are guarded by the contacts scopes, tickets by
 * the legacy "tickets" scope), 1.3 (contacts' unique email; products
 * cannot be associated) and 1.4 (contacts' "lastmodifieddate"; engagements'
 * and quotes' "hs_createdate").
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "objects.h"

#define SCOPES(o) "crm.objects." o ".read", "crm.objects." o ".write"

static const HsObjectType standard_objects[] =
{
	{"0-1", "contacts", "contact", "contact", SCOPES("contacts"),
	"createdate", "lastmodifieddate", "email", NULL, true, false, true},
	{"0-2", "companies", "company", "company", SCOPES("companies"),
	"createdate", "hs_lastmodifieddate", NULL, NULL, true, false, false},
	{"0-3", "deals", "deal", "deal", SCOPES("deals"),
	"createdate", "hs_lastmodifieddate", NULL, "dealname,dealstage", true, false, false},
	{"0-5", "tickets", "ticket", "ticket", "tickets", "tickets",
	"createdate", "hs_lastmodifieddate", NULL,
	"subject,hs_pipeline,hs_pipeline_stage", true, false, false},
	{"0-7", "products", "product", "product", SCOPES("products"),
	"createdate", "hs_lastmodifieddate", NULL, NULL, false, false, false},
	{"0-8", "line_items", "line_item", "line item", SCOPES("line_items"),
	"createdate", "hs_lastmodifieddate", NULL, NULL, true, false, false},
	{"0-14", "quotes", "quote", "quote", SCOPES("quotes"),
	"hs_createdate", "hs_lastmodifieddate", NULL,
	"hs_title,hs_expiration_date", true, false, false},
	{"0-27", "tasks", "task", "task", SCOPES("contacts"),
	"hs_createdate", "hs_lastmodifieddate", NULL, "hs_timestamp", true, false, false},
	{"0-46", "notes", "note", "note", SCOPES("contacts"),
	"hs_createdate", "hs_lastmodifieddate", NULL, "hs_timestamp", true, false, false},
	{"0-47", "meetings", "meeting", "meeting", SCOPES("contacts"),
	"hs_createdate", "hs_lastmodifieddate", NULL, "hs_timestamp", true, false, false},
	{"0-48", "calls", "call", "call", SCOPES("contacts"),
	"hs_createdate", "hs_lastmodifieddate", NULL, "hs_timestamp", true, false, false},
	{"0-49", "emails", "email", "email", SCOPES("contacts"),
	"hs_createdate", "hs_lastmodifieddate", NULL,
	"hs_timestamp,hs_email_direction", true, false, false},
};

const HsObjectType *
hs_object_find(const char *name)
{
	for (size_t i = 0; i < lengthof(standard_objects); i++)
	{
		const HsObjectType *o = &standard_objects[i];

		if (pg_strcasecmp(name, o->type_id) == 0 ||
			pg_strcasecmp(name, o->name) == 0 ||
			pg_strcasecmp(name, o->singular) == 0)
			return o;
	}
	return NULL;
}

int
hs_object_count(void)
{
	return (int) lengthof(standard_objects);
}

const HsObjectType *
hs_object_nth(int n)
{
	Assert(n >= 0 && n < hs_object_count());
	return &standard_objects[n];
}

HsObjectType *
hs_object_custom(const char *type_id, const char *fully_qualified_name,
				 const char *name, const char *required)
{
	HsObjectType *o = palloc0(sizeof(HsObjectType));

	o->type_id = pstrdup(type_id);
	o->name = pstrdup(fully_qualified_name);
	o->singular = pstrdup(name);
	o->label = o->singular;
	o->read_scope = "crm.objects.custom.read";
	o->write_scope = "crm.objects.custom.write";
	o->created_property = "hs_createdate";
	o->modified_property = "hs_lastmodifieddate";
	o->unique_property = NULL;
	o->required = required ? pstrdup(required) : NULL;
	o->associable = true;
	o->custom = true;
	return o;
}

/* Is s a custom object name: a letter, then letters, digits, underscores? */
static bool
custom_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

HsObjectNameKind
hs_object_name_kind(const char *name)
{
	size_t		digits;

	if (hs_object_find(name) != NULL)
		return HS_OBJNAME_STANDARD;
	if (strncmp(name, "2-", 2) == 0)
	{
		digits = strspn(name + 2, "0123456789");
		return digits > 0 && digits <= 18 && name[2 + digits] == '\0' ?
			HS_OBJNAME_CUSTOM_ID : HS_OBJNAME_INVALID;
	}
	if (name[0] != 'p' && name[0] != 'P')
		return HS_OBJNAME_INVALID;
	if (name[1] == '_')
		return custom_name(name + 2) ? HS_OBJNAME_CUSTOM_SHORT : HS_OBJNAME_INVALID;
	digits = strspn(name + 1, "0123456789");
	if (digits > 0 && digits <= 18 && name[1 + digits] == '_' &&
		custom_name(name + 2 + digits))
		return HS_OBJNAME_CUSTOM_FQN;
	return HS_OBJNAME_INVALID;
}

HsObjectType *
hs_object_custom_pending(const char *spelling)
{
	HsObjectType *o = hs_object_custom(spelling, spelling, spelling, NULL);

	if (hs_object_name_kind(spelling) != HS_OBJNAME_CUSTOM_ID)
		o->type_id = NULL;
	return o;
}

const char *
hs_object_path(const HsObjectType *o)
{
	if (o->custom && o->type_id != NULL)
		return o->type_id;
	return o->name;
}

const char *
hs_object_display(const HsObjectType *o)
{
	return o->custom ? o->singular : o->name;
}

char *
hs_object_names(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (size_t i = 0; i < lengthof(standard_objects); i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", standard_objects[i].name);
	return buf.data;
}

const char *
hs_object_key(const char *name)
{
	const HsObjectType *o = hs_object_find(name);

	return o ? o->type_id : name;
}
