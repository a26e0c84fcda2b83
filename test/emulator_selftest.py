#!/usr/bin/env python3
"""Self-test of the HubSpot emulator (test/emulator.py) and its control CLI (test/emuctl.py).

    python3 test/emulator_selftest.py [-v]

Starts one emulator in-process on a free port (plus one as a subprocess to test the CLI) and
exercises every behaviour with urllib / http.client. Standard library only.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
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

EMULATOR = os.path.join(HERE, "emulator.py")
EMUCTL = os.path.join(HERE, "emuctl.py")
CLOCK = "2026-11-23T10:00:00.123Z"
PRODUCTS = "/crm/v3/objects/products"
BATCH_CREATE = PRODUCTS + "/batch/create"

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


class EmulatorTestCase(unittest.TestCase):
    def setUp(self):
        ok_control("POST", "reset")
        configure(clock=CLOCK)

    def assertHubSpotError(self, reply, status, category):
        self.assertEqual(reply.status, status, reply.raw)
        body = reply.json
        self.assertEqual(body["status"], "error")
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
        body = self.assertHubSpotError(request("GET", "/crm/v3/properties/widgets"), 404, "OBJECT_NOT_FOUND")
        self.assertEqual(body["message"], "Unable to infer object type from: widgets")
        body = self.assertHubSpotError(request("GET", "/crm/v3/objects/widgets"), 404, "OBJECT_NOT_FOUND")
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
        assoc = [{"to": {"id": "42"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}]}]
        reply = request("POST", PRODUCTS, {"properties": {"name": "a"}, "associations": assoc})
        self.assertEqual(reply.status, 201)
        self.assertEqual(ok_control("GET", "objects")["results"][0]["associations"], assoc)
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
                      "price": "-1.5e3", "in_stock": "false", "hs_recurring_billing_start_date": "2024-01-31"}).json
        p = obj["properties"]
        self.assertEqual(p["launch_date"], "2024-01-02")
        self.assertEqual(p["createdate"], "2024-01-02T02:04:05.000Z")
        self.assertEqual(p["price"], "-1.5e3")
        self.assertEqual(p["in_stock"], "false")

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
        assoc = [{"to": {"id": "7"}, "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": 3}]}]
        self.assertEqual(batch([{"properties": {"name": "a"}, "associations": assoc}]).status, 201)
        self.assertEqual(ok_control("GET", "objects")["results"][0]["associations"], assoc)


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
        self.assertEqual(entries[0], {"seq": 1, "method": "GET", "path": PRODUCTS,
                                      "query": {"limit": ["5"], "properties": ["a", "b,c"]}, "body": None, "status": 200})
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
                    {"list_over_limit": "maybe"}, {"tokens": "abc"}):
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
        self.assertEqual(self.emuctl("--url", SERVER.url, "reset", env_url=False).returncode, 0)
        self.assertEqual(self.emuctl("objects", "--all").stdout, "")

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


if __name__ == "__main__":
    unittest.main()
