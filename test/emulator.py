#!/usr/bin/env python3
"""HubSpot CRM v3 emulator for the hubspot_fdw test suite.

A local stand-in for the parts of HubSpot's CRM API that hubspot_fdw uses, written with the
Python 3 standard library only and bound to 127.0.0.1. It follows shared/docs/hubspot-api.md:
status codes, error bodies, validation, shuffled batch results, 207 partial failures,
rate-limit headers and 429s, `archived` handling.

Objects (emulator_objects.py): contacts 0-1, companies 0-2, deals 0-3, tickets 0-5, products
0-7, line_items 0-8, quotes 0-14, tasks 0-27, notes 0-46, meetings 0-47, calls 0-48, emails 0-49
and the custom object pets 2-90001 (p{portal_id}_pets, p_pets), each with its own catalogue and
records (ids unique in the portal), named in paths by plural, singular or type id; anything else
is a 400 "Unable to infer object type from: X". Required properties, contacts' unique email
(409 / 400), scopes per token (config token_scopes, POST /_emulator/scopes) and the schemas API
(GET /crm/v3/schemas[/{2-x|fqn|p_name}], also /crm-object-schemas/v3/...) are described there.
Associations (emulator_associations.py): the v4 endpoints (batch/read, batch/create,
batch/associate/default, batch/archive, batch/labels/archive, labels, per-record GET/PUT/DELETE),
inline associations on list and GET (associations=) and create-time associations, with
HubSpot's type ids per pair, inverses, labels and validation. Every endpoint below serves every
object ({object} for products):

    GET    /crm/v3/properties/products            property catalogue
    GET    /crm/v3/properties/products/{name}     one property
    GET    /crm/v3/objects/products               list (paging, properties, history, archived)
    GET    /crm/v3/objects/products/{id}          read one (also idProperty, archived)
    POST   /crm/v3/objects/products               create
    PATCH  /crm/v3/objects/products/{id}          update (also idProperty; 200 / 400 / 404)
    DELETE /crm/v3/objects/products/{id}          archive (204, unknown ids too)
    POST   /crm/v3/objects/products/batch/create  batch create (201 / 207 / 400)
    POST   /crm/v3/objects/products/batch/read    batch read (idProperty, archived; 200 / 207)
    POST   /crm/v3/objects/products/batch/update  batch update (idProperty per input; 200 / 207 / 400)
    POST   /crm/v3/objects/products/batch/upsert  batch upsert by a unique property (200 / 207 / 400)
    POST   /crm/v3/objects/products/batch/archive batch archive (204)
    POST   /crm/v3/objects/products/search        search (filters, sorts, paging, query; see
                                                  emulator_search.py for its rules)

Batch writes with objectWriteTraceId on an input report that input's failure as an item error
(207); a validation failure of an input without one fails the whole request (400) and writes
nothing. Records not found are item errors in batch/update, ignored by the archives. Archived
records are seen only with archived=true (list, read one, batch/read).

Search (emulator_search.py holds its rules): archived records never appear; config
search_lag_ms makes the index lag (a search sees values as they were that long ago);
search_limits caps filter groups and filters; search_rate_limit allows `max` searches per
`interval_ms` per account (429 policyName SECONDLY). Searches do not count against the
rolling window of rate_limit.max but do count against the daily limit, and their answers carry
no X-HubSpot-RateLimit-* headers. Any API request whose path and query, as received, are longer
than config max_url_length is answered 414 with a short HTML body (not JSON), before
authentication, rate limits and fault rules, and logged.

Number property values must be plain decimals, as HubSpot's (hubspot-api.md section 12.2):
"1e-05", "+5", "1,000", " 5", "NaN" are INVALID_FLOAT problems on every write path, seeding
included. Config empty_values chooses how a requested property without a value comes back:
omitted ("omit", the default), JSON null ("null") or "" ("empty", as HubSpot answers cleared
values, section 12.1).

Timing, rate limits and the log. An API request "arrives" once its headers and body have been
read. At its arrival, under the emulator lock, the fault rule that takes it is chosen and (unless
that rule answers or resets in its place) it is authenticated and counted against the rate
limits: the rolling window of its token (app, rate_limit.max per interval_ms) and the daily count
of the token's account (config accounts; rate_limit.daily), so requests in flight together are
counted in their order of arrival and a 429 is decided then. Then, without the lock: a delay
rule's delay_ms, the processing (under the lock: the write happens, the X-HubSpot-RateLimit-*
headers are computed), config latency_ms, and the answer. So an answer comes at least
latency_ms (plus any delay) after its request arrived, requests overlap (one thread each), and
fault rules fire alongside the latency as without it. A request is logged just before its answer
(or connection reset) is sent, with started_ms (arrival) and ended_ms (answer), milliseconds on
one monotonic clock whose 0 is the last reset (a request that arrived before it has a negative
started_ms), and app, the first 8 hex digits of its token's SHA-256 (null without a token; the
token itself is never logged). GET /_emulator/concurrency sums the log up (concurrency_summary).

Control API for tests (no authentication, never logged, never rate limited, never delayed):

    POST   /_emulator/reset                       everything back to defaults
    GET    /_emulator/requests                    request log of API calls
    DELETE /_emulator/requests                    clear the log
    GET    /_emulator/faults                      fault rules with their counters
    POST   /_emulator/faults                      append a rule or a list of rules
    DELETE /_emulator/faults                      remove every rule
    GET    /_emulator/config                      current configuration
    POST   /_emulator/config                      merge keys into the configuration
    POST   /_emulator/seed                        create records directly ("object": name, default products)
    GET    /_emulator/scopes                      {"token_scopes": {token: [scope, ...]}}
    POST   /_emulator/associations                write associations (ctl_associate)
    GET    /_emulator/associations?from=F&to=T    the associations stored from F to T records
    POST   /_emulator/scopes                      {"token": T, "scopes": [...] | null}: T's scopes
    POST   /_emulator/properties                  add properties to the catalogue:
                                                  {"properties": [{"name", "type", ...}, ...]}
                                                  or {"generate": N[, "prefix": P]
                                                  [, "name_length": L]} (see ctl_properties)
    GET    /_emulator/objects?archived=false|true|all[&object=NAME]   stored records, in full
    GET    /_emulator/damage                      damage rules with counters, and the answers damaged
    POST   /_emulator/damage                      append a damage rule or a list of them
    DELETE /_emulator/damage                      remove every damage rule and the list
    GET    /_emulator/in-flight                   API requests received and not yet finished
    GET    /_emulator/concurrency[?path=SUBSTRING][&interval_ms=N]
                                                  overlap and pace of the logged requests
                                                  (whose path contains SUBSTRING)

Damage rules (mutation testing of a client's parsers) answer the next `times` matching requests
with the real answer damaged in one `kind`: truncate, empty, wrong_type, missing, huge_number,
deep_nesting, invalid_utf8, nul, extra_fields, duplicate_keys; chosen from `seed`, optionally at
a member named by `target` (see DamageRule).

Usage: python3 test/emulator.py [--port N] [--port-file PATH] [--verbose]

New endpoints are added as a method on Emulator plus one line in Emulator.ROUTES.
"""

import argparse
import bisect
import copy
import datetime
import decimal
import hashlib
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

sys.dont_write_bytecode = True  # keep test/ free of __pycache__
import emulator_search  # noqa: E402  (test/, beside this file)
import emulator_objects  # noqa: E402
import emulator_associations  # noqa: E402
emulator_objects.HOST = emulator_associations.HOST = sys.modules[__name__]

# ---------------------------------------------------------------------------
# Constants and default configuration
# ---------------------------------------------------------------------------

# The objects served, their properties returned without `properties` and always, their
# required and unique properties and scopes: emulator_objects.py.

LIST_MAX_LIMIT = 100
LIST_MAX_LIMIT_WITH_HISTORY = 50
# batch/read inputs when propertiesWithHistory is not empty (hubspot-api.md section 3.6).
BATCH_MAX_WITH_HISTORY = 50

HISTORY_SOURCE_TYPE = "API"
HISTORY_SOURCE_ID = "emulator"

DEFAULT_CONFIG = {
    # Accepted bearer tokens: None accepts any non-empty token.
    "tokens": None,
    # Tokens answered with 401 EXPIRED_AUTHENTICATION.
    "expired_tokens": [],
    # Tokens that may read but not write (403 MISSING_SCOPES on writes).
    "read_only_tokens": [],
    # First record id handed out (applies after reset, or at once while the store is empty).
    "id_start": 1000001,
    # Fixed time (ISO-8601) for every timestamp the emulator makes; None = real time.
    "clock": None,
    # List `limit` above the maximum: "error" (400) or "clamp".
    "list_over_limit": "error",
    # Requested properties without a value (never set, or cleared with ""): "omit" them, send
    # them as JSON null ("null"), or as the empty string ("empty"), as HubSpot does for cleared
    # values (hubspot-api.md section 12.1). "null" applies to reads; "empty" also to the
    # answers of writes, where the properties named in the input count as requested.
    "empty_values": "omit",
    # Maximum inputs of a batch request.
    "batch_max": 100,
    # Shuffle batch results, as HubSpot does.
    "shuffle": True,
    # Seed of the random generator used for shuffling (None = unpredictable).
    "random_seed": None,
    # Echo objectWriteTraceId on successful batch results.
    "echo_trace_ids": True,
    # Rolling window per token (app): at most `max` requests in any `interval_ms`; `max` None
    # disables it. Daily limit per account (see `accounts`), shared by its tokens; `daily`
    # None disables it. Requests are counted when they arrive; refused ones are not counted.
    "rate_limit": {"max": 100, "interval_ms": 10000, "daily": 250000},
    # Accounts of tokens, {"token": "account id"}, for the daily limit: the tokens of one
    # account share its daily count. Tokens not listed belong to one default account. A
    # change replaces the whole mapping.
    "accounts": {},
    # Milliseconds every API request takes from its arrival to its answer (the network and
    # HubSpot's work): the request is counted and processed when it arrives, and its answer
    # is sent latency_ms later, without holding the emulator lock, so requests overlap. Delay
    # fault rules add to it. The control API is never delayed. 0 answers at once.
    "latency_ms": 0,
    # Seconds sent as Retry-After on 429s (None: no header).
    "retry_after": None,
    # Portal id shown in validation messages.
    "portal_id": 62515000,
    # Correlation ids: "random" (uuid4, as HubSpot) or "sequential" (stable test output).
    "correlation_ids": "random",
    # Search index lag in milliseconds: a search sees a record only once it is this old, and
    # its property values as they were this long ago (emulator_search.py, rule 13).
    "search_lag_ms": 0,
    # Most filter groups, filters per group and filters in all of a search (the current docs;
    # the 2024 changelog's {"groups": 5, "filters_per_group": 10, "filters_total": 25} can be
    # set). A change merges its keys.
    "search_limits": dict(emulator_search.DEFAULT_SEARCH_LIMITS),
    # Searches allowed per account (see `accounts`) in any interval_ms; more get a 429 with
    # policyName SECONDLY. None disables it. A change merges its keys.
    "search_rate_limit": dict(emulator_search.DEFAULT_SEARCH_RATE_LIMIT),
    # Longest path and query (as received) of an API request; longer ones get a 414 (HubSpot
    # answers around 16 k characters of URL, hubspot-api.md section 2). None disables it.
    "max_url_length": 16000,
    # Scopes of tokens, {"token": ["crm.objects.contacts.read", ...]}: a request needs one of
    # the scopes of its object and endpoint (emulator_objects.required_scopes), else 403
    # MISSING_SCOPES. Tokens not listed have every scope. A change replaces the mapping;
    # POST /_emulator/scopes sets one token's.
    "token_scopes": {},
    # Associations (emulator_associations.py): `to` entries per `from` in a page of v4
    # batch/read; associated ids per object in a read's inline associations (then paging);
    # v4 batch/create and batch/associate/default with bad inputs: "multi_status" (207 with an
    # error per bad input) or "whole" (400, nothing written); whether a line item may have one
    # parent (deal or quote) only; association batch and labels requests allowed per account
    # in any interval_ms (outside the rolling window; None: no limit; a change merges its keys).
    "association_page_size": 500,
    "inline_association_limit": 100,
    "association_batch_errors": "multi_status",
    "line_item_single_parent": True,
    "association_rate_limit": {"max": 150, "interval_ms": 10000},
}

RATE_LIMIT_KEYS = ("max", "interval_ms", "daily")
# Configuration keys holding objects whose keys a change merges.
NESTED_CONFIG_KEYS = {"rate_limit": RATE_LIMIT_KEYS,
                      "association_rate_limit": ("max", "interval_ms"),
                      "search_limits": emulator_search.SEARCH_LIMIT_KEYS,
                      "search_rate_limit": emulator_search.SEARCH_RATE_LIMIT_KEYS}
# The body of a 414 (HubSpot's front end answers it, not the API: no JSON).
URI_TOO_LONG_BODY = (b"<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n<body>\r\n"
                     b"<center><h1>414 Request-URI Too Large</h1></center>\r\n</body>\r\n</html>\r\n")

INVALID_AUTH_MESSAGE = ("Authentication credentials not found. This API supports OAuth 2.0 "
                        "authentication and you can find more details at "
                        "https://developers.hubspot.com/docs/methods/auth/oauth-overview")
EXPIRED_AUTH_MESSAGE = "The OAuth token used to make this call expired 1 hour(s) ago."
MISSING_SCOPES_MESSAGE = ("This app hasn't been granted all required scopes to make this call. "
                          "Read more about required scopes here: https://developers.hubspot.com/scopes.")
NOT_FOUND_MESSAGE = "Object not found.  objectId are usually numeric."

# Default bodies of fault-injected responses, by status: (category, message).
FAULT_DEFAULTS = {
    400: ("VALIDATION_ERROR", "Invalid request."),
    401: ("INVALID_AUTHENTICATION", INVALID_AUTH_MESSAGE),
    403: ("MISSING_SCOPES", MISSING_SCOPES_MESSAGE),
    404: ("OBJECT_NOT_FOUND", NOT_FOUND_MESSAGE),
    409: ("CONFLICT", "Conflict"),
    414: ("VALIDATION_ERROR", "URI Too Long"),
    423: ("LOCKED", "Locked. Too many concurrent requests to the same record; retry after 2 seconds."),
    477: ("MIGRATION_IN_PROGRESS", "Migration in progress."),
    500: ("INTERNAL_ERROR", "Internal Server Error"),
    502: ("BAD_GATEWAY", "Bad Gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service Unavailable"),
    504: ("GATEWAY_TIMEOUT", "Gateway Timeout"),
}

FAULT_ACTIONS = ("respond", "delay", "reset_before", "reset_after", "malformed")
FAULT_KEYS = {"method", "path", "skip", "times", "action", "status", "body", "headers", "delay_ms",
              "pad_bytes"}


# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


def iso_ms(dt):
    """Format an aware datetime as ISO-8601 UTC with milliseconds and Z."""
    dt = dt.astimezone(UTC)
    # strftime's %Y does not pad years below 1000 on every platform
    return "%04d-%s" % (dt.year, dt.strftime("%m-%dT%H:%M:%S.")) + "%03dZ" % (dt.microsecond // 1000)


def parse_iso_datetime(text):
    """Parse ISO-8601 text into an aware UTC datetime (naive means UTC); ValueError if bad."""
    if not isinstance(text, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        raise ValueError("not an ISO-8601 date-time")
    dt = datetime.datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def from_epoch_ms(ms):
    return EPOCH + datetime.timedelta(milliseconds=ms)


_correlation = {"sequential": False, "n": 0, "lock": threading.Lock()}


def set_correlation_mode(mode):
    """Switch correlation ids between uuid4 and a counter that restarts at 1."""
    with _correlation["lock"]:
        _correlation["sequential"] = (mode == "sequential")
        _correlation["n"] = 0


def new_correlation_id():
    with _correlation["lock"]:
        if _correlation["sequential"]:
            _correlation["n"] += 1
            return "00000000-0000-4000-8000-%012d" % _correlation["n"]
    return str(uuid.uuid4())


def status_phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# ---------------------------------------------------------------------------
# Property catalogue (hubspot-api.md sections 3.12 and 7)
# ---------------------------------------------------------------------------

FIELD_TYPES = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "bool": "booleancheckbox",
    "enumeration": "select",
    "phone_number": "phonenumber",
}

DEFINED_AT = "2019-08-06T02:43:14.491Z"
CUSTOM_AT = "2026-01-15T09:30:00.000Z"


def _options(pairs):
    return [{"label": label, "value": value, "displayOrder": i, "hidden": False}
            for i, (value, label) in enumerate(pairs)]


BOOL_OPTIONS = _options([("true", "Yes"), ("false", "No")])


def make_property(name, label, ptype, field_type=None, options=None, read_only=False,
                  unique=False, defined=True, description="", group="productinformation",
                  display_order=-1, external_options=False, hidden=False):
    """Build one Property object in the full shape of the Properties API."""
    if options is None:
        options = copy.deepcopy(BOOL_OPTIONS) if ptype == "bool" else []
    stamp = DEFINED_AT if defined else CUSTOM_AT
    return {
        "name": name,
        "label": label,
        "type": ptype,
        "fieldType": field_type or FIELD_TYPES[ptype],
        "groupName": group,
        "description": description,
        "options": options,
        "displayOrder": display_order,
        "calculated": False,
        "externalOptions": external_options,
        "hasUniqueValue": unique,
        "hidden": hidden,
        "hubspotDefined": defined,
        "formField": False,
        "modificationMetadata": {
            "archivable": not defined,
            "readOnlyDefinition": defined,
            "readOnlyValue": read_only,
        },
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
    }


# Properties added through POST /_emulator/properties (tests of wide objects).
PROPERTY_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PROPERTY_SPEC_KEYS = ("name", "type", "fieldType", "label", "description", "groupName", "options",
                      "hasUniqueValue", "readOnlyValue")
GENERATED_PROPERTY_PREFIX = "wide_property_with_a_long_internal_name_"
GENERATED_PROPERTY_MAX = 10000


def property_from_spec(spec):
    """A custom Property from {"name", "type"[, "fieldType", "label", "description",
    "groupName", "options", "hasUniqueValue", "readOnlyValue"]}; ValueError when it is not
    valid. options: a list of values or of {"value", "label"} objects."""
    if not isinstance(spec, dict):
        raise ValueError("each property must be an object")
    unknown = sorted(set(spec) - set(PROPERTY_SPEC_KEYS))
    if unknown:
        raise ValueError("unknown property keys: %s; known keys: %s" % (", ".join(unknown), ", ".join(PROPERTY_SPEC_KEYS)))
    name, ptype = spec.get("name"), spec.get("type")
    if not isinstance(name, str) or not PROPERTY_NAME_RE.match(name):
        raise ValueError("property name %s must be lower-case letters, digits and _, starting with a letter"
                         % json.dumps(name))
    if ptype not in FIELD_TYPES:
        raise ValueError("property %s: type must be one of %s" % (name, ", ".join(FIELD_TYPES)))
    for key in ("fieldType", "label", "description", "groupName"):
        if key in spec and not isinstance(spec[key], str):
            raise ValueError("property %s: %s must be a string" % (name, key))
    for key in ("hasUniqueValue", "readOnlyValue"):
        if key in spec and not isinstance(spec[key], bool):
            raise ValueError("property %s: %s must be a boolean" % (name, key))
    options = spec.get("options")
    if options is not None:
        if not isinstance(options, list):
            raise ValueError("property %s: options must be a list" % name)
        pairs = []
        for o in options:
            if isinstance(o, str):
                pairs.append((o, o))
            elif isinstance(o, dict) and isinstance(o.get("value"), str):
                pairs.append((o["value"], o.get("label", o["value"])))
            else:
                raise ValueError('property %s: an option must be a string or {"value", "label"}' % name)
        options = _options(pairs)
    return make_property(name, spec.get("label", name), ptype, spec.get("fieldType"), options,
                         read_only=spec.get("readOnlyValue", False), unique=spec.get("hasUniqueValue", False),
                         defined=False, description=spec.get("description", ""),
                         group=spec.get("groupName", "productinformation"))


def generated_properties(spec):
    """{"generate": N[, "prefix": P][, "name_length": L][, "type": T]}: N custom properties
    (string unless T) named P + a 5-digit number from 00001 (more digits past 99999), padded
    with "x" before the number to L characters when L is given."""
    count, prefix = spec.get("generate"), spec.get("prefix", GENERATED_PROPERTY_PREFIX)
    unknown = sorted(set(spec) - {"generate", "prefix", "name_length", "type"})
    if unknown:
        raise ValueError("unknown generate keys: %s" % ", ".join(unknown))
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= GENERATED_PROPERTY_MAX:
        raise ValueError("generate must be an integer from 1 to %d" % GENERATED_PROPERTY_MAX)
    if not isinstance(prefix, str):
        raise ValueError("prefix must be a string")
    digits = max(5, len(str(count)))
    length = spec.get("name_length")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int)
                               or length < len(prefix) + digits):
        raise ValueError("name_length must be an integer of at least %d (the prefix and %d digits)"
                         % (len(prefix) + digits, digits))
    padding = "x" * (length - len(prefix) - digits) if length is not None else ""
    ptype = spec.get("type", "string")
    return [property_from_spec({"name": "%s%s%0*d" % (prefix, padding, digits, i), "type": ptype,
                                "label": "Generated property %d" % i,
                                "description": "Added by the emulator's control API"})
            for i in range(1, count + 1)]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

class ApiError(Exception):
    """An error answered with HubSpot's error body."""

    def __init__(self, status, category, message, errors=None, context=None, links=None,
                 extra=None, headers=None):
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.errors = errors
        self.context = context
        self.links = links
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, correlation_id):
        body = {"status": "error", "message": self.message, "correlationId": correlation_id}
        if self.errors is not None:
            body["errors"] = self.errors
        if self.context is not None:
            body["context"] = self.context
        if self.links is not None:
            body["links"] = self.links
        body.update(self.extra)
        if self.category is not None:
            body["category"] = self.category
        return body


def validation_error(message, errors=None, context=None):
    return ApiError(400, "VALIDATION_ERROR", message, errors=errors, context=context)


def input_json_error(line, column, detail):
    return validation_error("Invalid input JSON on line %d, column %d: %s" % (line, column, detail))


def object_not_found(object_id):
    return ApiError(404, "OBJECT_NOT_FOUND", NOT_FOUND_MESSAGE, context={"id": [object_id]})


def unknown_object_type(name):
    """400 without a category (hubspot-objects.md section 1.1)."""
    return ApiError(400, None, "Unable to infer object type from: %s" % name)


def batch_not_found_message(otype):
    """Message of a batch OBJECT_NOT_FOUND item error (hubspot-api.md section 3.6)."""
    return ("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid."
            % otype.upper)


# ---------------------------------------------------------------------------
# Validation of request bodies and property values
# ---------------------------------------------------------------------------

# Number property values are plain decimals (hubspot-api.md section 12.2): ASCII digits, an
# optional single leading "-" and an optional single "." ("5." and ".5" included); no exponent,
# no "+", no spaces, no thousands separators, no NaN or Infinity.
NUMBER_RE = re.compile(r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EPOCH_MS_RE = re.compile(r"^-?\d+$")
ASSOCIATION_CATEGORIES = ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED")
MS_PER_DAY = 86400000


def parse_json_body(raw):
    """Parse a request body, turning bad JSON into HubSpot's 'Invalid input JSON' 400."""
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        raise input_json_error(1, 1, "No content to map due to end-of-input")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise input_json_error(e.lineno, e.colno, "Unexpected character (%s)" % e.msg)


def _json_position(raw_text, key):
    """Best-effort (line, column) of the value of "key" in a raw JSON text, 1-based."""
    m = re.search(r'"%s"\s*:\s*' % re.escape(json.dumps(key)[1:-1]), raw_text)
    if not m:
        return 1, 1
    offset = m.end()
    line = raw_text.count("\n", 0, offset) + 1
    column = offset - (raw_text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _json_kind(value):
    if isinstance(value, str):
        return "String value (token `JsonToken.VALUE_STRING`)"
    if isinstance(value, bool):
        return "Boolean value (token `JsonToken.VALUE_%s`)" % ("TRUE" if value else "FALSE")
    if isinstance(value, int):
        return "Integer value (token `JsonToken.VALUE_NUMBER_INT`)"
    if isinstance(value, float):
        return "Floating-point value (token `JsonToken.VALUE_NUMBER_FLOAT`)"
    if isinstance(value, dict):
        return "Object value (token `JsonToken.START_OBJECT`)"
    return "Array value (token `JsonToken.START_ARRAY`)"


def check_property_map_shape(props, raw_text, where="properties"):
    """Whole-request checks of a `properties` map: an object whose values are strings or null."""
    if not isinstance(props, dict):
        line, col = _json_position(raw_text, where)
        raise input_json_error(line, col, "Cannot deserialize value of type `java.util.HashMap<java.lang.String,java.lang.String>` from %s"
                               % (_json_kind(props) if props is not None else "null value"))
    for name, value in props.items():
        if value is None or isinstance(value, str):
            continue
        line, col = _json_position(raw_text, name)
        raise input_json_error(line, col, "Cannot deserialize value of type `java.lang.String` from %s"
                               % _json_kind(value))


def check_associations_shape(assocs):
    """Validate create-time associations; returns a normalised copy. Bad shape is a 400."""
    if assocs is None:
        return []
    if not isinstance(assocs, list):
        raise validation_error("Invalid input JSON: associations must be a list of {\"to\":{\"id\":…},\"types\":[…]}")
    result = []
    for i, a in enumerate(assocs):
        where = "associations[%d]" % i
        if not isinstance(a, dict):
            raise validation_error("Invalid input JSON: %s must be an object" % where)
        to = a.get("to")
        if not isinstance(to, dict) or isinstance(to.get("id"), bool) or not isinstance(to.get("id"), (str, int)) \
                or str(to.get("id")) == "":
            raise validation_error("Invalid input JSON: %s.to.id is required" % where)
        types = a.get("types")
        if not isinstance(types, list) or not types:
            raise validation_error("Invalid input JSON: %s.types must be a non-empty list" % where)
        norm_types = []
        for j, t in enumerate(types):
            if not isinstance(t, dict):
                raise validation_error("Invalid input JSON: %s.types[%d] must be an object" % (where, j))
            category = t.get("associationCategory")
            type_id = t.get("associationTypeId")
            if category not in ASSOCIATION_CATEGORIES:
                raise validation_error("Invalid input JSON: %s.types[%d].associationCategory must be one of %s"
                                       % (where, j, ", ".join(ASSOCIATION_CATEGORIES)))
            if isinstance(type_id, bool) or not isinstance(type_id, int):
                raise validation_error("Invalid input JSON: %s.types[%d].associationTypeId must be an integer"
                                       % (where, j))
            norm_types.append({"associationCategory": category, "associationTypeId": type_id})
        result.append({"to": {"id": str(to["id"])}, "types": norm_types})
    return result


class PropertyProblem:
    """One invalid property value, as HubSpot lists them in 'Property values were not valid'."""

    def __init__(self, name, code, message):
        self.name = name
        self.code = code
        self.message = message

    def as_json(self, portal_id):
        return {"isValid": False, "message": self.message, "error": self.code, "name": self.name,
                "localizedErrorMessage": self.message, "portalId": portal_id}


def _normalise_number(name, value):
    """A number value must be a plain decimal; it is stored as sent."""
    if NUMBER_RE.fullmatch(value):
        return value, None
    return None, PropertyProblem(name, "INVALID_FLOAT", '"%s" is not a valid number' % value)


def plain_decimal_text(value):
    """The text of a JSON number as a plain decimal (1e-05 -> "0.00001", 1e+16 ->
    "10000000000000000"); used where the control API turns JSON numbers into property values."""
    if isinstance(value, int):
        return str(value)
    return format(decimal.Decimal(repr(value)), "f")


def _normalise_bool(name, value):
    if value in ("true", "false"):
        return value, None
    return None, PropertyProblem(name, "INVALID_BOOLEAN",
                                 '"%s" is not a valid boolean; use "true" or "false"' % value)


def _normalise_date(name, value):
    bad = PropertyProblem(name, "INVALID_DATE",
                          '"%s" is not a valid date; use YYYY-MM-DD or epoch milliseconds at midnight UTC' % value)
    if DATE_RE.match(value):
        try:
            return datetime.date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, bad
    if EPOCH_MS_RE.match(value):
        ms = int(value)
        if ms % MS_PER_DAY != 0:
            return None, bad
        try:
            return from_epoch_ms(ms).date().isoformat(), None
        except OverflowError:
            return None, bad
    return None, bad


def _normalise_datetime(name, value):
    bad = PropertyProblem(name, "INVALID_DATETIME",
                          '"%s" is not a valid date-time; use ISO-8601 or epoch milliseconds' % value)
    try:
        if EPOCH_MS_RE.match(value):
            return iso_ms(from_epoch_ms(int(value))), None
        return iso_ms(parse_iso_datetime(value)), None
    except (ValueError, OverflowError):
        return None, bad


def _normalise_enumeration(name, value, prop):
    multi = prop["fieldType"] == "checkbox"
    parts = value.split(";") if multi else [value]
    allowed = {o["value"] for o in prop["options"]}
    for part in parts:
        if part != part.strip():
            return None, PropertyProblem(name, "LEADING_TRAILING_WHITESPACE",
                                         '"%s" has leading or trailing whitespace' % part)
        if part not in allowed:
            return None, PropertyProblem(name, "INVALID_OPTION",
                                         '"%s" was not one of the allowed options: [%s]'
                                         % (part, ", ".join(o["value"] for o in prop["options"])))
    return value, None


def normalise_property_value(prop, value):
    """Validate one non-empty string value of a writable property; returns (stored, problem)."""
    name, ptype = prop["name"], prop["type"]
    if ptype == "number":
        return _normalise_number(name, value)
    if ptype == "bool":
        return _normalise_bool(name, value)
    if ptype == "date":
        return _normalise_date(name, value)
    if ptype == "datetime":
        return _normalise_datetime(name, value)
    if ptype == "enumeration":
        return _normalise_enumeration(name, value, prop)
    return value, None


def validate_property_map(props, catalogue):
    """Check a property map whose shape was already checked; returns (clean, problems).

    clean maps each valid name to its stored form, "" meaning "no value".
    """
    clean, problems = {}, []
    for name, value in props.items():
        prop = catalogue.get(name)
        if prop is None:
            problems.append(PropertyProblem(name, "PROPERTY_DOESNT_EXIST",
                                            'Property "%s" does not exist' % name))
            continue
        if prop["modificationMetadata"]["readOnlyValue"]:
            problems.append(PropertyProblem(name, "READ_ONLY_VALUE",
                                            '"%s" is a read only property; its value cannot be set.' % name))
            continue
        if value is None or value == "":
            clean[name] = ""
            continue
        stored, problem = normalise_property_value(prop, value)
        if problem:
            problems.append(problem)
        else:
            clean[name] = stored
    return clean, problems


def problems_message(problems, portal_id):
    return "Property values were not valid: " + json.dumps(
        [p.as_json(portal_id) for p in problems], separators=(",", ":"))


def problems_error(problems, portal_id):
    """The whole-request 400 for invalid property values (hubspot-api.md section 4.1)."""
    return validation_error(
        problems_message(problems, portal_id),
        errors=[{"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}}
                for p in problems])


def parse_bool_param(query, name, default=False):
    values = query.get(name)
    if not values:
        return default
    v = values[0].strip().lower()
    if v in ("true", "false"):
        return v == "true"
    raise validation_error("Invalid value for query parameter %s: %r (expected true or false)" % (name, values[0]))


def parse_list_param(query, name):
    """A string[] query parameter sent either as repeated keys or comma-separated, or both."""
    names = []
    for value in query.get(name, []):
        for part in value.split(","):
            part = part.strip()
            if part and part not in names:
                names.append(part)
    return names


# ---------------------------------------------------------------------------
# Store
# ---------------------------------------------------------------------------

class Record:
    """One stored CRM object."""

    def __init__(self, object_id, unique_index=None):
        self.id = object_id
        self.properties = {}      # name -> non-empty string value
        self.history = {}         # name -> [(value, timestamp)], newest first
        self.created_at = None
        self.updated_at = None
        self.archived = False
        self.archived_at = None
        self.associations = []
        self.unique_index = unique_index  # the Store's UniqueIndex, told of every value set

    def set_property(self, name, value, timestamp):
        """Set (or with "" clear) a property, recording it in the property's history."""
        if value == "":
            self.properties.pop(name, None)
        else:
            self.properties[name] = value
            if self.unique_index is not None:
                self.unique_index.add(name, value, self)
        self.history.setdefault(name, []).insert(0, (value, timestamp))

    def history_json(self, name):
        return [{"value": v, "timestamp": ts, "sourceType": HISTORY_SOURCE_TYPE, "sourceId": HISTORY_SOURCE_ID}
                for v, ts in self.history.get(name, [])]


class UniqueIndex:
    """The records that were ever given each value of a unique-value property, so that a lookup
    by such a property (idProperty, unique checks) does not scan the store: an upsert of 30,000
    rows would otherwise take minutes. Entries are never removed; readers check each candidate's
    current value and archived state, so a changed or cleared value is simply not matched."""

    def __init__(self, names):
        self.names = frozenset(names)
        self.records = {}         # (name, value) -> {id: Record}

    def add(self, name, value, rec):
        if name in self.names:
            self.records.setdefault((name, value), {})[rec.id] = rec

    def candidates(self, name, value):
        return self.records.get((name, value), {}).values()


class Store:
    """In-memory records of one object type. Callers hold the emulator lock."""

    def __init__(self, catalogue, id_source, extra_unique=()):
        self.catalogue = catalogue
        self.records = {}         # id -> Record
        self.ids = []             # the records' ids as integers, ascending
        self.id_source = id_source  # emulator_objects.IdSource, shared by the portal's objects
        self.extra_unique = tuple(extra_unique)  # indexed, not hasUniqueValue (contacts' email)
        self.unique_index = UniqueIndex(self.unique_properties() + list(self.extra_unique))

    def create(self, clean, associations, now, archived=False):
        """Create a record from validated properties; returns it."""
        object_id = str(self.id_source.take())
        ts = iso_ms(now)
        rec = Record(object_id, self.unique_index)
        system = {
            "hs_object_id": object_id,
            "hs_createdate": ts,
            "hs_lastmodifieddate": ts,
            "lastmodifieddate": ts,
            "hs_object_source": "API",
            "hs_object_source_id": HISTORY_SOURCE_ID,
            "hs_object_source_label": "API",
        }
        system["createdate"] = ts
        # the system properties the object has (engagements have no createdate ...)
        values = {name: value for name, value in system.items() if name in self.catalogue}
        for name, value in clean.items():
            if value != "":
                values[name] = value
        for name in sorted(values):
            rec.set_property(name, values[name], ts)
        rec.created_at = values.get("createdate", ts)
        rec.updated_at = ts
        rec.associations = associations
        if archived:
            rec.archived = True
            rec.archived_at = ts
        self.records[object_id] = rec
        bisect.insort(self.ids, int(object_id))
        return rec

    def sorted_records(self, archived):
        """Records in ascending numeric id; archived True/False/None (= all)."""
        recs = [r for r in self.records.values() if archived is None or r.archived == archived]
        recs.sort(key=lambda r: int(r.id))
        return recs

    def page_from(self, after, archived, count):
        """Up to `count` records in ascending numeric id from id `after` on (None: the first);
        archived True/False/None (= all). Does not sort or scan the whole store, so that each
        page of a long listing costs the same."""
        out = []
        i = 0 if after is None else bisect.bisect_left(self.ids, after)
        while i < len(self.ids) and len(out) < count:
            rec = self.records[str(self.ids[i])]
            if archived is None or rec.archived == archived:
                out.append(rec)
            i += 1
        return out

    def get(self, object_id, archived):
        rec = self.records.get(object_id)
        if rec is None or rec.archived != archived:
            return None
        return rec

    def find_by_property(self, name, value, archived):
        if name in self.unique_index.names:
            recs = sorted((r for r in self.unique_index.candidates(name, value)
                           if (archived is None or r.archived == archived) and r.properties.get(name) == value),
                          key=lambda r: int(r.id))
            return recs[0] if recs else None
        for rec in self.sorted_records(archived):
            if rec.properties.get(name) == value:
                return rec
        return None

    def unique_properties(self):
        return [n for n, p in self.catalogue.items() if p["hasUniqueValue"]]

    def unique_problems(self, clean, pending, exclude=None):
        """Problems for unique-value properties already used by a live record or in `pending`
        (a set of (name, value) claimed earlier in the same request). The record whose id is
        `exclude` (the one being updated) may keep its own value."""
        problems = []
        for name in self.unique_properties():
            value = clean.get(name, "")
            if value == "":
                continue
            taken = any(r.id != exclude and r.properties.get(name) == value
                        for r in self.unique_index.candidates(name, value) if not r.archived)
            if (name, value) in pending or taken:
                problems.append(PropertyProblem(name, "INVALID_UNIQUE_VALUE",
                                                "%s already has that value" % name))
        return problems

    def claim_unique(self, clean, pending):
        """Add the non-empty unique values of `clean` to `pending`."""
        for name in self.unique_properties():
            if clean.get(name):
                pending.add((name, clean[name]))

    def archive(self, rec, now):
        """Move a live record to the recycling bin."""
        if not rec.archived:
            rec.archived = True
            rec.archived_at = iso_ms(now)


# ---------------------------------------------------------------------------
# Rate limiting (hubspot-api.md section 5)
# ---------------------------------------------------------------------------

class RateLimiter:
    """The rolling window of each token (app) and the daily count of each account (section 5.1:
    the burst limit applies per app, the daily limit is shared by the apps of an account).
    Callers hold the emulator lock."""

    def __init__(self):
        self.windows = {}         # token -> sorted list of monotonic arrival times counted
        self.search_windows = {}  # account -> the same, for searches
        self.association_windows = {}  # account -> the same, for association batches
        self.daily = {}           # account (None: the default one) -> (utc date, count)

    def _prune(self, token, interval_ms, now, windows=None):
        window = (self.windows if windows is None else windows).setdefault(token, [])
        del window[:bisect.bisect_right(window, now - interval_ms / 1000.0)]
        return window

    def _daily_count(self, account):
        today = datetime.datetime.now(UTC).date()
        day, count = self.daily.get(account, (today, 0))
        return count if day == today else 0

    def check(self, token, account, limits, arrived):
        """Count one request that arrived at `arrived` (time.monotonic()), or return the policy
        name ("DAILY"/"TEN_SECONDLY_ROLLING") that refuses it."""
        daily_max, window_max = limits.get("daily"), limits.get("max")
        if daily_max is not None and self._daily_count(account) >= daily_max:
            return "DAILY"
        if window_max is not None:
            window = self._prune(token, limits["interval_ms"], arrived)
            if len(window) >= window_max:
                return "TEN_SECONDLY_ROLLING"
            bisect.insort(window, arrived)
        self._count_day(account)
        return None

    def _count_day(self, account):
        today = datetime.datetime.now(UTC).date()
        self.daily[account] = (today, self._daily_count(account) + 1)

    def check_search(self, account, limits, search_limits, arrived, windows=None,
                     policy=emulator_search.SECONDLY_POLICY):
        """Count one search (which the rolling window of rate_limit.max does not see), or return
        the policy that refuses it: "DAILY" (the account's day, shared with every request) or
        "SECONDLY" (search_limits: `max` searches of the account per `interval_ms`; None: no
        limit)."""
        daily_max = limits.get("daily")
        if daily_max is not None and self._daily_count(account) >= daily_max:
            return "DAILY"
        if search_limits is not None and search_limits["max"] is not None:
            window = self._prune(account, search_limits["interval_ms"], arrived,
                                 self.search_windows if windows is None else windows)
            if len(window) >= search_limits["max"]:
                return policy
            bisect.insort(window, arrived)
        self._count_day(account)
        return None

    def headers(self, token, account, limits):
        """The X-HubSpot-RateLimit-* headers describing the token's window and its account's
        day now."""
        h = {}
        daily_max, window_max = limits.get("daily"), limits.get("max")
        if daily_max is not None:
            h["X-HubSpot-RateLimit-Daily"] = str(daily_max)
            h["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, daily_max - self._daily_count(account)))
        if window_max is not None:
            now = time.monotonic()
            window = self._prune(token, limits["interval_ms"], now)
            secondly = max(1, window_max // 10)
            last_second = sum(1 for t in window if t > now - 1.0)
            h["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(limits["interval_ms"])
            h["X-HubSpot-RateLimit-Max"] = str(window_max)
            h["X-HubSpot-RateLimit-Remaining"] = str(max(0, window_max - len(window)))
            h["X-HubSpot-RateLimit-Secondly"] = str(secondly)
            h["X-HubSpot-RateLimit-Secondly-Remaining"] = str(max(0, secondly - last_second))
        return h


# ---------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------

class FaultRule:
    def __init__(self, spec):
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ValueError("unknown fault rule keys: %s" % ", ".join(sorted(unknown)))
        self.spec = spec
        self.method = spec.get("method")
        self.path = spec.get("path")
        self.skip = spec.get("skip", 0)
        self.times = spec.get("times", 1)
        self.action = spec.get("action", "respond")
        self.status = spec.get("status")
        self.body = spec.get("body")
        self.headers = spec.get("headers") or {}
        self.delay_ms = spec.get("delay_ms", 0)
        # a respond rule's JSON body grows a "padding" string of this many bytes
        self.pad_bytes = spec.get("pad_bytes", 0)
        self.seen = 0
        self.fired = 0
        if not isinstance(self.path, str) or not self.path:
            raise ValueError("fault rule needs a path")
        if self.method is not None and not isinstance(self.method, str):
            raise ValueError("fault rule method must be a string")
        if self.action not in FAULT_ACTIONS:
            raise ValueError("fault rule action must be one of %s" % ", ".join(FAULT_ACTIONS))
        for key in ("skip", "delay_ms", "pad_bytes"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError("fault rule %s must be a non-negative integer" % key)
        if self.times is not None and (isinstance(self.times, bool) or not isinstance(self.times, int) or self.times < 0):
            raise ValueError("fault rule times must be a non-negative integer or null (unlimited)")
        if self.action == "respond":
            if isinstance(self.status, bool) or not isinstance(self.status, int) or not 100 <= self.status <= 599:
                raise ValueError("a respond rule needs an integer status")
        if self.action == "delay" and not self.delay_ms:
            raise ValueError("a delay rule needs delay_ms")
        if not isinstance(self.headers, dict) or not all(isinstance(v, str) for v in self.headers.values()):
            raise ValueError("fault rule headers must map names to strings")

    def matches(self, method, path):
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    def as_json(self):
        d = dict(self.spec)
        d["seen"] = self.seen
        d["fired"] = self.fired
        return d


class FaultSet:
    def __init__(self):
        self.rules = []

    def add(self, specs):
        if isinstance(specs, dict):
            specs = [specs]
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise ValueError("expected a fault rule object or a list of them")
        rules = [FaultRule(s) for s in specs]
        self.rules.extend(rules)
        return len(rules)

    def pick(self, method, path):
        """Count the request against every matching rule and return the rule that fires, if any."""
        chosen = None
        for rule in self.rules:
            if not rule.matches(method, path):
                continue
            rule.seen += 1
            if rule.seen <= rule.skip:
                continue
            if rule.times is not None and rule.fired >= rule.times:
                continue
            if chosen is None:
                rule.fired += 1
                chosen = rule
        return chosen


# ---------------------------------------------------------------------------
# Damaged answers: mutation testing of a client's response parsers
# ---------------------------------------------------------------------------
#
# A damage rule makes the emulator answer the next `times` API requests that match it (method,
# path with an optional trailing "*", after `skip` matching ones) with a damaged body: the answer
# the emulator would have given (so a damaged write answer follows a real write), damaged in one
# way chosen deterministically from the rule's seed and the count of answers it damaged so far.
# An answer the kind cannot damage (no member named `target`, no string to spoil) is sent as it
# is and does not count. A 204 answer is damaged as the 200 {"status":"COMPLETE"}. Every damaged
# answer is listed in GET /_emulator/damage with what was changed where.

DAMAGE_KINDS = ("truncate", "empty", "wrong_type", "missing", "huge_number", "deep_nesting",
                "invalid_utf8", "nul", "extra_fields", "duplicate_keys")
DAMAGE_KEYS = {"kind", "method", "path", "skip", "times", "seed", "target", "at", "depth", "raw"}
# Members damaged by preference when a rule names no target: what clients parse.
DAMAGE_PREFERRED = ("results", "id", "properties", "paging", "next", "after", "status", "errors",
                    "category", "message", "objectWriteTraceId", "context", "ids", "name", "type",
                    "new", "numErrors", "createdAt", "updatedAt", "archived", "modificationMetadata",
                    "readOnlyValue", "hasUniqueValue", "policyName", "correlationId")
# Numbers no double, int64 or uint64 holds exactly, record ids out of range, and the non-JSON
# literals some parsers take as numbers.
DAMAGE_HUGE_NUMBERS = ("1e400", "-1e400", "1e-400", "99999999999999999999999", "-0", "-0.0",
                       "18446744073709551616", "-9223372036854775809", "9223372036854775807",
                       "123456789012345678901234567890.123456789", "0." + "0" * 400 + "1",
                       "1" + "0" * 1000, "NaN", "Infinity", "-Infinity")
DAMAGE_HUGE_STRINGS = ('"99999999999999999999999"', '"-1"', '"0"', '"1e400"', '"-0"',
                       '"18446744073709551616"', '"NaN"', '"Infinity"')
DAMAGE_BAD_UTF8 = (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe2\x82",
                   b"\xf4\x90\x80\x80", b"\x80")
DAMAGE_DEPTHS = (31, 32, 33, 64, 1000, 100000)
DAMAGE_NO_BODY = {"status": "COMPLETE"}


class JsonObj:
    """A JSON object as an ordered list of [key, value] members: keys may repeat."""

    def __init__(self, members):
        self.members = members


class RawJson:
    """JSON text written as it is (numbers no parser holds, deep nesting, bad bytes)."""

    def __init__(self, text):
        self.text = text if isinstance(text, bytes) else text.encode("utf-8")


def damage_tree(value):
    """A parsed JSON value with every object as a JsonObj."""
    if isinstance(value, dict):
        return JsonObj([[k, damage_tree(v)] for k, v in value.items()])
    if isinstance(value, list):
        return [damage_tree(v) for v in value]
    return value


def damage_dump(node):
    """The JSON text (bytes) of a damage tree."""
    if isinstance(node, RawJson):
        return node.text
    if isinstance(node, JsonObj):
        return b"{" + b",".join(damage_dump(k) + b":" + damage_dump(v) for k, v in node.members) + b"}"
    if isinstance(node, list):
        return b"[" + b",".join(damage_dump(v) for v in node) + b"]"
    return json.dumps(node, separators=(",", ":")).encode("utf-8")


def damage_members(node, path="$"):
    """Every object member below node: [(path, JsonObj, index in its members)]."""
    found = []
    if isinstance(node, JsonObj):
        for i, (key, value) in enumerate(node.members):
            sub = "%s.%s" % (path, key)
            found.append((sub, node, i))
            found.extend(damage_members(value, sub))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(damage_members(value, "%s[%d]" % (path, i)))
    return found


def damage_places(node, path="$"):
    """Every value below node, node included: [(path, value, setter)]."""
    found = []

    def visit(value, where, setter):
        found.append((where, value, setter))
        if isinstance(value, JsonObj):
            for member in value.members:
                visit(member[1], "%s.%s" % (where, member[0]), lambda v, m=member: m.__setitem__(1, v))
        elif isinstance(value, list):
            for i in range(len(value)):
                visit(value[i], "%s[%d]" % (where, i), lambda v, l=value, i=i: l.__setitem__(i, v))

    visit(node, path, None)
    return found


def damage_other_type(value, rng):
    """A value of another JSON type than value's."""
    if isinstance(value, bool):
        kind = "bool"
    elif value is None:
        kind = "null"
    elif isinstance(value, (int, float)):
        kind = "number"
    elif isinstance(value, str):
        kind = "string"
    elif isinstance(value, list):
        kind = "array"
    else:
        kind = "object"
    choices = {"string": ["x", "1000001", ""], "number": [42, -1, 1.5], "object": [JsonObj([])],
               "array": [[], ["x"]], "null": [None], "bool": [True, False]}
    kinds = sorted(k for k in choices if k != kind)
    return rng.choice(choices[rng.choice(kinds)])


class DamageRule:
    def __init__(self, spec):
        unknown = set(spec) - DAMAGE_KEYS
        if unknown:
            raise ValueError("unknown damage rule keys: %s" % ", ".join(sorted(unknown)))
        self.spec = spec
        self.kind = spec.get("kind")
        self.method = spec.get("method")
        self.path = spec.get("path", "/crm/*")
        self.skip = spec.get("skip", 0)
        self.times = spec.get("times", 1)
        self.seed = spec.get("seed", 0)
        target = spec.get("target")
        self.targets = [target] if isinstance(target, str) else target
        self.at = spec.get("at")
        self.depth = spec.get("depth")
        # nul: a raw NUL byte (true) or the escape \u0000 (false); None chooses from the seed
        self.raw = spec.get("raw")
        self.seen = 0
        self.fired = 0
        self.value = None   # JSON text of the value put in, for wrong_type and huge_number
        if self.kind not in DAMAGE_KINDS:
            raise ValueError("damage kind must be one of %s" % ", ".join(DAMAGE_KINDS))
        if not isinstance(self.path, str) or not self.path:
            raise ValueError("damage rule path must be a non-empty string")
        if self.method is not None and not isinstance(self.method, str):
            raise ValueError("damage rule method must be a string")
        for key in ("skip", "times"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError("damage rule %s must be a non-negative integer" % key)
        if not isinstance(self.seed, (int, str)) or isinstance(self.seed, bool):
            raise ValueError("damage rule seed must be an integer or a string")
        if self.targets is not None and (not isinstance(self.targets, list) or not self.targets
                                         or not all(isinstance(t, str) for t in self.targets)):
            raise ValueError("damage rule target must be a member name or a list of them")
        for key in ("at", "depth"):
            v = getattr(self, key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                raise ValueError("damage rule %s must be an integer" % key)
        if self.raw is not None and not isinstance(self.raw, bool):
            raise ValueError("damage rule raw must be a boolean")
        if self.depth is not None and self.depth < 1:
            raise ValueError("damage rule depth must be positive")

    matches = FaultRule.matches

    def as_json(self):
        d = dict(self.spec)
        d["seen"] = self.seen
        d["fired"] = self.fired
        return d

    # -- choosing what to damage ---------------------------------------------

    def _pick_member(self, tree, rng):
        """A member (path, obj, index): one named by the target, else a preferred one."""
        members = damage_members(tree)
        if self.targets is not None:
            members = [m for m in members if m[1].members[m[2]][0] in self.targets]
        else:
            preferred = [m for m in members if m[1].members[m[2]][0] in DAMAGE_PREFERRED]
            members = preferred or members
        return rng.choice(members) if members else None

    def _scopes(self, tree):
        """The values the target names (their subtrees), or the whole tree."""
        if self.targets is None:
            return [("$", tree)]
        return [(path, obj.members[i][1]) for path, obj, i in damage_members(tree)
                if obj.members[i][0] in self.targets]

    def _pick_string(self, tree, rng):
        """A string value (path, setter) within the scope, member values first."""
        places = []
        for path, scope in self._scopes(tree):
            places.extend((p, v, s) for p, v, s in damage_places(scope, path)
                          if isinstance(v, str) and s is not None)
        if not places and self.targets is not None:
            # a targeted string member itself, e.g. "id"
            places = [(p, v, s) for p, v, s in damage_places(tree)
                      if isinstance(v, str) and s is not None and p.rsplit(".", 1)[-1] in self.targets]
        return rng.choice(places) if places else None

    # -- the kinds -------------------------------------------------------------

    def damage(self, payload, rng):
        """(damaged payload bytes, description) or None when this kind cannot damage it."""
        if self.kind == "truncate":
            if len(payload) < 2:
                return None
            at = self.at if self.at is not None else rng.randrange(1, len(payload))
            at = max(0, min(len(payload) - 1, at if at >= 0 else len(payload) + at))
            return payload[:at], "cut after %d of %d bytes" % (at, len(payload))
        if self.kind == "empty":
            return b"", "empty body"
        try:
            tree = damage_tree(json.loads(payload.decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            return None
        done = getattr(self, "_damage_" + self.kind)(tree, rng)
        if done is None:
            return None
        return damage_dump(tree), done

    def _damage_wrong_type(self, tree, rng):
        picked = self._pick_member(tree, rng)
        if picked is None:
            return None
        path, obj, i = picked
        new = damage_other_type(obj.members[i][1], rng)
        obj.members[i][1] = new
        self.value = damage_dump(new).decode("utf-8")
        return "%s = %s" % (path, self.value)

    def _damage_missing(self, tree, rng):
        picked = self._pick_member(tree, rng)
        if picked is None:
            return None
        path, obj, i = picked
        del obj.members[i]
        return "%s removed" % path

    def _damage_huge_number(self, tree, rng):
        picked = self._pick_member(tree, rng)
        if picked is None:
            return None
        path, obj, i = picked
        if isinstance(obj.members[i][1], str) and rng.random() < 0.5:
            text = rng.choice(DAMAGE_HUGE_STRINGS)
        else:
            text = rng.choice(DAMAGE_HUGE_NUMBERS)
        obj.members[i][1] = RawJson(text)
        self.value = text
        return "%s = %s" % (path, text if len(text) < 40 else text[:20] + "...(%d chars)" % len(text))

    def _damage_deep_nesting(self, tree, rng):
        picked = self._pick_member(tree, rng)
        if picked is None:
            return None
        path, obj, i = picked
        depth = self.depth or rng.choice(DAMAGE_DEPTHS)
        if rng.random() < 0.5:
            text, shape = "[" * depth + "]" * depth, "arrays"
        else:
            text, shape = '{"a":' * depth + "1" + "}" * depth, "objects"
        obj.members[i][1] = RawJson(text)
        return "%s = %d nested %s" % (path, depth, shape)

    def _damage_invalid_utf8(self, tree, rng):
        picked = self._pick_string(tree, rng)
        if picked is None:
            return None
        path, value, setter = picked
        bad = rng.choice(DAMAGE_BAD_UTF8)
        at = rng.randrange(len(value) + 1)
        setter(RawJson(json.dumps(value[:at])[:-1].encode("utf-8") + bad + json.dumps(value[at:])[1:].encode("utf-8")))
        return "%s: bytes %s at %d" % (path, bad.hex(), at)

    def _damage_nul(self, tree, rng):
        picked = self._pick_string(tree, rng)
        if picked is None:
            return None
        path, value, setter = picked
        at = rng.randrange(len(value) + 1)
        raw = rng.random() >= 0.5 if self.raw is None else self.raw
        if not raw:
            setter(value[:at] + "\u0000" + value[at:])
            return "%s: \\u0000 at %d" % (path, at)
        setter(RawJson(json.dumps(value[:at])[:-1].encode("utf-8") + b"\x00" + json.dumps(value[at:])[1:].encode("utf-8")))
        return "%s: raw NUL byte at %d" % (path, at)

    def _damage_extra_fields(self, tree, rng):
        objects = []
        for path, scope in self._scopes(tree):
            objects.extend((p, v) for p, v, s in damage_places(scope, path) if isinstance(v, JsonObj))
        if not objects:
            return None
        path, obj = rng.choice(objects)
        extras = [["x_extra", "value"], ["x_extra_object", JsonObj([["a", [1, None, {"b": "c"}]]])],
                  ["x_extra_number", RawJson("1e400")], ["x_extra_null", None], ["", ""],
                  ["x_extra_array", [JsonObj([["id", "1"]]), "x", 2]]]
        added = rng.sample(extras, rng.randint(1, 3))
        for member in added:
            obj.members.insert(rng.randint(0, len(obj.members)), [member[0], member[1]])
        return "%s: added %s" % (path, ", ".join(json.dumps(m[0]) for m in added))

    def _damage_duplicate_keys(self, tree, rng):
        picked = self._pick_member(tree, rng)
        if picked is None:
            return None
        path, obj, i = picked
        key, value = obj.members[i]
        if rng.random() < 0.5:
            copy_of = copy.deepcopy(value)
            how = "the same value"
        else:
            copy_of = damage_other_type(value, rng)
            how = damage_dump(copy_of).decode("utf-8")
        if rng.random() < 0.5:
            obj.members.insert(i, [key, copy_of])
            return "%s duplicated before, with %s" % (path, how)
        obj.members.insert(i + 1, [key, copy_of])
        return "%s duplicated after, with %s" % (path, how)


class DamageSet:
    """Damage rules and the answers they damaged. Callers hold the emulator lock."""

    def __init__(self):
        self.rules = []
        self.events = []

    def add(self, specs):
        if isinstance(specs, dict):
            specs = [specs]
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise ValueError("expected a damage rule object or a list of them")
        rules = [DamageRule(s) for s in specs]
        self.rules.extend(rules)
        return len(rules)

    def apply(self, req, response):
        """The response, damaged by the first rule that matches and can damage it."""
        for rule in self.rules:
            if not rule.matches(req.method, req.path):
                continue
            if rule.fired >= rule.times:
                continue
            status = 200 if response.status == 204 else response.status
            payload = response.payload() if response.status != 204 else \
                json.dumps(DAMAGE_NO_BODY, separators=(",", ":")).encode("utf-8")
            rng = random.Random("%s/%s/%d" % (rule.seed, rule.kind, rule.fired))
            rule.value = None
            damaged = rule.damage(payload, rng)
            if damaged is None:
                continue  # not an answer this rule can damage: it does not count
            rule.seen += 1
            if rule.seen <= rule.skip:
                continue
            rule.fired += 1
            body, what = damaged
            self.events.append({"method": req.method, "path": req.path, "status": status,
                                "original_status": response.status, "kind": rule.kind,
                                "damage": what, "value": rule.value, "bytes": len(body)})
            return Response(status, raw=body, headers=response.headers,
                            content_type="application/json;charset=utf-8")
        return response


# ---------------------------------------------------------------------------
# HTTP plumbing objects
# ---------------------------------------------------------------------------

def app_name(token):
    """The name of a token's app in the log: the first 8 hex digits of its SHA-256."""
    if token is None:
        return None
    return hashlib.sha256(token.encode("utf-8", errors="surrogateescape")).hexdigest()[:8]


class Request:
    def __init__(self, method, raw_path, headers, body, arrived=None):
        parts = urlsplit(raw_path)
        # time.monotonic() when the request (headers and body) had been read
        self.arrived = time.monotonic() if arrived is None else arrived
        self.method = method
        self.target = raw_path    # path and query as received
        self.path = unquote(parts.path)
        self.raw_query = parts.query
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.host = headers.get("Host") or "127.0.0.1"
        self.token = None
        auth = headers.get("Authorization") or ""
        if auth[:7].lower() == "bearer ":
            token = auth[7:].strip()
            self.token = token or None
        # The token's app, named without revealing the token: the log never holds a token.
        self.app = app_name(self.token)

    def json(self):
        return parse_json_body(self.body)

    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def logged_body(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None


class Response:
    def __init__(self, status, body=None, headers=None, raw=None, content_type=None):
        self.status = status
        self.body = body
        self.raw = raw
        self.headers = dict(headers or {})
        self.content_type = content_type

    def payload(self):
        if self.status == 204 or (self.raw is None and self.body is None):
            return b""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")


class Route:
    """write: refused to read-only tokens; search: counted against the search rate limit,
    not the rolling window, and answered without X-HubSpot-RateLimit-* headers."""

    def __init__(self, method, pattern, handler, write=False, search=False, scope=None, bucket=None):
        self.method = method
        self.regex = re.compile("^" + pattern + "$")
        self.handler = handler
        self.write = write
        self.search = search
        # the rate bucket outside the rolling window: "search", "associations" or None
        self.bucket = "search" if search else bucket
        # the scopes a token needs (emulator_objects.required_scopes): "read", "write",
        # "properties", "schemas", or None
        self.scope = scope or ("write" if write else "read")


# ---------------------------------------------------------------------------
# The emulator: state and endpoint implementations
# ---------------------------------------------------------------------------

OT = r"(?P<object_type>[^/]+)"
SCHEMAS = r"/(?:crm/v3|crm-object-schemas/v3|crm-object-schemas/2026-03)/schemas"


class Emulator(emulator_objects.ObjectEndpoints, emulator_associations.AssociationEndpoints):
    """All emulator state, behind one lock, and the endpoint implementations."""

    ROUTES = [
        Route("GET", r"/crm/v3/properties/" + OT, "api_list_properties", scope="properties"),
        Route("GET", r"/crm/v3/properties/" + OT + r"/(?P<name>[^/]+)", "api_get_property", scope="properties"),
        Route("GET", SCHEMAS, "api_list_schemas", scope="schemas"),
        Route("GET", SCHEMAS + r"/(?P<schema>[^/]+)", "api_get_schema", scope="schemas"),
        Route("GET", r"/crm/v3/objects/" + OT, "api_list_objects"),
        Route("POST", r"/crm/v3/objects/" + OT, "api_create_object", write=True),
        Route("POST", r"/crm/v3/objects/" + OT + r"/batch/create", "api_batch_create", write=True),
        Route("POST", r"/crm/v3/objects/" + OT + r"/batch/read", "api_batch_read"),
        Route("POST", r"/crm/v3/objects/" + OT + r"/batch/update", "api_batch_update", write=True),
        Route("POST", r"/crm/v3/objects/" + OT + r"/batch/upsert", "api_batch_upsert", write=True),
        Route("POST", r"/crm/v3/objects/" + OT + r"/batch/archive", "api_batch_archive", write=True),
        Route("POST", r"/crm/v3/objects/" + OT + r"/search", "api_search", search=True),
        Route("GET", r"/crm/v3/objects/" + OT + r"/(?P<object_id>[^/]+)", "api_get_object"),
        Route("PATCH", r"/crm/v3/objects/" + OT + r"/(?P<object_id>[^/]+)", "api_update_object", write=True),
        Route("DELETE", r"/crm/v3/objects/" + OT + r"/(?P<object_id>[^/]+)", "api_archive_object", write=True),
    ] + emulator_associations.routes(Route)

    CONTROL_ROUTES = [
        Route("POST", r"/_emulator/reset", "ctl_reset"),
        Route("GET", r"/_emulator/requests", "ctl_get_requests"),
        Route("DELETE", r"/_emulator/requests", "ctl_clear_requests"),
        Route("GET", r"/_emulator/faults", "ctl_get_faults"),
        Route("POST", r"/_emulator/faults", "ctl_add_faults"),
        Route("DELETE", r"/_emulator/faults", "ctl_clear_faults"),
        Route("GET", r"/_emulator/config", "ctl_get_config"),
        Route("POST", r"/_emulator/config", "ctl_set_config"),
        Route("POST", r"/_emulator/seed", "ctl_seed"),
        Route("POST", r"/_emulator/properties", "ctl_properties"),
        Route("GET", r"/_emulator/objects", "ctl_objects"),
        Route("GET", r"/_emulator/damage", "ctl_get_damage"),
        Route("POST", r"/_emulator/damage", "ctl_add_damage"),
        Route("DELETE", r"/_emulator/damage", "ctl_clear_damage"),
        Route("GET", r"/_emulator/in-flight", "ctl_in_flight"),
        Route("GET", r"/_emulator/concurrency", "ctl_concurrency"),
        Route("GET", r"/_emulator/scopes", "ctl_get_scopes"),
        Route("POST", r"/_emulator/scopes", "ctl_set_scopes"),
        Route("GET", r"/_emulator/associations", "ctl_associations"),
        Route("POST", r"/_emulator/associations", "ctl_associate"),
    ]

    def __init__(self):
        self.lock = threading.RLock()
        self.in_flight = InFlight()  # not reset: a request may outlive a reset
        self.reset()

    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(DEFAULT_CONFIG)
            set_correlation_mode(self.config["correlation_ids"])
            self.ids, self.states = emulator_objects.build_states(Store, self.config["id_start"])
            self.current = self.states["products"]
            self.assoc_types = emulator_associations.TypeRegistry()
            self.assocs = emulator_associations.Store()
            self.unique_pending = {}
            self.log = []
            self.seq = 0
            self.origin = time.monotonic()  # time 0 of the log's started_ms and ended_ms
            self.faults = FaultSet()
            self.damage = DamageSet()
            self.limiter = RateLimiter()
            self.random = random.Random()

    # -- utilities ---------------------------------------------------------

    # The object of the request being handled (set by resolve_object_type, under the lock):
    # its ObjectState, property catalogue and Store.
    @property
    def catalogue(self):
        return self.current.catalogue

    @property
    def store(self):
        return self.current.store

    @property
    def otype(self):
        return self.current.type

    def now(self):
        clock = self.config["clock"]
        if clock:
            return parse_iso_datetime(clock)
        return datetime.datetime.now(UTC)

    def record_request(self, req, status):
        """Log an API request as its answer (or connection reset) is about to be sent."""
        ended = time.monotonic()
        with self.lock:
            self.seq += 1
            self.log.append({"seq": self.seq, "method": req.method, "path": req.path,
                             "query": req.query, "body": req.logged_body(), "status": status,
                             "app": req.app, "started_ms": self.log_ms(req.arrived),
                             "ended_ms": self.log_ms(ended)})

    def log_ms(self, t):
        """A time.monotonic() time as milliseconds since the last reset (or the start)."""
        return round((t - self.origin) * 1000.0, 3)

    def account_of(self, token):
        """The account a token belongs to, for the daily limit (None: the default account)."""
        return self.config["accounts"].get(token)

    def resolve_object_type(self, name):
        """Make the object a path segment names the current one; returns its plural name."""
        found = emulator_objects.find(name, self.config["portal_id"])
        if found is None:
            raise unknown_object_type(name)
        self.current = self.states[found.name]
        return found.name

    def is_search(self, req):
        """Whether req is in a rate bucket of its own (search, association batches)."""
        return self.bucket(req) is not None

    def bucket(self, req):
        route, _ = self.match(self.ROUTES, req.method, req.path)
        return route.bucket if route is not None else None

    def rate_headers(self, req):
        """The X-HubSpot-RateLimit-* headers for an answer to req (none for a search)."""
        with self.lock:
            if req.token is None or self.is_search(req):
                return {}
            return self.limiter.headers(req.token, self.account_of(req.token), self.config["rate_limit"])

    def url_too_long(self, req):
        """The 414 answer when req's path and query are longer than max_url_length, else None."""
        limit = self.config["max_url_length"]
        if limit is None or len(req.target) <= limit:
            return None
        return Response(414, raw=URI_TOO_LONG_BODY, content_type="text/html")

    @staticmethod
    def match(routes, method, path):
        """Return (route, params), or (None, allowed_methods) when nothing matches."""
        allowed = []
        for route in routes:
            m = route.regex.match(path)
            if m:
                if route.method == method:
                    return route, m.groupdict()
                allowed.append(route.method)
        return None, allowed

    # -- API dispatch ------------------------------------------------------

    def admit(self, req):
        """Authenticate one API request and count it against its token's window and its
        account's day, as it arrives; returns the refusal (401, 429) to answer, or None."""
        with self.lock:
            try:
                self._admit(req)
                return None
            except ApiError as e:
                return self.api_error_response(req, e)

    def handle_api(self, req):
        """Dispatch one admitted API request; always returns a Response."""
        with self.lock:
            try:
                return self._handle_api(req)
            except ApiError as e:
                return self.api_error_response(req, e)

    def api_error_response(self, req, error):
        headers = dict(error.headers)
        if error.status != 401:
            headers.update(self.rate_headers(req))
        return self.error_response(error, headers)

    def error_response(self, error, headers=None):
        cid = new_correlation_id()
        headers = dict(headers or {})
        headers["X-HubSpot-Correlation-Id"] = cid
        return Response(error.status, error.body(cid), headers)

    def _admit(self, req):
        cfg = self.config
        token = req.token
        if token is None:
            raise ApiError(401, "INVALID_AUTHENTICATION", INVALID_AUTH_MESSAGE)
        if token in cfg["expired_tokens"]:
            raise ApiError(401, "EXPIRED_AUTHENTICATION", EXPIRED_AUTH_MESSAGE)
        if cfg["tokens"] is not None and token not in cfg["tokens"]:
            raise ApiError(401, "INVALID_AUTHENTICATION", INVALID_AUTH_MESSAGE)
        bucket = self.bucket(req)
        if bucket == "search":
            refused = self.limiter.check_search(self.account_of(token), cfg["rate_limit"],
                                                cfg["search_rate_limit"], req.arrived)
        elif bucket == "associations":
            refused = self.limiter.check_search(self.account_of(token), cfg["rate_limit"],
                                                cfg["association_rate_limit"], req.arrived,
                                                self.limiter.association_windows, "TEN_SECONDLY_ROLLING")
        else:
            refused = self.limiter.check(token, self.account_of(token), cfg["rate_limit"], req.arrived)
        if refused:
            raise self.rate_limit_error(refused)

    def _handle_api(self, req):
        cfg = self.config
        token = req.token
        route, params = self.match(self.ROUTES, req.method, req.path)
        if route is None:
            if params:
                raise ApiError(405, "VALIDATION_ERROR", "HTTP 405 Method Not Allowed: %s is not supported on %s; allowed: %s"
                               % (req.method, req.path, ", ".join(params)))
            raise ApiError(404, "RESOURCE_NOT_FOUND", "Unable to find a resource for %s %s" % (req.method, req.path))
        self.unique_pending = {}
        otypes = [self.states[self.resolve_object_type(params[k])].type
                  for k in ("from_type", "to_type", "object_type") if k in params] or [None]
        if route.write and token in cfg["read_only_tokens"]:
            raise emulator_objects.missing_scopes_error(otypes[0].write_scopes[:1])
        for otype in otypes:
            emulator_objects.check_scopes(cfg["token_scopes"], token,
                                          emulator_objects.required_scopes(otype, route.scope))
        response = getattr(self, route.handler)(req, **params)
        if route.bucket is None:
            response.headers.update(self.limiter.headers(token, self.account_of(token), cfg["rate_limit"]))
        response.headers.setdefault("X-HubSpot-Correlation-Id", new_correlation_id())
        return response

    def rate_limit_error(self, policy):
        headers = {}
        if self.config["retry_after"] is not None:
            headers["Retry-After"] = str(self.config["retry_after"])
        if policy == emulator_search.SECONDLY_POLICY:
            # the search limit's body (hubspot-api.md section 5.3): no category
            return ApiError(429, None, emulator_search.SECONDLY_MESSAGE, headers=headers,
                            extra={"errorType": "RATE_LIMIT", "policyName": policy,
                                   "groupName": emulator_search.SEARCH_RATE_GROUP})
        if policy == "DAILY":
            message = "You have reached your daily limit."
        else:
            message = "You have reached your ten_secondly_rolling limit."
        return ApiError(429, "RATE_LIMITS", message,
                        extra={"errorType": "RATE_LIMIT", "policyName": policy}, headers=headers)

    # -- output shaping ----------------------------------------------------

    def known_names(self, names):
        return [n for n in names if n in self.catalogue]

    def object_json(self, rec, properties=None, with_history=(), all_properties=False, written=()):
        """SimplePublicObject(WithAssociations) for a record.

        properties: names requested (None = the default set); all_properties: every stored value
        (the answers of writes), plus, with empty_values "empty", "" for each of the `written`
        names (the properties of the write's input) that has no value.
        """
        empty = self.config["empty_values"]
        if all_properties:
            props = dict(rec.properties)
            if empty == "empty":
                for name in self.known_names(written):
                    props.setdefault(name, "")
        else:
            names = list(self.otype.defaults if properties is None else properties)
            names += [n for n in self.otype.always if n not in names]
            props = {}
            for name in self.known_names(names):
                if name in rec.properties:
                    props[name] = rec.properties[name]
                elif empty == "null":
                    props[name] = None
                elif empty == "empty":
                    props[name] = ""
        out = {"id": rec.id, "properties": dict(sorted(props.items()))}
        history_names = self.known_names(with_history)
        if history_names:
            out["propertiesWithHistory"] = {n: rec.history_json(n) for n in history_names if rec.history.get(n)}
        out["createdAt"] = rec.created_at
        out["updatedAt"] = rec.updated_at
        out["archived"] = rec.archived
        if rec.archived:
            out["archivedAt"] = rec.archived_at
        return out

    def full_record_json(self, rec):
        out = self.object_json(rec, all_properties=True)
        out["associations"] = copy.deepcopy(rec.associations)
        return out

    # -- API endpoints -----------------------------------------------------

    def api_list_properties(self, req, object_type):
        self.resolve_object_type(object_type)
        if parse_bool_param(req.query, "archived"):
            return Response(200, {"results": []})
        return Response(200, {"results": copy.deepcopy(list(self.catalogue.values()))})

    def api_get_property(self, req, object_type, name):
        self.resolve_object_type(object_type)
        prop = self.catalogue.get(name)
        if prop is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", "Unable to find property %s for object type %s"
                           % (name, object_type))
        return Response(200, copy.deepcopy(prop))

    def _read_params(self, req):
        properties = parse_list_param(req.query, "properties") if "properties" in req.query else None
        history = parse_list_param(req.query, "propertiesWithHistory")
        archived = parse_bool_param(req.query, "archived")
        return properties, history, archived

    def api_list_objects(self, req, object_type):
        self.resolve_object_type(object_type)
        properties, history, archived = self._read_params(req)
        limit = self._list_limit(req, with_history=bool(history))
        after = None
        if req.query.get("after"):
            after = req.query["after"][0]
            if not after.isdigit():
                raise validation_error("Invalid after cursor: %s" % after)
            after = int(after)
        targets = self.inline_targets(req)
        recs = self.store.page_from(after, archived, limit + 1)
        page, rest = recs[:limit], recs[limit:]
        body = {"results": [self.add_inline(self.object_json(r, properties, history), r, targets, req) for r in page]}
        if rest:
            next_after = rest[0].id
            query = [(k, v) for k, vs in req.query.items() if k != "after" for v in vs]
            query.append(("after", next_after))
            link = "http://%s%s?%s" % (req.host, quote(req.path), urlencode(query))
            body["paging"] = {"next": {"after": next_after, "link": link}}
        return Response(200, body)

    def api_search(self, req, object_type):
        """Search (emulator_search.py): over the live records, as the index sees them after
        search_lag_ms."""
        resolved = self.resolve_object_type(object_type)
        body = req.json()
        lag_ms = self.config["search_lag_ms"]
        cutoff = iso_ms(self.now() - datetime.timedelta(milliseconds=lag_ms)) if lag_ms else None
        records = (self.store.records[str(i)] for i in self.store.ids)
        try:
            answer = emulator_search.search(
                body, records, self.catalogue, resolved, self.config["search_limits"], cutoff=cutoff,
                empty_values=self.config["empty_values"], default_properties=self.otype.defaults,
                always_properties=self.otype.always)
        except emulator_search.SearchError as e:
            raise validation_error(e.message, errors=e.errors())
        return Response(200, answer)

    def _list_limit(self, req, with_history):
        maximum = LIST_MAX_LIMIT_WITH_HISTORY if with_history else LIST_MAX_LIMIT
        raw = (req.query.get("limit") or ["10"])[0]
        try:
            limit = int(raw)
        except ValueError:
            raise validation_error("Invalid value for query parameter limit: %r (expected an integer)" % raw)
        if limit < 1:
            raise validation_error("limit must be at least 1, got %d" % limit)
        if limit > maximum:
            if self.config["list_over_limit"] == "clamp":
                return maximum
            if with_history:
                raise validation_error("The maximum number of objects supported in a request for property "
                                       "histories is %d. Please reduce the limit and try again" % maximum)
            raise validation_error("limit must be less than or equal to %d, got %d" % (maximum, limit))
        return limit

    def _id_property(self, name, object_type, action):
        """Check an idProperty; returns None when it names the record id, else the property name.

        action "get" (GET, batch/read) and "update" (PATCH) take hs_object_id as the record id;
        "update/upsert" (batch/update, batch/upsert) refuses it like any non-unique property.
        """
        if not name:
            return None
        if name == "hs_object_id" and action in ("get", "update"):
            return None
        if name == self.otype.unique:
            return name
        prop = self.catalogue.get(name)
        if prop is None:
            raise validation_error('Property "%s" does not exist' % name)
        if not prop["hasUniqueValue"]:
            portal = self.config["portal_id"]
            if action == "get":
                raise validation_error("Unable to perform get by non-unique %s property %s in portal ID %s"
                                       % (object_type, name, portal))
            raise validation_error("Unable to perform update/upsert by non-unique %s property %s in portal ID %s"
                                   % (self.otype.type_id, name, portal))
        return name

    def _find_record(self, id_property, value, archived=False):
        """The record whose id (id_property None) or unique property equals value."""
        if id_property is None:
            return self.store.get(value, archived)
        if id_property == self.otype.unique:
            value = value.lower()
        return self.store.find_by_property(id_property, value, archived)

    def api_get_object(self, req, object_type, object_id):
        self.resolve_object_type(object_type)
        properties, history, archived = self._read_params(req)
        id_property = self._id_property((req.query.get("idProperty") or [""])[0], object_type, "get")
        targets = self.inline_targets(req)
        rec = self._find_record(id_property, object_id, archived)
        if rec is None:
            raise object_not_found(object_id)
        return Response(200, self.add_inline(self.object_json(rec, properties, history), rec, targets, req))

    @staticmethod
    def _properties_input(item, raw_text, type_name):
        """Whole-request shape checks of one input carrying a `properties` map; returns the map."""
        if not isinstance(item, dict):
            raise input_json_error(1, 1, "Cannot deserialize value of type `%s` from %s"
                                   % (type_name, _json_kind(item) if item is not None else "null value"))
        props = item.get("properties")
        if props is None:
            raise validation_error("Invalid input JSON: properties is required")
        check_property_map_shape(props, raw_text)
        return props

    def _create_input(self, item, raw_text):
        """Whole-request shape checks of one create input; returns (props, associations)."""
        props = self._properties_input(item, raw_text, "SimplePublicObjectInputForCreate")
        associations = check_associations_shape(item.get("associations"))
        return props, associations

    @staticmethod
    def _string_field(item, key, raw_text, required=False):
        """A string field of a batch input (numbers are taken as their text, as Jackson does).
        Missing or null gives None; when required, that or "" is a 400."""
        value = item.get(key)
        if required and (value is None or value == ""):
            raise validation_error("Invalid input JSON: %s is required" % key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            line, col = _json_position(raw_text, key)
            raise input_json_error(line, col, "Cannot deserialize value of type `java.lang.String` from %s"
                                   % _json_kind(value))
        return str(value)

    @staticmethod
    def _name_list(body, key, raw_text):
        """A list of property names in a request body (missing or null: empty)."""
        value = body.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            wrong = [v for v in value if not isinstance(v, str)]
            if not wrong:
                return value
            value = wrong[0]
        line, col = _json_position(raw_text, key)
        raise input_json_error(line, col, "Cannot deserialize value of type `java.util.ArrayList<java.lang.String>` from %s"
                               % (_json_kind(value) if value is not None else "null value"))

    def _batch_inputs(self, req, element_type):
        """Whole-request checks of a batch body {"inputs": [{…}, …]}: returns (body, inputs, raw_text)."""
        body = req.json()
        raw_text = req.text()
        if not isinstance(body, dict) or "inputs" not in body or body["inputs"] is None:
            raise validation_error("Invalid input JSON: inputs is required")
        inputs = body["inputs"]
        if not isinstance(inputs, list):
            line, col = _json_position(raw_text, "inputs")
            raise input_json_error(line, col, "Cannot deserialize value of type `java.util.ArrayList<%s>` from %s"
                                   % (element_type, _json_kind(inputs)))
        if len(inputs) > self.config["batch_max"]:
            raise validation_error("The maximum number of inputs supported in a batch request is %d; %d were sent. "
                                   "Please reduce the number of items and try again"
                                   % (self.config["batch_max"], len(inputs)))
        for item in inputs:
            if not isinstance(item, dict):
                raise input_json_error(1, 1, "Cannot deserialize value of type `%s` from %s"
                                       % (element_type, _json_kind(item) if item is not None else "null value"))
        return body, inputs, raw_text

    def _batch_response(self, started, results, errors, ok_status):
        """The BatchResponse envelope: ok_status, or 207 with numErrors/errors; results shuffled
        when the configuration says so."""
        if self.config["shuffle"]:
            self.random.shuffle(results)
        body = {"status": "COMPLETE", "results": results}
        if errors:
            body["numErrors"] = len(errors)
            body["errors"] = errors
        body["startedAt"] = iso_ms(started)
        body["completedAt"] = iso_ms(self.now())
        return Response(207 if errors else ok_status, body)

    def _traced_result(self, rec, trace, written=()):
        result = self.object_json(rec, all_properties=True, written=written)
        if trace is not None and self.config["echo_trace_ids"]:
            result["objectWriteTraceId"] = trace
        return result

    def api_create_object(self, req, object_type):
        self.resolve_object_type(object_type)
        body = req.json()
        props, associations = self._create_input(body, req.text())
        clean, problems = self._validate(props)
        if not problems:
            problems = self.store.unique_problems(clean, set())
        if problems:
            raise problems_error(problems, self.config["portal_id"])
        self._required(clean)
        emulator_objects.check_unique_creates(self.current, [clean])
        [resolved] = self.check_create_associations([associations])
        rec = self._create(clean, associations, self.now())
        self.write_create_associations(rec, resolved)
        return Response(201, self.object_json(rec, all_properties=True, written=clean))

    def api_batch_create(self, req, object_type):
        self.resolve_object_type(object_type)
        started = self.now()
        body, inputs, raw_text = self._batch_inputs(req, "SimplePublicObjectInputForCreate")
        parsed = []
        for item in inputs:
            props, associations = self._create_input(item, raw_text)
            parsed.append((props, associations, self._string_field(item, "objectWriteTraceId", raw_text)))

        # Validate every input; a unique value is claimed by the first valid input using it.
        pending, outcomes = set(), []
        for props, associations, trace in parsed:
            clean, problems = self._validate(props)
            if not problems:
                problems = self.store.unique_problems(clean, pending)
            if not problems:
                self.store.claim_unique(clean, pending)
            outcomes.append((clean, associations, trace, problems))

        failed = [o for o in outcomes if o[3]]
        multi_status = all(o[2] is not None for o in outcomes)
        portal = self.config["portal_id"]
        if failed and not multi_status:
            raise problems_error(failed[0][3], portal)
        for clean, associations, trace, problems in outcomes:
            if not problems:
                self._required(clean)
        emulator_objects.check_unique_creates(self.current, [o[0] for o in outcomes if not o[3]])
        links = iter(self.check_create_associations([o[1] for o in outcomes if not o[3]]))

        now = self.now()
        results = []
        for clean, associations, trace, problems in outcomes:
            if not problems:
                rec = self._create(clean, associations, now)
                self.write_create_associations(rec, next(links))
                results.append(self._traced_result(rec, trace, clean))
        errors = [{"status": "error", "category": "VALIDATION_ERROR",
                   "message": problems_message(problems, portal),
                   "context": {"objectWriteTraceId": [trace]}}
                  for clean, associations, trace, problems in failed]
        return self._batch_response(started, results, errors, 201)

    # -- updates and archiving -------------------------------------------------

    def _update_problems(self, rec, props, pending):
        """Validate an update (or, rec None, a create) of props; claims its unique values in
        `pending` when valid. Returns (clean, problems)."""
        clean, problems = self._validate(props)
        if not problems:
            problems = self.store.unique_problems(clean, pending, exclude=rec.id if rec is not None else None)
        if not problems:
            self.store.claim_unique(clean, pending)
        if not problems and rec is not None:
            emulator_objects.check_unique_update(self.current, rec, clean, self.config["portal_id"],
                                                 self.unique_pending)
        elif not problems:
            self._required(clean)
            emulator_objects.check_unique_creates(self.current, [clean])
        return clean, problems

    def _apply_update(self, rec, clean, now):
        """Write validated values to a record (recording history) and stamp the modification."""
        ts = iso_ms(now)
        for name, value in clean.items():
            rec.set_property(name, value, ts)
        if clean.get("createdate"):
            rec.created_at = clean["createdate"]
        self._derive(rec, ts)
        rec.set_property("hs_lastmodifieddate", ts, ts)
        if "lastmodifieddate" in rec.properties:
            rec.set_property("lastmodifieddate", ts, ts)
        rec.updated_at = ts

    def api_update_object(self, req, object_type, object_id):
        self.resolve_object_type(object_type)
        props = self._properties_input(req.json(), req.text(), "SimplePublicObjectInput")
        id_property = self._id_property((req.query.get("idProperty") or [""])[0], object_type, "update")
        rec = self._find_record(id_property, object_id)
        if rec is None:
            raise object_not_found(object_id)
        clean, problems = self._update_problems(rec, props, set())
        if problems:
            raise problems_error(problems, self.config["portal_id"])
        self._apply_update(rec, clean, self.now())
        return Response(200, self.object_json(rec, all_properties=True, written=clean))

    def api_archive_object(self, req, object_type, object_id):
        self.resolve_object_type(object_type)
        rec = self.store.get(object_id, archived=False)
        if rec is not None:
            self.store.archive(rec, self.now())
        return Response(204)

    def api_batch_archive(self, req, object_type):
        self.resolve_object_type(object_type)
        body, inputs, raw_text = self._batch_inputs(req, "SimplePublicObjectId")
        ids = [self._string_field(item, "id", raw_text, required=True) for item in inputs]
        now = self.now()
        for object_id in ids:
            rec = self.store.get(object_id, archived=False)
            if rec is not None:
                self.store.archive(rec, now)
        return Response(204)

    def api_batch_read(self, req, object_type):
        resolved = self.resolve_object_type(object_type)
        started = self.now()
        archived = parse_bool_param(req.query, "archived")
        body, inputs, raw_text = self._batch_inputs(req, "SimplePublicObjectId")
        properties = self._name_list(body, "properties", raw_text) or None
        history = self._name_list(body, "propertiesWithHistory", raw_text)
        if history and len(inputs) > BATCH_MAX_WITH_HISTORY:
            raise validation_error("The maximum number of inputs supported in a batch request for property "
                                   "histories is %d. Please reduce the number of items and try again"
                                   % BATCH_MAX_WITH_HISTORY)
        id_property = self._id_property(self._string_field(body, "idProperty", raw_text) or None, object_type, "get")
        ids = [self._string_field(item, "id", raw_text, required=True) for item in inputs]
        results, missing, seen = [], [], set()
        for object_id in ids:
            rec = self._find_record(id_property, object_id, archived)
            if rec is None:
                if object_id not in missing:
                    missing.append(object_id)
            elif rec.id not in seen:
                seen.add(rec.id)
                results.append(self.object_json(rec, properties, history))
        errors = []
        if missing:
            errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                           "message": batch_not_found_message(self.otype), "context": {"ids": missing}})
        return self._batch_response(started, results, errors, 200)

    def _batch_write_inputs(self, req, object_type, element_type, upsert):
        """Whole-request checks of batch/update and batch/upsert inputs; returns
        [(id, id_property, props, trace)]. Two inputs naming the same record are a 400."""
        body, inputs, raw_text = self._batch_inputs(req, element_type)
        parsed = []
        for item in inputs:
            object_id = self._string_field(item, "id", raw_text, required=True)
            props = self._properties_input(item, raw_text, element_type)
            name = self._string_field(item, "idProperty", raw_text, required=upsert) or None
            trace = self._string_field(item, "objectWriteTraceId", raw_text)
            parsed.append((object_id, name, props, trace))
        checked = []
        for object_id, name, props, trace in parsed:
            checked.append((object_id, self._id_property(name, object_type, "update/upsert"), props, trace))
        # The same record twice: by record id (an update's idProperty is resolved first), or
        # by the same (idProperty, value).
        seen, duplicates = set(), []
        for object_id, id_property, props, trace in checked:
            rec = None if upsert else self._find_record(id_property, object_id)
            if rec is not None:
                key, shown = (None, rec.id), rec.id
            elif id_property is not None and id_property == self.otype.unique:
                # contacts' email is unique without case: two spellings are one record
                key, shown = (id_property, object_id.lower()), object_id
            else:
                key, shown = (id_property, object_id), object_id
            if key in seen and shown not in duplicates:
                duplicates.append(shown)
            seen.add(key)
        if duplicates:
            raise validation_error("Duplicate IDs found in batch input: [%s]. IDs must be unique"
                                   % ", ".join(duplicates))
        return checked

    def _batch_write(self, started, outcomes, resolved):
        """Apply checked batch/update or batch/upsert outcomes.

        outcomes: [(object_id, rec or None, clean, problems, trace, new)]; rec None and new False
        means the record was not found. A problem on an input without a trace id fails the whole
        request, before anything is written. Returns ([(rec, trace, new, clean)], errors).
        """
        portal = self.config["portal_id"]
        for object_id, rec, clean, problems, trace, new in outcomes:
            if problems and trace is None:
                raise problems_error(problems, portal)
        now = self.now()
        results, errors = [], []
        for object_id, rec, clean, problems, trace, new in outcomes:
            if problems:
                errors.append({"status": "error", "category": "VALIDATION_ERROR",
                               "message": problems_message(problems, portal),
                               "context": {"objectWriteTraceId": [trace]}})
                continue
            if rec is None and not new:
                context = {"ids": [object_id]}
                if trace is not None:
                    context["objectWriteTraceId"] = [trace]
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "message": batch_not_found_message(self.otype), "context": context})
                continue
            if new:
                rec = self._create(clean, [], now)
            else:
                self._apply_update(rec, clean, now)
            results.append((rec, trace, new, clean))
        return results, errors

    def api_batch_update(self, req, object_type):
        resolved = self.resolve_object_type(object_type)
        started = self.now()
        checked = self._batch_write_inputs(req, object_type, "SimplePublicObjectBatchInput", upsert=False)
        pending, outcomes = set(), []
        for object_id, id_property, props, trace in checked:
            rec = self._find_record(id_property, object_id)
            clean, problems = ({}, []) if rec is None else self._update_problems(rec, props, pending)
            outcomes.append((object_id, rec, clean, problems, trace, False))
        results, errors = self._batch_write(started, outcomes, resolved)
        results = [self._traced_result(rec, trace, clean) for rec, trace, new, clean in results]
        return self._batch_response(started, results, errors, 200)

    def api_batch_upsert(self, req, object_type):
        resolved = self.resolve_object_type(object_type)
        started = self.now()
        checked = self._batch_write_inputs(req, object_type, "SimplePublicObjectBatchInputUpsert", upsert=True)
        pending, outcomes = set(), []
        for object_id, id_property, props, trace in checked:
            if id_property in props and props[id_property] != object_id:
                problem = PropertyProblem(id_property, "INVALID_PROPERTY_VALUE",
                                          'The value of "%s" in properties ("%s") differs from the input id ("%s")'
                                          % (id_property, props[id_property] or "", object_id))
                outcomes.append((object_id, None, {}, [problem], trace, False))
                continue
            rec = self._find_record(id_property, object_id)
            if rec is not None:
                clean, problems = self._update_problems(rec, props, pending)
            else:
                clean, problems = self._update_problems(None, dict(props, **{id_property: object_id}), pending)
            outcomes.append((object_id, rec, clean, problems, trace, rec is None))
        results, errors = self._batch_write(started, outcomes, resolved)
        out = []
        for rec, trace, new, clean in results:
            result = self._traced_result(rec, trace, clean)
            result["new"] = new
            out.append(result)
        return self._batch_response(started, out, errors, 200)

    # -- control endpoints ---------------------------------------------------

    def handle_control(self, req):
        with self.lock:
            route, params = self.match(self.CONTROL_ROUTES, req.method, req.path)
            if route is None:
                status = 405 if params else 404
                return Response(status, {"status": "error", "message": "no control endpoint %s %s" % (req.method, req.path)})
            try:
                return getattr(self, route.handler)(req, **params)
            except (ApiError, ValueError) as e:
                message = e.message if isinstance(e, ApiError) else str(e)
                return Response(400, {"status": "error", "message": message})

    def _control_json(self, req):
        if not req.body.strip():
            return None
        try:
            return json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError("body is not valid JSON: %s" % e)

    def ctl_reset(self, req):
        self.reset()
        return Response(200, {"status": "ok"})

    def ctl_get_requests(self, req):
        return Response(200, {"requests": copy.deepcopy(self.log)})

    def ctl_clear_requests(self, req):
        self.log = []
        return Response(200, {"status": "ok"})

    def ctl_get_faults(self, req):
        return Response(200, {"faults": [r.as_json() for r in self.faults.rules]})

    def ctl_add_faults(self, req):
        added = self.faults.add(self._control_json(req))
        return Response(200, {"added": added, "total": len(self.faults.rules)})

    def ctl_clear_faults(self, req):
        self.faults = FaultSet()
        return Response(200, {"status": "ok"})

    def ctl_get_config(self, req):
        return Response(200, copy.deepcopy(self.config))

    def ctl_set_config(self, req):
        changes = self._control_json(req)
        if not isinstance(changes, dict):
            raise ValueError("config must be a JSON object")
        new = copy.deepcopy(self.config)
        for key, value in changes.items():
            if key not in DEFAULT_CONFIG:
                raise ValueError("unknown config key %r; known keys: %s" % (key, ", ".join(sorted(DEFAULT_CONFIG))))
            if key in NESTED_CONFIG_KEYS and not (value is None and key in ("search_rate_limit", "association_rate_limit")):
                known = NESTED_CONFIG_KEYS[key]
                if not isinstance(value, dict):
                    raise ValueError("%s must be an object with keys %s" % (key, ", ".join(known)))
                if new[key] is None:
                    new[key] = copy.deepcopy(DEFAULT_CONFIG[key])
                for k, v in value.items():
                    if k not in known:
                        raise ValueError("unknown %s key %r; known keys: %s" % (key, k, ", ".join(known)))
                    new[key][k] = v
            else:
                new[key] = value
        validate_config(new)
        old_seed = self.config["random_seed"]
        self.config = new
        if "correlation_ids" in changes:
            set_correlation_mode(new["correlation_ids"])
        if "id_start" in changes:
            self.ids.set_start(new["id_start"])
        if "random_seed" in changes or new["random_seed"] != old_seed:
            self.random = random.Random(new["random_seed"])
        return Response(200, copy.deepcopy(self.config))

    def ctl_seed(self, req):
        spec = self._control_json(req)
        if not isinstance(spec, dict):
            raise ValueError('seed body must be {"objects":[…]} or {"count":N,"properties":{…}}')
        self._control_object(spec.get("object"))
        items = []
        if "objects" in spec:
            if not isinstance(spec["objects"], list):
                raise ValueError("objects must be a list")
            for obj in spec["objects"]:
                if not isinstance(obj, dict):
                    raise ValueError("each seeded object must be a JSON object")
                items.append((obj.get("properties") or {}, bool(obj.get("archived", False)),
                              obj.get("associations")))
        elif "count" in spec:
            count = spec["count"]
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError("count must be a non-negative integer")
            template = spec.get("properties", {"name": "Product {i}"})
            if not isinstance(template, dict):
                raise ValueError("properties must be an object")
            archived = bool(spec.get("archived", False))
            for i in range(1, count + 1):
                props = {k: v.replace("{i}", str(i)) if isinstance(v, str) else v for k, v in template.items()}
                items.append((props, archived, None))
        else:
            raise ValueError('seed body must have "objects" or "count"')

        prepared, pending = [], set()
        for index, (props, archived, assocs) in enumerate(items):
            if not isinstance(props, dict):
                raise ValueError("object %d: properties must be an object" % index)
            props = {k: self._seed_value(v) for k, v in props.items()}
            clean, problems = self._validate(props)
            if not problems and not archived:
                problems = self.store.unique_problems(clean, pending)
                for name in self.store.unique_properties():
                    if clean.get(name):
                        pending.add((name, clean[name]))
            if problems:
                raise ValueError("object %d: %s" % (index, problems_message(problems, self.config["portal_id"])))
            try:
                associations = check_associations_shape(assocs)
            except ApiError as e:
                raise ValueError("object %d: %s" % (index, e.message))
            prepared.append((clean, associations, archived))
        now = self.now()
        ids = [self._create(clean, assocs, now, archived=archived).id for clean, assocs, archived in prepared]
        return Response(200, {"ids": ids})

    @staticmethod
    def _seed_value(value):
        """A seeded property value as text: strings and null as given, JSON numbers as plain
        decimals (seeded values pass the API's checks, and 1e-05 is not a HubSpot number),
        anything else as its JSON text."""
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return plain_decimal_text(value)
            except (ValueError, decimal.InvalidOperation):
                return json.dumps(value)
        return json.dumps(value)

    def ctl_properties(self, req):
        """Add custom properties to the catalogue (until the next reset): the Properties API,
        the reads' `properties`, the writes and search all know them then. Body
        {"properties": [spec, ...]} (property_from_spec) or {"generate": N, ...}
        (generated_properties). A name already in the catalogue is refused; nothing is added
        unless every property is valid. Answers {"added": [names], "total": catalogue size}."""
        spec = self._control_json(req)
        if isinstance(spec, dict):
            self._control_object(spec.pop("object", None))
        if not isinstance(spec, dict) or ("properties" in spec) == ("generate" in spec):
            raise ValueError('properties body must be {"properties": [{"name", "type", ...}, ...]} '
                             'or {"generate": N, "prefix": "...", "name_length": L}')
        if "generate" in spec:
            props = generated_properties(spec)
        elif isinstance(spec["properties"], list):
            props = [property_from_spec(p) for p in spec["properties"]]
        else:
            raise ValueError("properties must be a list")
        names = [p["name"] for p in props]
        taken = sorted({n for n in names if n in self.catalogue or names.count(n) > 1})
        if taken:
            raise ValueError("properties already defined or given twice: %s" % ", ".join(taken))
        for prop in props:
            self.catalogue[prop["name"]] = prop
        self.store.unique_index.names = frozenset(self.store.unique_properties() + list(self.store.extra_unique))
        return Response(200, {"added": names, "total": len(self.catalogue)})

    def ctl_in_flight(self, req):
        return Response(200, {"in_flight": self.in_flight.count()})

    def ctl_concurrency(self, req):
        path = (req.query.get("path") or [""])[0]
        interval = (req.query.get("interval_ms") or [None])[0]
        if interval is None:
            interval_ms = self.config["rate_limit"]["interval_ms"]
        else:
            try:
                interval_ms = int(interval)
            except ValueError:
                interval_ms = 0
            if interval_ms < 1:
                raise ValueError("interval_ms must be a positive integer")
        entries = [e for e in self.log if path in e["path"]]
        return Response(200, concurrency_summary(entries, interval_ms))

    # -- damaged answers (see DamageRule) ----------------------------------------

    def damaged(self, req, response):
        """The answer to send: response, or a damaged copy when a damage rule takes it."""
        with self.lock:
            return self.damage.apply(req, response)

    def ctl_get_damage(self, req):
        return Response(200, {"rules": [r.as_json() for r in self.damage.rules],
                              "damaged": copy.deepcopy(self.damage.events)})

    def ctl_add_damage(self, req):
        added = self.damage.add(self._control_json(req))
        return Response(200, {"added": added, "total": len(self.damage.rules)})

    def ctl_clear_damage(self, req):
        self.damage = DamageSet()
        return Response(200, {"status": "ok"})

    def ctl_objects(self, req):
        which = (req.query.get("archived") or ["false"])[0].lower()
        if which not in ("true", "false", "all"):
            raise ValueError("archived must be true, false or all")
        archived = None if which == "all" else which == "true"
        self._control_object((req.query.get("object") or [None])[0])
        return Response(200, {"results": [self.full_record_json(r) for r in self.store.sorted_records(archived)]})


def concurrency_summary(entries, interval_ms):
    """What a list of log entries says about the requests' overlap and pace:

        {"requests": M, "429": K, "max_in_flight": N, "max_in_window": W, "interval_ms": I,
         "apps": {app: {"requests": M, "429": K, "max_in_window": W}, ...}}

    max_in_flight is the most requests between their arrival and their answer at one time
    (a request answered as another arrives does not overlap it); max_in_window is the most
    requests (429s included) one app sent within any interval_ms, the largest over the apps.
    Requests without a token belong to no app."""
    edges = []
    for e in entries:
        edges.append((e["started_ms"], 1))
        edges.append((e["ended_ms"], -1))
    edges.sort()  # at one time, answers (-1) before arrivals (+1)
    in_flight = max_in_flight = 0
    for _, step in edges:
        in_flight += step
        max_in_flight = max(max_in_flight, in_flight)
    apps = {}
    for e in entries:
        if e["app"] is not None:
            apps.setdefault(e["app"], []).append(e)
    per_app = {}
    for app, mine in sorted(apps.items()):
        starts = sorted(e["started_ms"] for e in mine)
        most, first = 0, 0
        for last, t in enumerate(starts):
            while t - starts[first] >= interval_ms:
                first += 1
            most = max(most, last - first + 1)
        per_app[app] = {"requests": len(mine), "429": sum(1 for e in mine if e["status"] == 429),
                        "max_in_window": most}
    return {"requests": len(entries), "429": sum(1 for e in entries if e["status"] == 429),
            "max_in_flight": max_in_flight,
            "max_in_window": max((a["max_in_window"] for a in per_app.values()), default=0),
            "interval_ms": interval_ms, "apps": per_app}


def validate_config(cfg):
    """Raise ValueError when a configuration value has the wrong type."""
    def is_int(v, minimum=0):
        return isinstance(v, int) and not isinstance(v, bool) and v >= minimum

    def token_list(v, allow_none=False):
        return (allow_none and v is None) or (isinstance(v, list) and all(isinstance(t, str) for t in v))

    checks = [
        ("tokens", token_list(cfg["tokens"], allow_none=True), "null or a list of strings"),
        ("expired_tokens", token_list(cfg["expired_tokens"]), "a list of strings"),
        ("read_only_tokens", token_list(cfg["read_only_tokens"]), "a list of strings"),
        ("id_start", is_int(cfg["id_start"], 1), "a positive integer"),
        ("correlation_ids", cfg["correlation_ids"] in ("random", "sequential"), '"random" or "sequential"'),
        ("list_over_limit", cfg["list_over_limit"] in ("error", "clamp"), '"error" or "clamp"'),
        ("empty_values", cfg["empty_values"] in ("omit", "null", "empty"), '"omit", "null" or "empty"'),
        ("batch_max", is_int(cfg["batch_max"], 1), "a positive integer"),
        ("shuffle", isinstance(cfg["shuffle"], bool), "a boolean"),
        ("random_seed", cfg["random_seed"] is None or isinstance(cfg["random_seed"], (int, str)), "null, an integer or a string"),
        ("echo_trace_ids", isinstance(cfg["echo_trace_ids"], bool), "a boolean"),
        ("retry_after", cfg["retry_after"] is None or (isinstance(cfg["retry_after"], (int, float))
                                                       and not isinstance(cfg["retry_after"], bool)
                                                       and cfg["retry_after"] >= 0), "null or a number of seconds"),
        ("portal_id", is_int(cfg["portal_id"]), "a non-negative integer"),
        ("accounts", isinstance(cfg["accounts"], dict)
         and all(isinstance(a, str) for a in cfg["accounts"].values()),
         'an object mapping tokens to account ids (strings), e.g. {"pat-1": "portal-a"}'),
        ("token_scopes", isinstance(cfg["token_scopes"], dict)
         and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in cfg["token_scopes"].values()),
         'an object mapping tokens to lists of scopes, e.g. {"pat-1": ["crm.objects.contacts.read"]}'),
        ("association_page_size", is_int(cfg["association_page_size"], 1), "a positive integer"),
        ("inline_association_limit", is_int(cfg["inline_association_limit"], 1), "a positive integer"),
        ("association_batch_errors", cfg["association_batch_errors"] in ("multi_status", "whole"),
         '"multi_status" or "whole"'),
        ("line_item_single_parent", isinstance(cfg["line_item_single_parent"], bool), "a boolean"),
        ("latency_ms", isinstance(cfg["latency_ms"], (int, float)) and not isinstance(cfg["latency_ms"], bool)
         and 0 <= cfg["latency_ms"] <= 600000, "a number of milliseconds from 0 to 600000"),
        ("rate_limit.max", cfg["rate_limit"]["max"] is None or is_int(cfg["rate_limit"]["max"]), "null or a non-negative integer"),
        ("rate_limit.interval_ms", is_int(cfg["rate_limit"]["interval_ms"], 1), "a positive integer"),
        ("rate_limit.daily", cfg["rate_limit"]["daily"] is None or is_int(cfg["rate_limit"]["daily"]), "null or a non-negative integer"),
        ("search_lag_ms", is_int(cfg["search_lag_ms"]), "a non-negative integer (milliseconds)"),
        ("max_url_length", cfg["max_url_length"] is None or is_int(cfg["max_url_length"], 1), "null or a positive integer"),
    ]
    checks += [("search_limits.%s" % k, is_int(cfg["search_limits"][k], 1), "a positive integer")
               for k in emulator_search.SEARCH_LIMIT_KEYS]
    for name in ("search_rate_limit", "association_rate_limit"):
        bucket = cfg[name]
        if bucket is not None:
            checks += [(name + ".max", bucket["max"] is None or is_int(bucket["max"]), "null or a non-negative integer"),
                       (name + ".interval_ms", is_int(bucket["interval_ms"], 1), "a positive integer")]
    for key, ok, expected in checks:
        if not ok:
            raise ValueError("config %s must be %s" % (key, expected))
    if cfg["clock"] is not None:
        try:
            parse_iso_datetime(cfg["clock"])
        except (ValueError, TypeError):
            raise ValueError("config clock must be null or an ISO-8601 date-time, e.g. 2026-11-23T10:00:00.123Z")


class InFlight:
    """Count of API requests being handled: from their body read until their answer is written
    (or the connection is dropped), delays included, so that a test can wait for the emulator to
    finish requests whose client gave up. Use as a context manager around one request."""

    def __init__(self):
        self._lock = threading.Lock()
        self._count = 0

    def __enter__(self):
        with self._lock:
            self._count += 1

    def __exit__(self, *exc):
        with self._lock:
            self._count -= 1
        return False

    def count(self):
        with self._lock:
            return self._count


# ---------------------------------------------------------------------------
# HTTP handler
# ---------------------------------------------------------------------------

CONTROL_PREFIX = "/_emulator/"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hubspot-emulator"
    # Set on the server class: emulator (Emulator) and verbose (bool).

    def setup(self):
        super().setup()
        # Answer at once: a response written in more than one piece would otherwise wait for
        # the client's delayed ACK (about 40 ms) on a reused connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def version_string(self):
        return self.server_version

    # -- logging -------------------------------------------------------------

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    # -- request reading -----------------------------------------------------

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # -- response writing ----------------------------------------------------

    def send(self, response, truncate=False):
        """Write a response; returns False when the client has gone away."""
        payload = response.payload()
        if truncate and payload:
            payload = payload[:max(1, len(payload) // 2)]
        try:
            self.send_response(response.status)
            if response.status != 204:
                content_type = response.content_type or "application/json;charset=utf-8"
                self.send_header("Content-Type", content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.status != 204 and response.status >= 200:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD" and response.status != 204:
                self.wfile.write(payload)
            self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            self.close_connection = True
            return False

    def abort_connection(self):
        """Close the connection with a TCP RST, without a response."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
            self.rfile.close()
        except OSError:
            pass

    # -- dispatch ------------------------------------------------------------

    def dispatch(self):
        emulator = self.server.emulator
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send(Response(400, {"status": "error", "message": "malformed request body"}))
            return
        req = Request(self.command, self.path, self.headers, body, arrived=time.monotonic())
        if req.path.startswith(CONTROL_PREFIX) or req.path == CONTROL_PREFIX.rstrip("/"):
            try:
                self.send(emulator.handle_control(req))
            except Exception:
                traceback.print_exc()
                self.send(Response(500, {"status": "error", "message": "emulator control error"}))
            return
        try:
            with emulator.in_flight:
                self.dispatch_api(emulator, req)
        except Exception:
            traceback.print_exc()
            resp = emulator.error_response(ApiError(500, "INTERNAL_ERROR", "emulator internal error"))
            emulator.record_request(req, 500)
            self.send(resp)

    def dispatch_api(self, emulator, req):
        """One API request: at its arrival, a 414 when its URL is too long, else the fault rule
        that takes it and (unless that rule answers in its place) its authentication and
        rate-limit count; then the rule's delay, the processing, the configured latency, and
        the answer. Sleeps hold no lock."""
        with emulator.lock:
            latency_ms = emulator.config["latency_ms"]
            too_long = emulator.url_too_long(req)
            if too_long is None:
                rule = emulator.faults.pick(req.method, req.path)
                action = rule.action if rule is not None else None
                refusal = None if action in ("respond", "reset_before") else emulator.admit(req)
        if too_long is not None:
            self.finish(emulator, req, too_long, latency_ms)
            return
        if rule is not None and rule.delay_ms:
            time.sleep(rule.delay_ms / 1000.0)

        if action == "reset_before":
            self.finish(emulator, req, None, latency_ms)
            return
        if action == "respond":
            self.finish(emulator, req, self.fault_response(emulator, rule, req), latency_ms)
            return

        response = refusal or emulator.handle_api(req)
        if action == "reset_after":
            self.finish(emulator, req, None, latency_ms)
            return
        if action in (None, "delay"):
            response = emulator.damaged(req, response)
        self.finish(emulator, req, response, latency_ms, truncate=(action == "malformed"))

    def finish(self, emulator, req, response, latency_ms, truncate=False):
        """After the latency, log the request and send its answer (None: reset the connection)."""
        if latency_ms:
            time.sleep(latency_ms / 1000.0)
        emulator.record_request(req, response.status if response is not None else None)
        if response is None:
            self.abort_connection()
        else:
            self.send(response, truncate=truncate)

    @staticmethod
    def fault_response(emulator, rule, req):
        status = rule.status
        headers = emulator.rate_headers(req)
        if rule.body is not None:
            body = rule.body
        elif status == 429:
            body = emulator.rate_limit_error("TEN_SECONDLY_ROLLING").body(new_correlation_id())
        elif status >= 400:
            category, message = FAULT_DEFAULTS.get(status, ("ERROR", status_phrase(status)))
            body = ApiError(status, category, message).body(new_correlation_id())
        else:
            body = None
        if rule.pad_bytes:
            body = dict(body) if isinstance(body, dict) else {}
            body["padding"] = "x" * rule.pad_bytes
        correlation = body.get("correlationId") if isinstance(body, dict) else None
        headers["X-HubSpot-Correlation-Id"] = correlation or new_correlation_id()
        headers.update(rule.headers)
        if isinstance(body, str):
            return Response(status, raw=body.encode("utf-8"), headers=headers,
                            content_type=rule.headers.get("Content-Type", "text/plain;charset=utf-8"))
        return Response(status, body, headers)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Room for a burst of new connections from a client with many requests in flight (the
    # default of 5 would drop SYNs, and the client would wait a second to retry).
    request_queue_size = 128

    def __init__(self, port=0, verbose=False, emulator=None):
        self.emulator = emulator or Emulator()
        self.verbose = verbose
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)

    @property
    def port(self):
        return self.server_address[1]

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port


def start_in_thread(port=0, verbose=False):
    """Start an emulator server in a background thread (for in-process tests); returns it."""
    server = EmulatorServer(port, verbose)
    thread = threading.Thread(target=server.serve_forever, name="hubspot-emulator", daemon=True)
    thread.start()
    server.thread = thread
    return server


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description="HubSpot CRM v3 emulator for hubspot_fdw tests")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = pick a free one)")
    parser.add_argument("--port-file", help="write the port number to this file once listening")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    server = EmulatorServer(args.port, args.verbose)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        write_port_file(args.port_file, server.port)
    print("hubspot emulator listening on %s" % server.url, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
