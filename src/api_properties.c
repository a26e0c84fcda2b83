/*-------------------------------------------------------------------------
 *
 * api_properties.c
 *		The parser of HubSpot's property catalogue answer (GET
 *		/crm/v3/properties/{object}, built by hs_api_get_properties() in
 *		api.c): part of the api layer, in a file of its own.
 *
 * Source: hubspot-objects.md 3 (the Property object: name, label, type,
 * fieldType, groupName, hidden, calculated, hasUniqueValue,
 * modificationMetadata.readOnlyValue, options[{label, value}]), and
 * hubspot-api.md 3.12.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api.h"
#include "errors.h"
#include "json.h"

static HsPropertyType
property_type(const char *type)
{
	if (type == NULL)
		return HS_PROP_OTHER;
	if (strcmp(type, "string") == 0 || strcmp(type, "phone_number") == 0)
		return HS_PROP_STRING;
	if (strcmp(type, "number") == 0)
		return HS_PROP_NUMBER;
	if (strcmp(type, "bool") == 0)
		return HS_PROP_BOOL;
	if (strcmp(type, "date") == 0)
		return HS_PROP_DATE;
	if (strcmp(type, "datetime") == 0)
		return HS_PROP_DATETIME;
	if (strcmp(type, "enumeration") == 0)
		return HS_PROP_ENUMERATION;
	return HS_PROP_OTHER;
}

static bool
json_bool_member(json_object *obj, const char *key)
{
	json_object *v;

	return obj != NULL && json_object_object_get_ex(obj, key, &v) &&
		json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* The string member key of obj as HubSpot sent it (UTF-8), or "". */
static char *
utf8_member(json_object *obj, const char *key)
{
	const char *s = hs_json_string(obj, key);

	return pstrdup(s != NULL ? s : "");
}

/*
 * parse_options
 *		options[] of a property: the {value, label} objects with a string
 *		value (others are left out; a missing label is "").
 */
static void
parse_options(json_object *property, HsProperty *prop)
{
	json_object *options = hs_member(property, "options");
	int			n;

	prop->noptions = 0;
	prop->options = NULL;
	if (options == NULL || !json_object_is_type(options, json_type_array))
		return;
	n = (int) json_object_array_length(options);
	prop->options = palloc0(sizeof(HsPropertyOption) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		json_object *o = json_object_array_get_idx(options, i);
		HsPropertyOption *opt;

		if (hs_json_string(o, "value") == NULL)
			continue;
		opt = &prop->options[prop->noptions++];
		opt->value = utf8_member(o, "value");
		opt->label = utf8_member(o, "label");
	}
}

/*
 * hs_api_parse_properties
 *		The properties of a property catalogue answer
 *		(CollectionResponseProperty), in HubSpot's order; entries without a
 *		name are left out.  *nproperties gets the count.  Each gets name,
 *		type, hasUniqueValue, modificationMetadata.readOnlyValue, hidden,
 *		calculated, whether fieldType is "checkbox" (a multiple-choice
 *		enumeration), and label, type, fieldType, groupName and options as
 *		HubSpot's UTF-8 (HsProperty).  Names are converted to the database
 *		encoding (22P05 for a name with \u0000 or a character the encoding
 *		lacks).
 *
 * Errors: HubSpot's own for a status other than 200; FDW_ERROR for an
 * answer without "results".  Allocates (names included) in
 * CurrentMemoryContext, which may outlive the response.
 */
HsProperty *
hs_api_parse_properties(HsResponse *resp, int *nproperties)
{
	json_object **results;
	int			n;
	HsProperty *props;

	if (resp->status != 200)
		hs_report_response_error(resp);
	results = hs_api_results(resp, "property catalogue", &n);
	props = palloc0(sizeof(HsProperty) * Max(n, 1));
	*nproperties = 0;
	for (int i = 0; i < n; i++)
	{
		json_object *v = hs_member(results[i], "name");
		json_object *meta;
		HsProperty *prop;

		if (v == NULL || !json_object_is_type(v, json_type_string))
			continue;
		prop = &props[(*nproperties)++];
		prop->name = pstrdup(hs_json_text(v, "property catalogue's", "name"));
		prop->type = property_type(hs_json_string(results[i], "type"));
		prop->unique = json_bool_member(results[i], "hasUniqueValue");
		prop->hidden = json_bool_member(results[i], "hidden");
		prop->calculated = json_bool_member(results[i], "calculated");
		prop->label = utf8_member(results[i], "label");
		prop->type_name = utf8_member(results[i], "type");
		prop->field_type = utf8_member(results[i], "fieldType");
		prop->group_name = utf8_member(results[i], "groupName");
		prop->multiple = strcmp(prop->field_type, "checkbox") == 0;
		prop->read_only = json_object_object_get_ex(results[i], "modificationMetadata", &meta) &&
			json_bool_member(meta, "readOnlyValue");
		parse_options(results[i], prop);
	}
	pfree(results);
	return props;
}
