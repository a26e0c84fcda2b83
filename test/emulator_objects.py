"""The HubSpot emulator's object registry: every CRM object it serves, their property
catalogues, required and unique properties, scopes and the schemas API (custom objects).

Follows shared/docs/hubspot-objects.md sections 1 to 3 and 7 (the emulator checklist). The
generic endpoints of test/emulator.py serve every object here; this module holds what differs
by object, as data:

    ObjectType   name (plural path name), singular, type id, upper-case name of messages,
                 read/write scopes, default-returned properties, created/modified property,
                 required properties (and defaults), the unique property (contacts: email),
                 whether the object is custom
    ObjectState  one object's catalogue and Store in one emulator
    resolve()    a path segment (plural, singular, 0-x, 2-x, p{portal}_{name}, p_{name}; any
                 case for the names) to an ObjectType, else 400 "Unable to infer object type"

Standard library only.
"""

import copy
import decimal

import emulator_search

# test/emulator.py, set by it at import (it may run as __main__): make_property, ApiError ...
HOST = None

PETS_ID = "90001"
PETS_TYPE_ID = "2-" + PETS_ID

ENGAGEMENT_DEFAULTS = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")
CONTACT_SCOPES = (("crm.objects.contacts.read",), ("crm.objects.contacts.write",))

# Deal stages of pipeline "default" with their probabilities (section 1.3, deals).
DEAL_STAGES = (("appointmentscheduled", "Appointment Scheduled", "0.2"),
               ("qualifiedtobuy", "Qualified To Buy", "0.4"),
               ("presentationscheduled", "Presentation Scheduled", "0.6"),
               ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
               ("contractsent", "Contract Sent", "0.9"),
               ("closedwon", "Closed Won", "1.0"),
               ("closedlost", "Closed Lost", "0.0"))
TICKET_STAGES = (("1", "New"), ("2", "Waiting on contact"), ("3", "Waiting on us"), ("4", "Closed"))


class ObjectType:
    """What differs by object (data, never branches on names)."""

    def __init__(self, type_id, name, singular, upper, scopes, defaults, created="createdate",
                 modified="hs_lastmodifieddate", required=(), required_defaults=None, unique=None,
                 searchable=(), custom=False, label=None, extra_read_scopes=()):
        self.type_id = type_id
        self.name = name
        self.singular = singular
        self.upper = upper                # CONTACT, LINE_ITEM ...: batch and association messages
        self.read_scopes = tuple(scopes[0]) + tuple(extra_read_scopes)
        self.write_scopes = tuple(scopes[1])
        self.defaults = tuple(defaults)   # properties returned when a read names none
        self.created = created
        self.modified = modified
        self.always = (created, modified, "hs_object_id")
        self.required = tuple(required)
        self.required_defaults = dict(required_defaults or {})
        self.unique = unique              # case-insensitive unique property (contacts: email)
        self.searchable = tuple(searchable)
        self.custom = custom
        self.label = label or singular.replace("_", " ")

    def aliases(self, portal_id):
        names = {self.name, self.singular, self.type_id}
        if self.custom:
            names |= {"p%s_%s" % (portal_id, self.name), "p_%s" % self.name}
        return {n.lower() for n in names}

    def key(self, portal_id):
        """The inline association key and the fully qualified name of custom objects."""
        return "p%s_%s" % (portal_id, self.name) if self.custom else self.name


def _t(type_id, name, singular, scopes_of, defaults, **kw):
    if isinstance(scopes_of, str):
        scopes = (("crm.objects.%s.read" % scopes_of,), ("crm.objects.%s.write" % scopes_of,))
    else:
        scopes = scopes_of
    return ObjectType(type_id, name, singular, singular.upper(), scopes, defaults, **kw)


def _engagement(type_id, name, singular, searchable, required=("hs_timestamp",)):
    return _t(type_id, name, singular, CONTACT_SCOPES, ENGAGEMENT_DEFAULTS, created="hs_createdate",
              required=required, searchable=searchable,
              extra_read_scopes=("crm.objects.%s.read" % name,))


OBJECT_TYPES = [
    _t("0-1", "contacts", "contact", "contacts",
       ("firstname", "lastname", "email", "lastmodifieddate", "hs_object_id", "createdate"),
       modified="lastmodifieddate", unique="email",
       searchable=("firstname", "lastname", "email", "phone", "hs_additional_emails", "fax",
                   "mobilephone", "company", "hs_marketable_until_renewal")),
    _t("0-2", "companies", "company", "companies",
       ("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
       searchable=("website", "phone", "name", "domain")),
    _t("0-3", "deals", "deal", "deals",
       ("dealname", "amount", "closedate", "pipeline", "dealstage", "createdate",
        "hs_lastmodifieddate", "hs_object_id"),
       required=("dealname", "dealstage"), required_defaults={"pipeline": "default"},
       searchable=("dealname", "pipeline", "dealstage", "description", "dealtype")),
    _t("0-5", "tickets", "ticket", (("tickets",), ("tickets",)),
       ("content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_category", "hs_ticket_priority",
        "subject", "createdate", "hs_lastmodifieddate", "hs_object_id"),
       required=("subject", "hs_pipeline", "hs_pipeline_stage"),
       searchable=("subject", "content", "hs_pipeline_stage", "hs_ticket_category", "hs_ticket_id")),
    _t("0-7", "products", "product", "products",
       ("name", "description", "price", "createdate", "hs_lastmodifieddate", "hs_object_id"),
       searchable=("name", "description", "price", "hs_sku"),
       extra_read_scopes=("e-commerce",)),
    _t("0-8", "line_items", "line_item", "line_items",
       ("quantity", "amount", "price", "createdate", "hs_lastmodifieddate", "hs_object_id"),
       extra_read_scopes=("e-commerce",)),
    _t("0-14", "quotes", "quote", "quotes",
       ("hs_expiration_date", "hs_public_url_key", "hs_status", "hs_title", "hs_createdate",
        "hs_lastmodifieddate", "hs_object_id"),
       created="hs_createdate", required=("hs_title", "hs_expiration_date"),
       searchable=("hs_title", "hs_public_url_key", "hs_quote_number", "hs_sender_email"),
       extra_read_scopes=("e-commerce",)),
    _engagement("0-27", "tasks", "task", ("hs_task_body", "hs_task_subject")),
    _engagement("0-46", "notes", "note", ("hs_note_body",)),
    _engagement("0-47", "meetings", "meeting", ("hs_meeting_title", "hs_meeting_body")),
    _engagement("0-48", "calls", "call", ("hs_call_title", "hs_body_preview")),
    _engagement("0-49", "emails", "email", ("hs_email_subject",),
                required=("hs_timestamp", "hs_email_direction")),
    ObjectType(PETS_TYPE_ID, "pets", "pet", "PETS",
               (("crm.objects.custom.read",), ("crm.objects.custom.write",)),
               ENGAGEMENT_DEFAULTS, created="hs_createdate", required=("name",),
               searchable=("name", "species"), custom=True, label="Pet"),
]
BY_NAME = {t.name: t for t in OBJECT_TYPES}

for _type in OBJECT_TYPES:
    emulator_search.SEARCHABLE_PROPERTIES.setdefault(_type.name, _type.searchable)


def unknown_object_type(name):
    """HubSpot's answer to a path segment or associations= value naming no object: 400, no
    category (hubspot-objects.md section 1.1)."""
    emulator = HOST
    return emulator.ApiError(400, None, "Unable to infer object type from: %s" % name)


def find(name, portal_id):
    """The ObjectType a path segment names, or None."""
    low = name.lower()
    for t in OBJECT_TYPES:
        if low in t.aliases(portal_id):
            return t
    return None


# ---------------------------------------------------------------------------
# Property catalogues (sections 1.3, 1.4 and 3)
# ---------------------------------------------------------------------------

def _p(name, label, ptype, field_type=None, options=None, group="", read_only=False,
       hidden=False, calculated=False, unique=False, defined=True, description=""):
    emulator = HOST
    prop = emulator.make_property(name, label, ptype, field_type, options, read_only=read_only,
                                  unique=unique, defined=defined, description=description or label,
                                  group=group, hidden=hidden)
    prop["calculated"] = calculated
    return prop


def _opts(values):
    emulator = HOST
    return emulator._options([(v, l) for v, l in values])


def _system(group, created="createdate", object_label="record"):
    """hs_object_id, the create and modify dates and the record source, read-only."""
    props = [
        _p("hs_object_id", "Record ID", "number", group=group, read_only=True,
           description="The unique ID for this record. This value is set automatically by HubSpot."),
        _p("hs_createdate", "Object create date/time", "datetime", group=group, read_only=True,
           description="The date and time at which this object was created"),
        _p("hs_lastmodifieddate", "Last Modified Date", "datetime", group=group, read_only=True,
           description="The date any property on this %s was modified" % object_label),
        _p("hs_object_source", "Record source", "string", group=group, read_only=True),
        _p("hs_object_source_id", "Record source ID", "string", group=group, read_only=True),
        _p("hs_object_source_label", "Record source label", "string", group=group, read_only=True),
        _p("hs_merged_object_ids", "Merged record IDs", "enumeration", "checkbox", group=group,
           read_only=True),
        _p("hubspot_owner_id", "Owner", "enumeration", options=_opts(
            [("101", "Avery Owner"), ("102", "Blake Owner"), ("103", "Casey Owner")]), group=group),
    ]
    if created == "createdate":
        props.append(_p("createdate", "Create Date", "datetime", group=group,
                        description="The date the %s was created" % object_label))
    return props


CONTACT_FILLER_TYPES = ("string", "number", "datetime", "enumeration", "bool", "date")
CONTACT_PROPERTY_COUNT = 400
LONG_CONTACT_PROPERTY = ("hs_analytics_source_data_first_touch_converting_campaign_attribution_detail")
UPPER_CASE_CONTACT_PROPERTY = "Legacy_CRM_ID"


def product_properties():
    """The product property catalogue: HubSpot's defaults plus the test portal's custom ones."""
    p = HOST.make_property
    _options = HOST._options
    ro = {"read_only": True}
    props = [
        p("hs_object_id", "Record ID", "number", description="The unique ID for this record. This value is set automatically by HubSpot.", **ro),
        p("name", "Name", "string", description="Product name"),
        p("description", "Description", "string", "textarea", description="Full description of product"),
        p("price", "Unit price", "number", description="Cost of product"),
        p("hs_sku", "SKU", "string", description="Unique product identifier"),
        p("hs_cost_of_goods_sold", "Unit cost", "number", description="The amount that sold goods cost the HubSpot customer"),
        p("recurringbillingfrequency", "Billing frequency", "enumeration", options=_options([
            ("weekly", "Weekly"), ("biweekly", "Biweekly"), ("monthly", "Monthly"),
            ("quarterly", "Quarterly"), ("per_six_months", "Every six months"),
            ("annually", "Annually"), ("per_two_years", "Every two years"),
            ("per_three_years", "Every three years"), ("per_four_years", "Every four years"),
            ("per_five_years", "Every five years")]),
          description="How often a line item with this product should be billed"),
        p("hs_recurring_billing_period", "Term", "string", description="The length of a recurring billing term, as an ISO-8601 period P#M"),
        p("hs_recurring_billing_start_date", "Start date", "date", description="Recurring billing start date for a line item"),
        p("discount", "Unit discount", "number", description="The discount amount applied"),
        p("hs_discount_percentage", "Discount percentage", "number", description="The discount percentage applied"),
        p("tax", "Tax", "number", description="The tax amount applied"),
        p("hs_tax_category", "Tax category", "enumeration", options=_options([
            ("standard", "Standard"), ("reduced", "Reduced"), ("zero_rated", "Zero rated"),
            ("exempt", "Exempt")]), description="Tax category of the product"),
        p("hs_product_type", "Product type", "enumeration", options=_options([
            ("inventory", "Inventory"), ("non_inventory", "Non-inventory"), ("service", "Service")]),
          description="The type of product"),
        p("hs_status", "Status", "enumeration", options=_options([
            ("active", "Active"), ("inactive", "Inactive")]), description="Status of the product"),
        p("hs_pricing_model", "Pricing model", "enumeration", options=_options([
            ("flat", "Flat"), ("tiered", "Tiered")]), description="Pricing model of the product"),
        p("hs_tier_prices", "Tier prices", "string", description="Prices of the pricing tiers"),
        p("hs_tier_ranges", "Tier ranges", "string", description="Ranges of the pricing tiers"),
        p("hs_bundle_pricing_type", "Pricing", "enumeration", options=_options([
            ("individual", "Individual"), ("bundle", "Bundle")]), description="Pricing of a bundle"),
        p("hs_url", "URL", "string", description="The web page URL of the product"),
        p("hs_images", "Image URL", "string", description="Image URL of the product"),
        p("hs_rich_text_description", "Description (rich)", "string", "html", description="Rich text description of the product"),
        p("hs_folder", "Folder", "enumeration", options=_options([
            ("301", "Hardware"), ("302", "Services")]), external_options=True,
          description="Folder of the product"),
        p("hs_folder_id", "Folder Id", "number", description="Id of the folder of the product"),
        p("hubspot_owner_id", "Owner", "enumeration", options=_options([
            ("101", "Avery Owner"), ("102", "Blake Owner"), ("103", "Casey Owner")]),
          external_options=True, description="The owner of the object"),
        p("hs_all_assigned_business_unit_ids", "Business units", "enumeration", "checkbox",
          options=_options([("0", "Default business unit"), ("1", "Second business unit")]),
          external_options=True, description="The business units this record is assigned to"),
        p("hs_owning_teams", "Owning teams", "enumeration", "checkbox",
          options=_options([("201", "Sales"), ("202", "Services")]),
          external_options=True, description="The teams that own this record"),
        p("hs_pinned_engagement_id", "Pinned engagement ID", "number", description="The object ID of the current pinned engagement"),
        p("createdate", "Create Date", "datetime", description="The date the product was created"),
        p("hs_lastmodifieddate", "Last Modified Date", "datetime", description="The date any property on this product was modified", **ro),
        p("hs_createdate", "Object create date/time", "datetime", description="The date and time at which this object was created", **ro),
        p("hs_created_by_user_id", "Created by user ID", "number", description="The user who created this record", **ro),
        p("hs_updated_by_user_id", "Updated by user ID", "number", description="The user who last updated this record", **ro),
        p("hs_merged_object_ids", "Merged record IDs", "enumeration", "checkbox", description="The list of record IDs that have been merged into this record", **ro),
        p("hs_object_source", "Record source", "enumeration", options=_options([
            ("API", "API"), ("CRM_UI", "CRM UI"), ("IMPORT", "Import"),
            ("INTEGRATION", "Integration"), ("INTERNAL_PROCESSING", "Internal processing")]),
          description="Raw internal PropertySource present in the RequestContext when this record was created", **ro),
        p("hs_object_source_label", "Record source label", "string", description="Human readable source of this record", **ro),
        p("hs_object_source_id", "Record source ID", "string", description="Raw internal sourceId present in the RequestContext when this record was created", **ro),
        p("hs_object_source_detail_1", "Record source detail 1", "string", description="First level of detail on how this record was created", **ro),
        p("hs_object_source_detail_2", "Record source detail 2", "string", description="Second level of detail on how this record was created", **ro),
        p("hs_object_source_detail_3", "Record source detail 3", "string", description="Third level of detail on how this record was created", **ro),
        p("hubspot_owner_assigneddate", "Owner assigned date", "datetime", description="The most recent timestamp of when an owner was assigned to this record", **ro),
        p("hs_all_owner_ids", "All owner IDs", "enumeration", "checkbox", description="Values of all default and custom owner properties for this record", **ro),
        p("hs_all_team_ids", "All team IDs", "enumeration", "checkbox", description="The team IDs, including the team hierarchy, of all default and custom owner properties for this record", **ro),
        p("hs_all_accessible_team_ids", "All accessible team IDs", "enumeration", "checkbox", description="The team IDs, including the team hierarchy, of all teams that can access this record", **ro),
        p("hubspot_team_id", "HubSpot Team", "enumeration", description="The primary team of the record owner", **ro),
        # Custom properties of the test portal.
        p("external_id", "External ID", "string", unique=True, defined=False, display_order=1,
          description="Identifier of the product in the source catalogue (unique)"),
        p("in_stock", "In stock", "bool", defined=False, display_order=2,
          description="Whether the product is in stock"),
        p("sales_channels", "Sales channels", "enumeration", "checkbox", defined=False, display_order=3,
          options=_options([("web", "Web"), ("retail", "Retail"), ("partner", "Partner")]),
          description="Channels the product is sold through"),
        p("launch_date", "Launch date", "date", defined=False, display_order=4,
          description="Date the product was launched"),
        p("weight_kg", "Weight (kg)", "number", defined=False, display_order=5,
          description="Shipping weight in kilograms"),
    ]
    return props


def contact_properties():
    g = "contactinformation"
    props = _system(g, object_label="contact")
    props += [
        _p("lastmodifieddate", "Last Modified Date", "datetime", group=g, read_only=True),
        _p("email", "Email", "string", group=g, description="A contact's email address"),
        _p("firstname", "First Name", "string", group=g),
        _p("lastname", "Last Name", "string", group=g),
        _p("phone", "Phone Number", "string", "phonenumber", group=g),
        _p("mobilephone", "Mobile Phone Number", "string", "phonenumber", group=g),
        _p("fax", "Fax Number", "string", group=g),
        _p("company", "Company Name", "string", group=g),
        _p("jobtitle", "Job Title", "string", group=g),
        _p("website", "Website URL", "string", group=g),
        _p("city", "City", "string", group=g),
        _p("state", "State/Region", "string", group=g),
        _p("zip", "Postal Code", "string", group=g),
        _p("country", "Country/Region", "string", group=g),
        _p("date_of_birth", "Date of birth", "date", group=g),
        _p("hs_additional_emails", "Additional email addresses", "enumeration", "checkbox", group=g,
           read_only=True),
        _p("hs_marketable_until_renewal", "Marketing contact until next update", "enumeration",
           options=_opts([("true", "Yes"), ("false", "No")]), group=g, read_only=True),
        _p("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", options=_opts(
            [("subscriber", "Subscriber"), ("lead", "Lead"), ("marketingqualifiedlead", "Marketing Qualified Lead"),
             ("salesqualifiedlead", "Sales Qualified Lead"), ("opportunity", "Opportunity"),
             ("customer", "Customer"), ("evangelist", "Evangelist"), ("other", "Other")]), group=g),
        _p("hs_buying_role", "Buying Role", "enumeration", "checkbox", options=_opts(
            [("BUDGET_HOLDER", "Budget Holder"), ("CHAMPION", "Champion"),
             ("DECISION_MAKER", "Decision Maker"), ("END_USER", "End User"),
             ("INFLUENCER", "Influencer")]), group="sales_properties"),
        _p("hs_email_optout", "Unsubscribed from all email", "bool", group=g),
        _p("num_associated_deals", "Number of Associated Deals", "number", group="deal_information",
           read_only=True, calculated=True),
        _p("hs_calculated_phone_number", "Calculated Phone Number", "string", group=g,
           read_only=True, calculated=True, hidden=True),
        _p("hs_searchable_calculated_mobile_number", "Calculated Mobile Number without country code",
           "string", group=g, read_only=True, calculated=True, hidden=True),
        _p("hs_internal_sync_state", "Internal sync state", "string", group=g, hidden=True),
        _p(LONG_CONTACT_PROPERTY, "First touch converting campaign attribution detail", "string",
           group="analyticsinformation", read_only=True),
        _p(UPPER_CASE_CONTACT_PROPERTY, "Legacy CRM ID", "string", group=g, defined=False),
        _p("loyalty_tier", "Loyalty tier", "enumeration", "select", options=_opts(
            [("bronze", "Bronze"), ("silver", "Silver"), ("gold", "Gold")]), group=g, defined=False),
    ]
    i = 0
    while len(props) < CONTACT_PROPERTY_COUNT:
        i += 1
        ptype = CONTACT_FILLER_TYPES[i % len(CONTACT_FILLER_TYPES)]
        options = _opts([("option_a", "Option A"), ("option_b", "Option B")]) if ptype == "enumeration" else None
        props.append(_p("marketing_attribution_custom_field_%03d_%s" % (i, ptype),
                        "Marketing attribution field %d" % i, ptype, options=options,
                        group="marketing_attribution", defined=False))
    return props


def company_properties():
    g = "companyinformation"
    return _system(g, object_label="company") + [
        _p("name", "Company name", "string", group=g),
        _p("domain", "Company Domain Name", "string", group=g),
        _p("hs_additional_domains", "Additional Domains", "enumeration", "checkbox", group=g, read_only=True),
        _p("website", "Website URL", "string", group=g),
        _p("phone", "Phone Number", "string", "phonenumber", group=g),
        _p("city", "City", "string", group=g),
        _p("country", "Country/Region", "string", group=g),
        _p("industry", "Industry", "enumeration", options=_opts(
            [("COMPUTER_SOFTWARE", "Computer Software"), ("RETAIL", "Retail"),
             ("FINANCIAL_SERVICES", "Financial Services"), ("HOSPITAL_HEALTH_CARE", "Hospital & Health Care")]),
           group=g),
        _p("numberofemployees", "Number of Employees", "number", group=g),
        _p("annualrevenue", "Annual Revenue", "number", group=g),
        _p("description", "Description", "string", "textarea", group=g),
        _p("num_associated_contacts", "Number of Associated Contacts", "number", group=g,
           read_only=True, calculated=True),
    ]


def deal_properties():
    g = "dealinformation"
    return _system(g, object_label="deal") + [
        _p("dealname", "Deal Name", "string", group=g),
        _p("amount", "Amount", "number", group=g),
        _p("dealstage", "Deal Stage", "enumeration", "radio",
           options=_opts([(s, l) for s, l, _ in DEAL_STAGES]), group=g),
        _p("pipeline", "Pipeline", "enumeration", "select",
           options=_opts([("default", "Sales Pipeline")]), group=g),
        _p("closedate", "Close Date", "datetime", group=g),
        _p("dealtype", "Deal Type", "enumeration", "radio", options=_opts(
            [("newbusiness", "New Business"), ("existingbusiness", "Existing Business")]), group=g),
        _p("description", "Deal Description", "string", "textarea", group=g),
        _p("hs_deal_stage_probability", "Deal Stage Probability", "number", group=g,
           read_only=True, calculated=True),
        _p("num_associated_contacts", "Number of Associated Contacts", "number", group=g,
           read_only=True, calculated=True),
    ]


def ticket_properties():
    g = "ticketinformation"
    return _system(g, object_label="ticket") + [
        _p("subject", "Ticket name", "string", group=g),
        _p("content", "Ticket description", "string", "textarea", group=g),
        _p("hs_pipeline", "Pipeline", "enumeration", "select", options=_opts([("0", "Support Pipeline")]), group=g),
        _p("hs_pipeline_stage", "Ticket status", "enumeration", "select", options=_opts(TICKET_STAGES), group=g),
        _p("hs_ticket_category", "Category", "enumeration", "checkbox", options=_opts(
            [("PRODUCT_ISSUE", "Product issue"), ("BILLING_ISSUE", "Billing issue"),
             ("FEATURE_REQUEST", "Feature request"), ("GENERAL_INQUIRY", "General inquiry")]), group=g),
        _p("hs_ticket_priority", "Priority", "enumeration", "select", options=_opts(
            [("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High"), ("URGENT", "Urgent")]), group=g),
        _p("hs_ticket_id", "Ticket ID", "number", group=g, read_only=True),
    ]


def line_item_properties():
    g = "lineiteminformation"
    return _system(g, object_label="line item") + [
        _p("name", "Name", "string", group=g),
        _p("quantity", "Quantity", "number", group=g),
        _p("price", "Unit price", "number", group=g),
        _p("amount", "Net price", "number", group=g, read_only=True, calculated=True,
           description="The price multiplied by the quantity"),
        _p("hs_product_id", "Product ID", "number", group=g),
        _p("hs_sku", "SKU", "string", group=g),
        _p("description", "Description", "string", "textarea", group=g),
        _p("discount", "Unit discount", "number", group=g),
        _p("hs_recurring_billing_period", "Term", "string", group=g),
    ]


def quote_properties():
    g = "quoteinformation"
    return _system(g, created="hs_createdate", object_label="quote") + [
        _p("hs_title", "Quote name", "string", group=g),
        _p("hs_expiration_date", "Expiration date", "datetime", group=g),
        _p("hs_status", "Quote approval status", "enumeration", options=_opts(
            [("DRAFT", "Draft"), ("APPROVAL_NOT_NEEDED", "Approval not needed"),
             ("PENDING_APPROVAL", "Pending approval"), ("APPROVED", "Approved"), ("REJECTED", "Rejected")]),
           group=g),
        _p("hs_public_url_key", "Public URL key", "string", group=g, read_only=True),
        _p("hs_quote_number", "Quote number", "string", group=g, read_only=True),
        _p("hs_quote_amount", "Quote amount", "number", group=g, read_only=True, calculated=True),
        _p("hs_currency", "Currency", "string", group=g),
        _p("hs_sender_email", "Sender email", "string", group=g),
        _p("hs_language", "Language", "string", group=g),
    ]


def engagement_properties(object_label, extra):
    g = "engagement"
    return _system(g, created="hs_createdate", object_label=object_label) + [
        _p("hs_timestamp", "Activity date", "datetime", group=g),
        _p("hs_body_preview", "Body preview", "string", group=g, read_only=True, calculated=True),
    ] + extra


def task_properties():
    g = "task"
    return engagement_properties("task", [
        _p("hs_task_subject", "Task Title", "string", group=g),
        _p("hs_task_body", "Task notes", "string", "textarea", group=g),
        _p("hs_task_status", "Task Status", "enumeration", options=_opts(
            [("NOT_STARTED", "Not started"), ("IN_PROGRESS", "In progress"), ("WAITING", "Waiting"),
             ("COMPLETED", "Completed"), ("DEFERRED", "Deferred")]), group=g),
        _p("hs_task_priority", "Priority", "enumeration", options=_opts(
            [("NONE", "None"), ("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")]), group=g),
        _p("hs_task_type", "Task Type", "enumeration", options=_opts(
            [("EMAIL", "Email"), ("CALL", "Call"), ("TODO", "To-do")]), group=g),
        _p("hs_task_reminders", "Reminder", "enumeration", "checkbox", group=g),
    ])


def note_properties():
    return engagement_properties("note", [
        _p("hs_note_body", "Note body", "string", "html", group="note"),
        _p("hs_attachment_ids", "Attached file IDs", "enumeration", "checkbox", group="note"),
    ])


def meeting_properties():
    g = "meeting"
    return engagement_properties("meeting", [
        _p("hs_meeting_title", "Meeting name", "string", group=g),
        _p("hs_meeting_body", "Meeting description", "string", "html", group=g),
        _p("hs_meeting_start_time", "Start Time", "datetime", group=g),
        _p("hs_meeting_end_time", "End Time", "datetime", group=g),
        _p("hs_meeting_location", "Location", "string", group=g),
        _p("hs_meeting_outcome", "Meeting outcome", "enumeration", options=_opts(
            [("SCHEDULED", "Scheduled"), ("COMPLETED", "Completed"), ("RESCHEDULED", "Rescheduled"),
             ("NO_SHOW", "No Show"), ("CANCELED", "Canceled")]), group=g),
    ])


def call_properties():
    g = "call"
    return engagement_properties("call", [
        _p("hs_call_title", "Call Title", "string", group=g),
        _p("hs_call_body", "Call notes", "string", "html", group=g),
        _p("hs_call_duration", "Call duration", "number", group=g),
        _p("hs_call_direction", "Call direction", "enumeration", options=_opts(
            [("INBOUND", "Inbound"), ("OUTBOUND", "Outbound")]), group=g),
        _p("hs_call_status", "Call status", "enumeration", options=_opts(
            [("BUSY", "Busy"), ("CALLING_CRM_USER", "Calling CRM user"), ("CANCELED", "Canceled"),
             ("COMPLETED", "Completed"), ("CONNECTING", "Connecting"), ("FAILED", "Failed"),
             ("IN_PROGRESS", "In progress"), ("NO_ANSWER", "No answer"), ("QUEUED", "Queued"),
             ("RINGING", "Ringing")]), group=g),
        _p("hs_call_to_number", "To number", "string", "phonenumber", group=g),
    ])


def email_properties():
    g = "email"
    return engagement_properties("email", [
        _p("hs_email_subject", "Email subject", "string", group=g),
        _p("hs_email_text", "Email body", "string", "textarea", group=g),
        _p("hs_email_html", "Email HTML body", "string", "html", group=g),
        _p("hs_email_direction", "Email direction", "enumeration", options=_opts(
            [("EMAIL", "Logged from CRM"), ("INCOMING_EMAIL", "Incoming"),
             ("FORWARDED_EMAIL", "Forwarded")]), group=g),
        _p("hs_email_status", "Email send status", "enumeration", options=_opts(
            [("BOUNCED", "Bounced"), ("FAILED", "Failed"), ("SCHEDULED", "Scheduled"),
             ("SENDING", "Sending"), ("SENT", "Sent")]), group=g),
        _p("hs_email_to_email", "To", "string", group=g),
    ])


def pet_properties():
    g = "pets_information"
    return _system(g, created="hs_createdate", object_label="pet") + [
        _p("name", "Name", "string", group=g, defined=False, description="The pet's name"),
        _p("species", "Species", "enumeration", "select", options=_opts(
            [("dog", "Dog"), ("cat", "Cat"), ("rabbit", "Rabbit"), ("bird", "Bird")]),
           group=g, defined=False),
        _p("weight", "Weight (kg)", "number", group=g, defined=False),
        _p("adopted", "Adopted", "bool", group=g, defined=False),
    ]


CATALOGUES = {
    "products": product_properties, "contacts": contact_properties, "companies": company_properties, "deals": deal_properties,
    "tickets": ticket_properties, "line_items": line_item_properties, "quotes": quote_properties,
    "tasks": task_properties, "notes": note_properties, "meetings": meeting_properties,
    "calls": call_properties, "emails": email_properties, "pets": pet_properties,
}


def build_catalogue(name):
    """A fresh catalogue {property name: Property} for an object."""
    return {p["name"]: p for p in CATALOGUES[name]()}


class ObjectState:
    """One object's catalogue and Store in one emulator."""

    def __init__(self, otype, store_class, ids):
        self.type = otype
        self.catalogue = build_catalogue(otype.name)
        extra = (otype.unique,) if otype.unique else ()
        self.store = store_class(self.catalogue, ids, extra_unique=extra)


class IdSource:
    """Record ids shared by every object of the portal, so an id names one record."""

    def __init__(self, start):
        self.next = start
        self.used = False

    def take(self):
        self.used = True
        value = self.next
        self.next += 1
        return value

    def set_start(self, start):
        self.next = start if not self.used else max(self.next, start)


def build_states(store_class, id_start):
    ids = IdSource(id_start)
    return ids, {t.name: ObjectState(t, store_class, ids) for t in OBJECT_TYPES}


# ---------------------------------------------------------------------------
# Derived values, required properties and the unique property (contacts' email)
# ---------------------------------------------------------------------------

def normalise(otype, clean):
    """Store the unique property in lower case (HubSpot lowercases contact emails)."""
    if otype.unique and clean.get(otype.unique):
        clean[otype.unique] = clean[otype.unique].lower()


def derived_values(otype, rec):
    """Values the emulator computes after a write: a line item's amount = price x quantity.
    Returns {name: value} to set (value "" clears)."""
    if otype.name != "line_items":
        return {}
    try:
        price = decimal.Decimal(rec.properties.get("price", ""))
        quantity = decimal.Decimal(rec.properties.get("quantity", ""))
    except decimal.InvalidOperation:
        return {"amount": ""} if "amount" in rec.properties else {}
    value = format((price * quantity).normalize(), "f")
    if value == rec.properties.get("amount"):
        return {}
    return {"amount": value}


def required_error(otype, clean):
    """The 400 for a create missing required properties (section 1.3, engagements), or None.
    Applies the defaults (deals: pipeline "default") to clean first."""
    emulator = HOST
    for name, value in otype.required_defaults.items():
        if not clean.get(name):
            clean[name] = value
    missing = [n for n in otype.required if not clean.get(n)]
    if not missing:
        return None
    return emulator.ApiError(400, "VALIDATION_ERROR",
                             "Error creating %s. Some required properties were not set." % otype.upper,
                             context={"properties": missing})


def conflict_409(existing_id):
    emulator = HOST
    return emulator.ApiError(409, "CONFLICT", "Contact already exists. Existing ID: %s" % existing_id)


def unique_holder(state, value, exclude=None):
    """The live record other than `exclude` holding the unique property's value, or None."""
    otype = state.type
    for rec in state.store.unique_index.candidates(otype.unique, value):
        if not rec.archived and rec.id != exclude and rec.properties.get(otype.unique) == value:
            return rec
    return None


def check_unique_creates(state, cleans):
    """Creates of `cleans` (in order): a value taken, or given twice, is a whole-request 409."""
    otype = state.type
    if not otype.unique:
        return
    seen = set()
    for clean in cleans:
        value = clean.get(otype.unique)
        if not value:
            continue
        holder = unique_holder(state, value)
        if holder is not None:
            raise conflict_409(holder.id)
        if value in seen:
            emulator = HOST
            raise emulator.ApiError(409, "CONFLICT", "Contact already exists. %s %s appears more than once "
                                    "in the batch input." % (otype.unique, value))
        seen.add(value)


def check_unique_update(state, rec, clean, portal_id, pending):
    """An update setting the unique property to another record's value (or one claimed in the
    same batch, `pending` {value: record id}): HubSpot's 400 'already has that value'."""
    otype = state.type
    if not otype.unique or not clean.get(otype.unique):
        return
    value = clean[otype.unique]
    holder = unique_holder(state, value, exclude=rec.id)
    holder_id = holder.id if holder is not None else pending.get(value)
    if holder_id is not None and holder_id != rec.id:
        emulator = HOST
        raise emulator.ApiError(400, "VALIDATION_ERROR", (
            "Cannot set PropertyValueCoordinates{portalId=%s, objectTypeId=ObjectTypeId{legacyObjectType=%s}, "
            "propertyName=%s, value=%s} on %s. %s already has that value.")
            % (portal_id, otype.upper, otype.unique, value, rec.id, holder_id))
    pending[value] = rec.id


# ---------------------------------------------------------------------------
# Scopes (section 1.2)
# ---------------------------------------------------------------------------

SCHEMA_READ_SCOPES = ("crm.schemas.custom.read",)


def required_scopes(otype, kind):
    """The scopes of which a token needs one: kind "read", "write", "properties", "schemas"."""
    if kind == "schemas":
        return SCHEMA_READ_SCOPES
    if kind == "write":
        return otype.write_scopes
    scopes = otype.read_scopes
    if kind == "properties":
        scopes += ("crm.schemas.%s.read" % ("custom" if otype.custom else otype.name),)
    return scopes


def missing_scopes_error(needed):
    emulator = HOST
    return emulator.ApiError(403, "MISSING_SCOPES", emulator.MISSING_SCOPES_MESSAGE,
                             errors=[{"message": "One or more of the following scopes are required.",
                                      "context": {"requiredGranularScopes": list(needed)}}],
                             links={"scopes": "https://developers.hubspot.com/scopes"})


def check_scopes(token_scopes, token, needed):
    """Raise 403 MISSING_SCOPES unless the token (config token_scopes; tokens not listed have
    every scope) has one of `needed`."""
    granted = (token_scopes or {}).get(token)
    if granted is None or any(s in granted for s in needed):
        return
    raise missing_scopes_error(needed)


# ---------------------------------------------------------------------------
# Schemas API (section 2)
# ---------------------------------------------------------------------------

SCHEMA_AT = "2026-01-15T09:30:00.000Z"


def schema_json(otype, state, portal_id, with_properties=True):
    """An ObjectSchema for a custom object."""
    out = {
        "labels": {"singular": otype.label, "plural": otype.label + "s"},
        "requiredProperties": list(otype.required),
        "searchableProperties": list(otype.searchable),
        "primaryDisplayProperty": otype.required[0] if otype.required else "hs_object_id",
        "secondaryDisplayProperties": [n for n in otype.searchable if n not in otype.required],
        "description": "Pets of the test portal",
        "archived": False,
        "restorable": True,
        "metaType": "PORTAL_SPECIFIC",
        "id": otype.type_id[2:],
        "fullyQualifiedName": otype.key(portal_id),
        "createdAt": SCHEMA_AT,
        "updatedAt": SCHEMA_AT,
        "createdByUserId": 7007108,
        "updatedByUserId": 7007108,
        "objectTypeId": otype.type_id,
        "properties": copy.deepcopy(list(state.catalogue.values())) if with_properties else [],
        "associations": [{"id": str(type_id), "fromObjectTypeId": otype.type_id,
                          "toObjectTypeId": BY_NAME[to].type_id, "name": "%s_to_%s" % (otype.name, BY_NAME[to].singular),
                          "createdAt": SCHEMA_AT, "updatedAt": SCHEMA_AT}
                         for to, type_id, _ in custom_association_types()],
        "name": otype.name,
    }
    return out


BY_TYPE_ID = {t.type_id: t for t in OBJECT_TYPES}
# The objects the custom object is associated with: its USER_DEFINED unlabeled types are
# 90101, 90103 ... (to them) and 90102, 90104 ... (from them), made up and fixed.
CUSTOM_ASSOCIATED = ("contacts", "companies", "deals", "tickets", "calls", "emails", "meetings", "notes", "tasks")


def custom_association_types():
    """[(object, type id to it, type id from it)] of the custom object's association types."""
    return [(to, 90101 + 2 * i, 90102 + 2 * i) for i, to in enumerate(CUSTOM_ASSOCIATED)]


def custom_types():
    return [t for t in OBJECT_TYPES if t.custom]


def find_schema(name, portal_id):
    """The custom ObjectType a schemas path names (2-x, fully qualified name, p_name), or None."""
    t = find(name, portal_id)
    if t is None or not t.custom or name.lower() in (t.name, t.singular):
        return None
    return t


# ---------------------------------------------------------------------------
# Endpoints and helpers of the Emulator (test/emulator.py) that are about objects
# ---------------------------------------------------------------------------

class ObjectEndpoints:
    """Mixed into emulator.Emulator: the schemas API, the scopes control calls and the
    per-object steps of writes (validation, required properties, derived values)."""

    def api_list_schemas(self, req):
        """GET /crm/v3/schemas: the custom objects' ObjectSchemas, {"results": [...]}, no paging."""
        with_props = HOST.parse_bool_param(req.query, "includePropertyDefinitions", default=True)
        if HOST.parse_bool_param(req.query, "archived"):
            return HOST.Response(200, {"results": []})
        portal = self.config["portal_id"]
        return HOST.Response(200, {"results": [
            schema_json(t, self.states[t.name], portal, with_props)
            for t in custom_types()]})

    def api_get_schema(self, req, schema):
        """GET /crm/v3/schemas/{2-x | p{portal}_{name} | p_{name}}: one ObjectSchema, else 404."""
        portal = self.config["portal_id"]
        found = find_schema(schema, portal)
        if found is None:
            raise HOST.ApiError(404, "OBJECT_NOT_FOUND", "Unable to find object schema for %s" % schema)
        return HOST.Response(200, schema_json(found, self.states[found.name], portal))

    def _validate(self, props):
        """validate_property_map for the current object, its unique property normalised."""
        clean, problems = HOST.validate_property_map(props, self.catalogue)
        normalise(self.otype, clean)
        return clean, problems

    def _create(self, clean, associations, now, archived=False):
        """Store.create of the current object, then its derived values (line item amount)."""
        rec = self.store.create(clean, associations, now, archived=archived)
        self._derive(rec, HOST.iso_ms(now))
        return rec

    def _derive(self, rec, ts):
        for name, value in derived_values(self.otype, rec).items():
            rec.set_property(name, value, ts)

    def _required(self, clean):
        """Raise the current object's 400 when clean misses a required property (a create)."""
        error = required_error(self.otype, clean)
        if error is not None:
            raise error

    def ctl_get_scopes(self, req):
        return HOST.Response(200, {"token_scopes": copy.deepcopy(self.config["token_scopes"])})

    def ctl_set_scopes(self, req):
        """{"token": T, "scopes": [scope, ...]}: T has only these scopes from now on;
        "scopes": null gives it every scope again. Answers {"token_scopes": {...}}."""
        spec = self._control_json(req)
        if not isinstance(spec, dict) or not isinstance(spec.get("token"), str) or "scopes" not in spec:
            raise ValueError('scopes body must be {"token": "...", "scopes": ["scope", ...] or null}')
        scopes = spec["scopes"]
        if scopes is not None and not (isinstance(scopes, list) and all(isinstance(x, str) for x in scopes)):
            raise ValueError("scopes must be a list of strings or null")
        mapping = dict(self.config["token_scopes"])
        if scopes is None:
            mapping.pop(spec["token"], None)
        else:
            mapping[spec["token"]] = scopes
        self.config["token_scopes"] = mapping
        return self.ctl_get_scopes(req)

    def _control_object(self, name):
        """Make the object a control call names (default products) the current one."""
        try:
            self.resolve_object_type(name or "products")
        except HOST.ApiError as e:
            raise ValueError(e.message)
