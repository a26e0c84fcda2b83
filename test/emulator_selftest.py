#!/usr/bin/env python3
"""Self-test of the HubSpot emulator (test/emulator.py) and its control CLI (test/emuctl.py).

    python3 test/emulator_selftest.py [-v]

Starts one emulator in-process on a free port (plus one as a subprocess to test the CLI) and
exercises every behaviour with urllib / http.client, the search endpoint's rules
(test/emulator_search.py) included. Standard library only.
"""

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep test/ free of __pycache__

import emulator  # noqa: E402
import emulator_search  # noqa: E402

EMULATOR = os.path.join(HERE, "emulator.py")
EMUCTL = os.path.join(HERE, "emuctl.py")
CLOCK = "2026-11-23T10:00:00.123Z"
PRODUCTS = "/crm/v3/objects/products"
BATCH_CREATE = PRODUCTS + "/batch/create"
BATCH_READ = PRODUCTS + "/batch/read"
BATCH_UPDATE = PRODUCTS + "/batch/update"
BATCH_UPSERT = PRODUCTS + "/batch/upsert"
BATCH_ARCHIVE = PRODUCTS + "/batch/archive"
LATER = "2026-11-24T11:30:00.456Z"
NOT_FOUND_BATCH = "Could not get some PRODUCT objects, they may be deleted or not exist. Check that ids are valid."
HISTORY_MAX_MESSAGE = ("The maximum number of inputs supported in a batch request for property histories is 50. "
                       "Please reduce the number of items and try again")

# Number values HubSpot refuses, and plain decimals it takes (hubspot-api.md section 12.2).
REFUSED_NUMBERS = ("1e-05", "1E+15", "1.5e3", "+5", "+0.5", " 5", "5 ", "1 000", "1,000", "1,5", "1_000",
                   "NaN", "Infinity", "-Infinity", "inf", "--5", "5-", "-+5", "1.2.3", ".", "-", "-.", "0x10",
                   "\u0661\u0662", "abc")
ACCEPTED_NUMBERS = ("0.00001", "1000000000000000", "-3", "0", "-0", "10.50", "-1500.5", "007", "5.", ".5", "-.5")

SERVER = None


def setUpModule():
    global SERVER
    SERVER = emulator.start_in_thread()


def tearDownModule():
    SERVER.shutdown()
    SERVER.server_close()


class Reply:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw

    @property
    def json(self):
        return json.loads(self.raw.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name)


def request(method, path, body=None, token="test-token", query=None, raw=None, timeout=5, headers=None):
    """One request with urllib; returns a Reply whatever the status."""
    url = SERVER.url + path
    if query:
        url += "?" + (query if isinstance(query, str) else urllib.parse.urlencode(query, doseq=True))
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json"}
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Reply(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.headers, e.read())


def control(method, path, body=None, query=None):
    reply = request(method, "/_emulator/" + path, body=body, token=None, query=query)
    return reply


def ok_control(method, path, body=None, query=None):
    reply = control(method, path, body, query)
    assert reply.status == 200, (reply.status, reply.raw)
    return reply.json


def configure(**changes):
    return ok_control("POST", "config", changes)


def log():
    return ok_control("GET", "requests")["requests"]


def create(props, **kw):
    return request("POST", PRODUCTS, {"properties": props}, **kw)


def batch(inputs, **kw):
    return request("POST", BATCH_CREATE, {"inputs": inputs}, **kw)


def seed(**spec):
    return ok_control("POST", "seed", spec)["ids"]


def stored(archived="all"):
    """Stored records by id, in full."""
    return {r["id"]: r for r in ok_control("GET", "objects", query={"archived": archived})["results"]}


def patch(object_id, props, query=None, **kw):
    return request("PATCH", PRODUCTS + "/" + object_id, {"properties": props}, query=query, **kw)


def problems_of(message):
    prefix = "Property values were not valid: "
    assert message.startswith(prefix), message
    return json.loads(message[len(prefix):])


class EmulatorTestCase(unittest.TestCase):
    def setUp(self):
        ok_control("POST", "reset")
        configure(clock=CLOCK)

    def assertHubSpotError(self, reply, status, category):
        self.assertEqual(reply.status, status, reply.raw)
        body = reply.json
        self.assertEqual(body["status"], "error")
        if category is None:
            self.assertNotIn("category", body)
        else:
            self.assertEqual(body["category"], category)
        self.assertIsInstance(body["message"], str)
        uuid.UUID(body["correlationId"])
        self.assertEqual(reply.header("X-HubSpot-Correlation-Id"), body["correlationId"])
        self.assertTrue(reply.header("Content-Type").startswith("application/json;charset=utf-8"))
        return body

    def assertValidation(self, reply, code=None):
        body = self.assertHubSpotError(reply, 400, "VALIDATION_ERROR")
        if code:
            self.assertIn(code, [e["code"] for e in body["errors"]], body)
        return body


# ---------------------------------------------------------------------------

class TestCommandLine(unittest.TestCase):
    def test_start_port_file_and_sigterm(self):
        with tempfile.TemporaryDirectory() as tmp:
            port_file = os.path.join(tmp, "port")
            proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", "--port-file", port_file],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                line = proc.stdout.readline().strip()
                self.assertRegex(line, r"^hubspot emulator listening on http://127\.0\.0\.1:\d+$")
                port = int(line.rsplit(":", 1)[1])
                with open(port_file) as f:
                    self.assertEqual(int(f.read().strip()), port)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", PRODUCTS, headers={"Authorization": "Bearer x"})
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                resp.read()
                conn.close()
            finally:
                proc.send_signal(signal.SIGTERM)
                out, err = proc.communicate(timeout=10)
            self.assertEqual(proc.returncode, 0)
            self.assertEqual(err, "", "no per-request logging without --verbose")


class TestHttp(EmulatorTestCase):
    def test_keep_alive_and_content_length(self):
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=5)
        for _ in range(3):
            conn.request("GET", PRODUCTS, headers={"Authorization": "Bearer t"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.version, 11)
            body = resp.read()
            self.assertEqual(int(resp.getheader("Content-Length")), len(body))
        conn.request("GET", PRODUCTS)  # 401 on the same connection
        resp = conn.getresponse()
        self.assertEqual(resp.status, 401)
        self.assertEqual(int(resp.getheader("Content-Length")), len(resp.read()))
        conn.close()

    def test_unknown_route_and_method(self):
        self.assertEqual(request("GET", "/crm/v3/nothing").status, 404)
        self.assertEqual(request("DELETE", PRODUCTS).status, 405)

    def test_chunked_request_body(self):
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=5)
        body = json.dumps({"properties": {"name": "chunked"}}).encode()
        conn.request("POST", PRODUCTS, body=iter([body[:10], body[10:]]),
                     headers={"Authorization": "Bearer t", "Content-Type": "application/json",
                              "Transfer-Encoding": "chunked"}, encode_chunked=True)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 201)
        self.assertEqual(json.loads(resp.read())["properties"]["name"], "chunked")
        conn.close()


class TestAuth(EmulatorTestCase):
    def test_missing_token(self):
        body = self.assertHubSpotError(request("GET", PRODUCTS, token=None), 401, "INVALID_AUTHENTICATION")
        self.assertEqual(body["message"], emulator.INVALID_AUTH_MESSAGE)
        self.assertEqual(list(body), ["status", "message", "correlationId", "category"])
        self.assertHubSpotError(request("GET", PRODUCTS, token=""), 401, "INVALID_AUTHENTICATION")
        self.assertHubSpotError(request("GET", PRODUCTS, token=None, headers={"Authorization": "Basic abc"}),
                                401, "INVALID_AUTHENTICATION")

    def test_any_token_by_default_and_token_list(self):
        self.assertEqual(request("GET", PRODUCTS, token="anything").status, 200)
        configure(tokens=["good"])
        self.assertEqual(request("GET", PRODUCTS, token="good").status, 200)
        self.assertHubSpotError(request("GET", PRODUCTS, token="bad"), 401, "INVALID_AUTHENTICATION")

    def test_expired_token(self):
        configure(expired_tokens=["old"])
        self.assertHubSpotError(request("GET", PRODUCTS, token="old"), 401, "EXPIRED_AUTHENTICATION")

    def test_read_only_token(self):
        configure(read_only_tokens=["ro"])
        self.assertEqual(request("GET", PRODUCTS, token="ro").status, 200)
        for reply in (create({"name": "x"}, token="ro"), batch([{"properties": {"name": "x"}}], token="ro")):
            body = self.assertHubSpotError(reply, 403, "MISSING_SCOPES")
            self.assertEqual(body["message"], emulator.MISSING_SCOPES_MESSAGE)
            self.assertEqual(body["errors"], [{"message": "One or more of the following scopes are required.",
                                               "context": {"requiredGranularScopes": ["crm.objects.products.write"]}}])
            self.assertIn("scopes", body["links"])
        self.assertEqual(ok_control("GET", "objects")["results"], [])

    def test_control_needs_no_auth(self):
        self.assertEqual(control("GET", "config").status, 200)


class TestProperties(EmulatorTestCase):
    DEFAULTS = """hs_object_id name description price hs_sku hs_cost_of_goods_sold recurringbillingfrequency
        hs_recurring_billing_period hs_recurring_billing_start_date discount hs_discount_percentage tax
        hs_tax_category hs_product_type hs_status hs_pricing_model hs_tier_prices hs_tier_ranges
        hs_bundle_pricing_type hs_url hs_images hs_rich_text_description hs_folder hs_folder_id
        hubspot_owner_id hs_all_assigned_business_unit_ids hs_owning_teams hs_pinned_engagement_id
        createdate hs_lastmodifieddate hs_createdate hs_created_by_user_id hs_updated_by_user_id
        hs_merged_object_ids hs_object_source hs_object_source_label hs_object_source_id
        hs_object_source_detail_1 hs_object_source_detail_2 hs_object_source_detail_3
        hubspot_owner_assigneddate hs_all_owner_ids hs_all_team_ids hs_all_accessible_team_ids
        hubspot_team_id""".split()
    READ_ONLY = """hs_object_id hs_lastmodifieddate hs_createdate hs_created_by_user_id hs_updated_by_user_id
        hs_merged_object_ids hs_object_source hs_object_source_label hs_object_source_id
        hs_object_source_detail_1 hs_object_source_detail_2 hs_object_source_detail_3
        hubspot_owner_assigneddate hs_all_owner_ids hs_all_team_ids hs_all_accessible_team_ids
        hubspot_team_id""".split()
    SHAPE = ["name", "label", "type", "fieldType", "groupName", "description", "options", "displayOrder",
             "calculated", "externalOptions", "hasUniqueValue", "hidden", "hubspotDefined", "formField",
             "modificationMetadata", "createdAt", "updatedAt", "archived"]

    def test_catalogue(self):
        reply = request("GET", "/crm/v3/properties/products")
        self.assertEqual(reply.status, 200)
        self.assertTrue(reply.header("X-HubSpot-RateLimit-Max"))
        props = {p["name"]: p for p in reply.json["results"]}
        for name in self.DEFAULTS:
            self.assertIn(name, props)
            self.assertTrue(props[name]["hubspotDefined"], name)
            self.assertEqual(props[name]["modificationMetadata"]["readOnlyValue"], name in self.READ_ONLY, name)
        for p in props.values():
            self.assertEqual(list(p), self.SHAPE)
            self.assertEqual(set(p["modificationMetadata"]), {"archivable", "readOnlyDefinition", "readOnlyValue"})
            for o in p["options"]:
                self.assertEqual(set(o), {"label", "value", "displayOrder", "hidden"})
            if p["type"] == "enumeration" and not p["modificationMetadata"]["readOnlyValue"]:
                self.assertTrue(p["options"], p["name"])
        self.assertEqual(props["price"]["type"], "number")
        self.assertEqual(props["createdate"]["type"], "datetime")
        self.assertEqual([o["value"] for o in props["hs_product_type"]["options"]],
                         ["inventory", "non_inventory", "service"])
        self.assertEqual([o["value"] for o in props["hs_status"]["options"]], ["active", "inactive"])
        self.assertIn("per_six_months", [o["value"] for o in props["recurringbillingfrequency"]["options"]])
        ext = props["external_id"]
        self.assertEqual((ext["type"], ext["fieldType"], ext["hasUniqueValue"], ext["hubspotDefined"]),
                         ("string", "text", True, False))
        self.assertEqual((props["in_stock"]["type"], props["in_stock"]["fieldType"]), ("bool", "booleancheckbox"))
        self.assertEqual([o["value"] for o in props["in_stock"]["options"]], ["true", "false"])
        sc = props["sales_channels"]
        self.assertEqual((sc["type"], sc["fieldType"]), ("enumeration", "checkbox"))
        self.assertEqual([o["value"] for o in sc["options"]], ["web", "retail", "partner"])
        self.assertEqual(props["launch_date"]["type"], "date")
        self.assertEqual(props["weight_kg"]["type"], "number")
        self.assertEqual([n for n, p in props.items() if p["hasUniqueValue"]], ["external_id"])

    def test_one_property_and_aliases(self):
        reply = request("GET", "/crm/v3/properties/0-7/external_id")
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.json["name"], "external_id")
        self.assertHubSpotError(request("GET", "/crm/v3/properties/products/nope"), 404, "OBJECT_NOT_FOUND")
        body = self.assertHubSpotError(request("GET", "/crm/v3/properties/widgets"), 400, None)
        self.assertEqual(body["message"], "Unable to infer object type from: widgets")
        body = self.assertHubSpotError(request("GET", "/crm/v3/objects/widgets"), 400, None)
        self.assertEqual(body["message"], "Unable to infer object type from: widgets")
        self.assertEqual(request("GET", "/crm/v3/objects/0-7").status, 200)


class TestCreate(EmulatorTestCase):
    def test_create_returns_stored_properties(self):
        reply = create({"name": "Widget", "price": "10.50", "description": "", "in_stock": "true",
                        "sales_channels": "web;partner", "launch_date": "2026-01-02", "weight_kg": None,
                        "createdate": "1700000000000"})
        self.assertEqual(reply.status, 201)
        self.assertTrue(reply.header("X-HubSpot-Correlation-Id"))
        obj = reply.json
        self.assertEqual(obj["id"], "1000001")
        self.assertEqual(list(obj), ["id", "properties", "createdAt", "updatedAt", "archived"])
        p = obj["properties"]
        self.assertEqual(p["hs_object_id"], "1000001")
        self.assertEqual(p["name"], "Widget")
        self.assertEqual(p["price"], "10.50")
        self.assertEqual(p["sales_channels"], "web;partner")
        self.assertEqual(p["createdate"], "2023-11-14T22:13:20.000Z")
        self.assertEqual(p["hs_lastmodifieddate"], CLOCK)
        self.assertEqual(p["hs_createdate"], CLOCK)
        self.assertEqual(p["hs_object_source"], "API")
        self.assertNotIn("description", p)
        self.assertNotIn("weight_kg", p)
        self.assertEqual(obj["createdAt"], "2023-11-14T22:13:20.000Z")
        self.assertEqual(obj["updatedAt"], CLOCK)
        self.assertIs(obj["archived"], False)
        self.assertEqual(create({"name": "Second"}).json["id"], "1000002")

    def test_real_clock_and_id_start(self):
        configure(clock=None, id_start=500)
        obj = create({"name": "x"}).json
        self.assertEqual(obj["id"], "500")
        self.assertRegex(obj["properties"]["createdate"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_associations_stored(self):
        deal = ok_control("POST", "seed", {"object": "deals", "objects": [{"properties": {"dealname": "d"}}]})["ids"][0]
        assoc = [{"to": {"id": deal}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}]}]
        reply = request("POST", "/crm/v3/objects/line_items", {"properties": {"name": "a"}, "associations": assoc})
        self.assertEqual(reply.status, 201)
        self.assertEqual(ok_control("GET", "objects", query={"object": "line_items"})["results"][0]["associations"], assoc)
        # products cannot be associated: type 20 is a line item's
        reply = request("POST", PRODUCTS, {"properties": {"name": "a"}, "associations": assoc})
        body = self.assertValidation(reply)
        self.assertEqual(body["message"], "invalid from object type 0-7 for associations to be created. "
                                          "expected: 0-8. For definition 0-20")
        for bad in ({"to": {"id": "1"}}, [{"to": {}, "types": []}], [{"to": {"id": "1"}, "types": [{"associationCategory": "X", "associationTypeId": 1}]}],
                    [{"to": {"id": "1"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": "1"}]}]):
            self.assertValidation(request("POST", PRODUCTS, {"properties": {"name": "a"}, "associations": bad}))


class TestValidation(EmulatorTestCase):
    def problem_codes(self, reply):
        body = self.assertValidation(reply)
        self.assertTrue(body["message"].startswith("Property values were not valid: ["), body["message"])
        problems = json.loads(body["message"][len("Property values were not valid: "):])
        for p in problems:
            self.assertIs(p["isValid"], False)
        self.assertEqual([e["code"] for e in body["errors"]], [p["error"] for p in problems])
        self.assertEqual([e["context"]["propertyName"] for e in body["errors"]], [[p["name"]] for p in problems])
        return [p["error"] for p in problems]

    def test_codes(self):
        cases = [
            ({"nope": "1"}, "PROPERTY_DOESNT_EXIST"),
            ({"hs_object_id": "1"}, "READ_ONLY_VALUE"),
            ({"hs_lastmodifieddate": "2024-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),
            ({"price": "abc"}, "INVALID_FLOAT"),
            ({"price": "1,5"}, "INVALID_FLOAT"),
            ({"weight_kg": "NaN"}, "INVALID_FLOAT"),
            ({"in_stock": "yes"}, "INVALID_BOOLEAN"),
            ({"hs_status": "gone"}, "INVALID_OPTION"),
            ({"sales_channels": "web;moon"}, "INVALID_OPTION"),
            ({"hs_status": " active"}, "LEADING_TRAILING_WHITESPACE"),
            ({"sales_channels": "web; retail"}, "LEADING_TRAILING_WHITESPACE"),
            ({"launch_date": "2024-02-30"}, "INVALID_DATE"),
            ({"launch_date": "1700000000001"}, "INVALID_DATE"),
            ({"createdate": "yesterday"}, "INVALID_DATETIME"),
        ]
        for props, code in cases:
            with self.subTest(props=props):
                self.assertEqual(self.problem_codes(create(props)), [code])
        body = self.assertValidation(create({"nope": "1"}))
        self.assertIn('Property \\"nope\\" does not exist', body["message"])
        body = self.assertValidation(create({"hs_object_id": "1"}))
        self.assertEqual(body["errors"][0]["message"], '"hs_object_id" is a read only property; its value cannot be set.')
        self.assertEqual(ok_control("GET", "objects")["results"], [])

    def test_several_problems_in_one_input(self):
        self.assertEqual(self.problem_codes(create({"nope": "1", "price": "x"})),
                         ["PROPERTY_DOESNT_EXIST", "INVALID_FLOAT"])

    def test_accepted_forms(self):
        obj = create({"launch_date": "1704153600000", "createdate": "2024-01-02T03:04:05+01:00",
                      "price": "-1500.5", "in_stock": "false", "hs_recurring_billing_start_date": "2024-01-31"}).json
        p = obj["properties"]
        self.assertEqual(p["launch_date"], "2024-01-02")
        self.assertEqual(p["createdate"], "2024-01-02T02:04:05.000Z")
        self.assertEqual(p["price"], "-1500.5")
        self.assertEqual(p["in_stock"], "false")

    def test_number_forms_refused(self):
        for value in REFUSED_NUMBERS:
            with self.subTest(value=value):
                body = self.assertValidation(create({"price": value}), "INVALID_FLOAT")
                [problem] = problems_of(body["message"])
                self.assertEqual((problem["name"], problem["error"]), ("price", "INVALID_FLOAT"))
                self.assertEqual(problem["message"], '"%s" is not a valid number' % value)
                self.assertEqual(body["errors"][0]["message"], '"%s" is not a valid number' % value)
        self.assertEqual(ok_control("GET", "objects")["results"], [])

    def test_number_forms_accepted(self):
        for value in ACCEPTED_NUMBERS:
            with self.subTest(value=value):
                reply = create({"price": value, "weight_kg": value})
                self.assertEqual(reply.status, 201, reply.raw)
                self.assertEqual(reply.json["properties"]["price"], value, "stored as sent")
                self.assertEqual(reply.json["properties"]["weight_kg"], value)

    def test_number_forms_on_every_write_path(self):
        [pid] = seed(objects=[{"properties": {"name": "A", "external_id": "EA", "price": "1"}}])
        for value in ("1e-05", "1E+15", "+5", "NaN"):
            with self.subTest(value=value):
                self.assertValidation(batch([{"properties": {"price": value}}]), "INVALID_FLOAT")
                reply = batch([{"objectWriteTraceId": "t", "properties": {"price": value}}])
                self.assertEqual(reply.status, 207)
                self.assertIn("INVALID_FLOAT", reply.json["errors"][0]["message"])
                self.assertValidation(patch(pid, {"price": value}), "INVALID_FLOAT")
                self.assertValidation(request("POST", BATCH_UPDATE, {"inputs": [{"id": pid, "properties": {"price": value}}]}),
                                      "INVALID_FLOAT")
                self.assertValidation(request("POST", BATCH_UPSERT, {"inputs": [{"id": "EA", "idProperty": "external_id",
                                                                                 "properties": {"price": value}}]}),
                                      "INVALID_FLOAT")
                reply = control("POST", "seed", {"objects": [{"properties": {"price": value}}]})
                self.assertEqual(reply.status, 400)
                self.assertIn("INVALID_FLOAT", reply.json["message"])
        self.assertEqual(list(stored()), [pid])
        self.assertEqual(stored()[pid]["properties"]["price"], "1")
        for value in ("0.00001", "1000000000000000", "-3", "0"):
            with self.subTest(value=value):
                self.assertEqual(batch([{"properties": {"price": value}}]).json["results"][0]["properties"]["price"], value)
                self.assertEqual(patch(pid, {"price": value}).json["properties"]["price"], value)
                reply = request("POST", BATCH_UPDATE, {"inputs": [{"id": pid, "properties": {"weight_kg": value}}]})
                self.assertEqual(reply.json["results"][0]["properties"]["weight_kg"], value)
                reply = request("POST", BATCH_UPSERT, {"inputs": [{"id": "EA", "idProperty": "external_id",
                                                                   "properties": {"discount": value}}]})
                self.assertEqual(reply.json["results"][0]["properties"]["discount"], value)

    def test_seeded_json_numbers_become_plain_decimals(self):
        ids = seed(objects=[{"properties": {"price": 1e-05, "weight_kg": 1e16}},
                            {"properties": {"price": -3, "weight_kg": 2.5}}])
        recs = stored()
        self.assertEqual((recs[ids[0]]["properties"]["price"], recs[ids[0]]["properties"]["weight_kg"]),
                         ("0.00001", "10000000000000000"))
        self.assertEqual((recs[ids[1]]["properties"]["price"], recs[ids[1]]["properties"]["weight_kg"]), ("-3", "2.5"))
        self.assertEqual(control("POST", "seed", {"objects": [{"properties": {"price": True}}]}).status, 400)

    def test_non_string_values_are_whole_request_errors(self):
        for value in (5, 1.5, True, {"a": 1}, ["x"]):
            with self.subTest(value=value):
                body = self.assertValidation(create({"name": value}))
                self.assertRegex(body["message"], r"^Invalid input JSON on line 1, column \d+: Cannot deserialize value of type `java.lang.String` from ")
        reply = batch([{"objectWriteTraceId": "1", "properties": {"name": "ok"}},
                       {"objectWriteTraceId": "2", "properties": {"price": 5}}])
        self.assertValidation(reply)
        self.assertEqual(ok_control("GET", "objects")["results"], [])

    def test_bad_bodies(self):
        self.assertIn("Invalid input JSON", self.assertValidation(request("POST", PRODUCTS, raw=b"{nope"))["message"])
        self.assertValidation(request("POST", PRODUCTS, raw=b""))
        self.assertValidation(request("POST", PRODUCTS, {"properties": "x"}))
        self.assertValidation(request("POST", PRODUCTS, {"properties": ["x"]}))
        self.assertValidation(request("POST", PRODUCTS, {"associations": []}))
        self.assertValidation(request("POST", PRODUCTS, ["x"]))

    def test_unique_value(self):
        self.assertEqual(create({"external_id": "E-1"}).status, 201)
        body = self.assertValidation(create({"external_id": "E-1"}), "INVALID_UNIQUE_VALUE")
        self.assertIn("already has that value", body["message"])
        self.assertEqual(create({"external_id": "E-2"}).status, 201)
        self.assertEqual(create({"hs_sku": "S"}).status, 201)
        self.assertEqual(create({"hs_sku": "S"}).status, 201, "hs_sku is not unique")


class TestBatchCreate(EmulatorTestCase):
    def test_all_valid(self):
        configure(shuffle=False)
        reply = batch([{"objectWriteTraceId": "t%d" % i, "properties": {"name": "n%d" % i}} for i in range(3)])
        self.assertEqual(reply.status, 201)
        body = reply.json
        self.assertEqual(list(body), ["status", "results", "startedAt", "completedAt"])
        self.assertEqual(body["status"], "COMPLETE")
        self.assertEqual([r["id"] for r in body["results"]], ["1000001", "1000002", "1000003"])
        self.assertEqual([r["objectWriteTraceId"] for r in body["results"]], ["t0", "t1", "t2"])
        self.assertEqual(body["startedAt"], CLOCK)
        self.assertEqual(body["results"][0]["properties"]["name"], "n0")
        self.assertEqual(body["results"][0]["properties"]["hs_object_id"], "1000001")
        self.assertEqual(batch([{"properties": {"name": "no trace"}}]).status, 201)
        self.assertEqual(batch([]).json["results"], [])

    def test_echo_trace_ids_off(self):
        configure(echo_trace_ids=False)
        result = batch([{"objectWriteTraceId": "t", "properties": {}}]).json["results"][0]
        self.assertNotIn("objectWriteTraceId", result)

    def test_shuffle_is_seedable(self):
        inputs = [{"objectWriteTraceId": str(i), "properties": {"name": str(i)}} for i in range(20)]
        configure(random_seed=1)
        first = [r["objectWriteTraceId"] for r in batch(inputs).json["results"]]
        ok_control("POST", "reset")
        configure(random_seed=1)
        second = [r["objectWriteTraceId"] for r in batch(inputs).json["results"]]
        self.assertEqual(first, second)
        self.assertNotEqual(first, sorted(first, key=int))

    def test_limits_and_shapes(self):
        inputs = [{"properties": {"name": "x"}} for _ in range(101)]
        body = self.assertValidation(batch(inputs))
        self.assertIn("100", body["message"])
        self.assertEqual(batch(inputs[:100]).status, 201)
        configure(batch_max=2)
        self.assertValidation(batch(inputs[:3]))
        self.assertValidation(request("POST", BATCH_CREATE, {}))
        self.assertValidation(request("POST", BATCH_CREATE, {"inputs": {"a": 1}}))
        self.assertValidation(request("POST", BATCH_CREATE, {"inputs": ["x"]}))
        self.assertValidation(request("POST", BATCH_CREATE, {"inputs": [{"properties": "x"}]}))
        self.assertValidation(request("POST", BATCH_CREATE, {"inputs": [{"properties": {}, "associations": [{}]}]}))

    def test_multi_status_with_trace_ids(self):
        reply = batch([
            {"objectWriteTraceId": "a", "properties": {"name": "good", "external_id": "X"}},
            {"objectWriteTraceId": "b", "properties": {"price": "abc"}},
            {"objectWriteTraceId": "c", "properties": {"nope": "1", "hs_object_id": "5"}},
            {"objectWriteTraceId": "d", "properties": {"external_id": "X"}},
            {"objectWriteTraceId": "e", "properties": {"name": "good too"}},
        ])
        self.assertEqual(reply.status, 207)
        body = reply.json
        self.assertEqual(list(body), ["status", "results", "numErrors", "errors", "startedAt", "completedAt"])
        self.assertEqual(sorted(r["objectWriteTraceId"] for r in body["results"]), ["a", "e"])
        self.assertEqual(body["numErrors"], 3)
        errors = {e["context"]["objectWriteTraceId"][0]: e for e in body["errors"]}
        self.assertEqual(sorted(errors), ["b", "c", "d"])
        for e in body["errors"]:
            self.assertEqual(e["status"], "error")
            self.assertEqual(e["category"], "VALIDATION_ERROR")
            self.assertTrue(e["message"].startswith("Property values were not valid: ["))
        problems = json.loads(errors["c"]["message"][len("Property values were not valid: "):])
        self.assertEqual([p["error"] for p in problems], ["PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE"])
        self.assertEqual(problems[0]["message"], 'Property "nope" does not exist')
        self.assertIn("already has that value", errors["d"]["message"])
        self.assertIn("INVALID_FLOAT", errors["b"]["message"])
        self.assertEqual(len(ok_control("GET", "objects")["results"]), 2)

    def test_without_trace_ids_whole_request_fails(self):
        reply = batch([
            {"properties": {"name": "good"}},
            {"properties": {"price": "abc"}},
            {"properties": {"nope": "1"}},
        ])
        body = self.assertValidation(reply, "INVALID_FLOAT")
        self.assertEqual(len(body["errors"]), 1, "only the first problem is named")
        reply = batch([{"objectWriteTraceId": "1", "properties": {"name": "good"}},
                       {"properties": {"price": "abc"}}])
        self.assertValidation(reply)
        self.assertEqual(ok_control("GET", "objects")["results"], [])

    def test_unique_within_batch_and_against_store(self):
        create({"external_id": "OLD"})
        self.assertValidation(batch([{"properties": {"external_id": "NEW"}},
                                     {"properties": {"external_id": "NEW"}}]), "INVALID_UNIQUE_VALUE")
        self.assertValidation(batch([{"properties": {"external_id": "OLD"}}]), "INVALID_UNIQUE_VALUE")
        reply = batch([{"objectWriteTraceId": "1", "properties": {"external_id": "NEW"}},
                       {"objectWriteTraceId": "2", "properties": {"external_id": "NEW"}}])
        self.assertEqual(reply.status, 207)
        self.assertEqual([r["objectWriteTraceId"] for r in reply.json["results"]], ["1"])
        self.assertEqual(reply.json["errors"][0]["context"]["objectWriteTraceId"], ["2"])

    def test_associations_stored(self):
        contact = ok_control("POST", "seed", {"object": "contacts", "objects": [{"properties": {"email": "a@x.com"}}]})["ids"][0]
        assoc = [{"to": {"id": contact}, "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": 1}]}]
        reply = request("POST", "/crm/v3/objects/deals/batch/create",
                        {"inputs": [{"properties": {"dealname": "a", "dealstage": "closedwon"}, "associations": assoc}]})
        self.assertEqual(reply.status, 201)
        self.assertEqual(ok_control("GET", "objects", query={"object": "deals"})["results"][0]["associations"], assoc)
        self.assertEqual(batch([{"properties": {"name": "a"}, "associations": assoc}]).status, 400)


class TestList(EmulatorTestCase):
    def test_default_page_and_properties(self):
        seed(count=12, properties={"name": "P {i}", "price": "{i}.00", "hs_sku": "S{i}"})
        reply = request("GET", PRODUCTS)
        self.assertEqual(reply.status, 200)
        body = reply.json
        self.assertEqual(len(body["results"]), 10)
        first = body["results"][0]
        self.assertEqual(list(first), ["id", "properties", "createdAt", "updatedAt", "archived"])
        self.assertEqual(sorted(first["properties"]),
                         ["createdate", "hs_lastmodifieddate", "hs_object_id", "name", "price"])
        self.assertEqual(body["paging"]["next"]["after"], "1000011")
        link = urllib.parse.urlsplit(body["paging"]["next"]["link"])
        self.assertEqual((link.scheme, link.path), ("http", PRODUCTS))
        self.assertEqual(urllib.parse.parse_qs(link.query)["after"], ["1000011"])
        page2 = request("GET", PRODUCTS, query={"after": "1000011"}).json
        self.assertEqual([r["id"] for r in page2["results"]], ["1000011", "1000012"])
        self.assertNotIn("paging", page2)

    def test_paging_walk(self):
        seed(count=25)
        ids, after = [], None
        while True:
            q = {"limit": 7}
            if after:
                q["after"] = after
            body = request("GET", PRODUCTS, query=q).json
            ids += [r["id"] for r in body["results"]]
            after = body.get("paging", {}).get("next", {}).get("after")
            if not after:
                break
        self.assertEqual(ids, [str(1000001 + i) for i in range(25)])

    def test_properties_encodings(self):
        seed(objects=[{"properties": {"name": "A", "price": "1", "hs_sku": "S", "description": "D"}}])
        for query in ("properties=hs_sku,price,bogus", "properties=hs_sku&properties=price&properties=bogus",
                      "properties=hs_sku,bogus&properties=price"):
            with self.subTest(query=query):
                props = request("GET", PRODUCTS, query=query).json["results"][0]["properties"]
                self.assertEqual(sorted(props), ["createdate", "hs_lastmodifieddate", "hs_object_id", "hs_sku", "price"])
        requested = log()[-1]["query"]
        self.assertEqual(requested["properties"], ["hs_sku,bogus", "price"])

    def test_empty_values(self):
        seed(objects=[{"properties": {"name": "A"}}])
        props = request("GET", PRODUCTS, query="properties=name,price").json["results"][0]["properties"]
        self.assertNotIn("price", props)
        configure(empty_values="null")
        props = request("GET", PRODUCTS, query="properties=name,price,bogus").json["results"][0]["properties"]
        self.assertIsNone(props["price"])
        self.assertNotIn("bogus", props)

    def test_limits(self):
        seed(count=3)
        self.assertEqual(len(request("GET", PRODUCTS, query={"limit": 100}).json["results"]), 3)
        self.assertValidation(request("GET", PRODUCTS, query={"limit": 101}))
        self.assertValidation(request("GET", PRODUCTS, query={"limit": "x"}))
        self.assertValidation(request("GET", PRODUCTS, query={"limit": 0}))
        self.assertValidation(request("GET", PRODUCTS, query={"limit": 51, "propertiesWithHistory": "price"}))
        self.assertEqual(request("GET", PRODUCTS, query={"limit": 50, "propertiesWithHistory": "price"}).status, 200)
        configure(list_over_limit="clamp")
        self.assertEqual(request("GET", PRODUCTS, query={"limit": 500}).status, 200)

    def test_history(self):
        seed(objects=[{"properties": {"name": "A", "price": "5"}}])
        body = request("GET", PRODUCTS, query="propertiesWithHistory=price,bogus&propertiesWithHistory=name").json
        hist = body["results"][0]["propertiesWithHistory"]
        self.assertEqual(sorted(hist), ["name", "price"])
        self.assertEqual(hist["price"], [{"value": "5", "timestamp": CLOCK, "sourceType": "API", "sourceId": "emulator"}])
        self.assertIn("price", body["results"][0]["properties"])

    def test_archived(self):
        seed(objects=[{"properties": {"name": "live"}}, {"properties": {"name": "gone"}, "archived": True}])
        live = request("GET", PRODUCTS).json["results"]
        self.assertEqual([r["properties"]["name"] for r in live], ["live"])
        gone = request("GET", PRODUCTS, query={"archived": "true"}).json["results"]
        self.assertEqual([r["properties"]["name"] for r in gone], ["gone"])
        self.assertIs(gone[0]["archived"], True)
        self.assertEqual(gone[0]["archivedAt"], CLOCK)
        self.assertEqual(len(request("GET", PRODUCTS, query={"archived": "false"}).json["results"]), 1)


class TestEmptyValuesAsEmptyString(EmulatorTestCase):
    """empty_values "empty": requested properties without a value come back as "" everywhere."""

    def setUp(self):
        super().setUp()
        # a: never had a description or weight; b: its price is cleared below
        self.a, self.b = seed(objects=[{"properties": {"name": "A", "price": "1", "external_id": "EA"}},
                                       {"properties": {"name": "B", "price": "2", "external_id": "EB"}}])
        self.assertEqual(patch(self.b, {"price": ""}).status, 200)
        configure(empty_values="empty", shuffle=False)

    def test_config(self):
        self.assertEqual(emulator.DEFAULT_CONFIG["empty_values"], "omit")
        self.assertEqual(ok_control("GET", "config")["empty_values"], "empty")
        for mode in ("omit", "null", "empty"):
            self.assertEqual(configure(empty_values=mode)["empty_values"], mode)
        body = control("POST", "config", {"empty_values": "blank"}).json
        self.assertIn('"omit", "null" or "empty"', body["message"])

    def test_list(self):
        results = request("GET", PRODUCTS, query="properties=name,price,weight_kg,bogus").json["results"]
        pa, pb = (r["properties"] for r in results)
        self.assertEqual((pa["price"], pa["weight_kg"]), ("1", ""))
        self.assertEqual((pb["price"], pb["weight_kg"]), ("", ""), "cleared and never set alike")
        self.assertNotIn("bogus", pa)
        defaults = request("GET", PRODUCTS).json["results"][1]["properties"]
        self.assertEqual(defaults["description"], "")
        self.assertEqual(defaults["price"], "")
        self.assertEqual(sorted(defaults), ["createdate", "description", "hs_lastmodifieddate", "hs_object_id",
                                            "name", "price"])

    def test_get_one(self):
        p = request("GET", PRODUCTS + "/" + self.b, query="properties=price,hs_sku").json["properties"]
        self.assertEqual((p["price"], p["hs_sku"]), ("", ""))
        p = request("GET", PRODUCTS + "/EB", query="idProperty=external_id&properties=in_stock").json["properties"]
        self.assertEqual(p["in_stock"], "")

    def test_batch_read(self):
        body = request("POST", BATCH_READ, {"inputs": [{"id": self.a}, {"id": self.b}],
                                            "properties": ["price", "launch_date", "bogus"]}).json
        ra, rb = body["results"]
        self.assertEqual(ra["properties"], {"createdate": CLOCK, "hs_lastmodifieddate": CLOCK, "hs_object_id": self.a,
                                            "price": "1", "launch_date": ""})
        self.assertEqual((rb["properties"]["price"], rb["properties"]["launch_date"]), ("", ""))

    def test_history_keeps_its_shape(self):
        body = request("GET", PRODUCTS + "/" + self.b, query="properties=price&propertiesWithHistory=price,hs_sku").json
        self.assertEqual([h["value"] for h in body["propertiesWithHistory"]["price"]], ["", "2"])
        self.assertNotIn("hs_sku", body["propertiesWithHistory"], "no history for a never-set property")

    def test_create(self):
        reply = create({"name": "C", "description": "", "weight_kg": None, "price": "3"})
        self.assertEqual(reply.status, 201, reply.raw)
        p = reply.json["properties"]
        self.assertEqual((p["description"], p["weight_kg"], p["price"]), ("", "", "3"))
        self.assertNotIn("hs_sku", p, "only the input's properties are 'requested' in a write answer")
        self.assertNotIn("description", stored()[reply.json["id"]]["properties"], "the store holds no value")

    def test_batch_create(self):
        reply = batch([{"properties": {"name": "C", "hs_sku": ""}, "objectWriteTraceId": "c"},
                       {"properties": {"name": "D"}, "objectWriteTraceId": "d"}])
        self.assertEqual(reply.status, 201, reply.raw)
        rc, rd = reply.json["results"]
        self.assertEqual((rc["objectWriteTraceId"], rc["properties"]["hs_sku"]), ("c", ""))
        self.assertNotIn("hs_sku", rd["properties"])

    def test_patch(self):
        reply = patch(self.a, {"price": "", "description": None, "name": "A2"})
        self.assertEqual(reply.status, 200, reply.raw)
        p = reply.json["properties"]
        self.assertEqual((p["price"], p["description"], p["name"], p["external_id"]), ("", "", "A2", "EA"))
        self.assertNotIn("weight_kg", p)
        self.assertNotIn("price", stored()[self.a]["properties"])

    def test_batch_update(self):
        reply = request("POST", BATCH_UPDATE, {"inputs": [{"id": self.a, "properties": {"price": ""}},
                                                          {"id": self.b, "properties": {"name": "B2", "price": ""}}]})
        self.assertEqual(reply.status, 200, reply.raw)
        ra, rb = reply.json["results"]
        self.assertEqual(ra["properties"]["price"], "")
        self.assertEqual((rb["properties"]["price"], rb["properties"]["name"]), ("", "B2"))

    def test_batch_upsert(self):
        reply = request("POST", BATCH_UPSERT, {"inputs": [
            {"id": "EA", "idProperty": "external_id", "properties": {"price": "", "hs_sku": "SA"}},
            {"id": "EN", "idProperty": "external_id", "properties": {"name": "N", "description": ""}}]})
        self.assertEqual(reply.status, 200, reply.raw)
        ra, rn = reply.json["results"]
        self.assertEqual((ra["new"], ra["properties"]["price"], ra["properties"]["hs_sku"]), (False, "", "SA"))
        self.assertEqual((rn["new"], rn["properties"]["description"], rn["properties"]["external_id"]), (True, "", "EN"))

    def test_other_modes_unchanged(self):
        configure(empty_values="omit")
        self.assertNotIn("price", request("GET", PRODUCTS + "/" + self.b, query="properties=price").json["properties"])
        self.assertNotIn("price", patch(self.a, {"price": ""}).json["properties"])
        configure(empty_values="null")
        self.assertIsNone(request("GET", PRODUCTS + "/" + self.b, query="properties=price").json["properties"]["price"])
        self.assertNotIn("price", patch(self.a, {"price": ""}).json["properties"], "null mode shapes reads only")
        self.assertNotIn("price", stored()[self.b]["properties"], "the control API shows stored values only")


class TestGetOne(EmulatorTestCase):
    def test_get(self):
        [pid] = seed(objects=[{"properties": {"name": "A", "price": "1", "external_id": "EXT"}}])
        body = request("GET", PRODUCTS + "/" + pid).json
        self.assertEqual(body["id"], pid)
        self.assertEqual(sorted(body["properties"]), ["createdate", "hs_lastmodifieddate", "hs_object_id", "name", "price"])
        body = request("GET", PRODUCTS + "/" + pid, query="properties=external_id&propertiesWithHistory=name").json
        self.assertEqual(body["properties"]["external_id"], "EXT")
        self.assertEqual(body["propertiesWithHistory"]["name"][0]["value"], "A")
        self.assertEqual(request("GET", "/crm/v3/objects/0-7/" + pid).status, 200)
        self.assertEqual(request("GET", PRODUCTS + "/EXT", query={"idProperty": "external_id"}).json["id"], pid)
        self.assertValidation(request("GET", PRODUCTS + "/x", query={"idProperty": "hs_sku"}))

    def test_not_found(self):
        reply = request("GET", PRODUCTS + "/abc")
        body = self.assertHubSpotError(reply, 404, "OBJECT_NOT_FOUND")
        self.assertEqual(body["message"], "Object not found.  objectId are usually numeric.")
        self.assertEqual(body["context"], {"id": ["abc"]})
        self.assertEqual(list(body), ["status", "message", "correlationId", "context", "category"])

    def test_archived(self):
        [pid] = seed(objects=[{"properties": {"name": "gone"}, "archived": True}])
        self.assertEqual(request("GET", PRODUCTS + "/" + pid).status, 404)
        self.assertEqual(request("GET", PRODUCTS + "/" + pid, query={"archived": "true"}).status, 200)



class TestUpdate(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.a, self.b = seed(objects=[
            {"properties": {"name": "A", "price": "1", "hs_sku": "SA", "external_id": "EA"}},
            {"properties": {"name": "B", "external_id": "EB"}}])
        configure(clock=LATER)

    def test_update_sets_clears_and_keeps(self):
        before, before_b = stored()[self.a], stored()[self.b]
        reply = patch(self.a, {"price": "2.50", "hs_sku": "", "in_stock": "true", "description": None})
        self.assertEqual(reply.status, 200, reply.raw)
        self.assertTrue(reply.header("X-HubSpot-Correlation-Id"))
        self.assertTrue(reply.header("X-HubSpot-RateLimit-Max"))
        obj = reply.json
        self.assertEqual(list(obj), ["id", "properties", "createdAt", "updatedAt", "archived"])
        p = obj["properties"]
        self.assertEqual((obj["id"], p["price"], p["in_stock"], p["name"], p["external_id"]),
                         (self.a, "2.50", "true", "A", "EA"))
        self.assertNotIn("hs_sku", p)
        self.assertNotIn("description", p)
        self.assertEqual(p["hs_lastmodifieddate"], LATER)
        self.assertEqual(p["createdate"], CLOCK)
        self.assertEqual((obj["createdAt"], obj["updatedAt"]), (CLOCK, LATER))
        after = stored()[self.a]
        self.assertEqual(after["properties"], p, "the response shows every stored value")
        self.assertEqual(after["updatedAt"], LATER)
        self.assertEqual({k: v for k, v in before["properties"].items() if k not in ("price", "hs_sku", "hs_lastmodifieddate")},
                         {k: v for k, v in after["properties"].items() if k not in ("price", "in_stock", "hs_lastmodifieddate")})
        self.assertEqual(stored()[self.b], before_b, "other records untouched")

    def test_history_recorded(self):
        patch(self.a, {"price": "2"})
        patch(self.a, {"price": ""})
        hist = request("GET", PRODUCTS + "/" + self.a,
                       query="propertiesWithHistory=price,hs_lastmodifieddate").json["propertiesWithHistory"]
        self.assertEqual([(h["value"], h["timestamp"]) for h in hist["price"]], [("", LATER), ("2", LATER), ("1", CLOCK)])
        self.assertEqual([h["value"] for h in hist["hs_lastmodifieddate"]], [LATER, LATER, CLOCK])
        self.assertEqual(hist["price"][0]["sourceType"], "API")

    def test_values_normalised_and_createdate(self):
        obj = patch(self.a, {"launch_date": "1704153600000", "createdate": "2024-01-02T03:04:05+01:00"}).json
        self.assertEqual(obj["properties"]["launch_date"], "2024-01-02")
        self.assertEqual(obj["properties"]["createdate"], "2024-01-02T02:04:05.000Z")
        self.assertEqual(obj["createdAt"], "2024-01-02T02:04:05.000Z")

    def test_empty_properties_only_touches_modification(self):
        obj = patch(self.a, {}).json
        self.assertEqual(obj["properties"]["price"], "1")
        self.assertEqual(obj["updatedAt"], LATER)

    def test_not_found_and_archived(self):
        for object_id in ("999", "abc"):
            body = self.assertHubSpotError(patch(object_id, {"name": "x"}), 404, "OBJECT_NOT_FOUND")
            self.assertEqual(body["message"], emulator.NOT_FOUND_MESSAGE)
            self.assertEqual(body["context"], {"id": [object_id]})
        request("DELETE", PRODUCTS + "/" + self.b)
        self.assertHubSpotError(patch(self.b, {"name": "x"}), 404, "OBJECT_NOT_FOUND")
        self.assertHubSpotError(patch("EB", {"name": "x"}, query={"idProperty": "external_id"}), 404, "OBJECT_NOT_FOUND")
        self.assertEqual(stored()[self.b]["properties"]["name"], "B")

    def test_validation_is_atomic(self):
        before = stored()
        cases = [({"price": "3", "nope": "1"}, ["PROPERTY_DOESNT_EXIST"]),
                 ({"name": "new", "hs_object_id": "5"}, ["READ_ONLY_VALUE"]),
                 ({"name": "new", "price": "abc", "hs_status": "gone"}, ["INVALID_FLOAT", "INVALID_OPTION"]),
                 ({"name": "new", "external_id": "EB"}, ["INVALID_UNIQUE_VALUE"])]
        for props, codes in cases:
            with self.subTest(props=props):
                body = self.assertValidation(patch(self.a, props))
                self.assertEqual([e["code"] for e in body["errors"]], codes)
                self.assertEqual([p["error"] for p in problems_of(body["message"])], codes)
        self.assertEqual(stored(), before, "a rejected update changes nothing")

    def test_unique_value_own_and_freed(self):
        self.assertEqual(patch(self.a, {"external_id": "EA", "name": "same"}).status, 200, "a record keeps its own value")
        self.assertEqual(patch(self.a, {"external_id": "EA2"}).status, 200)
        self.assertEqual(patch(self.b, {"external_id": "EA"}).status, 200, "the old value is free again")
        request("DELETE", PRODUCTS + "/" + self.b)
        self.assertEqual(patch(self.a, {"external_id": "EA"}).status, 200, "archived records hold no unique value")

    def test_id_property(self):
        obj = patch("EA", {"name": "by external id"}, query={"idProperty": "external_id"}).json
        self.assertEqual((obj["id"], obj["properties"]["name"]), (self.a, "by external id"))
        obj = patch(self.b, {"name": "by record id"}, query={"idProperty": "hs_object_id"}).json
        self.assertEqual((obj["id"], obj["properties"]["name"]), (self.b, "by record id"))
        obj = patch("EA", {"external_id": "EA-NEW"}, query={"idProperty": "external_id"}).json
        self.assertEqual(obj["properties"]["external_id"], "EA-NEW")
        body = self.assertValidation(patch("SA", {"name": "x"}, query={"idProperty": "hs_sku"}))
        self.assertEqual(body["message"], "Unable to perform update/upsert by non-unique 0-7 property hs_sku in portal ID 62515000")
        body = self.assertValidation(patch("x", {"name": "x"}, query={"idProperty": "bogus"}))
        self.assertEqual(body["message"], 'Property "bogus" does not exist')
        self.assertHubSpotError(patch("nope", {"name": "x"}, query={"idProperty": "external_id"}), 404, "OBJECT_NOT_FOUND")

    def test_bad_bodies(self):
        path = PRODUCTS + "/" + self.a
        self.assertIn("Invalid input JSON", self.assertValidation(request("PATCH", path, raw=b"{nope"))["message"])
        self.assertValidation(request("PATCH", path, raw=b""))
        self.assertValidation(request("PATCH", path, {}))
        self.assertValidation(request("PATCH", path, {"properties": "x"}))
        self.assertValidation(request("PATCH", path, ["x"]))
        body = self.assertValidation(request("PATCH", path, {"properties": {"price": 5}}))
        self.assertIn("Cannot deserialize value of type `java.lang.String`", body["message"])
        self.assertEqual(stored()[self.a]["properties"]["price"], "1")

    def test_alias_and_read_only_token(self):
        self.assertEqual(request("PATCH", "/crm/v3/objects/0-7/" + self.a, {"properties": {"name": "z"}}).status, 200)
        configure(read_only_tokens=["ro"])
        self.assertHubSpotError(patch(self.a, {"name": "x"}, token="ro"), 403, "MISSING_SCOPES")
        self.assertHubSpotError(request("DELETE", PRODUCTS + "/" + self.a, token="ro"), 403, "MISSING_SCOPES")
        self.assertEqual(stored()[self.a]["properties"]["name"], "z")


class TestArchive(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.ids = seed(count=3, properties={"name": "P {i}", "external_id": "E{i}"})
        configure(clock=LATER)

    def test_delete(self):
        a, b, c = self.ids
        reply = request("DELETE", PRODUCTS + "/" + b)
        self.assertEqual((reply.status, reply.raw), (204, b""))
        self.assertIsNone(reply.header("Content-Type"))
        self.assertTrue(reply.header("X-HubSpot-Correlation-Id"))
        rec = stored()[b]
        self.assertIs(rec["archived"], True)
        self.assertEqual(rec["archivedAt"], LATER)
        self.assertEqual(rec["updatedAt"], CLOCK)
        self.assertEqual(rec["properties"]["name"], "P 2")
        self.assertEqual([r["id"] for r in request("GET", PRODUCTS).json["results"]], [a, c])
        gone = request("GET", PRODUCTS, query={"archived": "true"}).json["results"]
        self.assertEqual([(r["id"], r["archived"], r["archivedAt"]) for r in gone], [(b, True, LATER)])
        self.assertHubSpotError(request("GET", PRODUCTS + "/" + b), 404, "OBJECT_NOT_FOUND")
        got = request("GET", PRODUCTS + "/" + b, query={"archived": "true"})
        self.assertEqual((got.status, got.json["archived"], got.json["archivedAt"]), (200, True, LATER))
        self.assertEqual(request("GET", PRODUCTS + "/E2", query={"idProperty": "external_id", "archived": "true"}).json["id"], b)
        self.assertHubSpotError(request("GET", PRODUCTS + "/" + a, query={"archived": "true"}), 404, "OBJECT_NOT_FOUND")

    def test_delete_is_always_204(self):
        b = self.ids[1]
        request("DELETE", PRODUCTS + "/" + b)
        configure(clock="2027-01-01T00:00:00.000Z")
        for object_id in (b, "999", "abc"):
            reply = request("DELETE", PRODUCTS + "/" + object_id)
            self.assertEqual((reply.status, reply.raw), (204, b""), object_id)
        self.assertEqual(stored()[b]["archivedAt"], LATER, "archiving twice keeps the first time")
        self.assertEqual(len(stored("false")), 2)
        self.assertEqual([r["status"] for r in log()], [204, 204, 204, 204])
        self.assertHubSpotError(request("DELETE", "/crm/v3/objects/widgets/1"), 400, None)

    def test_unique_value_freed(self):
        request("DELETE", PRODUCTS + "/" + self.ids[0])
        self.assertEqual(create({"external_id": "E1"}).status, 201)

    def test_batch_archive(self):
        a, b, c = self.ids
        request("DELETE", PRODUCTS + "/" + a)
        configure(clock="2027-01-01T00:00:00.000Z")
        reply = request("POST", BATCH_ARCHIVE, {"inputs": [{"id": a}, {"id": b}, {"id": "999"}, {"id": b}]})
        self.assertEqual((reply.status, reply.raw), (204, b""))
        self.assertIsNone(reply.header("Content-Type"))
        recs = stored()
        self.assertEqual((recs[a]["archivedAt"], recs[b]["archivedAt"]), (LATER, "2027-01-01T00:00:00.000Z"))
        self.assertIs(recs[c]["archived"], False)
        self.assertEqual(request("POST", BATCH_ARCHIVE, {"inputs": []}).status, 204)
        self.assertEqual(request("POST", BATCH_ARCHIVE, {"inputs": [{"id": int(c)}]}).status, 204)
        self.assertIs(stored()[c]["archived"], True)

    def test_batch_archive_bad_bodies(self):
        for body in ({}, {"inputs": None}, {"inputs": {"id": "1"}}, {"inputs": ["1"]}, {"inputs": [{}]},
                     {"inputs": [{"id": None}]}, {"inputs": [{"id": {"x": 1}}]}, {"inputs": [{"id": True}]}):
            with self.subTest(body=body):
                self.assertValidation(request("POST", BATCH_ARCHIVE, body))
        self.assertValidation(request("POST", BATCH_ARCHIVE, raw=b"{nope"))
        inputs = [{"id": i} for i in self.ids] * 34
        body = self.assertValidation(request("POST", BATCH_ARCHIVE, {"inputs": inputs}))
        self.assertIn("100", body["message"])
        configure(batch_max=2)
        self.assertValidation(request("POST", BATCH_ARCHIVE, {"inputs": inputs[:3]}))
        self.assertEqual(len(stored("false")), 3, "a rejected archive changes nothing")
        configure(read_only_tokens=["ro"])
        self.assertHubSpotError(request("POST", BATCH_ARCHIVE, {"inputs": inputs[:1]}, token="ro"), 403, "MISSING_SCOPES")


class TestBatchRead(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.ids = seed(count=4, properties={"name": "P {i}", "price": "{i}", "hs_sku": "S{i}", "external_id": "E{i}"})
        configure(shuffle=False)

    def read(self, inputs, query=None, **body):
        body["inputs"] = [{"id": i} for i in inputs]
        return request("POST", BATCH_READ, body, query=query)

    def test_all_found(self):
        a, b, c, d = self.ids
        reply = self.read([c, a], properties=["hs_sku", "bogus"], propertiesWithHistory=[])
        self.assertEqual(reply.status, 200)
        self.assertTrue(reply.header("X-HubSpot-Correlation-Id"))
        body = reply.json
        self.assertEqual(list(body), ["status", "results", "startedAt", "completedAt"])
        self.assertEqual(body["status"], "COMPLETE")
        self.assertEqual((body["startedAt"], body["completedAt"]), (CLOCK, CLOCK))
        self.assertEqual([r["id"] for r in body["results"]], [c, a], "input order without shuffle")
        first = body["results"][0]
        self.assertEqual(list(first), ["id", "properties", "createdAt", "updatedAt", "archived"])
        self.assertEqual(first["properties"], {"createdate": CLOCK, "hs_lastmodifieddate": CLOCK,
                                               "hs_object_id": c, "hs_sku": "S3"})

    def test_default_properties(self):
        for extra in ({}, {"properties": []}, {"properties": None}):
            with self.subTest(extra=extra):
                props = self.read(self.ids[:1], **extra).json["results"][0]["properties"]
                self.assertEqual(sorted(props), ["createdate", "hs_lastmodifieddate", "hs_object_id", "name", "price"])

    def test_history(self):
        body = self.read(self.ids[:2], properties=["name"], propertiesWithHistory=["price", "bogus"]).json
        hist = body["results"][0]["propertiesWithHistory"]
        self.assertEqual(hist, {"price": [{"value": "1", "timestamp": CLOCK, "sourceType": "API", "sourceId": "emulator"}]})
        self.assertNotIn("price", body["results"][0]["properties"])

    def test_missing_ids_give_207(self):
        a, b, c, d = self.ids
        request("DELETE", PRODUCTS + "/" + b)
        reply = self.read(["999", a, b, "999", "abc", d])
        self.assertEqual(reply.status, 207)
        body = reply.json
        self.assertEqual(list(body), ["status", "results", "numErrors", "errors", "startedAt", "completedAt"])
        self.assertEqual([r["id"] for r in body["results"]], [a, d])
        self.assertEqual(body["numErrors"], 1)
        self.assertEqual(body["errors"], [{"status": "error", "category": "OBJECT_NOT_FOUND",
                                           "message": NOT_FOUND_BATCH, "context": {"ids": ["999", b, "abc"]}}])
        reply = self.read(["999"])
        self.assertEqual((reply.status, reply.json["results"], reply.json["errors"][0]["context"]), (207, [], {"ids": ["999"]}))

    def test_duplicates_and_empty(self):
        a, b = self.ids[:2]
        body = self.read([a, b, a, a]).json
        self.assertEqual([r["id"] for r in body["results"]], [a, b])
        body = self.read([]).json
        self.assertEqual((body["results"], "errors" in body), ([], False))

    def test_archived(self):
        a, b, c, d = self.ids
        request("DELETE", PRODUCTS + "/" + b)
        request("DELETE", PRODUCTS + "/" + c)
        reply = self.read([c, a, b], query={"archived": "true"})
        self.assertEqual(reply.status, 207)
        self.assertEqual([(r["id"], r["archived"]) for r in reply.json["results"]], [(c, True), (b, True)])
        self.assertIn("archivedAt", reply.json["results"][0])
        self.assertEqual(reply.json["errors"][0]["context"], {"ids": [a]})
        self.assertEqual(self.read([a], query={"archived": "false"}).status, 200)
        self.assertValidation(self.read([a], query={"archived": "maybe"}))

    def test_id_property(self):
        a, b, c, d = self.ids
        reply = self.read(["E4", "E1", "NOPE", "E4"], idProperty="external_id", properties=["external_id"])
        self.assertEqual(reply.status, 207)
        self.assertEqual([(r["id"], r["properties"]["external_id"]) for r in reply.json["results"]], [(d, "E4"), (a, "E1")])
        self.assertEqual(reply.json["errors"][0]["context"], {"ids": ["NOPE"]})
        self.assertEqual([r["id"] for r in self.read([b], idProperty="hs_object_id").json["results"]], [b])
        self.assertEqual([r["id"] for r in self.read([b], idProperty="").json["results"]], [b])
        body = self.assertValidation(self.read(["S1"], idProperty="hs_sku"))
        self.assertEqual(body["message"], "Unable to perform get by non-unique products property hs_sku in portal ID 62515000")
        body = self.assertValidation(self.read(["x"], idProperty="bogus"))
        self.assertEqual(body["message"], 'Property "bogus" does not exist')
        self.assertValidation(self.read(["x"], idProperty=5))

    def test_shuffle(self):
        ids = seed(count=20)
        configure(shuffle=True, random_seed=3)
        first = [r["id"] for r in self.read(ids).json["results"]]
        self.assertEqual(sorted(first), sorted(ids))
        self.assertNotEqual(first, ids)
        configure(random_seed=3)
        self.assertEqual([r["id"] for r in self.read(ids).json["results"]], first)

    def test_limits(self):
        ids = seed(count=101)
        body = self.assertValidation(self.read(ids))
        self.assertIn("100", body["message"])
        self.assertEqual(self.read(ids[:100]).status, 200)
        body = self.assertValidation(self.read(ids[:51], propertiesWithHistory=["price"]))
        self.assertEqual(body["message"], HISTORY_MAX_MESSAGE)
        self.assertEqual(self.read(ids[:50], propertiesWithHistory=["price"]).status, 200)
        self.assertEqual(self.read(ids[:51], propertiesWithHistory=[]).status, 200)
        configure(batch_max=2)
        self.assertValidation(self.read(ids[:3]))

    def test_bad_bodies_and_read_only_token(self):
        for body in ({}, {"inputs": "x"}, {"inputs": ["1"]}, {"inputs": [{}]}, {"inputs": [{"id": ["1"]}]},
                     {"inputs": [], "properties": "name"}, {"inputs": [], "properties": [1]},
                     {"inputs": [], "propertiesWithHistory": {"a": 1}}):
            with self.subTest(body=body):
                self.assertValidation(request("POST", BATCH_READ, body))
        self.assertValidation(request("POST", BATCH_READ, raw=b""))
        configure(read_only_tokens=["ro"])
        self.assertEqual(request("POST", BATCH_READ, {"inputs": [{"id": self.ids[0]}]}, token="ro").status, 200)
        self.assertEqual(request("POST", BATCH_READ, {"inputs": [{"id": int(self.ids[0])}]}).json["results"][0]["id"],
                         self.ids[0])


class TestBatchUpdate(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.ids = seed(count=4, properties={"name": "P {i}", "price": "{i}", "external_id": "E{i}"})
        configure(clock=LATER, shuffle=False)

    def update(self, inputs, **kw):
        return request("POST", BATCH_UPDATE, {"inputs": inputs}, **kw)

    def test_all_valid(self):
        a, b, c, d = self.ids
        reply = self.update([{"id": b, "properties": {"price": "20", "hs_sku": "SB"}, "objectWriteTraceId": "tb"},
                             {"id": "E1", "idProperty": "external_id", "properties": {"name": "A!", "price": ""}},
                             {"id": c, "properties": {}}])
        self.assertEqual(reply.status, 200, reply.raw)
        body = reply.json
        self.assertEqual(list(body), ["status", "results", "startedAt", "completedAt"])
        self.assertEqual((body["status"], body["startedAt"], body["completedAt"]), ("COMPLETE", LATER, LATER))
        self.assertEqual([r["id"] for r in body["results"]], [b, a, c])
        rb, ra, rc = body["results"]
        self.assertEqual(rb["objectWriteTraceId"], "tb")
        self.assertNotIn("objectWriteTraceId", ra)
        self.assertEqual(list(ra), ["id", "properties", "createdAt", "updatedAt", "archived"])
        self.assertEqual((rb["properties"]["price"], rb["properties"]["hs_sku"], rb["properties"]["name"]), ("20", "SB", "P 2"))
        self.assertEqual(ra["properties"]["name"], "A!")
        self.assertNotIn("price", ra["properties"])
        for r in body["results"]:
            self.assertEqual((r["updatedAt"], r["createdAt"], r["properties"]["hs_lastmodifieddate"]), (LATER, CLOCK, LATER))
        recs = stored()
        for r in body["results"]:
            self.assertEqual(recs[r["id"]]["properties"], r["properties"])
        self.assertEqual(recs[d]["updatedAt"], CLOCK)
        self.assertEqual(self.update([]).json["results"], [])

    def test_shuffle_and_trace_echo(self):
        inputs = [{"id": i, "properties": {"name": "n" + i}, "objectWriteTraceId": "t" + i} for i in self.ids]
        configure(shuffle=True, random_seed=5)
        first = self.update(inputs).json["results"]
        self.assertEqual(sorted(r["id"] for r in first), self.ids)
        self.assertNotEqual([r["id"] for r in first], self.ids)
        for r in first:
            self.assertEqual((r["objectWriteTraceId"], r["properties"]["name"]), ("t" + r["id"], "n" + r["id"]))
        configure(random_seed=5)
        self.assertEqual([r["id"] for r in self.update(inputs).json["results"]], [r["id"] for r in first])
        configure(echo_trace_ids=False)
        for r in self.update(inputs).json["results"]:
            self.assertNotIn("objectWriteTraceId", r)

    def test_not_found_items(self):
        a, b, c, d = self.ids
        request("DELETE", PRODUCTS + "/" + d)
        configure(clock="2027-01-01T00:00:00.000Z")
        reply = self.update([{"id": "999", "properties": {"name": "x"}, "objectWriteTraceId": "t1"},
                             {"id": a, "properties": {"name": "ok"}},
                             {"id": d, "properties": {"name": "x"}},
                             {"id": "NOPE", "idProperty": "external_id", "properties": {"name": "x"}, "objectWriteTraceId": "t4"}])
        self.assertEqual(reply.status, 207)
        body = reply.json
        self.assertEqual(list(body), ["status", "results", "numErrors", "errors", "startedAt", "completedAt"])
        self.assertEqual([r["id"] for r in body["results"]], [a])
        self.assertEqual(body["numErrors"], 3)
        self.assertEqual(body["errors"], [
            {"status": "error", "category": "OBJECT_NOT_FOUND", "message": NOT_FOUND_BATCH,
             "context": {"ids": ["999"], "objectWriteTraceId": ["t1"]}},
            {"status": "error", "category": "OBJECT_NOT_FOUND", "message": NOT_FOUND_BATCH, "context": {"ids": [d]}},
            {"status": "error", "category": "OBJECT_NOT_FOUND", "message": NOT_FOUND_BATCH,
             "context": {"ids": ["NOPE"], "objectWriteTraceId": ["t4"]}}])
        recs = stored()
        self.assertEqual((recs[a]["properties"]["name"], recs[d]["properties"]["name"]), ("ok", "P 4"))
        self.assertEqual(recs[d]["updatedAt"], CLOCK)

    def test_validation_items_with_trace_ids(self):
        a, b, c, d = self.ids
        before = stored()
        reply = self.update([
            {"id": a, "properties": {"name": "good", "external_id": "E1"}, "objectWriteTraceId": "ta"},
            {"id": b, "properties": {"name": "bad", "price": "abc"}, "objectWriteTraceId": "tb"},
            {"id": c, "properties": {"external_id": "E4"}, "objectWriteTraceId": "tc"},
            {"id": d, "properties": {"external_id": "NEW", "nope": "1", "hs_object_id": "1"}, "objectWriteTraceId": "td"},
            {"id": "999", "properties": {"price": "abc"}, "objectWriteTraceId": "tx"}])
        self.assertEqual(reply.status, 207)
        body = reply.json
        self.assertEqual([r["objectWriteTraceId"] for r in body["results"]], ["ta"])
        self.assertEqual(body["numErrors"], 4)
        errors = body["errors"]
        self.assertEqual([e["category"] for e in errors], ["VALIDATION_ERROR"] * 3 + ["OBJECT_NOT_FOUND"])
        self.assertEqual([e["context"] for e in errors[:3]], [{"objectWriteTraceId": [t]} for t in ("tb", "tc", "td")])
        for e in errors[:3]:
            self.assertEqual((e["status"], list(e)), ("error", ["status", "category", "message", "context"]))
        self.assertEqual([p["error"] for p in problems_of(errors[0]["message"])], ["INVALID_FLOAT"])
        self.assertEqual([p["error"] for p in problems_of(errors[1]["message"])], ["INVALID_UNIQUE_VALUE"])
        self.assertIn("already has that value", errors[1]["message"])
        self.assertEqual([p["error"] for p in problems_of(errors[2]["message"])], ["PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE"])
        after = stored()
        self.assertEqual(after[a]["properties"]["name"], "good")
        for object_id in (b, c, d):
            self.assertEqual(after[object_id], before[object_id], "a failed input changes nothing")

    def test_unique_conflict_between_inputs(self):
        a, b, c, d = self.ids
        reply = self.update([{"id": a, "properties": {"external_id": "X"}, "objectWriteTraceId": "1"},
                             {"id": b, "properties": {"external_id": "X"}, "objectWriteTraceId": "2"}])
        self.assertEqual(reply.status, 207)
        self.assertEqual([r["objectWriteTraceId"] for r in reply.json["results"]], ["1"])
        self.assertEqual(reply.json["errors"][0]["context"], {"objectWriteTraceId": ["2"]})
        self.assertIn("INVALID_UNIQUE_VALUE", reply.json["errors"][0]["message"])
        recs = stored()
        self.assertEqual((recs[a]["properties"]["external_id"], recs[b]["properties"]["external_id"]), ("X", "E2"))
        self.assertValidation(self.update([{"id": c, "properties": {"external_id": "Y"}},
                                                  {"id": d, "properties": {"external_id": "Y"}}]), "INVALID_UNIQUE_VALUE")
        self.assertEqual(stored()[c]["properties"]["external_id"], "E3")

    def test_without_trace_id_whole_request_fails(self):
        a, b, c, d = self.ids
        before = stored()
        body = self.assertValidation(self.update([
            {"id": a, "properties": {"name": "good"}, "objectWriteTraceId": "ta"},
            {"id": "999", "properties": {"name": "missing"}},
            {"id": b, "properties": {"price": "abc"}, "objectWriteTraceId": "tb"},
            {"id": c, "properties": {"nope": "1"}},
            {"id": d, "properties": {"hs_status": "gone"}}]), "PROPERTY_DOESNT_EXIST")
        self.assertEqual(len(body["errors"]), 1, "the first failing input without a trace id is named")
        self.assertEqual(stored(), before, "nothing is applied")

    def test_duplicate_ids(self):
        a, b, c, d = self.ids
        for inputs, shown in (
                ([{"id": a, "properties": {}}, {"id": b, "properties": {}}, {"id": a, "properties": {"name": "x"}}], a),
                ([{"id": a, "properties": {}}, {"id": "E1", "idProperty": "external_id", "properties": {}}], a),
                ([{"id": "E2", "idProperty": "external_id", "properties": {}, "objectWriteTraceId": "1"},
                  {"id": "E2", "idProperty": "external_id", "properties": {}, "objectWriteTraceId": "2"}], b),
                ([{"id": "999", "properties": {}}, {"id": "999", "properties": {}}], "999"),
                ([{"id": a, "properties": {}}, {"id": a, "properties": {}}, {"id": b, "properties": {}},
                  {"id": b, "properties": {}}, {"id": a, "properties": {}}], a + ", " + b)):
            with self.subTest(inputs=inputs):
                body = self.assertValidation(self.update(inputs))
                self.assertEqual(body["message"], "Duplicate IDs found in batch input: [%s]. IDs must be unique" % shown)
        self.assertEqual(stored()[a]["properties"]["name"], "P 1")

    def test_id_property_rules(self):
        body = self.assertValidation(self.update([{"id": "S", "idProperty": "hs_sku", "properties": {}}]))
        self.assertEqual(body["message"], "Unable to perform update/upsert by non-unique 0-7 property hs_sku in portal ID 62515000")
        body = self.assertValidation(self.update([{"id": self.ids[0], "idProperty": "hs_object_id", "properties": {}}]))
        self.assertEqual(body["message"], "Unable to perform update/upsert by non-unique 0-7 property hs_object_id in portal ID 62515000")
        body = self.assertValidation(self.update([{"id": self.ids[0], "properties": {}},
                                                  {"id": "x", "idProperty": "bogus", "properties": {}, "objectWriteTraceId": "t"}]))
        self.assertEqual(body["message"], 'Property "bogus" does not exist')
        reply = self.update([{"id": self.ids[0], "idProperty": "", "properties": {"name": "empty idProperty"}}])
        self.assertEqual(reply.status, 200)
        self.assertEqual(stored()[self.ids[0]]["properties"]["name"], "empty idProperty")

    def test_limits_and_shapes(self):
        inputs = [{"id": self.ids[0], "properties": {}}] * 101
        body = self.assertValidation(self.update(inputs))
        self.assertIn("100", body["message"])
        configure(batch_max=2)
        self.assertValidation(self.update([{"id": i, "properties": {}} for i in self.ids[:3]]))
        a = self.ids[0]
        for body in ({}, {"inputs": {"a": 1}}, {"inputs": ["x"]}, {"inputs": [{"properties": {}}]},
                     {"inputs": [{"id": a}]}, {"inputs": [{"id": a, "properties": "x"}]},
                     {"inputs": [{"id": a, "properties": {"price": 5}}]},
                     {"inputs": [{"id": a, "properties": {}, "idProperty": 5}]},
                     {"inputs": [{"id": a, "properties": {}, "objectWriteTraceId": {"t": 1}}]},
                     {"inputs": [{"id": a, "properties": {"name": "x"}, "objectWriteTraceId": "t"},
                                 {"id": self.ids[1], "properties": {"name": ["x"]}, "objectWriteTraceId": "u"}]}):
            with self.subTest(body=body):
                self.assertValidation(request("POST", BATCH_UPDATE, body))
        self.assertValidation(request("POST", BATCH_UPDATE, raw=b"[1"))
        self.assertEqual(stored()[a]["properties"]["name"], "P 1")
        configure(read_only_tokens=["ro"])
        self.assertHubSpotError(self.update([{"id": a, "properties": {}}], token="ro"), 403, "MISSING_SCOPES")


class TestBatchUpsert(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.ids = seed(count=2, properties={"name": "P {i}", "price": "{i}", "external_id": "E{i}"})
        configure(clock=LATER, shuffle=False)

    def upsert(self, inputs, **kw):
        return request("POST", BATCH_UPSERT, {"inputs": inputs}, **kw)

    def item(self, object_id, props, trace=None, id_property="external_id"):
        out = {"id": object_id, "idProperty": id_property, "properties": props}
        if trace is not None:
            out["objectWriteTraceId"] = trace
        return out

    def test_create_then_update(self):
        a, b = self.ids
        reply = self.upsert([self.item("E1", {"price": "10"}, "t1"), self.item("NEW", {"name": "New", "external_id": "NEW"}, "t2")])
        self.assertEqual(reply.status, 200, reply.raw)
        body = reply.json
        self.assertEqual(list(body), ["status", "results", "startedAt", "completedAt"])
        r1, r2 = body["results"]
        self.assertEqual((r1["id"], r1["new"], r1["objectWriteTraceId"]), (a, False, "t1"))
        self.assertEqual((r1["properties"]["price"], r1["properties"]["name"], r1["updatedAt"]), ("10", "P 1", LATER))
        self.assertEqual(r1["createdAt"], CLOCK)
        self.assertEqual((r2["id"], r2["new"], r2["objectWriteTraceId"]), ("1000003", True, "t2"))
        self.assertEqual((r2["properties"]["external_id"], r2["properties"]["name"]), ("NEW", "New"))
        self.assertEqual((r2["createdAt"], r2["updatedAt"], r2["properties"]["hs_object_id"]), (LATER, LATER, "1000003"))
        recs = stored()
        self.assertEqual(recs["1000003"]["properties"], r2["properties"])
        self.assertEqual(recs[a]["properties"], r1["properties"])
        reply = self.upsert([self.item("NEW", {"name": "Newer"})])
        self.assertEqual(reply.status, 200)
        r = reply.json["results"][0]
        self.assertEqual((r["id"], r["new"], r["properties"]["name"]), ("1000003", False, "Newer"))
        self.assertNotIn("objectWriteTraceId", r)
        self.assertEqual(len(stored()), 3)

    def test_archived_record_is_not_matched(self):
        a, b = self.ids
        request("DELETE", PRODUCTS + "/" + a)
        r = self.upsert([self.item("E1", {"name": "reborn"})]).json["results"][0]
        self.assertEqual((r["new"], r["properties"]["external_id"]), (True, "E1"))
        self.assertNotEqual(r["id"], a)
        self.assertEqual(stored()[a]["properties"]["name"], "P 1")

    def test_id_property_value_in_properties(self):
        a, b = self.ids
        before = stored()
        reply = self.upsert([self.item("E1", {"external_id": "OTHER"}, "t1"), self.item("E2", {"external_id": ""}, "t2"),
                             self.item("E9", {"external_id": "E9", "name": "nine"}, "t3")])
        self.assertEqual(reply.status, 207)
        body = reply.json
        self.assertEqual([(r["objectWriteTraceId"], r["new"]) for r in body["results"]], [("t3", True)])
        self.assertEqual(body["numErrors"], 2)
        for e, trace in zip(body["errors"], ("t1", "t2")):
            self.assertEqual((e["status"], e["category"], e["context"]), ("error", "VALIDATION_ERROR", {"objectWriteTraceId": [trace]}))
            self.assertEqual([p["name"] for p in problems_of(e["message"])], ["external_id"])
        after = stored()
        self.assertEqual((after[a], after[b]), (before[a], before[b]))
        self.assertValidation(self.upsert([self.item("E1", {"external_id": "OTHER"})]))

    def test_validation_items_and_whole_request(self):
        a, b = self.ids
        before = stored()
        reply = self.upsert([self.item("E1", {"price": "abc"}, "t1"), self.item("NEW", {"nope": "1"}, "t2"),
                             self.item("E2", {"name": "fine"}, "t3")])
        self.assertEqual(reply.status, 207)
        body = reply.json
        self.assertEqual([r["objectWriteTraceId"] for r in body["results"]], ["t3"])
        self.assertEqual([e["context"]["objectWriteTraceId"] for e in body["errors"]], [["t1"], ["t2"]])
        self.assertIn("INVALID_FLOAT", body["errors"][0]["message"])
        self.assertIn("PROPERTY_DOESNT_EXIST", body["errors"][1]["message"])
        self.assertEqual(len(stored()), 2, "the failed create made nothing")
        self.assertEqual(stored()[a], before[a])
        before = stored()
        body = self.assertValidation(self.upsert([self.item("E1", {"name": "ok"}, "t1"), self.item("NEW", {"price": "x"}),
                                                  self.item("E2", {"hs_status": "gone"})]), "INVALID_FLOAT")
        self.assertEqual(len(body["errors"]), 1)
        self.assertEqual(stored(), before, "nothing is applied")

    def test_shuffle_and_trace_echo(self):
        inputs = [self.item("E%d" % i, {"name": str(i)}, "t%d" % i) for i in range(1, 21)]
        configure(shuffle=True, random_seed=9)
        results = self.upsert(inputs).json["results"]
        self.assertEqual(sorted(r["objectWriteTraceId"] for r in results), sorted("t%d" % i for i in range(1, 21)))
        self.assertNotEqual([r["objectWriteTraceId"] for r in results], ["t%d" % i for i in range(1, 21)])
        for r in results:
            self.assertEqual(r["properties"]["external_id"], "E" + r["objectWriteTraceId"][1:])
            self.assertEqual(r["new"], r["properties"]["external_id"] not in ("E1", "E2"))
        configure(echo_trace_ids=False)
        self.assertNotIn("objectWriteTraceId", self.upsert(inputs[:1]).json["results"][0])

    def test_whole_request_errors(self):
        cases = [
            ([{"id": "E1", "properties": {}}], "Invalid input JSON: idProperty is required"),
            ([{"id": "E1", "idProperty": "", "properties": {}}], "Invalid input JSON: idProperty is required"),
            ([self.item("E1", {}, id_property="bogus")], 'Property "bogus" does not exist'),
            ([self.item("S1", {}, id_property="hs_sku")],
             "Unable to perform update/upsert by non-unique 0-7 property hs_sku in portal ID 62515000"),
            ([self.item(self.ids[0], {}, id_property="hs_object_id")],
             "Unable to perform update/upsert by non-unique 0-7 property hs_object_id in portal ID 62515000"),
            ([self.item("E1", {}, "1"), self.item("X", {}, "2"), self.item("E1", {"name": "again"}, "3")],
             "Duplicate IDs found in batch input: [E1]. IDs must be unique"),
            ([self.item("N", {}), self.item("N", {})], "Duplicate IDs found in batch input: [N]. IDs must be unique"),
        ]
        before = stored()
        for inputs, message in cases:
            with self.subTest(inputs=inputs):
                self.assertEqual(self.assertValidation(self.upsert(inputs))["message"], message)
        for body in ({}, {"inputs": "x"}, {"inputs": [None]}, {"inputs": [{"idProperty": "external_id", "properties": {}}]},
                     {"inputs": [self.item("", {})]}, {"inputs": [{"id": "E1", "idProperty": "external_id"}]},
                     {"inputs": [self.item("E1", {"price": 1})]}):
            with self.subTest(body=body):
                self.assertValidation(request("POST", BATCH_UPSERT, body))
        self.assertValidation(self.upsert([self.item("E%d" % i, {}) for i in range(101)]))
        configure(batch_max=1)
        self.assertValidation(self.upsert([self.item("A", {}), self.item("B", {})]))
        self.assertEqual(stored(), before)
        configure(read_only_tokens=["ro"])
        self.assertHubSpotError(self.upsert([self.item("Z", {})], token="ro"), 403, "MISSING_SCOPES")


class TestWriteRoutesPlumbing(EmulatorTestCase):
    """The request log and fault injection cover the update and archive routes."""

    def test_log_records_bodies(self):
        [a] = seed(objects=[{"properties": {"name": "A", "external_id": "E1"}}])
        patch(a, {"name": "B"}, query={"idProperty": "hs_object_id"})
        request("POST", BATCH_READ, {"inputs": [{"id": a}], "properties": ["name"]}, query={"archived": "false"})
        request("POST", BATCH_UPDATE, {"inputs": [{"id": a, "properties": {"name": "C"}}]})
        request("POST", BATCH_UPSERT, {"inputs": [{"id": "E1", "idProperty": "external_id", "properties": {}}]})
        request("POST", BATCH_ARCHIVE, {"inputs": [{"id": "1"}]})
        request("DELETE", PRODUCTS + "/" + a)
        entries = [(e["method"], e["path"], e["query"], e["body"], e["status"]) for e in log()]
        self.assertEqual(entries, [
            ("PATCH", PRODUCTS + "/" + a, {"idProperty": ["hs_object_id"]}, {"properties": {"name": "B"}}, 200),
            ("POST", BATCH_READ, {"archived": ["false"]}, {"inputs": [{"id": a}], "properties": ["name"]}, 200),
            ("POST", BATCH_UPDATE, {}, {"inputs": [{"id": a, "properties": {"name": "C"}}]}, 200),
            ("POST", BATCH_UPSERT, {}, {"inputs": [{"id": "E1", "idProperty": "external_id", "properties": {}}]}, 200),
            ("POST", BATCH_ARCHIVE, {}, {"inputs": [{"id": "1"}]}, 204),
            ("DELETE", PRODUCTS + "/" + a, {}, None, 204)])

    def test_faults_apply(self):
        [a] = seed(objects=[{"properties": {"name": "A"}}])
        ok_control("POST", "faults", [{"path": PRODUCTS + "/*", "method": "PATCH", "status": 503},
                                      {"path": PRODUCTS + "/*", "method": "DELETE", "status": 500},
                                      {"path": BATCH_READ, "status": 429},
                                      {"path": BATCH_UPDATE, "status": 423},
                                      {"path": BATCH_UPSERT, "action": "reset_before"},
                                      {"path": BATCH_ARCHIVE, "status": 502}])
        self.assertHubSpotError(patch(a, {"name": "x"}), 503, "SERVICE_UNAVAILABLE")
        self.assertHubSpotError(request("DELETE", PRODUCTS + "/" + a), 500, "INTERNAL_ERROR")
        self.assertEqual(self.assertHubSpotError(request("POST", BATCH_READ, {"inputs": []}), 429, "RATE_LIMITS")["policyName"],
                         "TEN_SECONDLY_ROLLING")
        self.assertHubSpotError(request("POST", BATCH_UPDATE, {"inputs": [{"id": a, "properties": {"name": "x"}}]}), 423, "LOCKED")
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
            request("POST", BATCH_UPSERT, {"inputs": [{"id": "N", "idProperty": "external_id", "properties": {}}]})
        self.assertHubSpotError(request("POST", BATCH_ARCHIVE, {"inputs": [{"id": a}]}), 502, "BAD_GATEWAY")
        self.assertEqual([f["fired"] for f in ok_control("GET", "faults")["faults"]], [1, 1, 1, 1, 1, 1])
        recs = stored()
        self.assertEqual((len(recs), recs[a]["properties"]["name"], recs[a]["archived"]), (1, "A", False))
        self.assertEqual([r["status"] for r in log()], [503, 500, 429, 423, None, 502])
        self.assertEqual(patch(a, {"name": "x"}).status, 200, "times defaults to 1")
        self.assertEqual(request("DELETE", PRODUCTS + "/" + a).status, 204)

    def test_reset_after_still_applies(self):
        [a] = seed(objects=[{"properties": {"name": "A"}}])
        ok_control("POST", "faults", {"path": BATCH_UPDATE, "action": "reset_after"})
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
            request("POST", BATCH_UPDATE, {"inputs": [{"id": a, "properties": {"name": "applied"}}]})
        self.assertEqual(stored()[a]["properties"]["name"], "applied")
        self.assertIsNone(log()[-1]["status"])

    def test_methods(self):
        self.assertEqual(request("GET", BATCH_READ).status, 405)
        self.assertEqual(request("PUT", PRODUCTS + "/1", {"properties": {}}).status, 405)
        self.assertEqual(request("DELETE", PRODUCTS).status, 405)


class TestRateLimit(EmulatorTestCase):
    def test_headers(self):
        reply = request("GET", PRODUCTS)
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Daily"), "250000")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Daily-Remaining"), "249999")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Interval-Milliseconds"), "10000")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Max"), "100")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Remaining"), "99")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Secondly"), "10")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Secondly-Remaining"), "9")
        err = request("GET", PRODUCTS + "/nope")
        self.assertEqual(err.header("X-HubSpot-RateLimit-Remaining"), "98")
        self.assertEqual(request("GET", PRODUCTS, token="other").header("X-HubSpot-RateLimit-Remaining"), "99")

    def test_window(self):
        configure(rate_limit={"max": 3, "interval_ms": 400})
        for i in range(3):
            self.assertEqual(request("GET", PRODUCTS).status, 200)
        reply = request("GET", PRODUCTS)
        body = self.assertHubSpotError(reply, 429, "RATE_LIMITS")
        self.assertEqual(body["policyName"], "TEN_SECONDLY_ROLLING")
        self.assertEqual(body["errorType"], "RATE_LIMIT")
        self.assertEqual(body["message"], "You have reached your ten_secondly_rolling limit.")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Remaining"), "0")
        self.assertIsNone(reply.header("Retry-After"))
        self.assertEqual(request("GET", PRODUCTS, token="other").status, 200)
        self.assertEqual(log()[-2]["status"], 429)
        time.sleep(0.45)
        self.assertEqual(request("GET", PRODUCTS).status, 200)
        configure(retry_after=2)
        for i in range(3):
            request("GET", PRODUCTS)
        self.assertEqual(request("GET", PRODUCTS).header("Retry-After"), "2")

    def test_daily_and_disabled(self):
        configure(rate_limit={"daily": 2})
        request("GET", PRODUCTS)
        request("GET", PRODUCTS)
        body = self.assertHubSpotError(request("GET", PRODUCTS), 429, "RATE_LIMITS")
        self.assertEqual(body["policyName"], "DAILY")
        self.assertEqual(body["message"], "You have reached your daily limit.")
        configure(rate_limit={"daily": None, "max": None})
        reply = request("GET", PRODUCTS)
        self.assertEqual(reply.status, 200)
        self.assertIsNone(reply.header("X-HubSpot-RateLimit-Max"))


class TestFaults(EmulatorTestCase):
    def add(self, rule):
        return ok_control("POST", "faults", rule)

    def test_respond_defaults_and_custom(self):
        self.add([{"path": BATCH_CREATE, "action": "respond", "status": 502},
                  {"path": "/crm/v3/objects/*", "method": "GET", "status": 429, "times": 2},
                  {"path": PRODUCTS, "method": "POST", "status": 423, "body": {"x": 1}, "headers": {"Retry-After": "3"}}])
        reply = batch([{"properties": {"name": "a"}}])
        body = self.assertHubSpotError(reply, 502, "BAD_GATEWAY")
        self.assertEqual(body["message"], "Bad Gateway")
        self.assertEqual(batch([{"properties": {"name": "a"}}]).status, 201, "times defaults to 1")
        for _ in range(2):
            body = self.assertHubSpotError(request("GET", PRODUCTS + "/1"), 429, "RATE_LIMITS")
            self.assertEqual(body["policyName"], "TEN_SECONDLY_ROLLING")
        self.assertEqual(request("GET", PRODUCTS).status, 200)
        reply = create({"name": "x"})
        self.assertEqual((reply.status, reply.json, reply.header("Retry-After")), (423, {"x": 1}, "3"))
        self.assertEqual([r["status"] for r in log()], [502, 201, 429, 429, 200, 423])
        self.assertEqual(len(ok_control("GET", "objects")["results"]), 1)
        faults = ok_control("GET", "faults")["faults"]
        self.assertEqual([f["fired"] for f in faults], [1, 2, 1])

    def test_skip_and_raw_body(self):
        self.add({"path": PRODUCTS, "skip": 2, "times": 1, "status": 503, "body": "<html>oops</html>"})
        self.assertEqual([request("GET", PRODUCTS).status for _ in range(4)], [200, 200, 503, 200])
        self.add({"path": PRODUCTS, "status": 504, "body": "<html>timeout</html>", "headers": {"Content-Type": "text/html"}})
        reply = request("GET", PRODUCTS)
        self.assertEqual((reply.status, reply.raw, reply.header("Content-Type")), (504, b"<html>timeout</html>", "text/html"))

    def test_bad_rules(self):
        for rule in ({"action": "respond", "status": 500}, {"path": "/x", "action": "explode"},
                     {"path": "/x", "action": "respond"}, {"path": "/x", "status": 500, "colour": "red"}, "x"):
            self.assertEqual(control("POST", "faults", rule).status, 400, rule)

    def test_delay(self):
        self.add({"path": PRODUCTS, "action": "delay", "delay_ms": 300, "times": 2})
        start = time.monotonic()
        self.assertEqual(create({"name": "slow"}).status, 201)
        self.assertGreaterEqual(time.monotonic() - start, 0.29)
        with self.assertRaises(OSError):  # the client gives up first; the request still runs
            create({"name": "abandoned"}, timeout=0.05)
        time.sleep(0.4)
        self.assertEqual(len(ok_control("GET", "objects")["results"]), 2)
        self.assertEqual(request("GET", PRODUCTS).status, 200)

    def test_reset_before(self):
        self.add({"path": PRODUCTS, "method": "POST", "action": "reset_before"})
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
            create({"name": "never"})
        self.assertEqual(ok_control("GET", "objects")["results"], [])
        entry = log()[-1]
        self.assertEqual((entry["method"], entry["status"], entry["body"]), ("POST", None, {"properties": {"name": "never"}}))
        self.assertEqual(create({"name": "then"}).status, 201)

    def test_reset_is_a_tcp_reset(self):
        self.add({"path": PRODUCTS, "action": "reset_after"})
        sock = socket.create_connection(("127.0.0.1", SERVER.port), timeout=5)
        sock.sendall(b"GET " + PRODUCTS.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n")
        with self.assertRaises(ConnectionResetError):
            data = sock.recv(1024)
            if data == b"":  # a FIN instead of a RST would land here
                raise AssertionError("connection closed without RST")
        sock.close()

    def test_reset_after(self):
        self.add({"path": BATCH_CREATE, "action": "reset_after"})
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
            batch([{"properties": {"name": "made anyway"}}])
        self.assertEqual([r["properties"]["name"] for r in ok_control("GET", "objects")["results"]], ["made anyway"])
        self.assertIsNone(log()[-1]["status"])

    def test_malformed(self):
        self.add({"path": PRODUCTS, "method": "POST", "action": "malformed"})
        reply = create({"name": "truncated"})
        self.assertEqual(reply.status, 201)
        with self.assertRaises(ValueError):
            json.loads(reply.raw)
        self.assertEqual(int(reply.header("Content-Length")), len(reply.raw))
        self.assertEqual(len(ok_control("GET", "objects")["results"]), 1)
        self.assertEqual(log()[-1]["status"], 201)


class TestControl(EmulatorTestCase):
    def test_log(self):
        request("GET", PRODUCTS, query="limit=5&properties=a&properties=b,c")
        create({"name": "x"})
        control("GET", "objects")
        entries = log()
        timing = {k: entries[0].pop(k) for k in ("app", "started_ms", "ended_ms")}
        self.assertEqual(entries[0], {"seq": 1, "method": "GET", "path": PRODUCTS,
                                      "query": {"limit": ["5"], "properties": ["a", "b,c"]}, "body": None, "status": 200})
        self.assertEqual(timing["app"], hashlib.sha256(b"test-token").hexdigest()[:8])
        self.assertLessEqual(timing["started_ms"], timing["ended_ms"])
        self.assertEqual(entries[1]["body"], {"properties": {"name": "x"}})
        self.assertEqual(len(entries), 2, "control calls are not logged")
        self.assertEqual(control("DELETE", "requests").status, 200)
        self.assertEqual(log(), [])
        request("GET", PRODUCTS)
        self.assertEqual(log()[0]["seq"], 3, "seq keeps counting after clear")

    def test_config(self):
        cfg = ok_control("GET", "config")
        self.assertEqual(cfg["clock"], CLOCK)
        self.assertEqual(cfg["rate_limit"], {"max": 100, "interval_ms": 10000, "daily": 250000})
        cfg = configure(rate_limit={"max": 5})
        self.assertEqual(cfg["rate_limit"], {"max": 5, "interval_ms": 10000, "daily": 250000})
        for bad in ({"nope": 1}, {"shuffle": "yes"}, {"clock": "tomorrow"}, {"rate_limit": {"burst": 1}},
                    {"list_over_limit": "maybe"}, {"tokens": "abc"}, {"empty_values": "blank"},
                    {"empty_values": ""}, {"empty_values": None}):
            self.assertEqual(control("POST", "config", bad).status, 400, bad)
        self.assertEqual(control("POST", "config").status, 400)

    def test_reset(self):
        configure(id_start=7, shuffle=False, rate_limit={"max": 1})
        seed(count=2)
        ok_control("POST", "faults", {"path": "/x", "status": 500})
        request("GET", PRODUCTS)
        ok_control("POST", "reset")
        self.assertEqual(ok_control("GET", "config"), emulator.DEFAULT_CONFIG)
        self.assertEqual(ok_control("GET", "objects", query={"archived": "all"})["results"], [])
        self.assertEqual(ok_control("GET", "faults")["faults"], [])
        self.assertEqual(log(), [])
        self.assertEqual(request("GET", PRODUCTS).status, 200)
        self.assertEqual(request("GET", PRODUCTS).status, 200)
        self.assertEqual(seed(count=1), ["1000001"])

    def test_seed_and_objects(self):
        ids = seed(count=3, properties={"name": "Product {i}", "price": "{i}.00"})
        self.assertEqual(ids, ["1000001", "1000002", "1000003"])
        more = seed(objects=[{"properties": {"name": "gone", "price": 4}, "archived": True,
                              "associations": [{"to": {"id": "1"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]}]}])
        self.assertEqual(more, ["1000004"])
        live = ok_control("GET", "objects")["results"]
        self.assertEqual([r["properties"]["name"] for r in live], ["Product 1", "Product 2", "Product 3"])
        self.assertEqual(live[1]["properties"]["price"], "2.00")
        self.assertEqual(live[0]["associations"], [])
        self.assertEqual(live[0]["properties"]["hs_object_source"], "API")
        gone = ok_control("GET", "objects", query={"archived": "true"})["results"]
        self.assertEqual((gone[0]["archived"], gone[0]["properties"]["price"]), (True, "4"))
        self.assertEqual(len(gone[0]["associations"]), 1)
        self.assertEqual(len(ok_control("GET", "objects", query={"archived": "all"})["results"]), 4)
        self.assertEqual(control("GET", "objects", query={"archived": "maybe"}).status, 400)
        self.assertEqual(control("POST", "seed", {"objects": [{"properties": {"price": "x"}}]}).status, 400)
        self.assertEqual(control("POST", "seed", {"objects": [{"properties": {"hs_object_id": "1"}}]}).status, 400)
        self.assertEqual(control("POST", "seed", {"nothing": 1}).status, 400)
        self.assertEqual(log(), [], "seeding is not logged")
        self.assertEqual(request("GET", PRODUCTS).header("X-HubSpot-RateLimit-Remaining"), "99")

    def test_unknown_control_path(self):
        self.assertEqual(control("GET", "nothing").status, 404)


class TestDamage(EmulatorTestCase):
    """Damage rules: answers damaged deterministically, after the real work was done."""

    def add(self, rule):
        return ok_control("POST", "damage", rule)

    def state(self):
        return ok_control("GET", "damage")

    def test_kinds_are_deterministic_and_logged(self):
        seed(count=3)
        bodies = {}
        for kind in emulator.DAMAGE_KINDS:
            for attempt in range(2):
                ok_control("DELETE", "damage")
                self.add({"kind": kind, "seed": 5, "method": "GET", "path": PRODUCTS})
                reply = request("GET", PRODUCTS, query={"limit": "2"})
                self.assertEqual(reply.status, 200, kind)
                self.assertEqual(int(reply.header("Content-Length")), len(reply.raw), kind)
                bodies.setdefault(kind, set()).add(reply.raw)
                events = self.state()["damaged"]
                self.assertEqual(len(events), 1, kind)
                self.assertEqual((events[0]["kind"], events[0]["path"], events[0]["bytes"]),
                                 (kind, PRODUCTS, len(reply.raw)))
            self.assertEqual(len(bodies[kind]), 1, "%s: same seed, same bytes" % kind)
        self.assertEqual(request("GET", PRODUCTS, query={"limit": "2"}).status, 200)
        self.assertEqual(len(self.state()["damaged"]), 1, "times defaults to 1")
        self.assertEqual(bodies["empty"], {b""})

    def damaged(self, rule, path=PRODUCTS, method="GET", **kw):
        ok_control("DELETE", "damage")
        self.add(dict({"method": method, "path": path}, **rule))
        reply = request(method, path, **kw)
        return reply, self.state()["damaged"]

    def test_each_kind(self):
        seed(count=2)
        normal = request("GET", PRODUCTS).raw
        reply, events = self.damaged({"kind": "truncate", "at": 10})
        self.assertEqual(reply.raw, normal[:10])
        reply, events = self.damaged({"kind": "truncate", "at": -1})
        self.assertEqual(reply.raw, normal[:-1])
        reply, events = self.damaged({"kind": "missing", "target": "after"}, query={"limit": "1"})
        self.assertEqual(reply.json["paging"]["next"].get("after"), None)
        self.assertEqual(events[0]["damage"], "$.paging.next.after removed")
        reply, events = self.damaged({"kind": "missing", "target": "id"})
        self.assertEqual(len([r for r in reply.json["results"] if "id" not in r]), 1)
        self.assertRegex(events[0]["damage"], r"^\$\.results\[\d\]\.id removed$")
        reply, events = self.damaged({"kind": "wrong_type", "target": "results", "seed": 1})
        self.assertNotIsInstance(reply.json["results"], list)
        self.assertEqual(events[0]["value"], json.dumps(reply.json["results"], separators=(",", ":")))
        reply, events = self.damaged({"kind": "huge_number", "target": "id", "seed": 3})
        self.assertIn(events[0]["value"].encode(), reply.raw)
        self.assertIn(events[0]["value"], emulator.DAMAGE_HUGE_NUMBERS + emulator.DAMAGE_HUGE_STRINGS)
        reply, events = self.damaged({"kind": "deep_nesting", "depth": 100000, "target": "createdAt"})
        self.assertTrue(b"[" * 100000 in reply.raw or b'{"a":' * 100000 in reply.raw)
        reply, events = self.damaged({"kind": "invalid_utf8", "target": "name"})
        self.assertRaises(UnicodeDecodeError, reply.raw.decode, "utf-8")
        reply, events = self.damaged({"kind": "nul", "target": "id", "raw": False})
        self.assertIn(b"\\u0000", reply.raw)
        reply, events = self.damaged({"kind": "nul", "target": "id", "raw": True})
        self.assertIn(b"\x00", reply.raw)
        reply, events = self.damaged({"kind": "extra_fields", "seed": 2})
        self.assertIn(b'"x_extra', reply.raw)
        reply, events = self.damaged({"kind": "duplicate_keys", "target": "paging", "seed": 0},
                                     query={"limit": "1"})
        self.assertEqual(reply.raw.count(b'"paging":'), 2)

    def test_matching_skip_times_and_targets_absent(self):
        seed(count=1)
        self.add({"kind": "empty", "method": "GET", "path": PRODUCTS + "/*", "skip": 1, "times": 2})
        self.add({"kind": "missing", "target": "no_such_member", "path": "/crm/*"})
        self.assertEqual(request("GET", PRODUCTS).raw[:1], b"{", "other path")
        statuses = [len(request("GET", PRODUCTS + "/1000001").raw) for _ in range(4)]
        self.assertEqual([n == 0 for n in statuses], [False, True, True, False])
        rules = self.state()["rules"]
        self.assertEqual([(r["seen"], r["fired"]) for r in rules], [(3, 2), (0, 0)])
        self.assertEqual(len(self.state()["damaged"]), 2)

    def test_writes_happen_and_204_becomes_200(self):
        self.add({"kind": "truncate", "method": "POST", "path": BATCH_CREATE, "at": 5})
        reply = batch([{"properties": {"name": "a"}}, {"properties": {"name": "b"}}])
        self.assertEqual((reply.status, reply.raw), (201, b'{"sta'))
        self.assertEqual(len(stored()), 2, "the records were created")
        ids = list(stored())
        self.add({"kind": "extra_fields", "method": "POST", "path": BATCH_ARCHIVE})
        reply = request("POST", BATCH_ARCHIVE, {"inputs": [{"id": ids[0]}]})
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.json["status"], "COMPLETE")
        self.assertEqual(self.state()["damaged"][-1]["original_status"], 204)
        self.assertTrue(stored()[ids[0]]["archived"])
        self.assertEqual([r["status"] for r in log()], [201, 200])

    def test_error_bodies_are_damaged_too(self):
        self.add({"kind": "missing", "target": "category", "path": PRODUCTS + "/*", "method": "GET"})
        reply = request("GET", PRODUCTS + "/42")
        self.assertEqual(reply.status, 404)
        self.assertNotIn("category", reply.json)

    def test_faults_take_precedence_and_reset_clears(self):
        self.add({"kind": "empty"})
        ok_control("POST", "faults", {"path": PRODUCTS, "status": 503})
        self.assertEqual(request("GET", PRODUCTS).status, 503)
        self.assertEqual(self.state()["damaged"], [])
        self.assertEqual(request("GET", PRODUCTS).raw, b"")
        self.add({"kind": "empty"})
        ok_control("POST", "reset")
        self.assertEqual(self.state(), {"rules": [], "damaged": []})

    def test_bad_rules(self):
        for rule in ({"kind": "nope"}, {"kind": "empty", "x": 1}, {"kind": "empty", "times": -1},
                     {"kind": "empty", "path": ""}, {"kind": "missing", "target": 3},
                     {"kind": "deep_nesting", "depth": 0}, {"kind": "truncate", "at": "1"},
                     {"kind": "nul", "raw": 1}, [1]):
            self.assertEqual(control("POST", "damage", rule).status, 400, rule)
        self.assertEqual(self.state()["rules"], [])


class TestEmuctl(EmulatorTestCase):
    def emuctl(self, *args, env_url=True):
        env = dict(os.environ)
        env.pop("HUBSPOT_EMULATOR_URL", None)
        if env_url:
            env["HUBSPOT_EMULATOR_URL"] = SERVER.url
        return subprocess.run([sys.executable, EMUCTL] + list(args), capture_output=True, text=True, env=env, timeout=30)

    def test_commands(self):
        r = self.emuctl("seed", json.dumps({"objects": [{"properties": {"name": "back\\slash", "hs_sku": "A"}},
                                                        {"properties": {"name": "old"}, "archived": True}]}))
        self.assertEqual((r.returncode, r.stdout), (0, '{"ids":["1000001","1000002"]}\n'), r.stderr)
        r = self.emuctl("objects")
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1)
        self.assertEqual(json.loads(lines[0])["properties"]["name"], "back\\slash")
        r = self.emuctl("--copy", "objects")
        self.assertIn('"back\\\\\\\\slash"', r.stdout)  # JSON's \\ doubled for COPY
        r = self.emuctl("objects", "--archived")
        self.assertEqual([json.loads(x)["id"] for x in r.stdout.splitlines()], ["1000002"])
        r = self.emuctl("objects", "--all")
        self.assertEqual([json.loads(x)["id"] for x in r.stdout.splitlines()], ["1000001", "1000002"])
        request("GET", PRODUCTS, query="properties=a&properties=b")
        r = self.emuctl("log")
        entry = json.loads(r.stdout.splitlines()[-1])
        self.assertEqual(entry["query"], {"properties": ["a", "b"]})
        self.assertEqual(self.emuctl("clear-log").returncode, 0)
        self.assertEqual(self.emuctl("log").stdout, "")
        self.assertEqual(self.emuctl("fault", '{"path":"%s","status":503}' % PRODUCTS).returncode, 0)
        self.assertEqual(request("GET", PRODUCTS).status, 503)
        r = self.emuctl("config", '{"shuffle":false}')
        self.assertFalse(json.loads(r.stdout)["shuffle"])
        r = self.emuctl("properties", '{"generate":2,"prefix":"wide_"}')
        self.assertEqual(json.loads(r.stdout)["added"], ["wide_00001", "wide_00002"], r.stderr)
        self.assertEqual(request("GET", "/crm/v3/properties/products/wide_00002").status, 200)
        r = self.emuctl("properties", '{"generate":2,"prefix":"wide_"}')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("already defined", r.stderr)
        self.assertEqual(self.emuctl("--url", SERVER.url, "reset", env_url=False).returncode, 0)
        self.assertEqual(self.emuctl("objects", "--all").stdout, "")

    def test_damage_commands(self):
        seed(count=1)
        r = self.emuctl("damage", '{"kind":"empty","path":"%s","method":"GET"}' % PRODUCTS)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertEqual(request("GET", PRODUCTS).raw, b"")
        lines = [json.loads(l) for l in self.emuctl("damage").stdout.splitlines()]
        self.assertEqual([(l["line"], l["kind"]) for l in lines], [("rule", "empty"), ("damaged", "empty")])
        self.assertEqual(self.emuctl("damage-clear").returncode, 0)
        self.assertEqual(self.emuctl("damage").stdout, "")
        r = self.emuctl("damage", '{"kind":"nope"}')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("damage kind", r.stderr)

    def test_failures(self):
        r = self.emuctl("config", '{"nope":1}')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("unknown config key", r.stderr)
        r = self.emuctl("fault", "{not json")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not valid JSON", r.stderr)
        r = self.emuctl("reset", env_url=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("HUBSPOT_EMULATOR_URL", r.stderr)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = "http://127.0.0.1:%d" % s.getsockname()[1]
        r = self.emuctl("--url", dead, "reset", env_url=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("cannot reach", r.stderr)



class TestInFlight(EmulatorTestCase):
    """GET /_emulator/in-flight and emuctl wait-idle: waiting for requests a client gave up on."""

    def emuctl(self, *args):
        return subprocess.run([sys.executable, EMUCTL, "--url", SERVER.url] + list(args),
                              capture_output=True, text=True, timeout=30)

    def in_flight(self):
        return ok_control("GET", "in-flight")["in_flight"]

    def abandoned_request(self, delay_ms):
        """A GET the emulator delays by delay_ms, whose client gives up after 0.1 s."""
        ok_control("POST", "faults", {"path": PRODUCTS, "method": "GET", "action": "delay", "delay_ms": delay_ms})
        with self.assertRaises(OSError):
            request("GET", PRODUCTS, timeout=0.1)

    def settled_in_flight(self):
        """in-flight once the answer just read has left the handler (it counts until then)."""
        deadline = time.monotonic() + 2
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.in_flight()

    def test_idle(self):
        self.assertEqual(self.settled_in_flight(), 0)
        request("GET", PRODUCTS)
        self.assertEqual(self.settled_in_flight(), 0)
        r = self.emuctl("wait-idle", "1")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def test_abandoned_request_counts_until_done(self):
        self.abandoned_request(800)
        self.assertEqual(self.in_flight(), 1)
        ok_control("POST", "reset")
        self.assertEqual(self.in_flight(), 1, "a reset does not forget a request still being handled")
        started = time.monotonic()
        r = self.emuctl("wait-idle", "5")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertGreater(time.monotonic() - started, 0.3)
        self.assertEqual(self.in_flight(), 0)
        self.assertEqual([(e["path"], e["status"]) for e in log()], [(PRODUCTS, 200)],
                         "the abandoned request is logged once it is done")

    def test_wait_idle_fails_after_its_timeout(self):
        self.abandoned_request(1500)
        r = self.emuctl("wait-idle", "0.2")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("1 API request(s) in flight after 0.2 s", r.stderr)
        self.assertEqual(self.emuctl("wait-idle", "5").returncode, 0)
        r = self.emuctl("wait-idle", "soon")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("number of seconds", r.stderr)


def app_of(token):
    return hashlib.sha256(token.encode()).hexdigest()[:8]


def together(calls):
    """Run the callables in threads released at the same moment; returns (results in order,
    seconds from the release until the last one returned)."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls) + 1)

    def run(i):
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as e:  # noqa: BLE001 - reported to the test as the result
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.monotonic()
    for t in threads:
        t.join(30)
    return results, time.monotonic() - started


def timed(fn):
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


class TestLatency(EmulatorTestCase):
    """Config latency_ms: every API answer comes that long after its request arrived."""

    def test_default_and_validation(self):
        self.assertEqual(emulator.DEFAULT_CONFIG["latency_ms"], 0)
        self.assertEqual(ok_control("GET", "config")["latency_ms"], 0)
        self.assertEqual(configure(latency_ms=12.5)["latency_ms"], 12.5)
        for bad in (-1, "150", True, None, 600001):
            self.assertEqual(control("POST", "config", {"latency_ms": bad}).status, 400, bad)
        ok_control("POST", "reset")
        self.assertEqual(ok_control("GET", "config")["latency_ms"], 0)

    def test_every_api_answer_waits_and_control_does_not(self):
        configure(latency_ms=300)
        reply, took = timed(lambda: request("GET", PRODUCTS))
        self.assertEqual(reply.status, 200)
        self.assertGreaterEqual(took, 0.29)
        reply, took = timed(lambda: request("GET", PRODUCTS, token=None))
        self.assertEqual(reply.status, 401)
        self.assertGreaterEqual(took, 0.29)
        _, took = timed(lambda: ok_control("GET", "config"))
        self.assertLess(took, 0.25, "the control API is not delayed")
        for entry in log():
            self.assertGreaterEqual(entry["ended_ms"] - entry["started_ms"], 299, entry)

    def test_requests_overlap(self):
        configure(latency_ms=300)
        replies, took = together([lambda: request("GET", PRODUCTS, timeout=10)] * 5)
        self.assertEqual([r.status for r in replies], [200] * 5)
        self.assertGreaterEqual(took, 0.29)
        self.assertLess(took, 0.9, "5 requests at 300 ms latency overlap (one at a time: 1.5 s)")
        summary = ok_control("GET", "concurrency")
        self.assertEqual((summary["requests"], summary["max_in_flight"], summary["429"]), (5, 5, 0))

    def test_processed_at_arrival_answered_after_latency(self):
        configure(latency_ms=800)
        with self.assertRaises(OSError):  # the client gives up before the answer
            create({"name": "early"}, timeout=0.2)
        self.assertEqual([r["properties"]["name"] for r in stored().values()], ["early"],
                         "the write happened when the request arrived")
        self.assertEqual(ok_control("GET", "in-flight")["in_flight"], 1)
        self.assertEqual(log(), [], "logged when answered")
        deadline = time.monotonic() + 5
        while ok_control("GET", "in-flight")["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual([e["status"] for e in log()], [201])

    def test_delay_rule_adds_to_latency(self):
        configure(latency_ms=200)
        ok_control("POST", "faults", {"path": PRODUCTS, "action": "delay", "delay_ms": 300})
        reply, took = timed(lambda: request("GET", PRODUCTS))
        self.assertEqual(reply.status, 200)
        self.assertGreaterEqual(took, 0.49)
        reply, took = timed(lambda: request("GET", PRODUCTS))
        self.assertEqual(reply.status, 200)
        self.assertGreaterEqual(took, 0.19)

    def test_fault_rules_keep_firing(self):
        configure(latency_ms=200)
        ok_control("POST", "faults", [{"path": PRODUCTS, "method": "GET", "status": 500, "skip": 1},
                                      {"path": PRODUCTS, "method": "GET", "status": 503, "skip": 2},
                                      {"path": BATCH_CREATE, "action": "reset_before"},
                                      {"path": BATCH_UPDATE, "action": "reset_after"}])
        statuses = []
        for _ in range(4):
            reply, took = timed(lambda: request("GET", PRODUCTS))
            statuses.append(reply.status)
            self.assertGreaterEqual(took, 0.19)
        self.assertEqual(statuses, [200, 500, 503, 200], "a later rule still fires with latency set")
        started = time.monotonic()
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
            batch([{"properties": {"name": "never"}}])
        self.assertGreaterEqual(time.monotonic() - started, 0.19, "the reset comes after the latency")
        [a] = seed(objects=[{"properties": {"name": "A"}}])
        with self.assertRaises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
            request("POST", BATCH_UPDATE, {"inputs": [{"id": a, "properties": {"name": "applied"}}]})
        self.assertEqual(stored()[a]["properties"]["name"], "applied")
        self.assertEqual([f["fired"] for f in ok_control("GET", "faults")["faults"]], [1, 1, 1, 1])

    def test_counted_at_arrival(self):
        configure(latency_ms=500, rate_limit={"max": 2})
        replies, _ = together([lambda: request("GET", PRODUCTS, timeout=10)] * 3)
        self.assertEqual(sorted(r.status for r in replies), [200, 200, 429])
        refused = [r for r in replies if r.status == 429][0]
        self.assertEqual(refused.json["policyName"], "TEN_SECONDLY_ROLLING")
        self.assertEqual(refused.header("X-HubSpot-RateLimit-Remaining"), "0")
        summary = ok_control("GET", "concurrency")
        self.assertEqual((summary["requests"], summary["429"], summary["max_in_flight"]), (3, 1, 3))

    def test_counted_at_arrival_before_a_delay(self):
        configure(rate_limit={"max": 2})
        ok_control("POST", "faults", {"path": PRODUCTS, "method": "GET", "action": "delay", "delay_ms": 600})
        slow = []
        thread = threading.Thread(target=lambda: slow.append(request("GET", PRODUCTS, timeout=10)))
        thread.start()
        deadline = time.monotonic() + 5
        while not ok_control("GET", "in-flight")["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(request("GET", PRODUCTS).status, 200)
        self.assertEqual(request("GET", PRODUCTS).status, 429, "the delayed request was counted first")
        thread.join(10)
        self.assertEqual(slow[0].status, 200)


class TestAccounts(EmulatorTestCase):
    """The rolling window is per token (app); the daily limit is per account (config accounts)."""

    def test_windows_per_token_even_in_one_account(self):
        configure(rate_limit={"max": 2}, accounts={"app-a": "portal-1", "app-b": "portal-1"})
        self.assertEqual([request("GET", PRODUCTS, token="app-a").status for _ in range(3)], [200, 200, 429])
        reply = request("GET", PRODUCTS, token="app-b")
        self.assertEqual((reply.status, reply.header("X-HubSpot-RateLimit-Remaining")), (200, "1"))
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Daily-Remaining"), "249997", "one day for the account")
        self.assertEqual(request("GET", PRODUCTS, token="app-b").status, 200)
        self.assertEqual(request("GET", PRODUCTS, token="app-b").status, 429)

    def test_daily_limit_per_account(self):
        configure(rate_limit={"daily": 3}, accounts={"a1": "one", "a2": "one", "b1": "two"})

        def remaining(token):
            reply = request("GET", PRODUCTS, token=token)
            return reply.status, reply.header("X-HubSpot-RateLimit-Daily-Remaining")

        self.assertEqual(remaining("a1"), (200, "2"))
        self.assertEqual(remaining("a2"), (200, "1"))
        self.assertEqual(remaining("a1"), (200, "0"))
        reply = request("GET", PRODUCTS, token="a2")
        body = self.assertHubSpotError(reply, 429, "RATE_LIMITS")
        self.assertEqual(body["policyName"], "DAILY")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Daily-Remaining"), "0")
        self.assertEqual(reply.header("X-HubSpot-RateLimit-Remaining"), "99", "the window of a2 on the 429")
        self.assertEqual(remaining("b1"), (200, "2"), "another account has its own day")
        self.assertEqual(remaining("x"), (200, "2"), "tokens not listed share the default account")
        self.assertEqual(remaining("y"), (200, "1"))
        configure(accounts={"a1": "three"})
        self.assertEqual(ok_control("GET", "config")["accounts"], {"a1": "three"}, "replaced, not merged")
        self.assertEqual(remaining("a1"), (200, "2"))
        self.assertEqual(remaining("a2"), (200, "0"), "a2 is in the default account now")

    def test_validation(self):
        self.assertEqual(ok_control("GET", "config")["accounts"], {})
        for bad in ("one", ["a"], {"a": 1}, {"a": None}, None):
            self.assertEqual(control("POST", "config", {"accounts": bad}).status, 400, bad)


class TestRequestTimes(EmulatorTestCase):
    """started_ms, ended_ms and app in the log; GET /_emulator/concurrency."""

    def test_log_fields(self):
        request("GET", PRODUCTS, token="secret-token-1")
        request("GET", PRODUCTS, token=None)
        create({"name": "x"}, token="secret-token-2")
        entries = log()
        self.assertEqual([e["app"] for e in entries], [app_of("secret-token-1"), None, app_of("secret-token-2")])
        self.assertNotIn("secret-token", json.dumps(entries), "the log never holds a token")
        for e in entries:
            self.assertIsInstance(e["started_ms"], float)
            self.assertIsInstance(e["ended_ms"], float)
            self.assertLessEqual(e["started_ms"], e["ended_ms"])
            self.assertGreaterEqual(e["started_ms"], 0)
        for earlier, later in zip(entries, entries[1:]):
            self.assertLessEqual(earlier["ended_ms"], later["started_ms"])
        ok_control("POST", "reset")
        time.sleep(0.05)
        request("GET", PRODUCTS)
        self.assertGreaterEqual(log()[0]["started_ms"], 50, "the clock's 0 is the reset")

    def test_concurrency_endpoint(self):
        configure(rate_limit={"max": 2})
        for _ in range(3):
            request("GET", PRODUCTS, token="tok-a")
            time.sleep(0.05)
        request("POST", BATCH_READ, {"inputs": []}, token="tok-b")
        request("GET", PRODUCTS, token=None)
        summary = ok_control("GET", "concurrency")
        self.assertEqual(summary, {
            "requests": 5, "429": 1, "max_in_flight": 1, "max_in_window": 3, "interval_ms": 10000,
            "apps": {app_of("tok-a"): {"requests": 3, "429": 1, "max_in_window": 3},
                     app_of("tok-b"): {"requests": 1, "429": 0, "max_in_window": 1}}})
        only = ok_control("GET", "concurrency", query={"path": "batch"})
        self.assertEqual((only["requests"], only["max_in_window"], list(only["apps"])),
                         (1, 1, [app_of("tok-b")]))
        self.assertEqual(ok_control("GET", "concurrency", query={"interval_ms": "30"})["max_in_window"], 1)
        self.assertEqual(ok_control("GET", "concurrency", query={"path": "nothing"}),
                         {"requests": 0, "429": 0, "max_in_flight": 0, "max_in_window": 0,
                          "interval_ms": 10000, "apps": {}})
        for bad in ("0", "x"):
            self.assertEqual(control("GET", "concurrency", query={"interval_ms": bad}).status, 400)

    def test_summary(self):
        def entry(app, start, end, status=200):
            return {"app": app, "started_ms": float(start), "ended_ms": float(end), "status": status}

        entries = [entry("a", 0, 10), entry("a", 10, 20), entry("a", 15, 30, 429), entry("b", 16, 17),
                   entry(None, 0, 100), entry("a", 40, 41), entry("b", 45, 46)]
        self.assertEqual(emulator.concurrency_summary(entries, 30), {
            "requests": 7, "429": 1, "max_in_flight": 4, "max_in_window": 3, "interval_ms": 30,
            "apps": {"a": {"requests": 4, "429": 1, "max_in_window": 3},
                     "b": {"requests": 2, "429": 0, "max_in_window": 2}}})
        # a request answered as another arrives does not overlap it; a window is interval_ms wide
        touching = [entry("a", 0, 10), entry("a", 10, 20), entry("a", 20, 30)]
        self.assertEqual(emulator.concurrency_summary(touching, 20)["max_in_flight"], 1)
        self.assertEqual(emulator.concurrency_summary(touching, 20)["max_in_window"], 2)
        self.assertEqual(emulator.concurrency_summary(touching, 21)["max_in_window"], 3)

    def test_emuctl_concurrency(self):
        request("GET", PRODUCTS)
        request("POST", BATCH_READ, {"inputs": []})
        run = lambda *a: subprocess.run([sys.executable, EMUCTL, "--url", SERVER.url] + list(a),
                                        capture_output=True, text=True, timeout=30)
        r = run("concurrency")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["requests"], 2)
        r = run("concurrency", "/batch/read")
        self.assertEqual((json.loads(r.stdout)["requests"], len(r.stdout.splitlines())), (1, 1))


# ---------------------------------------------------------------------------
# Search (test/emulator_search.py), 414, custom properties
# ---------------------------------------------------------------------------

SEARCH = PRODUCTS + "/search"
RATE_HEADER_PREFIX = "x-hubspot-ratelimit-"


def search(body, **kw):
    return request("POST", SEARCH, body, **kw)


def epoch_ms(text):
    """Epoch milliseconds of ISO-8601 text (a date: midnight UTC)."""
    return emulator_search.iso_to_ms(text)


def clock_plus(ms):
    """CLOCK moved on by ms milliseconds, as ISO-8601."""
    return emulator.iso_ms(emulator.from_epoch_ms(epoch_ms(CLOCK) + ms))


def rate_headers(reply):
    return sorted(k for k in reply.headers.keys() if k.lower().startswith(RATE_HEADER_PREFIX))


class SearchTestCase(EmulatorTestCase):
    """Search tests run without the search rate limit unless they turn it on."""

    def setUp(self):
        super().setUp()
        configure(search_rate_limit=None)

    def ok_search(self, body):
        reply = search(body)
        self.assertEqual(reply.status, 200, reply.raw)
        self.assertEqual(rate_headers(reply), [], "a search answer has no rate-limit headers")
        return reply.json

    def found_ids(self, body):
        return [r["id"] for r in self.ok_search(body)["results"]]

    def assertSearchRefused(self, body, code=None, contains=None):
        reply = search(body)
        err = self.assertValidation(reply, code)
        self.assertEqual(rate_headers(reply), [], "a refused search has no rate-limit headers")
        if contains is not None:
            self.assertIn(contains, err["message"])
        return err


# Records of the operator and sort tests (numbered 1..5 by creation). Record 4's name is cleared
# after seeding (a "" in its history); the other missing values were never set.
SEARCH_FIXTURE = [
    {"name": "Blue Widget", "price": "10", "launch_date": "2024-01-15", "in_stock": "true",
     "hs_status": "active", "sales_channels": "web;retail", "createdate": "2020-01-01T00:00:00.000Z",
     "description": "A large blue widget", "hs_sku": "SKU-1", "external_id": "EXT-1"},
    {"name": "red gadget", "price": "2.50", "launch_date": "2023-06-01", "in_stock": "false",
     "hs_status": "inactive", "createdate": "2021-01-01T00:00:00.000Z", "hs_sku": "SKU-2"},
    {"name": "GREEN thing", "price": "-1", "hs_status": "active"},
    {"name": "Temporary"},
    {"name": "blue", "price": "100", "launch_date": "2025-03-01", "in_stock": "true"},
]

# (property, operator, argument, records matched): the argument is the value, a (value,
# highValue) pair for BETWEEN, a list of values for IN/NOT_IN, None for the *_PROPERTY ones.
OPERATOR_CASES = [
    # number: decimals
    ("price", "EQ", "10", [1]), ("price", "EQ", "10.000", [1]), ("price", "EQ", 2.5, [2]),
    ("price", "EQ", "-1", [3]), ("price", "NEQ", "10", [2, 3, 4, 5]),
    ("price", "LT", "10", [2, 3]), ("price", "LTE", "10", [1, 2, 3]), ("price", "GT", "10", [5]),
    ("price", "GTE", "10", [1, 5]), ("price", "GT", "-5", [1, 2, 3, 5]),
    ("price", "BETWEEN", ("2.5", "10"), [1, 2]), ("price", "BETWEEN", ("11", "99"), []),
    ("price", "IN", ["10", "-1.0"], [1, 3]), ("price", "NOT_IN", ["10", "-1"], [2, 4, 5]),
    ("price", "HAS_PROPERTY", None, [1, 2, 3, 5]), ("price", "NOT_HAS_PROPERTY", None, [4]),
    ("price", "CONTAINS_TOKEN", "2.5*", [2]), ("price", "NOT_CONTAINS_TOKEN", "2.5*", [1, 3, 4, 5]),
    # date: epoch milliseconds (text or number) or ISO-8601; a date is midnight UTC
    ("launch_date", "EQ", str(epoch_ms("2024-01-15")), [1]), ("launch_date", "EQ", epoch_ms("2024-01-15"), [1]),
    ("launch_date", "EQ", "2024-01-15", [1]), ("launch_date", "EQ", "2024-01-15T00:00:00Z", [1]),
    ("launch_date", "EQ", str(epoch_ms("2024-01-15") + 1), []),
    ("launch_date", "NEQ", "2024-01-15", [2, 3, 4, 5]), ("launch_date", "LT", "2024-01-15", [2]),
    ("launch_date", "LTE", "2024-01-15", [1, 2]), ("launch_date", "GT", "2024-01-15", [5]),
    ("launch_date", "GTE", "2024-01-15", [1, 5]), ("launch_date", "BETWEEN", ("2023-06-01", "2024-01-15"), [1, 2]),
    ("launch_date", "IN", [str(epoch_ms("2024-01-15")), "2025-03-01"], [1, 5]),
    ("launch_date", "NOT_IN", [str(epoch_ms("2024-01-15")), "2025-03-01"], [2, 3, 4]),
    ("launch_date", "HAS_PROPERTY", None, [1, 2, 5]), ("launch_date", "NOT_HAS_PROPERTY", None, [3, 4]),
    # datetime
    ("createdate", "EQ", CLOCK, [3, 4, 5]), ("createdate", "EQ", str(epoch_ms(CLOCK)), [3, 4, 5]),
    ("createdate", "NEQ", CLOCK, [1, 2]), ("createdate", "LT", "2021-01-01T00:00:00Z", [1]),
    ("createdate", "LTE", "2021-01-01T00:00:00Z", [1, 2]),
    ("createdate", "GT", str(epoch_ms("2020-06-01T00:00:00Z")), [2, 3, 4, 5]),
    ("createdate", "GTE", CLOCK, [3, 4, 5]),
    ("createdate", "BETWEEN", ("2020-01-01T00:00:00.000Z", "2021-01-01"), [1, 2]),
    ("createdate", "HAS_PROPERTY", None, [1, 2, 3, 4, 5]), ("createdate", "NOT_HAS_PROPERTY", None, []),
    ("hs_lastmodifieddate", "GTE", CLOCK, [1, 2, 3, 4, 5]), ("hs_lastmodifieddate", "LT", CLOCK, []),
    # bool: case-insensitive, false < true
    ("in_stock", "EQ", "true", [1, 5]), ("in_stock", "EQ", "TRUE", [1, 5]), ("in_stock", "EQ", True, [1, 5]),
    ("in_stock", "EQ", "False", [2]), ("in_stock", "NEQ", "true", [2, 3, 4]),
    ("in_stock", "IN", ["true"], [1, 5]), ("in_stock", "IN", ["TRUE", "false"], [1, 2, 5]),
    ("in_stock", "NOT_IN", ["true"], [2, 3, 4]), ("in_stock", "LT", "true", [2]), ("in_stock", "GT", "false", [1, 5]),
    ("in_stock", "HAS_PROPERTY", None, [1, 2, 5]), ("in_stock", "NOT_HAS_PROPERTY", None, [3, 4]),
    # enumeration: case-sensitive for every operator, the whole stored value
    ("hs_status", "EQ", "active", [1, 3]), ("hs_status", "EQ", "ACTIVE", []), ("hs_status", "EQ", "Active", []),
    ("hs_status", "NEQ", "active", [2, 4, 5]), ("hs_status", "NEQ", "ACTIVE", [1, 2, 3, 4, 5]),
    ("hs_status", "IN", ["active", "inactive"], [1, 2, 3]), ("hs_status", "IN", ["Active"], []),
    ("hs_status", "NOT_IN", ["active"], [2, 4, 5]), ("hs_status", "LT", "b", [1, 3]), ("hs_status", "LT", "B", []),
    ("hs_status", "GT", "b", [2]), ("hs_status", "LTE", "active", [1, 3]), ("hs_status", "GTE", "inactive", [2]),
    ("hs_status", "BETWEEN", ("a", "b"), [1, 3]),
    ("hs_status", "CONTAINS_TOKEN", "act*", [1, 3]), ("hs_status", "CONTAINS_TOKEN", "ACT*", []),
    ("hs_status", "NOT_CONTAINS_TOKEN", "act*", [2, 4, 5]),
    ("hs_status", "HAS_PROPERTY", None, [1, 2, 3]), ("hs_status", "NOT_HAS_PROPERTY", None, [4, 5]),
    ("sales_channels", "EQ", "web;retail", [1]), ("sales_channels", "EQ", "web", []),
    ("sales_channels", "IN", ["web"], []), ("sales_channels", "CONTAINS_TOKEN", "retail", [1]),
    ("sales_channels", "CONTAINS_TOKEN", "Retail", []), ("sales_channels", "HAS_PROPERTY", None, [1]),
    # string: case-insensitive, but IN/NOT_IN take the values as given against the lower-cased value
    ("name", "EQ", "blue widget", [1]), ("name", "EQ", "BLUE", [5]), ("name", "EQ", "blue wid", []),
    ("name", "NEQ", "blue", [1, 2, 3, 4]),
    ("name", "IN", ["blue", "red gadget"], [2, 5]), ("name", "IN", ["Blue"], []), ("name", "IN", ["GREEN thing"], []),
    ("name", "IN", ["green thing"], [3]), ("name", "NOT_IN", ["blue"], [1, 2, 3, 4]),
    ("name", "NOT_IN", ["Blue"], [1, 2, 3, 4, 5]),
    ("name", "LT", "c", [1, 5]), ("name", "LT", "C", [1, 5]), ("name", "GT", "c", [2, 3]),
    ("name", "LTE", "blue", [5]), ("name", "GTE", "GREEN THING", [2, 3]), ("name", "BETWEEN", ("B", "H"), [1, 3, 5]),
    ("name", "CONTAINS_TOKEN", "widget", [1]), ("name", "CONTAINS_TOKEN", "WIDGET", [1]),
    ("name", "CONTAINS_TOKEN", "wid*", [1]), ("name", "CONTAINS_TOKEN", "*et", [1, 2]),
    ("name", "CONTAINS_TOKEN", "blue widget", [1]), ("name", "CONTAINS_TOKEN", "widget blue", []),
    ("name", "CONTAINS_TOKEN", "*", [1, 2, 3, 5]), ("name", "CONTAINS_TOKEN", "blu", []),
    ("name", "NOT_CONTAINS_TOKEN", "blue", [2, 3, 4]),
    ("name", "HAS_PROPERTY", None, [1, 2, 3, 5]), ("name", "NOT_HAS_PROPERTY", None, [4]),
    ("hs_sku", "CONTAINS_TOKEN", "sku-*", [1, 2]), ("hs_sku", "EQ", "sku-2", [2]),
]


def filter_of(prop, op, arg):
    f = {"propertyName": prop, "operator": op}
    if op == "BETWEEN":
        f["value"], f["highValue"] = arg
    elif op in ("IN", "NOT_IN"):
        f["values"] = arg
    elif arg is not None:
        f["value"] = arg
    return f


class SearchFixtureCase(SearchTestCase):
    def setUp(self):
        super().setUp()
        self.ids = seed(objects=[{"properties": p} for p in SEARCH_FIXTURE])
        self.assertEqual(patch(self.ids[3], {"name": ""}).status, 200)

    def numbers(self, body):
        """The fixture records found, as their numbers 1..5."""
        return [self.ids.index(i) + 1 for i in self.found_ids(body)]

    def matched(self, *filters):
        return self.numbers({"filterGroups": [{"filters": list(filters)}], "limit": 200})


class TestSearchOperators(SearchFixtureCase):
    def test_every_operator_by_type(self):
        for prop, op, arg, expected in OPERATOR_CASES:
            with self.subTest(prop=prop, op=op, arg=arg):
                self.assertEqual(self.matched(filter_of(prop, op, arg)), expected)

    def test_missing_values_whatever_empty_values_says(self):
        for mode in ("omit", "null", "empty"):
            configure(empty_values=mode)
            with self.subTest(mode=mode):
                self.assertEqual(self.matched(filter_of("name", "NOT_HAS_PROPERTY", None)), [4])
                self.assertEqual(self.matched(filter_of("name", "NEQ", "x")), [1, 2, 3, 4, 5])
                self.assertEqual(self.matched(filter_of("name", "EQ", "temporary")), [])

    def test_record_id_and_value_ignored_by_has_property(self):
        self.assertEqual(self.matched(filter_of("hs_object_id", "IN", [self.ids[0], self.ids[2]])), [1, 3])
        self.assertEqual(self.matched(filter_of("hs_object_id", "GT", self.ids[2])), [4, 5])
        self.assertEqual(self.matched(filter_of("hs_object_id", "EQ", int(self.ids[1]))), [2])
        self.assertEqual(self.matched({"propertyName": "price", "operator": "HAS_PROPERTY", "value": "x"}), [1, 2, 3, 5])

    def test_groups_are_ored_filters_anded(self):
        blue = filter_of("name", "CONTAINS_TOKEN", "blue")
        cheap = filter_of("price", "LT", "50")
        self.assertEqual(self.matched(blue, cheap), [1])
        self.assertEqual(self.numbers({"filterGroups": [{"filters": [blue]}, {"filters": [cheap]}]}), [1, 2, 3, 5])
        self.assertEqual(self.numbers({"filterGroups": [{"filters": [blue, cheap]},
                                                        {"filters": [filter_of("hs_status", "EQ", "inactive")]}]}), [1, 2])
        self.assertEqual(self.numbers({}), [1, 2, 3, 4, 5])
        self.assertEqual(self.numbers({"filterGroups": []}), [1, 2, 3, 4, 5])
        self.assertEqual(self.numbers({"filterGroups": [{"filters": []}, {"filters": [cheap]}]}), [1, 2, 3, 4, 5])
        self.assertEqual(self.numbers({"filterGroups": [{}]}), [1, 2, 3, 4, 5])

    def test_query(self):
        self.assertEqual(self.numbers({"query": "widget"}), [1])
        self.assertEqual(self.numbers({"query": "WIDGET"}), [1])
        self.assertEqual(self.numbers({"query": "large"}), [1], "description is searchable")
        self.assertEqual(self.numbers({"query": "sku-2"}), [2], "hs_sku is searchable")
        self.assertEqual(self.numbers({"query": "2.5"}), [2], "price is searchable")
        self.assertEqual(self.numbers({"query": "blue"}), [1, 5])
        self.assertEqual(self.numbers({"query": "ext-1"}), [], "external_id is not a default searchable property")
        self.assertEqual(self.numbers({"query": "temporary"}), [], "a cleared value is not searched")
        self.assertEqual(self.numbers({"query": ""}), [1, 2, 3, 4, 5])
        self.assertEqual(self.numbers({"query": None}), [1, 2, 3, 4, 5])
        self.assertEqual(self.numbers({"query": "blue", "filterGroups": [{"filters": [filter_of("price", "GT", "50")]}]}), [5])
        self.assertEqual(self.numbers({"query": "x" * 3000}), [])
        self.assertSearchRefused({"query": "x" * 3001}, contains="3000")
        self.assertSearchRefused({"query": 5})

    def test_invalid_values(self):
        cases = [("price", "EQ", "abc", "INVALID_FLOAT"), ("price", "EQ", "1e3", "INVALID_FLOAT"),
                 ("price", "EQ", "", "INVALID_FLOAT"), ("price", "EQ", True, "INVALID_FLOAT"),
                 ("price", "IN", ["1", "x"], "INVALID_FLOAT"), ("price", "BETWEEN", ("1", "y"), "INVALID_FLOAT"),
                 ("launch_date", "EQ", "yesterday", "INVALID_DATE"), ("launch_date", "EQ", "2024-13-01", "INVALID_DATE"),
                 ("createdate", "LT", "noon", "INVALID_DATETIME"), ("createdate", "EQ", 1.5, "INVALID_DATETIME"),
                 ("in_stock", "EQ", "yes", "INVALID_BOOLEAN"), ("in_stock", "IN", ["true", "1"], "INVALID_BOOLEAN"),
                 ("name", "EQ", {"a": 1}, "INVALID_FILTER_VALUE"), ("name", "IN", ["a", None], "INVALID_FILTER_VALUE")]
        for prop, op, arg, code in cases:
            with self.subTest(prop=prop, op=op, arg=arg):
                err = self.assertSearchRefused({"filterGroups": [{"filters": [filter_of(prop, op, arg)]}]}, code)
                self.assertEqual(err["errors"][0]["context"], {"propertyName": [prop]})
                self.assertIn("filterGroups[0].filters[0]", err["message"])

    def test_invalid_filters(self):
        bad = [{"propertyName": "name", "operator": "LIKE", "value": "x"},
               {"propertyName": "name", "operator": "eq", "value": "x"},
               {"propertyName": "name", "value": "x"}, {"operator": "EQ", "value": "x"},
               {"propertyName": "name", "operator": "EQ"}, {"propertyName": "name", "operator": "EQ", "value": None},
               {"propertyName": "price", "operator": "BETWEEN", "value": "1"},
               {"propertyName": "name", "operator": "IN"}, {"propertyName": "name", "operator": "IN", "values": []},
               {"propertyName": "name", "operator": "IN", "values": "x"},
               {"propertyName": "name", "operator": "NOT_IN", "value": "x"},
               {"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "  "},
               {"propertyName": 7, "operator": "EQ", "value": "x"}, "name = x"]
        for f in bad:
            with self.subTest(filter=f):
                self.assertSearchRefused({"filterGroups": [{"filters": [filter_of("name", "HAS_PROPERTY", None), f]}]},
                                         contains="filterGroups[0].filters[1]")
        err = self.assertSearchRefused({"filterGroups": [{"filters": [filter_of("nope", "EQ", "x")]}]},
                                       "PROPERTY_DOESNT_EXIST", contains='"nope"')
        self.assertEqual(err["errors"][0]["context"], {"propertyName": ["nope"]})
        for body in ({"filterGroups": {}}, {"filterGroups": ["x"]}, {"filterGroups": [{"filters": {}}]},
                     [], "x", {"properties": "name"}, {"properties": [1]}, {"sorts": "name"}):
            with self.subTest(body=body):
                self.assertSearchRefused(body)
        self.assertValidation(request("POST", SEARCH, raw=b"{not json"))
        self.assertValidation(request("POST", SEARCH, raw=b""))

    def test_unknown_members_are_ignored(self):
        self.assertEqual(self.numbers({"filters": [filter_of("name", "EQ", "blue")], "nope": 1}), [1, 2, 3, 4, 5])


class TestSearchFilterLimits(SearchTestCase):
    @staticmethod
    def body(*sizes):
        return {"filterGroups": [{"filters": [filter_of("name", "HAS_PROPERTY", None)] * n} for n in sizes]}

    def test_current_limits(self):
        self.assertEqual(ok_control("GET", "config")["search_limits"],
                         {"groups": 5, "filters_per_group": 6, "filters_total": 18})
        for sizes in ((1,) * 5, (6,), (6, 6, 6), (6, 6, 5, 1)):
            self.assertEqual(search(self.body(*sizes)).status, 200, sizes)
        self.assertSearchRefused(self.body(*(1,) * 6), "TOO_MANY_FILTER_GROUPS", contains="at most 5")
        self.assertSearchRefused(self.body(7), "TOO_MANY_FILTERS_IN_GROUP", contains="at most 6")
        self.assertSearchRefused(self.body(1, 1, 7), "TOO_MANY_FILTERS_IN_GROUP", contains="filterGroups[2]")
        self.assertSearchRefused(self.body(6, 6, 6, 1), "TOO_MANY_FILTERS", contains="at most 18")

    def test_changelog_2024_limits(self):
        cfg = configure(search_limits={"groups": 5, "filters_per_group": 10, "filters_total": 25})
        self.assertEqual(cfg["search_limits"], emulator_search.CHANGELOG_2024_SEARCH_LIMITS)
        for sizes in ((10,), (10, 10, 5), (5,) * 5):
            self.assertEqual(search(self.body(*sizes)).status, 200, sizes)
        self.assertSearchRefused(self.body(11), "TOO_MANY_FILTERS_IN_GROUP", contains="at most 10")
        self.assertSearchRefused(self.body(10, 10, 6), "TOO_MANY_FILTERS", contains="at most 25")
        self.assertSearchRefused(self.body(*(1,) * 6), "TOO_MANY_FILTER_GROUPS")
        # a change merges its keys
        self.assertEqual(configure(search_limits={"groups": 2})["search_limits"],
                         {"groups": 2, "filters_per_group": 10, "filters_total": 25})
        self.assertSearchRefused(self.body(1, 1, 1), "TOO_MANY_FILTER_GROUPS", contains="at most 2")

    def test_config_refusals(self):
        for bad in ({"search_limits": {"groups": 0}}, {"search_limits": {"sorts": 1}}, {"search_limits": None},
                    {"search_limits": {"filters_total": "9"}}, {"search_lag_ms": -1}, {"search_lag_ms": 0.5},
                    {"search_rate_limit": {"max": -1}}, {"search_rate_limit": {"interval_ms": 0}},
                    {"search_rate_limit": {"per": 1}}, {"search_rate_limit": 5},
                    {"max_url_length": 0}, {"max_url_length": "long"}):
            self.assertEqual(control("POST", "config", bad).status, 400, bad)
        self.assertIsNone(configure(search_rate_limit=None)["search_rate_limit"])
        self.assertEqual(configure(search_rate_limit={"max": 2})["search_rate_limit"], {"max": 2, "interval_ms": 1000})
        self.assertIsNone(configure(max_url_length=None)["max_url_length"])


class TestSearchSorts(SearchFixtureCase):
    def sorted_by(self, *sorts):
        return self.numbers({"sorts": list(sorts), "limit": 200})

    def test_by_type_with_missing_values_largest_and_ties_by_id(self):
        cases = [("price", [3, 2, 1, 5, 4], [4, 5, 1, 2, 3]),
                 ("name", [5, 1, 3, 2, 4], [4, 2, 3, 1, 5]),   # case-insensitive: GREEN between blue and red
                 ("hs_status", [1, 3, 2, 4, 5], [4, 5, 2, 1, 3]),
                 ("launch_date", [2, 1, 5, 3, 4], [3, 4, 5, 1, 2]),
                 ("in_stock", [2, 1, 5, 3, 4], [3, 4, 1, 5, 2]),
                 ("createdate", [1, 2, 3, 4, 5], [3, 4, 5, 2, 1]),
                 ("hs_object_id", [1, 2, 3, 4, 5], [5, 4, 3, 2, 1])]
        for prop, ascending, descending in cases:
            with self.subTest(prop=prop):
                self.assertEqual(self.sorted_by({"propertyName": prop, "direction": "ASCENDING"}), ascending)
                self.assertEqual(self.sorted_by({"propertyName": prop, "direction": "DESCENDING"}), descending)
                self.assertEqual(self.sorted_by(prop), ascending)
                self.assertEqual(self.sorted_by("-" + prop), descending)

    def test_forms_and_first_rule_only(self):
        self.assertEqual(self.sorted_by(), [1, 2, 3, 4, 5])
        self.assertEqual(self.sorted_by({"propertyName": "price"}), [3, 2, 1, 5, 4], "ASCENDING by default")
        self.assertEqual(self.sorted_by(json.dumps({"propertyName": "price", "direction": "DESCENDING"})),
                         [4, 5, 1, 2, 3], "a sort object as JSON text")
        self.assertEqual(self.sorted_by({"propertyName": "hs_status"}, "-hs_object_id"), [1, 3, 2, 4, 5])
        self.assertEqual(self.sorted_by("-price", "name"), [4, 5, 1, 2, 3])
        sorted_filtered = self.numbers({"sorts": ["-price"], "filterGroups": [{"filters": [filter_of("price", "HAS_PROPERTY", None)]}]})
        self.assertEqual(sorted_filtered, [5, 1, 2, 3])

    def test_refusals(self):
        for sorts in ([{"propertyName": "price", "direction": "UP"}], [""], ["-"], [{"direction": "ASCENDING"}],
                      [5], ["{not json"], ["price", "nope"]):
            with self.subTest(sorts=sorts):
                self.assertSearchRefused({"sorts": sorts})
        self.assertSearchRefused({"sorts": ["-nope"]}, "PROPERTY_DOESNT_EXIST", contains="sorts[0]")


class TestSearchAnswer(SearchFixtureCase):
    def test_shape_and_default_properties(self):
        body = self.ok_search({})
        self.assertEqual(sorted(body), ["results", "total"])
        self.assertEqual(body["total"], 5)
        first = body["results"][0]
        self.assertEqual(first, {"id": self.ids[0], "properties": {
            "createdate": "2020-01-01T00:00:00.000Z", "description": "A large blue widget",
            "hs_lastmodifieddate": CLOCK, "hs_object_id": self.ids[0], "name": "Blue Widget", "price": "10"},
            "createdAt": "2020-01-01T00:00:00.000Z", "updatedAt": CLOCK, "archived": False})
        self.assertEqual(body["results"][3]["properties"],
                         {"createdate": CLOCK, "hs_lastmodifieddate": CLOCK, "hs_object_id": self.ids[3]})
        reply = search({})
        self.assertTrue(reply.header("Content-Type").startswith("application/json"))
        uuid.UUID(reply.header("X-HubSpot-Correlation-Id"))

    def test_requested_properties(self):
        body = self.ok_search({"properties": ["hs_sku", "in_stock", "nope"], "limit": 2})
        self.assertEqual(body["results"][0]["properties"], {
            "createdate": "2020-01-01T00:00:00.000Z", "hs_lastmodifieddate": CLOCK,
            "hs_object_id": self.ids[0], "hs_sku": "SKU-1", "in_stock": "true"})
        self.assertEqual(self.ok_search({"properties": []})["results"][0]["properties"]["name"], "Blue Widget",
                         "properties [] gives the default set")
        for mode, missing in (("null", None), ("empty", "")):
            configure(empty_values=mode)
            props = self.ok_search({"properties": ["name", "price"]})["results"][3]["properties"]
            self.assertEqual((props["name"], props["price"]), (missing, missing), mode)

    def test_object_type_alias_and_unknown(self):
        self.assertEqual(request("POST", "/crm/v3/objects/0-7/search", {}).json["total"], 5)
        self.assertHubSpotError(request("POST", "/crm/v3/objects/widgets/search", {}), 400, None)

    def test_archived_never_appear(self):
        seed(objects=[{"properties": {"name": "gone"}, "archived": True}])
        request("DELETE", PRODUCTS + "/" + self.ids[1])
        self.assertEqual(self.numbers({"limit": 200}), [1, 3, 4, 5])
        self.assertEqual(self.matched(filter_of("name", "NOT_HAS_PROPERTY", None)), [4])
        self.assertEqual(self.matched(filter_of("name", "NEQ", "red gadget")), [1, 3, 4, 5])
        self.assertEqual(self.ok_search({"query": "gone"})["total"], 0)

    def test_logged_with_its_body(self):
        body = {"filterGroups": [{"filters": [filter_of("price", "GT", "1")]}], "sorts": ["-price"], "limit": 2}
        search(body)
        search({"sorts": ["nope"]})
        entries = log()[-2:]
        self.assertEqual([(e["method"], e["path"], e["status"]) for e in entries],
                         [("POST", SEARCH, 200), ("POST", SEARCH, 400)])
        self.assertEqual(entries[0]["body"], body)
        self.assertLessEqual(entries[0]["started_ms"], entries[0]["ended_ms"])

    def test_read_only_token_may_search(self):
        configure(read_only_tokens=["reader"])
        self.assertEqual(search({}, token="reader").status, 200)


class TestSearchPaging(SearchTestCase):
    def test_offsets_total_and_paging(self):
        ids = seed(count=25)
        first = self.ok_search({})
        self.assertEqual((first["total"], len(first["results"]), first["paging"]), (25, 10, {"next": {"after": "10"}}))
        second = self.ok_search({"after": first["paging"]["next"]["after"]})
        self.assertEqual(second["paging"]["next"]["after"], "20")
        last = self.ok_search({"after": "20"})
        self.assertNotIn("paging", last)
        self.assertEqual([r["id"] for r in first["results"] + second["results"] + last["results"]], ids)
        self.assertEqual(self.found_ids({"after": 20, "limit": 3}), ids[20:23], "after as a JSON number")
        self.assertEqual(self.found_ids({"after": "5", "limit": "2"}), ids[5:7], "limit as text")
        beyond = self.ok_search({"after": "30"})
        self.assertEqual((beyond["total"], beyond["results"]), (25, []))
        self.assertNotIn("paging", beyond)
        self.assertEqual(self.found_ids({"sorts": ["-hs_object_id"], "after": "22"}), ids[2::-1])
        exact = self.ok_search({"after": "15", "limit": 10})
        self.assertEqual(len(exact["results"]), 10)
        self.assertNotIn("paging", exact, "no paging when nothing follows")
        self.assertEqual(len(self.found_ids({"limit": 200})), 25)

    def test_refusals(self):
        for body in ({"limit": 201}, {"limit": 0}, {"limit": -1}, {"limit": "many"}, {"limit": 1.5}, {"limit": True},
                     {"after": "x"}, {"after": "-1"}, {"after": "1.0"}, {"after": [1]}):
            with self.subTest(body=body):
                self.assertSearchRefused(body)
        self.assertEqual(search({"limit": 200}).status, 200)
        self.assertEqual(search({"after": "9990", "limit": 10}).status, 200)
        self.assertSearchRefused({"after": "9991", "limit": 10}, "SEARCH_RESULT_LIMIT", contains="10000")
        self.assertSearchRefused({"after": "10000", "limit": 1}, "SEARCH_RESULT_LIMIT")
        self.assertSearchRefused({"after": "9999", "limit": 200}, "SEARCH_RESULT_LIMIT")

    def test_the_10000_cap(self):
        ids = seed(count=10005)
        body = self.ok_search({"after": "9800", "limit": 200})
        self.assertEqual(body["total"], 10005)
        self.assertEqual(body["results"][-1]["id"], ids[9999])
        self.assertEqual(body["paging"], {"next": {"after": "10000"}})
        self.assertSearchRefused({"after": body["paging"]["next"]["after"], "limit": 200}, "SEARCH_RESULT_LIMIT")


class TestSearchLag(SearchTestCase):
    def test_index_lags_behind_writes(self):
        configure(search_lag_ms=1000)
        rid = create({"name": "Lagging", "price": "10"}).json["id"]
        price_is = lambda v: {"filterGroups": [{"filters": [filter_of("price", "EQ", v)]}], "properties": ["price", "name"]}
        self.assertEqual(self.ok_search({})["total"], 0, "not indexed yet")
        configure(clock=clock_plus(999))
        self.assertEqual(self.ok_search({})["total"], 0)
        configure(clock=clock_plus(1000))
        self.assertEqual(self.found_ids(price_is("10")), [rid])
        # an update at +1000 is seen only at +2000: filters, sorts and answers use the old values
        self.assertEqual(patch(rid, {"price": "20", "name": ""}).status, 200)
        configure(clock=clock_plus(1500))
        old = self.ok_search(price_is("10"))["results"]
        self.assertEqual([r["id"] for r in old], [rid])
        self.assertEqual(old[0]["properties"]["price"], "10")
        self.assertEqual(old[0]["properties"]["name"], "Lagging")
        self.assertEqual(old[0]["updatedAt"], CLOCK)
        self.assertEqual(old[0]["properties"]["hs_lastmodifieddate"], CLOCK)
        self.assertEqual(self.found_ids(price_is("20")), [])
        self.assertEqual(self.ok_search({"query": "lagging"})["total"], 1)
        configure(clock=clock_plus(2000))
        new = self.ok_search(price_is("20"))["results"]
        self.assertEqual([r["id"] for r in new], [rid])
        self.assertNotIn("name", new[0]["properties"])
        self.assertEqual(new[0]["updatedAt"], clock_plus(1000))
        self.assertEqual(self.found_ids(price_is("10")), [])
        self.assertEqual(self.found_ids({"filterGroups": [{"filters": [filter_of("name", "NOT_HAS_PROPERTY", None)]}]}), [rid])

    def test_sorting_uses_the_lagging_values(self):
        configure(search_lag_ms=500)
        a, b = seed(objects=[{"properties": {"price": "1"}}, {"properties": {"price": "2"}}])
        configure(clock=clock_plus(500))
        patch(a, {"price": "3"})
        self.assertEqual(self.found_ids({"sorts": ["-price"]}), [b, a])
        configure(clock=clock_plus(1000))
        self.assertEqual(self.found_ids({"sorts": ["-price"]}), [a, b])

    def test_archived_are_dropped_at_once(self):
        configure(search_lag_ms=1000)
        a, b = seed(count=2)
        configure(clock=clock_plus(1000))
        request("DELETE", PRODUCTS + "/" + a)
        self.assertEqual(self.found_ids({}), [b])

    def test_real_clock(self):
        configure(clock=None, search_lag_ms=300)
        rid = create({"name": "fresh"}).json["id"]
        self.assertEqual(self.found_ids({}), [])
        time.sleep(0.35)
        self.assertEqual(self.found_ids({}), [rid])
        configure(search_lag_ms=0)
        other = create({"name": "at once"}).json["id"]
        self.assertEqual(self.found_ids({}), [rid, other], "without lag a search sees writes at once")


class TestSearchRateLimit(SearchTestCase):
    def setUp(self):
        super().setUp()
        configure(search_rate_limit={"max": 5, "interval_ms": 1000})

    def assertSecondly(self, reply):
        self.assertEqual(reply.status, 429, reply.raw)
        body = reply.json
        cid = body.pop("correlationId")
        uuid.UUID(cid)
        self.assertEqual(body, {"status": "error", "message": "You have reached your secondly limit.",
                                "errorType": "RATE_LIMIT", "policyName": "SECONDLY",
                                "groupName": "publicapi:crm-search"})
        self.assertEqual(reply.header("X-HubSpot-Correlation-Id"), cid)
        self.assertEqual(rate_headers(reply), [], "a search 429 has no rate-limit headers")

    def test_default_is_five_per_second_per_account(self):
        ok_control("POST", "reset")
        self.assertEqual(ok_control("GET", "config")["search_rate_limit"], {"max": 5, "interval_ms": 1000})
        started = time.monotonic()
        replies = [search({}) for _ in range(6)]
        self.assertLess(time.monotonic() - started, 1.0, "the test machine is too slow for this test")
        self.assertEqual([r.status for r in replies[:5]], [200] * 5)
        self.assertTrue(all(rate_headers(r) == [] for r in replies[:5]))
        self.assertSecondly(replies[5])
        self.assertIsNone(replies[5].header("Retry-After"))
        self.assertSecondly(search({}, token="another-app"))   # same (default) account
        configure(accounts={"other-token": "portal-b"})
        self.assertEqual(search({}, token="other-token").status, 200)
        self.assertEqual(request("GET", PRODUCTS).status, 200, "other endpoints are not affected")
        self.assertEqual([e["status"] for e in log() if e["path"] == SEARCH][-3:], [429, 429, 200])

    def test_window_and_retry_after(self):
        configure(search_rate_limit={"max": 2, "interval_ms": 300}, retry_after=1)
        self.assertEqual([search({}).status for _ in range(2)], [200, 200])
        refused = search({})
        self.assertSecondly(refused)
        self.assertEqual(refused.header("Retry-After"), "1")
        time.sleep(0.35)
        self.assertEqual(search({}).status, 200)

    def test_outside_the_ten_second_window_inside_the_day(self):
        configure(search_rate_limit=None, rate_limit={"max": 2, "daily": 5})
        self.assertEqual([search({}).status for _ in range(3)], [200] * 3)
        listed = request("GET", PRODUCTS)
        self.assertEqual(listed.status, 200)
        self.assertEqual(listed.header("X-HubSpot-RateLimit-Remaining"), "1", "searches are not in the window")
        self.assertEqual(listed.header("X-HubSpot-RateLimit-Daily-Remaining"), "1", "searches count for the day")
        self.assertEqual(search({}).status, 200)
        refused = search({})
        self.assertEqual((refused.status, refused.json["policyName"]), (429, "DAILY"))
        self.assertEqual(rate_headers(refused), [])
        self.assertEqual(request("GET", PRODUCTS).json["policyName"], "DAILY")

    def test_disabled(self):
        configure(search_rate_limit=None)
        self.assertEqual({search({}).status for _ in range(12)}, {200})
        configure(search_rate_limit={"max": None})
        self.assertEqual({search({}).status for _ in range(12)}, {200})

    def test_refused_searches_are_not_counted(self):
        configure(search_rate_limit={"max": 2, "interval_ms": 300}, rate_limit={"daily": 100})
        statuses = [search({}).status for _ in range(5)]
        self.assertEqual(statuses, [200, 200, 429, 429, 429])
        self.assertEqual(request("GET", PRODUCTS).header("X-HubSpot-RateLimit-Daily-Remaining"), "97")

    def test_fault_rules_answer_without_rate_headers(self):
        ok_control("POST", "faults", {"path": SEARCH, "status": 502})
        reply = search({})
        self.assertEqual(reply.status, 502)
        self.assertEqual(rate_headers(reply), [])


class TestUriTooLong(EmulatorTestCase):
    def test_long_urls(self):
        self.assertEqual(ok_control("GET", "config")["max_url_length"], 16000)
        path = PRODUCTS + "?properties="
        fits = path + "x" * (16000 - len(path))
        self.assertEqual(request("GET", fits).status, 200)
        ok_control("POST", "faults", {"path": PRODUCTS, "status": 500})
        reply = request("GET", fits + "y")
        self.assertEqual(reply.status, 414)
        self.assertTrue(reply.header("Content-Type").startswith("text/html"))
        self.assertIn(b"414 Request-URI Too Large", reply.raw)
        with self.assertRaises(ValueError):
            json.loads(reply.raw.decode())
        self.assertEqual(rate_headers(reply), [])
        self.assertEqual(request("GET", fits + "y", token=None).status, 414, "before authentication")
        entries = log()
        self.assertEqual([e["status"] for e in entries], [200, 414, 414])
        self.assertEqual(ok_control("GET", "faults")["faults"][0]["seen"], 0, "before fault rules")
        ok_control("DELETE", "faults")
        self.assertEqual(request("GET", PRODUCTS).header("X-HubSpot-RateLimit-Daily-Remaining"), "249998",
                         "a 414 is not counted")

    def test_configurable(self):
        configure(max_url_length=60)
        self.assertEqual(request("GET", PRODUCTS, query={"limit": "1"}).status, 200)
        self.assertEqual(request("GET", PRODUCTS, query={"properties": "name,price,description,hs_sku"}).status, 414)
        self.assertEqual(request("POST", BATCH_READ, {"inputs": [], "properties": ["x"] * 100}).status, 200,
                         "the body does not count")
        configure(max_url_length=None)
        self.assertEqual(request("GET", PRODUCTS, query={"properties": "x" * 30000}).status, 200)


class TestCustomProperties(EmulatorTestCase):
    def add(self, body):
        return ok_control("POST", "properties", body)

    def test_given_properties(self):
        answer = self.add({"properties": [
            {"name": "color", "type": "string"},
            {"name": "size_cm", "type": "number", "label": "Size (cm)"},
            {"name": "tier", "type": "enumeration", "options": ["Beta", "alpha", {"value": "gamma", "label": "Gamma"}]},
            {"name": "support_phone", "type": "phone_number"},
            {"name": "serial", "type": "string", "hasUniqueValue": True},
            {"name": "computed", "type": "number", "readOnlyValue": True}]})
        self.assertEqual(answer["added"], ["color", "size_cm", "tier", "support_phone", "serial", "computed"])
        catalogue = {p["name"]: p for p in request("GET", "/crm/v3/properties/products").json["results"]}
        self.assertEqual(answer["total"], len(catalogue))
        self.assertEqual((catalogue["size_cm"]["type"], catalogue["size_cm"]["fieldType"], catalogue["size_cm"]["label"]),
                         ("number", "number", "Size (cm)"))
        self.assertEqual(catalogue["support_phone"]["fieldType"], "phonenumber")
        self.assertEqual([o["value"] for o in catalogue["tier"]["options"]], ["Beta", "alpha", "gamma"])
        self.assertEqual(catalogue["tier"]["options"][2]["label"], "Gamma")
        self.assertTrue(catalogue["serial"]["hasUniqueValue"])
        self.assertFalse(catalogue["color"]["hubspotDefined"])
        self.assertEqual(request("GET", "/crm/v3/properties/products/color").json["name"], "color")

        # writes, reads and search know them
        made = create({"name": "a", "color": "Teal", "size_cm": "12.5", "tier": "Beta",
                       "support_phone": "+1 555 0100", "serial": "S-1"})
        self.assertEqual(made.status, 201, made.raw)
        rid = made.json["id"]
        self.assertValidation(create({"size_cm": "big"}), "INVALID_FLOAT")
        self.assertValidation(create({"tier": "beta"}), "INVALID_OPTION")
        self.assertValidation(create({"serial": "S-1"}), "INVALID_UNIQUE_VALUE")
        self.assertValidation(create({"computed": "1"}), "READ_ONLY_VALUE")
        other = create({"name": "b", "tier": "alpha", "color": "red"}).json["id"]
        listed = request("GET", PRODUCTS, query={"properties": "color,size_cm,tier"}).json["results"][0]
        self.assertEqual((listed["properties"]["color"], listed["properties"]["size_cm"]), ("Teal", "12.5"))
        read = request("POST", BATCH_READ, {"inputs": [{"id": rid}], "properties": ["support_phone", "tier"]}).json
        self.assertEqual(read["results"][0]["properties"]["support_phone"], "+1 555 0100")
        by_serial = request("POST", BATCH_READ, {"inputs": [{"id": "S-1"}], "idProperty": "serial", "properties": []}).json
        self.assertEqual(by_serial["results"][0]["id"], rid)
        configure(search_rate_limit=None)

        def found(*filters, **extra):
            body = dict({"filterGroups": [{"filters": list(filters)}]} if filters else {}, **extra)
            reply = search(body)
            self.assertEqual(reply.status, 200, reply.raw)
            return [r["id"] for r in reply.json["results"]]

        self.assertEqual(found(filter_of("support_phone", "EQ", "+1 555 0100")), [rid])
        self.assertEqual(found(filter_of("color", "EQ", "TEAL")), [rid])
        self.assertEqual(found(filter_of("size_cm", "GT", "12")), [rid])
        self.assertEqual(found(filter_of("tier", "EQ", "beta")), [], "enumerations are case-sensitive")
        self.assertEqual(found(sorts=["tier"]), [rid, other], '"Beta" sorts before "alpha"')
        self.assertEqual(found(sorts=["color"]), [other, rid], '"red" sorts before "Teal" (case-insensitive)')

        ok_control("POST", "reset")
        self.assertEqual(request("GET", "/crm/v3/properties/products/color").status, 404, "a reset forgets them")

    def test_generated_wide_properties(self):
        answer = self.add({"generate": 300, "name_length": 100})
        names = answer["added"]
        self.assertEqual(len(names), 300)
        self.assertTrue(all(len(n) == 100 for n in names))
        self.assertTrue(names[0].startswith(emulator.GENERATED_PROPERTY_PREFIX) and names[0].endswith("00001"))
        self.assertEqual(len(set(names)), 300)
        short = self.add({"generate": 2, "prefix": "p_"})["added"]
        self.assertEqual(short, ["p_00001", "p_00002"])
        rid = seed(objects=[{"properties": {names[0]: "first", names[-1]: "last"}}])[0]
        read = request("POST", BATCH_READ, {"inputs": [{"id": rid}], "properties": names}).json["results"][0]
        self.assertEqual((read["properties"][names[0]], read["properties"][names[-1]]), ("first", "last"))
        # all of them in a GET's query string is over 16,000 characters
        self.assertEqual(request("GET", PRODUCTS + "/" + rid, query={"properties": ",".join(names)}).status, 414)
        self.assertEqual(request("GET", PRODUCTS + "/" + rid, query={"properties": ",".join(names[:100])}).status, 200)
        configure(search_rate_limit=None)
        reply = search({"properties": names, "filterGroups": [{"filters": [filter_of(names[-1], "EQ", "LAST")]}]})
        self.assertEqual(reply.json["results"][0]["properties"][names[0]], "first")

    def test_refusals_add_nothing(self):
        before = len(request("GET", "/crm/v3/properties/products").json["results"])
        for body in ({"properties": [{"name": "ok_one", "type": "string"}, {"name": "Bad Name", "type": "string"}]},
                     {"properties": [{"name": "x1", "type": "text"}]},
                     {"properties": [{"name": "x1", "type": "string", "colour": "red"}]},
                     {"properties": [{"name": "price", "type": "number"}]},
                     {"properties": [{"name": "x1", "type": "string"}, {"name": "x1", "type": "string"}]},
                     {"properties": [{"name": "x1", "type": "enumeration", "options": [1]}]},
                     {"properties": [{"name": "x1", "type": "string", "hasUniqueValue": "yes"}]},
                     {"properties": {"name": "x1"}}, {"generate": 0}, {"generate": 3, "name_length": 4},
                     {"generate": 1, "prefix": "p_", "name_length": 6}, {"generate": 2, "extra": 1},
                     {"generate": 1, "properties": []}, {}, []):
            with self.subTest(body=body):
                self.assertEqual(control("POST", "properties", body).status, 400)
        self.assertEqual(len(request("GET", "/crm/v3/properties/products").json["results"]), before)
        self.add({"generate": 1, "prefix": "p_"})
        self.assertEqual(control("POST", "properties", {"generate": 1, "prefix": "p_"}).status, 400, "already defined")


if __name__ == "__main__":
    unittest.main()
