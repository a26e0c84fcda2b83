/*-------------------------------------------------------------------------
 *
 * objects.h
 *		The registry of HubSpot CRM object types: what differs from one
 *		object to another, as data (objects.c), so that the rest of
 *		hubspot_fdw has no per-object branches.
 *
 * Sources: hubspot-objects.md 1.2 (type ids, scopes, required properties),
 * 1.3 (unique keys, products' associations) and 1.4 (which property is
 * the creation and the modification date).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_OBJECTS_H
#define HUBSPOT_OBJECTS_H

#include "postgres.h"

typedef struct HsObjectType
{
	const char *type_id;		/* "0-1"; a custom object's "2-NNN" */
	const char *name;			/* path name: "contacts", or a custom
								 * object's fullyQualifiedName */
	const char *singular;		/* "contact"; a custom object's name */
	const char *label;			/* for messages: "contact" */
	const char *read_scope;		/* "crm.objects.contacts.read" */
	const char *write_scope;	/* "crm.objects.contacts.write" */
	const char *created_property;	/* "createdate" or "hs_createdate" */
	const char *modified_property;	/* "lastmodifieddate" (contacts) or
									 * "hs_lastmodifieddate" */
	const char *unique_property;	/* the usual upsert key ("email"), or
									 * NULL */
	const char *required;		/* required on create, comma-separated, or
								 * NULL */
	bool		associable;		/* false for products (hubspot-objects.md 1.3) */
	bool		custom;			/* from the schemas API */
	bool		unique_ignores_case;	/* unique_property's values are
										 * compared without case (contacts'
										 * email, hubspot-objects.md 7.6) */
} HsObjectType;

/*
 * hs_object_find
 *		The standard object named name: its plural path name, its singular
 *		name or its type id, in any case ("contacts", "contact", "0-1").
 *		NULL when name is none of those (a custom object, or unknown).
 */
extern const HsObjectType *hs_object_find(const char *name);

/* The standard objects, in type id order: n from 0 to hs_object_count()-1. */
extern int	hs_object_count(void);
extern const HsObjectType *hs_object_nth(int n);

/*
 * hs_object_custom
 *		A palloc'd registry entry for a custom object from its schema
 *		(hubspot-objects.md 2): objectTypeId "2-NNN", fullyQualifiedName
 *		"p{portal}_{name}", name, and the requiredProperties joined by ','
 *		(or NULL).  Scopes are crm.objects.custom.read/.write.
 */
extern HsObjectType *hs_object_custom(const char *type_id,
									  const char *fully_qualified_name,
									  const char *name,
									  const char *required);

/*
 * How the object option names an object (hs_object_name_kind):
 *   HS_OBJNAME_STANDARD	a standard object of the registry, by plural or
 *							singular name or type id, in any case
 *   HS_OBJNAME_CUSTOM_ID	"2-" and digits: a custom object's objectTypeId
 *   HS_OBJNAME_CUSTOM_FQN	"p" digits "_" name: its fullyQualifiedName
 *   HS_OBJNAME_CUSTOM_SHORT	"p_" name: the portal-less short form
 *   HS_OBJNAME_INVALID		none of those (an object hubspot_fdw does not
 *							support, a bare custom object name, a typo)
 * A custom object name is a letter, then letters, digits and underscores
 * (hubspot-objects.md 2); spellings are matched in any case.  Custom
 * spellings are resolved to a schema by schemas.c, with a request.
 */
typedef enum HsObjectNameKind
{
	HS_OBJNAME_INVALID,
	HS_OBJNAME_STANDARD,
	HS_OBJNAME_CUSTOM_ID,
	HS_OBJNAME_CUSTOM_FQN,
	HS_OBJNAME_CUSTOM_SHORT
} HsObjectNameKind;

extern HsObjectNameKind hs_object_name_kind(const char *name);

/*
 * hs_object_custom_pending
 *		A palloc'd stand-in for a custom object named by spelling (one of the
 *		custom kinds above) before its schema was read: every rule that is
 *		the same for all custom objects (scopes, date properties) is right;
 *		type_id is spelling when it is an objectTypeId, else NULL; required
 *		is NULL.  For planning and plain EXPLAIN, which send no request.
 */
extern HsObjectType *hs_object_custom_pending(const char *spelling);

/*
 * hs_object_path
 *		The object's segment in request paths (/crm/v3/objects/{segment}):
 *		the plural name of a standard object, the objectTypeId of a custom
 *		one (hubspot-objects.md 2: "always use 2-NNN in URLs"), or, for a
 *		pending custom object named otherwise, its spelling.
 */
extern const char *hs_object_path(const HsObjectType *o);

/*
 * hs_object_display
 *		The object as messages name it: the plural name of a standard object
 *		("contacts"), a custom object's name ("pets").
 */
extern const char *hs_object_display(const HsObjectType *o);

/*
 * hs_object_names
 *		"contacts, companies, ..." (palloc'd): the standard objects'
 *		plural names in registry order, for hints.
 */
extern char *hs_object_names(void);

/*
 * hs_object_key
 *		One spelling per object, for comparing two names of the same
 *		object: the type id of a standard object, else name itself (custom
 *		objects are compared as written).
 */
extern const char *hs_object_key(const char *name);

#endif							/* HUBSPOT_OBJECTS_H */
