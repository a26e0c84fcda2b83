#!/usr/bin/env python3
"""Self-test of the HubSpot emulator's objects (test/emulator_objects.py): the object registry
and path names, per-object catalogues and default properties, required properties, contacts'
unique email, the schemas API and scopes; and associations (test/emulator_associations.py):
types, inverses, labels, the v4 endpoints, inline and create-time associations.

    python3 test/emulator_objects_selftest.py [-v]

Uses test/emulator_selftest.py's in-process emulator and helpers. Standard library only.
"""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep test/ free of __pycache__

import emulator_objects  # noqa: E402
import emulator_selftest as base  # noqa: E402
from emulator_selftest import EmulatorTestCase, configure, control, log, ok_control, request  # noqa: E402

OBJECTS = "/crm/v3/objects/"
PORTAL = 62515000


def setUpModule():
    base.setUpModule()


def tearDownModule():
    base.tearDownModule()


def create(object_type, props, **kw):
    return request("POST", OBJECTS + object_type, {"properties": props}, **kw)


def created(object_type, props):
    reply = create(object_type, props)
    assert reply.status == 201, (reply.status, reply.raw)
    return reply.json


ENGAGEMENT = {"hs_timestamp": "2026-11-20T09:00:00.000Z"}
MINIMAL = {
    "contacts": {"email": "a@example.com"},
    "companies": {"name": "Acme"},
    "deals": {"dealname": "Big deal", "dealstage": "qualifiedtobuy"},
    "tickets": {"subject": "Broken", "hs_pipeline": "0", "hs_pipeline_stage": "1"},
    "products": {"name": "Widget"},
    "line_items": {"name": "Line", "quantity": "2", "price": "5"},
    "quotes": {"hs_title": "Q1", "hs_expiration_date": "2026-12-31T00:00:00.000Z"},
    "tasks": ENGAGEMENT, "notes": ENGAGEMENT, "meetings": ENGAGEMENT, "calls": ENGAGEMENT,
    "emails": dict(ENGAGEMENT, hs_email_direction="EMAIL"),
    "pets": {"name": "Rex", "species": "dog"},
}


class TestRegistry(EmulatorTestCase):
    def test_path_names(self):
        expected = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "tickets": "0-5",
                    "products": "0-7", "line_items": "0-8", "quotes": "0-14", "tasks": "0-27",
                    "notes": "0-46", "meetings": "0-47", "calls": "0-48", "emails": "0-49",
                    "pets": "2-90001"}
        self.assertEqual({t.name: t.type_id for t in emulator_objects.OBJECT_TYPES}, expected)
        for name in ("contacts", "contact", "0-1", "CONTACTS"):
            self.assertEqual(request("GET", OBJECTS + name).status, 200, name)
        for name in ("pets", "2-90001", "p62515000_pets", "p_pets", "pet"):
            self.assertEqual(request("GET", OBJECTS + name).status, 200, name)
        for name in ("widgets", "p1_pets", "2-1", "0-99"):
            body = self.assertHubSpotError(request("GET", OBJECTS + name), 400, None)
            self.assertEqual(body["message"], "Unable to infer object type from: %s" % name)
            self.assertHubSpotError(request("GET", "/crm/v3/properties/" + name), 400, None)

    def test_every_object_round_trip(self):
        configure(search_rate_limit=None)
        for name, props in MINIMAL.items():
            rec = created(name, props)
            got = request("GET", OBJECTS + name + "/" + rec["id"])
            self.assertEqual(got.status, 200, name)
            self.assertEqual(got.json["id"], rec["id"])
            patched = request("PATCH", OBJECTS + name + "/" + rec["id"], {"properties": {}})
            self.assertEqual(patched.status, 200, (name, patched.raw))
            reply = request("POST", OBJECTS + name + "/batch/read", {"inputs": [{"id": rec["id"]}]})
            self.assertEqual(reply.status, 200)
            reply = request("POST", OBJECTS + name + "/search", {})
            self.assertEqual(reply.json["total"], 1, name)
            self.assertEqual(request("DELETE", OBJECTS + name + "/" + rec["id"]).status, 204)
            self.assertEqual(request("GET", OBJECTS + name + "/" + rec["id"]).status, 404)
        # records are per object; ids unique in the portal
        ids = [r["id"] for r in ok_control("GET", "objects", query={"archived": "all", "object": "deals"})["results"]]
        self.assertEqual(len(ids), 1)

    def test_records_per_object(self):
        deal = created("deals", MINIMAL["deals"])
        self.assertEqual(request("GET", OBJECTS + "contacts/" + deal["id"]).status, 404)
        self.assertEqual(request("GET", OBJECTS + "contacts").json["results"], [])
        self.assertEqual(len(request("GET", OBJECTS + "0-3").json["results"]), 1)

    def test_batch_not_found_names_object(self):
        reply = request("POST", OBJECTS + "line_items/batch/read", {"inputs": [{"id": "1"}]})
        self.assertEqual(reply.status, 207)
        self.assertIn("some LINE_ITEM objects", reply.json["errors"][0]["message"])


class TestCatalogues(EmulatorTestCase):
    def props(self, name):
        reply = request("GET", "/crm/v3/properties/" + name)
        self.assertEqual(reply.status, 200, reply.raw)
        return {p["name"]: p for p in reply.json["results"]}

    def test_contacts_catalogue(self):
        props = self.props("contacts")
        self.assertGreaterEqual(len(props), 400)
        self.assertGreater(sum(len(n) for n in props) + len(props), 12000)
        self.assertTrue(any(p["type"] == "enumeration" and p["fieldType"] == "checkbox" for p in props.values()))
        self.assertTrue(any(p["hidden"] for p in props.values()))
        self.assertTrue(any(p["calculated"] for p in props.values()))
        self.assertTrue(any(len(n.encode()) > 63 for n in props))
        self.assertTrue(any(n != n.lower() for n in props))
        for name in ("email", "firstname", "lastname", "createdate", "lastmodifieddate", "hs_object_id"):
            self.assertIn(name, props)
        self.assertTrue(props["hs_object_id"]["modificationMetadata"]["readOnlyValue"])
        self.assertEqual({p["type"] for p in props.values()} >= {"string", "number", "datetime", "date",
                                                                 "enumeration", "bool"}, True)

    def test_other_catalogues(self):
        deals = self.props("deals")
        self.assertEqual(deals["amount"]["type"], "number")
        self.assertEqual(deals["closedate"]["type"], "datetime")
        self.assertEqual([o["value"] for o in deals["dealstage"]["options"]],
                         [s for s, _, _ in emulator_objects.DEAL_STAGES])
        li = self.props("line_items")
        self.assertTrue(li["amount"]["calculated"])
        self.assertTrue(li["amount"]["modificationMetadata"]["readOnlyValue"])
        pets = self.props("p_pets")
        self.assertEqual({n: pets[n]["type"] for n in ("name", "species", "weight", "adopted")},
                         {"name": "string", "species": "enumeration", "weight": "number", "adopted": "bool"})
        self.assertIn("hs_createdate", self.props("tasks"))
        self.assertNotIn("createdate", self.props("tasks"))
        for name in MINIMAL:
            self.assertIn("hs_object_id", self.props(name))
        self.assertEqual(len(self.props("products")), 50)

    def test_default_properties(self):
        for name, props in MINIMAL.items():
            rec = created(name, props)
            got = request("GET", OBJECTS + name + "/" + rec["id"]).json["properties"]
            otype = emulator_objects.BY_NAME[name]
            self.assertLessEqual(set(got), set(otype.defaults) | set(otype.always), name)
            self.assertIn("hs_object_id", got)
            listed = request("GET", OBJECTS + name).json["results"][0]["properties"]
            self.assertEqual(listed, got)
        contact = request("GET", OBJECTS + "contacts", query={"limit": 1}).json["results"][0]["properties"]
        self.assertEqual(sorted(contact), ["createdate", "email", "hs_object_id", "lastmodifieddate"])
        task = request("GET", OBJECTS + "tasks").json["results"][0]["properties"]
        self.assertEqual(sorted(task), ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"])

    def test_line_item_amount(self):
        li = created("line_items", {"name": "L", "quantity": "3", "price": "2.50"})
        self.assertEqual(li["properties"]["amount"], "7.5")
        patched = request("PATCH", OBJECTS + "line_items/" + li["id"], {"properties": {"quantity": "4"}})
        self.assertEqual(patched.json["properties"]["amount"], "10")
        self.assertValidation(request("PATCH", OBJECTS + "line_items/" + li["id"],
                                      {"properties": {"amount": "1"}}), "READ_ONLY_VALUE")

    def test_enumeration_options_checked(self):
        self.assertValidation(create("deals", {"dealname": "x", "dealstage": "nope"}), "INVALID_OPTION")
        self.assertValidation(create("pets", {"name": "x", "species": "dragon"}), "INVALID_OPTION")


class TestRequired(EmulatorTestCase):
    def test_required_errors(self):
        cases = {"deals": ("DEAL", ["dealname", "dealstage"]),
                 "tickets": ("TICKET", ["subject", "hs_pipeline", "hs_pipeline_stage"]),
                 "tasks": ("TASK", ["hs_timestamp"]),
                 "emails": ("EMAIL", ["hs_timestamp", "hs_email_direction"]),
                 "quotes": ("QUOTE", ["hs_title", "hs_expiration_date"]),
                 "pets": ("PETS", ["name"])}
        for name, (upper, missing) in cases.items():
            body = self.assertHubSpotError(create(name, {}), 400, "VALIDATION_ERROR")
            self.assertEqual(body["message"], "Error creating %s. Some required properties were not set." % upper)
            self.assertEqual(body["context"], {"properties": missing})
            reply = request("POST", OBJECTS + name + "/batch/create", {"inputs": [{"properties": {}}]})
            self.assertEqual(reply.status, 400)
        for name in ("contacts", "companies", "products", "line_items"):
            self.assertEqual(create(name, {}).status, 201, name)
        self.assertEqual(ok_control("GET", "objects", query={"object": "deals"})["results"], [])

    def test_deal_pipeline_default(self):
        deal = created("deals", {"dealname": "d", "dealstage": "closedwon"})
        self.assertEqual(deal["properties"]["pipeline"], "default")


class TestContactEmail(EmulatorTestCase):
    def test_create_conflict(self):
        first = created("contacts", {"email": "Jane@Example.com"})
        self.assertEqual(first["properties"]["email"], "jane@example.com")
        reply = create("contacts", {"email": "JANE@example.COM"})
        self.assertEqual(reply.status, 409)
        body = reply.json
        self.assertEqual(list(body), ["status", "message", "correlationId", "category"])
        self.assertEqual(body["message"], "Contact already exists. Existing ID: %s" % first["id"])
        self.assertEqual(body["category"], "CONFLICT")

    def test_batch_create_conflict(self):
        first = created("contacts", {"email": "a@x.com"})
        batch = OBJECTS + "contacts/batch/create"
        reply = request("POST", batch, {"inputs": [{"properties": {"email": "b@x.com"}},
                                                   {"properties": {"email": "A@x.com"}}]})
        self.assertEqual(reply.status, 409)
        self.assertEqual(reply.json["message"], "Contact already exists. Existing ID: %s" % first["id"])
        reply = request("POST", batch, {"inputs": [{"properties": {"email": "c@x.com"}},
                                                   {"properties": {"email": "C@x.com"}}]})
        self.assertEqual(reply.status, 409)
        self.assertEqual(reply.json["category"], "CONFLICT")
        self.assertEqual(len(ok_control("GET", "objects", query={"object": "contacts"})["results"]), 1)

    def test_update_to_taken_email(self):
        a = created("contacts", {"email": "a@x.com"})
        b = created("contacts", {"email": "b@x.com"})
        reply = request("PATCH", OBJECTS + "contacts/" + b["id"], {"properties": {"email": "A@X.com"}})
        body = self.assertHubSpotError(reply, 400, "VALIDATION_ERROR")
        self.assertEqual(body["message"], (
            "Cannot set PropertyValueCoordinates{portalId=62515000, objectTypeId=ObjectTypeId{legacyObjectType=CONTACT}, "
            "propertyName=email, value=a@x.com} on %s. %s already has that value.") % (b["id"], a["id"]))
        reply = request("POST", OBJECTS + "contacts/batch/update",
                        {"inputs": [{"id": b["id"], "properties": {"email": "a@x.com"}}]})
        self.assertEqual(reply.status, 400)
        self.assertIn("already has that value", reply.json["message"])
        # its own email, another case: fine
        reply = request("PATCH", OBJECTS + "contacts/" + a["id"], {"properties": {"email": "A@x.com"}})
        self.assertEqual(reply.status, 200)

    def test_id_property_email(self):
        a = created("contacts", {"email": "a@x.com", "firstname": "Ann"})
        got = request("GET", OBJECTS + "contacts/A@x.com", query={"idProperty": "email"})
        self.assertEqual(got.json["id"], a["id"])
        reply = request("PATCH", OBJECTS + "contacts/a@x.com", {"properties": {"firstname": "Anna"}},
                        query={"idProperty": "email"})
        self.assertEqual(reply.json["properties"]["firstname"], "Anna")
        self.assertEqual(request("GET", OBJECTS + "contacts/z@x.com", query={"idProperty": "email"}).status, 404)

    def test_upsert_by_email(self):
        a = created("contacts", {"email": "a@x.com"})
        reply = request("POST", OBJECTS + "contacts/batch/upsert", {"inputs": [
            {"id": "a@x.com", "idProperty": "email", "properties": {"firstname": "Ann"}},
            {"id": "new@x.com", "idProperty": "email", "properties": {"firstname": "Neo"}}]})
        self.assertEqual(reply.status, 200, reply.raw)
        by_email = {r["properties"]["email"]: r for r in reply.json["results"]}
        self.assertEqual(by_email["a@x.com"]["id"], a["id"])
        self.assertFalse(by_email["a@x.com"]["new"])
        self.assertTrue(by_email["new@x.com"]["new"])

    def test_upsert_by_email_spellings_are_one_record(self):
        reply = request("POST", OBJECTS + "contacts/batch/upsert", {"inputs": [
            {"id": "b@x.com", "idProperty": "email", "properties": {}},
            {"id": "B@x.com", "idProperty": "email", "properties": {}}]})
        self.assertEqual(reply.status, 400, reply.raw)
        self.assertIn("Duplicate IDs found in batch input", reply.json["message"])
        self.assertEqual(request("GET", OBJECTS + "contacts/b@x.com", query={"idProperty": "email"}).status, 404)


class TestSchemas(EmulatorTestCase):
    def test_list_and_get(self):
        for prefix in ("/crm/v3/schemas", "/crm-object-schemas/v3/schemas"):
            reply = request("GET", prefix)
            self.assertEqual(reply.status, 200)
            [schema] = reply.json["results"]
            self.assertEqual(schema["objectTypeId"], "2-90001")
            self.assertEqual(schema["fullyQualifiedName"], "p62515000_pets")
            self.assertEqual(schema["name"], "pets")
            self.assertEqual(schema["requiredProperties"], ["name"])
            self.assertIn("species", [p["name"] for p in schema["properties"]])
            self.assertEqual([(a["toObjectTypeId"], a["id"]) for a in schema["associations"][:3]],
                             [("0-1", "90101"), ("0-2", "90103"), ("0-3", "90105")])
        lean = request("GET", "/crm/v3/schemas", query={"includePropertyDefinitions": "false"})
        self.assertEqual(lean.json["results"][0]["properties"], [])
        for name in ("2-90001", "p62515000_pets", "p_pets"):
            self.assertEqual(request("GET", "/crm/v3/schemas/" + name).json["name"], "pets")
        for name in ("pets", "contacts", "2-1"):
            self.assertHubSpotError(request("GET", "/crm/v3/schemas/" + name), 404, "OBJECT_NOT_FOUND")

    def test_portal_id_follows_config(self):
        configure(portal_id=1234)
        self.assertEqual(request("GET", "/crm/v3/schemas").json["results"][0]["fullyQualifiedName"], "p1234_pets")
        self.assertEqual(request("GET", OBJECTS + "p1234_pets").status, 200)


class TestScopes(EmulatorTestCase):
    def scopes(self, token, scopes):
        return ok_control("POST", "scopes", {"token": token, "scopes": scopes})

    def assertMissing(self, reply, scopes):
        body = self.assertHubSpotError(reply, 403, "MISSING_SCOPES")
        self.assertEqual(body["errors"][0]["context"]["requiredGranularScopes"], scopes)

    def test_scopes_per_object(self):
        self.scopes("t1", ["crm.objects.contacts.read"])
        self.assertEqual(request("GET", OBJECTS + "contacts", token="t1").status, 200)
        self.assertEqual(request("GET", OBJECTS + "notes", token="t1").status, 200)
        self.assertEqual(request("GET", "/crm/v3/properties/contacts", token="t1").status, 200)
        self.assertMissing(create("contacts", {}, token="t1"), ["crm.objects.contacts.write"])
        self.assertMissing(create("tasks", ENGAGEMENT, token="t1"), ["crm.objects.contacts.write"])
        self.assertMissing(request("GET", OBJECTS + "deals", token="t1"), ["crm.objects.deals.read"])
        self.assertMissing(request("GET", OBJECTS + "tickets", token="t1"), ["tickets"])
        self.assertMissing(request("GET", OBJECTS + "p_pets", token="t1"), ["crm.objects.custom.read"])
        self.assertMissing(request("GET", "/crm/v3/schemas", token="t1"), ["crm.schemas.custom.read"])
        missing = request("GET", "/crm/v3/properties/deals", token="t1")
        self.assertEqual(missing.status, 403)
        self.assertIn("crm.objects.deals.read", missing.json["errors"][0]["context"]["requiredGranularScopes"])
        self.assertMissing(request("POST", OBJECTS + "deals/search", {}, token="t1"), ["crm.objects.deals.read"])
        # other tokens have every scope
        self.assertEqual(request("GET", OBJECTS + "deals", token="t2").status, 200)
        self.assertEqual(ok_control("GET", "scopes"), {"token_scopes": {"t1": ["crm.objects.contacts.read"]}})
        self.scopes("t1", None)
        self.assertEqual(request("GET", OBJECTS + "deals", token="t1").status, 200)

    def test_scopes_through_config(self):
        configure(token_scopes={"t3": ["crm.schemas.custom.read", "crm.objects.custom.read"]})
        self.assertEqual(request("GET", "/crm/v3/schemas", token="t3").status, 200)
        self.assertEqual(request("GET", OBJECTS + "2-90001", token="t3").status, 200)
        self.assertEqual(request("GET", OBJECTS + "products", token="t3").status, 403)
        self.assertEqual(control("POST", "config", {"token_scopes": {"t": "x"}}).status, 400)
        self.assertEqual(control("POST", "scopes", {"scopes": []}).status, 400)

    def test_missing_scope_is_logged(self):
        self.scopes("t1", [])
        request("GET", OBJECTS + "contacts", token="t1")
        self.assertEqual([(e["path"], e["status"]) for e in log()], [(OBJECTS + "contacts", 403)])


class TestControlObjects(EmulatorTestCase):
    def test_seed_objects_and_properties(self):
        ids = ok_control("POST", "seed", {"object": "deals", "objects": [
            {"properties": {"dealname": "Seeded", "dealstage": "closedwon", "amount": 5}}]})["ids"]
        rows = ok_control("GET", "objects", query={"object": "0-3"})["results"]
        self.assertEqual([r["id"] for r in rows], ids)
        self.assertEqual(ok_control("GET", "objects")["results"], [])
        added = ok_control("POST", "properties", {"object": "pets", "properties": [{"name": "color", "type": "string"}]})
        self.assertEqual(added["added"], ["color"])
        self.assertEqual(created("pets", {"name": "x", "color": "brown"})["properties"]["color"], "brown")
        self.assertEqual(control("POST", "seed", {"object": "widgets", "count": 1}).status, 400)


V4 = "/crm/v4/associations/"


def seed(object_type, *props):
    return ok_control("POST", "seed", {"object": object_type, "objects": [{"properties": p} for p in props]})["ids"]


def spec(type_id, category="HUBSPOT_DEFINED"):
    return {"associationCategory": category, "associationTypeId": type_id}


def v4(path, inputs, **kw):
    return request("POST", V4 + path, {"inputs": inputs}, **kw)


def link(a, b, types):
    return {"from": {"id": a}, "to": {"id": b}, "types": types}


def read_types(f, t, from_id):
    reply = v4(f + "/" + t + "/batch/read", [{"id": from_id}])
    if reply.status != 200:
        return {}
    return {str(x["toObjectId"]): sorted((y["category"], y["typeId"], y["label"]) for y in x["associationTypes"])
            for x in reply.json["results"][0]["to"]}


class AssociationCase(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.deals = seed("deals", *[{"dealname": "d%d" % i, "dealstage": "closedwon"} for i in range(2)])
        self.contacts = seed("contacts", *[{"email": "c%d@x.com" % i} for i in range(5)])
        self.companies = seed("companies", {"name": "A"}, {"name": "B"})
        self.items = seed("line_items", {"name": "l1"}, {"name": "l2"})
        self.products = seed("products", {"name": "p"})
        self.pets = seed("pets", {"name": "Rex"})


class TestAssociationTypes(AssociationCase):
    def test_labels(self):
        reply = request("GET", V4 + "deals/contacts/labels")
        self.assertEqual(reply.json["results"], [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None},
                                                 {"category": "USER_DEFINED", "typeId": 1, "label": "Decision maker"}])
        reply = request("GET", "/crm/associations/v4/contact/0-3/labels")
        self.assertEqual(reply.json["results"], [{"category": "HUBSPOT_DEFINED", "typeId": 4, "label": None},
                                                 {"category": "USER_DEFINED", "typeId": 2, "label": "Deal of decision maker"}])
        pairs = {("line_items", "deals"): [20], ("deals", "line_items"): [19], ("quotes", "line_items"): [67],
                 ("quotes", "deals"): [64], ("deals", "quotes"): [63], ("tickets", "contacts"): [16],
                 ("contacts", "companies"): [1, 279], ("deals", "companies"): [5, 341], ("companies", "deals"): [6, 342],
                 ("notes", "contacts"): [202], ("products", "deals"): [], ("pets", "contacts"): []}
        for (f, t), ids in pairs.items():
            got = [r["typeId"] for r in request("GET", V4 + f + "/" + t + "/labels").json["results"]
                   if r["category"] == "HUBSPOT_DEFINED"]
            self.assertEqual(got, ids, (f, t))
        pets = request("GET", V4 + "p_pets/contacts/labels").json["results"]
        self.assertEqual(pets, [{"category": "USER_DEFINED", "typeId": 90101, "label": None}])
        self.assertHubSpotError(request("GET", V4 + "widgets/contacts/labels"), 400, None)

    def test_label_endpoints(self):
        reply = request("POST", V4 + "contacts/companies/labels", {"label": "Billing", "name": "billing",
                                                                   "inverseLabel": "Billed"})
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.json["results"], [{"category": "USER_DEFINED", "typeId": 3, "label": "Billing"},
                                                 {"category": "USER_DEFINED", "typeId": 4, "label": "Billed"}])
        self.assertEqual(v4("contacts/companies/batch/create",
                            [link(self.contacts[0], self.companies[0], [spec(3, "USER_DEFINED")])]).status, 201)
        self.assertEqual(request("PUT", V4 + "contacts/companies/labels",
                                 {"associationTypeId": 3, "label": "Billing contact"}).status, 204)
        labels = request("GET", V4 + "contacts/companies/labels").json["results"]
        self.assertIn({"category": "USER_DEFINED", "typeId": 3, "label": "Billing contact"}, labels)
        self.assertEqual(request("DELETE", V4 + "contacts/companies/labels/3").status, 204)
        self.assertEqual(read_types("contacts", "companies", self.contacts[0]),
                         {self.companies[0]: [("HUBSPOT_DEFINED", 279, None)]})
        self.assertEqual(request("DELETE", V4 + "contacts/companies/labels/3").status, 404)
        self.assertEqual(request("DELETE", V4 + "contacts/companies/labels/279").status, 404)


class TestAssociationWrites(AssociationCase):
    def test_create_inverse_and_labels(self):
        d, c = self.deals[0], self.contacts[0]
        reply = v4("deals/contacts/batch/create", [link(d, c, [spec(1, "USER_DEFINED")])])
        self.assertEqual(reply.status, 201, reply.raw)
        self.assertEqual(reply.json["results"], [{"fromObjectTypeId": "0-3", "fromObjectId": int(d),
                                                  "toObjectTypeId": "0-1", "toObjectId": int(c),
                                                  "labels": ["Decision maker"]}])
        self.assertEqual(read_types("deals", "contacts", d),
                         {c: [("HUBSPOT_DEFINED", 3, None), ("USER_DEFINED", 1, "Decision maker")]})
        self.assertEqual(read_types("contacts", "deals", c),
                         {d: [("HUBSPOT_DEFINED", 4, None), ("USER_DEFINED", 2, "Deal of decision maker")]})
        # removing the label keeps the pair; removing the unlabeled type removes it
        self.assertEqual(v4("deals/contacts/batch/labels/archive", [link(d, c, [spec(1, "USER_DEFINED")])]).status, 204)
        self.assertEqual(read_types("contacts", "deals", c), {d: [("HUBSPOT_DEFINED", 4, None)]})
        v4("deals/contacts/batch/create", [link(d, c, [spec(1, "USER_DEFINED")])])
        self.assertEqual(v4("contacts/deals/batch/labels/archive", [link(c, d, [spec(4)])]).status, 204)
        self.assertEqual(read_types("deals", "contacts", d), {})
        self.assertEqual(read_types("contacts", "deals", c), {})

    def test_batch_archive_and_default(self):
        d = self.deals[0]
        reply = v4("line_items/deals/batch/associate/default", [{"from": {"id": self.items[0]}, "to": {"id": d}}])
        self.assertEqual(reply.status, 200, reply.raw)
        self.assertEqual([(r["from"]["id"], r["associationSpec"]["associationTypeId"]) for r in reply.json["results"]],
                         [(d, 19), (self.items[0], 20)])
        self.assertEqual(read_types("deals", "line_items", d), {self.items[0]: [("HUBSPOT_DEFINED", 19, None)]})
        reply = v4("deals/line_items/batch/archive", [{"from": {"id": d}, "to": [{"id": self.items[0]}]}])
        self.assertEqual(reply.status, 204)
        self.assertEqual(read_types("line_items", "deals", self.items[0]), {})
        reply = v4("products/deals/batch/associate/default", [{"from": {"id": self.products[0]}, "to": {"id": d}}])
        self.assertEqual(reply.status, 207)

    def test_primary_company_moves(self):
        c, (a, b) = self.contacts[0], self.companies
        v4("contacts/companies/batch/create", [link(c, a, [spec(1)])])
        v4("contacts/companies/batch/create", [link(c, b, [spec(1)])])
        self.assertEqual(read_types("contacts", "companies", c),
                         {a: [("HUBSPOT_DEFINED", 279, None)],
                          b: [("HUBSPOT_DEFINED", 1, "Primary"), ("HUBSPOT_DEFINED", 279, None)]})
        self.assertEqual(read_types("companies", "contacts", b)[c],
                         [("HUBSPOT_DEFINED", 2, "Primary"), ("HUBSPOT_DEFINED", 280, None)])

    def test_validation(self):
        d, c = self.deals[0], self.contacts[0]
        cases = [
            (link(d, "999", [spec(3)]), "One or more associations are invalid",
             {"INVALID_OBJECT_IDS": ["CONTACT=999 is not valid"]}),
            (link(d, c, [spec(77777)]), "One or more associations are invalid",
             {"associationSpec": ["HUBSPOT_DEFINED=77777"],
              "INVALID_ASSOCIATION_TYPE_ID": ["HUBSPOT_DEFINED=77777 is not a valid association definition id"]}),
            (link(d, c, [spec(4)]), "invalid from object type 0-3 for associations to be created. expected: 0-1. "
                                    "For definition 0-4", None),
            (link(d, c, []), "Invalid input JSON: types must be a non-empty list of association types", None),
        ]
        for item, message, context in cases:
            reply = v4("deals/contacts/batch/create", [link(d, self.contacts[1], [spec(3)]), item])
            self.assertEqual(reply.status, 207, reply.raw)
            self.assertEqual(len(reply.json["results"]), 1)
            [error] = reply.json["errors"]
            self.assertEqual((error["message"], error.get("context")), (message, context))
            configure(association_batch_errors="whole")
            reply = v4("deals/contacts/batch/create", [item])
            body = self.assertHubSpotError(reply, 400, "VALIDATION_ERROR")
            self.assertEqual((body["message"], body.get("context")), (message, context))
            configure(association_batch_errors="multi_status")
        reply = v4("products/deals/batch/create", [link(self.products[0], d, [spec(20)])])
        self.assertEqual(reply.json["errors"][0]["message"],
                         "invalid from object type 0-7 for associations to be created. expected: 0-8. For definition 0-20")
        self.assertEqual(v4("deals/contacts/batch/create", [link(d, c, [spec(3)])] * 2001).status, 400)
        self.assertEqual(v4("deals/contacts/batch/read", [{"id": d}] * 1001).status, 400)

    def test_line_item_single_parent(self):
        li, (d1, d2) = self.items[0], self.deals
        self.assertEqual(v4("line_items/deals/batch/create", [link(li, d1, [spec(20)])]).status, 201)
        reply = v4("line_items/deals/batch/create", [link(li, d2, [spec(20)])])
        self.assertEqual(reply.status, 207)
        self.assertIn("one single parent", reply.json["errors"][0]["message"])
        reply = v4("deals/line_items/batch/create", [link(d2, li, [spec(19)]), link(d2, self.items[1], [spec(19)])])
        self.assertEqual((reply.status, len(reply.json["results"])), (207, 1))
        self.assertEqual(v4("line_items/deals/batch/create", [link(li, d1, [spec(20)])]).status, 201)
        configure(line_item_single_parent=False)
        self.assertEqual(v4("line_items/deals/batch/create", [link(li, d2, [spec(20)])]).status, 201)

    def test_per_record_endpoints(self):
        d, c = self.deals[0], self.contacts[0]
        base_path = "/crm/v4/objects/deals/%s/associations/" % d
        reply = request("PUT", base_path + "contacts/" + c, [spec(1, "USER_DEFINED")])
        self.assertEqual(reply.status, 201, reply.raw)
        self.assertEqual(reply.json["labels"], ["Decision maker"])
        reply = request("GET", base_path + "contacts")
        self.assertEqual(reply.json, {"results": [{"toObjectId": int(c), "associationTypes": [
            {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None},
            {"category": "USER_DEFINED", "typeId": 1, "label": "Decision maker"}]}]})
        # a PUT replaces the labels
        self.assertEqual(request("PUT", base_path + "contacts/" + c, [spec(3)]).json["labels"], [])
        self.assertEqual(read_types("deals", "contacts", d), {c: [("HUBSPOT_DEFINED", 3, None)]})
        self.assertEqual(request("DELETE", base_path + "contacts/" + c).status, 204)
        self.assertEqual(request("GET", base_path + "contacts").json, {"results": []})
        reply = request("PUT", base_path + "default/contacts/" + c)
        self.assertEqual(reply.status, 200)
        self.assertEqual(len(reply.json["results"]), 2)
        self.assertEqual(request("PUT", base_path + "contacts/999", [spec(3)]).status, 400)
        for i in self.contacts[1:]:
            request("PUT", base_path + "default/contacts/" + i)
        page = request("GET", base_path + "contacts", query={"limit": 3}).json
        self.assertEqual(len(page["results"]), 3)
        rest = request("GET", base_path + "contacts", query={"after": page["paging"]["next"]["after"]}).json
        self.assertEqual(len(rest["results"]), 2)
        self.assertNotIn("paging", rest)


class TestAssociationRead(AssociationCase):
    def test_batch_read_paging_and_missing(self):
        configure(association_page_size=2)
        d = self.deals[0]
        v4("deals/contacts/batch/create", [link(d, c, [spec(3)]) for c in self.contacts])
        reply = v4("deals/contacts/batch/read", [{"id": d}, {"id": self.deals[1]}, {"id": "424242"}])
        self.assertEqual(reply.status, 207)
        [result] = reply.json["results"]
        self.assertEqual(result["from"], {"id": d})
        seen = [x["toObjectId"] for x in result["to"]]
        self.assertEqual(len(seen), 2)
        self.assertEqual([e["subCategory"] for e in reply.json["errors"]], ["crm.associations.NO_ASSOCIATIONS_FOUND"] * 2)
        self.assertEqual(reply.json["errors"][0]["message"], "No contact is associated with deal %s." % self.deals[1])
        self.assertEqual(reply.json["errors"][0]["context"],
                         {"fromObjectId": [self.deals[1]], "fromObjectType": ["deal"], "toObjectType": ["contact"]})
        after = result["paging"]["next"]["after"]
        while after:
            reply = v4("deals/contacts/batch/read", [{"id": d, "after": after}])
            self.assertEqual(reply.status, 200)
            [result] = reply.json["results"]
            seen += [x["toObjectId"] for x in result["to"]]
            after = result.get("paging", {}).get("next", {}).get("after")
        self.assertEqual(seen, sorted(int(c) for c in self.contacts))
        self.assertEqual(len([e for e in log() if e["path"].endswith("/batch/read")]), 3)

    def test_inline_associations(self):
        d = self.deals[0]
        v4("deals/contacts/batch/create", [link(d, c, [spec(3)]) for c in self.contacts[:3]])
        v4("deals/contacts/batch/create", [link(d, self.contacts[0], [spec(1, "USER_DEFINED")])])
        v4("deals/companies/batch/create", [link(d, self.companies[0], [spec(5)])])
        v4("p_pets/deals/batch/create", [link(self.pets[0], d, [spec(90105, "USER_DEFINED")])])
        got = request("GET", OBJECTS + "deals/" + d, query="associations=contacts,company&associations=p_pets").json
        assocs = got["associations"]
        self.assertEqual(sorted(assocs), ["companies", "contacts", "p62515000_pets"])
        self.assertEqual(assocs["contacts"]["results"][:2], [{"id": self.contacts[0], "type": "deal_to_contact"},
                                                             {"id": self.contacts[0], "type": "decision_maker"}])
        self.assertEqual(assocs["companies"]["results"], [{"id": self.companies[0], "type": "deal_to_company"},
                                                          {"id": self.companies[0], "type": "deal_to_company_unlabeled"}])
        self.assertEqual(assocs["p62515000_pets"]["results"], [{"id": self.pets[0], "type": "deal_to_pets"}])
        listed = request("GET", OBJECTS + "deals", query={"associations": "contacts,tickets"}).json["results"]
        self.assertEqual([sorted(r.get("associations", {})) for r in listed], [["contacts"], []])
        configure(inline_association_limit=2)
        got = request("GET", OBJECTS + "deals/" + d, query={"associations": "contacts"}).json["associations"]["contacts"]
        self.assertEqual(sorted({r["id"] for r in got["results"]}), sorted(self.contacts[:2]))
        self.assertIn("after", got["paging"]["next"])
        self.assertIn("/crm/v3/objects/0-3/%s/associations/0-1?after=" % d, got["paging"]["next"]["link"])
        body = self.assertHubSpotError(request("GET", OBJECTS + "deals", query={"associations": "false"}), 400, None)
        self.assertEqual(body["message"], "Unable to infer object type from: false")
        reply = request("POST", OBJECTS + "deals/batch/read", {"inputs": [{"id": d}]}, query={"associations": "contacts"})
        self.assertNotIn("associations", reply.json["results"][0])

    def test_create_time_associations(self):
        c = self.contacts[0]
        reply = request("POST", OBJECTS + "deals", {"properties": {"dealname": "n", "dealstage": "closedwon"},
                                                     "associations": [{"to": {"id": int(c)}, "types": [spec(3)]}]})
        self.assertEqual(reply.status, 201, reply.raw)
        self.assertEqual(read_types("contacts", "deals", c), {reply.json["id"]: [("HUBSPOT_DEFINED", 4, None)]})
        before = len(ok_control("GET", "objects", query={"object": "deals"})["results"])
        for assoc, message in (
                ({"to": {"id": "999"}, "types": [spec(3)]}, "One or more associations are invalid"),
                ({"to": {"id": c}, "types": [spec(190)]}, "invalid from object type 0-3 for associations to be "
                                                          "created. expected: 0-46. For definition 0-190")):
            reply = request("POST", OBJECTS + "deals/batch/create", {"inputs": [
                {"properties": {"dealname": "ok", "dealstage": "closedwon"}},
                {"properties": {"dealname": "n", "dealstage": "closedwon"}, "associations": [assoc]}]})
            body = self.assertHubSpotError(reply, 400, "VALIDATION_ERROR")
            self.assertEqual(body["message"], message)
        self.assertEqual(len(ok_control("GET", "objects", query={"object": "deals"})["results"]), before)
        reply = request("POST", OBJECTS + "line_items", {"properties": {"name": "x"}, "associations": [
            {"to": {"id": self.deals[0]}, "types": [spec(20)]}, {"to": {"id": self.deals[1]}, "types": [spec(20)]}]})
        self.assertEqual(reply.status, 400)
        self.assertIn("one single parent", reply.json["message"])


class TestAssociationPlumbing(AssociationCase):
    def test_rate_bucket_log_and_scopes(self):
        configure(association_rate_limit={"max": 2, "interval_ms": 60000})
        d = self.deals[0]
        ok_control("DELETE", "requests")
        for expected in (207, 207, 429):
            reply = v4("deals/contacts/batch/read", [{"id": d}])
            self.assertEqual(reply.status, expected)
            self.assertIsNone(reply.header("X-HubSpot-RateLimit-Remaining"))
        self.assertEqual(request("GET", OBJECTS + "deals").status, 200)
        self.assertEqual(request("GET", "/crm/v4/objects/deals/%s/associations/contacts" % d).status, 200)
        self.assertEqual([e["status"] for e in log() if "/batch/" in e["path"]], [207, 207, 429])
        configure(association_rate_limit={"max": None}, token_scopes={"t1": ["crm.objects.contacts.read"]})
        reply = v4("deals/contacts/batch/read", [{"id": d}], token="t1")
        body = self.assertHubSpotError(reply, 403, "MISSING_SCOPES")
        self.assertEqual(body["errors"][0]["context"]["requiredGranularScopes"], ["crm.objects.deals.read"])
        configure(token_scopes={"t1": ["crm.objects.contacts.read", "crm.objects.deals.read"]})
        self.assertEqual(v4("deals/contacts/batch/read", [{"id": d}], token="t1").status, 207)
        self.assertEqual(v4("deals/contacts/batch/create", [link(d, self.contacts[0], [spec(3)])], token="t1").status, 403)

    def test_control_associations(self):
        d, c = self.deals[0], self.contacts[0]
        reply = ok_control("POST", "associations", {"associations": [
            {"from": {"object": "deals", "id": d}, "to": {"object": "contacts", "id": c}},
            {"from": {"object": "deals", "id": d}, "to": {"object": "contacts", "id": c}, "types": [spec(1, "USER_DEFINED")]}]})
        self.assertEqual(reply, {"written": 2})
        rows = ok_control("GET", "associations", query={"from": "contacts", "to": "deals"})["results"]
        self.assertEqual(rows, [{"from": c, "to": d, "types": [
            {"category": "HUBSPOT_DEFINED", "typeId": 4, "label": None},
            {"category": "USER_DEFINED", "typeId": 2, "label": "Deal of decision maker"}]}])
        self.assertEqual(control("POST", "associations", {"associations": [
            {"from": {"object": "deals", "id": d}, "to": {"object": "contacts", "id": "999"}}]}).status, 400)


class TestEmuctlObjects(EmulatorTestCase):
    def emuctl(self, *args):
        env = dict(os.environ, HUBSPOT_EMULATOR_URL=base.SERVER.url)
        return subprocess.run([sys.executable, base.EMUCTL] + list(args), capture_output=True, text=True,
                              env=env, timeout=30)

    def test_objects_and_scopes(self):
        r = self.emuctl("seed", json.dumps({"object": "contacts", "objects": [{"properties": {"email": "a@x.com"}}]}))
        self.assertEqual(r.returncode, 0, r.stderr)
        for args in (("objects", "contacts"), ("objects", "--object", "0-1"), ("objects", "contacts", "--all")):
            r = self.emuctl(*args)
            self.assertEqual([json.loads(x)["properties"]["email"] for x in r.stdout.splitlines()], ["a@x.com"])
        self.assertEqual(self.emuctl("objects").stdout, "")
        r = self.emuctl("scopes", '{"token": "t1", "scopes": ["tickets"]}')
        self.assertEqual(json.loads(r.stdout), {"token_scopes": {"t1": ["tickets"]}})
        self.assertEqual(request("GET", OBJECTS + "contacts", token="t1").status, 403)
        self.assertEqual(json.loads(self.emuctl("scopes").stdout), {"token_scopes": {"t1": ["tickets"]}})
        self.emuctl("scopes", '{"token": "t1", "scopes": null}')
        self.assertEqual(request("GET", OBJECTS + "contacts", token="t1").status, 200)
        deal = ok_control("POST", "seed", {"object": "deals", "objects": [{"properties": {"dealname": "d"}}]})["ids"][0]
        contact = json.loads(self.emuctl("objects", "contacts").stdout)["id"]
        r = self.emuctl("associate", json.dumps({"associations": [
            {"from": {"object": "contacts", "id": contact}, "to": {"object": "deals", "id": deal}}]}))
        self.assertEqual(json.loads(r.stdout), {"written": 1}, r.stderr)
        r = self.emuctl("associations", "deals", "contacts")
        self.assertEqual([json.loads(x) for x in r.stdout.splitlines()],
                         [{"from": deal, "to": contact, "types": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]}])
        self.assertNotEqual(self.emuctl("associations", "deals").returncode, 0)


if __name__ == "__main__":
    unittest.main(warnings="ignore")
