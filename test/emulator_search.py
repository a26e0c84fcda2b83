"""CRM search for the HubSpot emulator: POST /crm/v3/objects/{objectType}/search.

Pure functions and classes (standard library only, nothing from emulator.py): the request body
is parsed and validated into a SearchRequest, then run over the store's records. emulator.py
routes the request, counts it against the search rate limit, turns a SearchError into its
400 VALIDATION_ERROR body, and answers the dict that `search` returns.

Sources: [DOCS] = shared/docs/hubspot-api.md (section numbers given), which cites HubSpot's
search guide; [CLIENT] = HubSpot's official Node client; [EMULATOR CHOICE] = a point the docs
leave open, decided here so that tests can rely on it.

The request body
----------------
 1. `{"filterGroups": [{"filters": [{"propertyName", "operator", "value" | "highValue" |
    "values"}]}], "sorts": [...], "properties": [...], "limit": N, "after": "offset",
    "query": "text"}`; every member is optional and `{}` is valid [DOCS 3.11]. Members this
    module does not know are ignored, as HubSpot's JSON reader does [EMULATOR CHOICE]. A body
    that is not an object, or a member of the wrong JSON type, is a 400 [EMULATOR CHOICE].
 2. Filters within a group are ANDed, groups are ORed [DOCS 3.11]; no groups (or an empty
    list) = every live record; a group without filters matches every record [EMULATOR CHOICE].
 3. Operators [DOCS 3.11]: EQ, NEQ, LT, LTE, GT, GTE and CONTAINS_TOKEN, NOT_CONTAINS_TOKEN take
    `value`; BETWEEN takes `value` and `highValue` (inclusive at both ends); IN and NOT_IN take a
    non-empty `values` list; HAS_PROPERTY and NOT_HAS_PROPERTY take nothing (a value sent is
    ignored). Filter values are JSON strings; JSON numbers and booleans are taken as their text
    [EMULATOR CHOICE]. An unknown operator, a missing propertyName or operator, a property not
    in the catalogue, a missing value, or a value not valid for the property's type is a 400
    VALIDATION_ERROR [DOCS 4.2], whose message names the filter ("filterGroups[0].filters[1]");
    property and value problems also carry `errors[]` with a code (PROPERTY_DOESNT_EXIST,
    INVALID_FLOAT, INVALID_DATE, INVALID_DATETIME, INVALID_BOOLEAN as the write paths use them,
    and INVALID_FILTER_VALUE for a JSON object, array or null as a value) and
    context.propertyName [EMULATOR CHOICE].
 4. A *missing* value is a property absent, JSON null or "" (cleared) [DOCS 12.1]. EQ, LT, LTE,
    GT, GTE, BETWEEN, IN and CONTAINS_TOKEN never match a missing value; NEQ, NOT_IN and
    NOT_CONTAINS_TOKEN do match it; HAS_PROPERTY = not missing, NOT_HAS_PROPERTY = missing
    [EMULATOR CHOICE, as HubSpot behaves: "not equal" includes records without the value].
 5. Comparison by the property's catalogue `type` [DOCS 3.11 for the case rules; the rest
    EMULATOR CHOICE]:
      number       as decimals; filter values are plain decimals ("-1.5", as property values,
                   DOCS 12.2) or JSON numbers.
      date,        as epoch milliseconds; filter values are epoch milliseconds (string or JSON
      datetime     integer) or ISO-8601 ("2024-01-31", "2024-01-31T10:00:00Z"); a date value
                   "YYYY-MM-DD" is midnight UTC [DOCS 2].
      bool         "true"/"false", case-insensitive (also JSON true/false); false < true.
      enumeration  case-SENSITIVE exact text for every operator, the whole stored value (a
                   multi-select's "a;b" included) [DOCS 3.11]; values are not checked against
                   the options.
      string and   EQ, NEQ, LT, LTE, GT, GTE, BETWEEN and the token operators compare
      the rest     case-insensitively (LT etc. lexicographically on the lower-cased text);
                   IN and NOT_IN compare the values AS GIVEN with the record's value lower-
                   cased ("values must be lowercase", DOCS 3.11), so an upper-case value in IN
                   matches nothing.
    hs_object_id (number), createdate and hs_lastmodifieddate (datetime) are catalogue
    properties like the others, so they filter and sort by those types.
 6. CONTAINS_TOKEN [EMULATOR CHOICE after DOCS 3.11]: the record's value (lower-cased except for
    enumerations) is split into tokens on white space (and, for enumerations, on ";"); the
    filter value is split the same way into a phrase of one or more tokens, in which `*`
    matches any run of characters (`*@hubspot.com`). It matches when the phrase's tokens match
    consecutive tokens of the value, each token wholly. A value of only white space is a 400.
 7. `query` [DOCS 3.11]: a case-insensitive substring of the value of one of the object's
    default searchable properties (products: name, description, price, hs_sku), ANDed with
    the filter groups; "" or null means no query; over 3,000 characters is a 400.

Sorting
-------
 8. `sorts` [DOCS 3.11, CLIENT README]: `[{"propertyName": p, "direction": "ASCENDING" |
    "DESCENDING"}]` (direction defaults to ASCENDING), or the strings "p" (ascending) and "-p"
    (descending), or such an object as JSON text in a string. Every rule is validated (unknown
    property or direction: 400); only the FIRST is applied [DOCS: one sort rule].
 9. Ties, and the order without a sort, are by record id ascending (creation order, DOCS 3.11).
    Values compare by the property's type as in 5 (enumerations case-sensitively, strings
    case-insensitively). Missing values sort as the largest: after every present value when
    ascending, before them when descending [EMULATOR CHOICE].

Paging and the answer
---------------------
10. `limit`: default 10, 1..200, else 400 [DOCS 0]; a JSON integer or its text. `after`: the
    offset of the first result, an integer (JSON string or number), else 400 [DOCS 3.11].
    after + limit > 10,000 is a 400 VALIDATION_ERROR naming the 10,000 limit [DOCS 0], with
    errors[0].code SEARCH_RESULT_LIMIT [EMULATOR CHOICE].
11. 200 answer [DOCS 3.11]: `{"total": <every match, even past 10,000>, "results": [{"id",
    "properties", "createdAt", "updatedAt", "archived": false}], "paging": {"next": {"after":
    "<offset of the next page>"}}}`. `paging` is present whenever matches remain after this
    page, even when the next offset reaches 10,000 (asking for it is then the 400 of 10, as
    real clients that page without checking `total` find out) [EMULATOR CHOICE].
12. `properties` in each result: the requested names that exist in the catalogue (unknown ones
    ignored), plus always createdate, hs_lastmodifieddate and hs_object_id [DOCS 3.11]; with
    `properties` absent, null or [] the list endpoint's default set. A requested property
    without a value follows the emulator's `empty_values` (omitted, null or "").

Consistency
-----------
13. Archived records never appear [DOCS 3.11], at once. With an index lag L ms (emulator config
    search_lag_ms, default 0) the search sees a record only if it was created at least L ms
    ago (on the emulator clock, config `clock` included), and filters, sorts and returns its
    property values (createdAt and updatedAt too) as they were L ms ago, read from the
    record's property history [DOCS 3.11: "It may take a few moments..."; the lag model is an
    EMULATOR CHOICE]. With L = 0 the current values are used.

Limits on filters
-----------------
14. At most `groups` filter groups, `filters_per_group` filters in a group and `filters_total`
    in all; more is a 400 VALIDATION_ERROR naming the limit, with errors[0].code
    TOO_MANY_FILTER_GROUPS, TOO_MANY_FILTERS_IN_GROUP or TOO_MANY_FILTERS [codes: EMULATOR
    CHOICE]; the counts of a group are checked before its filters. Defaults 5/6/18 (current
    docs); the 2024 changelog's 5/10/25 can be configured (emulator config search_limits)
    [DOCS 3.11].

The search rate limit (emulator config search_rate_limit, 5 requests per 1,000 ms per account),
its 429 body and the absence of X-HubSpot-RateLimit-* headers are emulator.py's part
[DOCS 5.1, 5.2, 5.3]; the constants are here.
"""

import datetime
import decimal
import json
import re

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

OPERATORS = ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
             "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")
LIST_OPERATORS = ("IN", "NOT_IN")
# Operators that match a record whose value is missing (rule 4).
MISSING_MATCHES = ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN", "NOT_HAS_PROPERTY")

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
MAX_RESULTS = 10000
MAX_QUERY_LENGTH = 3000

# Filter limits: the current docs, and the 2024 changelog's (rule 14).
DEFAULT_SEARCH_LIMITS = {"groups": 5, "filters_per_group": 6, "filters_total": 18}
CHANGELOG_2024_SEARCH_LIMITS = {"groups": 5, "filters_per_group": 10, "filters_total": 25}
SEARCH_LIMIT_KEYS = ("groups", "filters_per_group", "filters_total")

# The search rate limit, per account (hubspot-api.md section 5.1), and its 429 (section 5.3).
DEFAULT_SEARCH_RATE_LIMIT = {"max": 5, "interval_ms": 1000}
SEARCH_RATE_LIMIT_KEYS = ("max", "interval_ms")
SECONDLY_POLICY = "SECONDLY"
SECONDLY_MESSAGE = "You have reached your secondly limit."
SEARCH_RATE_GROUP = "publicapi:crm-search"

# Default searchable properties of `query`, by object type (rule 7).
SEARCHABLE_PROPERTIES = {"products": ("name", "description", "price", "hs_sku")}

DIRECTIONS = ("ASCENDING", "DESCENDING")
PLAIN_DECIMAL_RE = re.compile(r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
EPOCH_MS_RE = re.compile(r"^-?[0-9]+$")
ISO_DATE_START_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")
UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


class SearchError(Exception):
    """A request the search refuses: answered as 400 VALIDATION_ERROR with `message`, and
    `errors` [{message, code, context}] when there is a code."""

    def __init__(self, message, code=None, property_name=None, detail=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.property_name = property_name
        self.detail = detail or message

    def errors(self):
        if self.code is None:
            return None
        error = {"message": self.detail, "code": self.code}
        if self.property_name is not None:
            error["context"] = {"propertyName": [self.property_name]}
        return [error]


def _invalid_json(where, problem):
    return SearchError("Invalid input JSON: %s: %s" % (where, problem))


# ---------------------------------------------------------------------------
# Value kinds: how a property type parses and compares (rules 5 and 9)
# ---------------------------------------------------------------------------

def _filter_text(raw):
    """A filter value as text: strings as they are, JSON numbers and booleans as their text;
    None for anything else (null, objects, arrays)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return format(decimal.Decimal(repr(raw)), "f")
    return None


def iso_to_ms(text):
    """Epoch milliseconds of ISO-8601 text (a date is midnight UTC, naive means UTC); ValueError
    when it is not ISO-8601."""
    if not ISO_DATE_START_RE.match(text):
        raise ValueError("not ISO-8601")
    dt = datetime.datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - EPOCH
    return delta.days * 86400000 + delta.seconds * 1000 + delta.microseconds // 1000


class Kind:
    """How values of a property type parse and compare. The base class compares text
    case-insensitively; StringKind (string, phone_number and every type not in KINDS) adds the
    IN/NOT_IN rule, the other kinds override what differs."""

    name = "string"
    token_separators = r"\s+"

    def stored_key(self, text):
        """The comparison and sort key of a stored value; None when it does not parse."""
        return text.lower()

    def filter_key(self, raw, prop_name):
        """The key of a filter value; SearchError when it is not valid for the type."""
        text = _filter_text(raw)
        if text is None:
            raise self.invalid(raw, prop_name)
        return text.lower()

    def stored_in_key(self, text):
        return self.stored_key(text)

    def filter_in_key(self, raw, prop_name):
        return self.filter_key(raw, prop_name)

    def token_text(self, text):
        return text.lower()

    def invalid(self, raw, prop_name, code="INVALID_FILTER_VALUE"):
        shown = json.dumps(raw) if not isinstance(raw, str) else '"%s"' % raw
        detail = "%s is not a valid %s value for property %s" % (shown, self.name, prop_name)
        return SearchError(detail, code=code, property_name=prop_name, detail=detail)


class StringKind(Kind):
    def stored_in_key(self, text):
        return text.lower()

    def filter_in_key(self, raw, prop_name):
        # IN/NOT_IN: the values as given (HubSpot: "values must be lowercase")
        text = _filter_text(raw)
        if text is None:
            raise self.invalid(raw, prop_name)
        return text


class EnumerationKind(Kind):
    name = "enumeration"
    token_separators = r"[\s;]+"

    def stored_key(self, text):
        return text

    def filter_key(self, raw, prop_name):
        text = _filter_text(raw)
        if text is None:
            raise self.invalid(raw, prop_name)
        return text

    def token_text(self, text):
        return text


class NumberKind(Kind):
    name = "number"

    def stored_key(self, text):
        try:
            value = decimal.Decimal(text)
        except decimal.InvalidOperation:
            return None
        return value if value.is_finite() else None

    def filter_key(self, raw, prop_name):
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise self.invalid(raw, prop_name, "INVALID_FLOAT")
        text = _filter_text(raw)
        if isinstance(raw, str) and not PLAIN_DECIMAL_RE.match(text):
            raise self.invalid(raw, prop_name, "INVALID_FLOAT")
        value = self.stored_key(text)
        if value is None:
            raise self.invalid(raw, prop_name, "INVALID_FLOAT")
        return value


class TimeKind(Kind):
    """date and datetime: epoch milliseconds."""

    def __init__(self, name):
        self.name = name

    def stored_key(self, text):
        try:
            if EPOCH_MS_RE.match(text):
                return int(text)
            return iso_to_ms(text)
        except (ValueError, OverflowError):
            return None

    def filter_key(self, raw, prop_name):
        code = "INVALID_DATE" if self.name == "date" else "INVALID_DATETIME"
        if isinstance(raw, bool):
            raise self.invalid(raw, prop_name, code)
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if not isinstance(raw, str):
            raise self.invalid(raw, prop_name, code)
        value = self.stored_key(raw)
        if value is None:
            raise self.invalid(raw, prop_name, code)
        return value


class BoolKind(Kind):
    name = "bool"

    def stored_key(self, text):
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return None

    def filter_key(self, raw, prop_name):
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise self.invalid(raw, prop_name, "INVALID_BOOLEAN")


KINDS = {"number": NumberKind(), "date": TimeKind("date"), "datetime": TimeKind("datetime"),
         "bool": BoolKind(), "enumeration": EnumerationKind()}
STRING_KIND = StringKind()


def kind_of(prop):
    """The Kind of a catalogue property, by its `type`."""
    return KINDS.get(prop.get("type"), STRING_KIND)


# ---------------------------------------------------------------------------
# Records as the search index sees them (rule 13)
# ---------------------------------------------------------------------------

class RecordView:
    """A stored record (emulator.Record: id, properties, history, created_at, updated_at,
    archived) as the index sees it: its current values (cutoff None), or those it had at
    `cutoff`, an ISO-8601 UTC time with milliseconds like the history's timestamps (which all
    share that fixed-width format, so they compare as text)."""

    def __init__(self, rec, cutoff):
        self.rec = rec
        self.id = rec.id
        self.int_id = int(rec.id)
        self.cutoff = cutoff
        self._values = {}

    def value(self, name):
        """The property's non-empty value, or None when missing (absent, null or "")."""
        if self.cutoff is None:
            return self.rec.properties.get(name) or None
        if name not in self._values:
            found = None
            for value, timestamp in self.rec.history.get(name, ()):
                if timestamp <= self.cutoff:   # newest first: the first one at or before
                    found = value or None
                    break
            self._values[name] = found
        return self._values[name]

    def visible(self):
        """Live, and created at or before the cutoff (hs_object_id is set at creation)."""
        if self.rec.archived:
            return False
        return self.cutoff is None or self.value("hs_object_id") is not None

    def created_at(self):
        if self.cutoff is None:
            return self.rec.created_at
        return self.value("createdate") or self.rec.created_at

    def updated_at(self):
        if self.cutoff is None:
            return self.rec.updated_at
        return self.value("hs_lastmodifieddate") or self.rec.updated_at


# ---------------------------------------------------------------------------
# Filters (rules 2 to 6)
# ---------------------------------------------------------------------------

def token_pattern(text, kind):
    """The regexes of a CONTAINS_TOKEN phrase, one per token; `*` matches any run."""
    parts = [p for p in re.split(kind.token_separators, kind.token_text(text)) if p]
    return [re.compile(".*".join(re.escape(piece) for piece in part.split("*")), re.DOTALL)
            for part in parts]


def contains_tokens(text, pattern, kind):
    tokens = [t for t in re.split(kind.token_separators, kind.token_text(text)) if t]
    n = len(pattern)
    for start in range(len(tokens) - n + 1):
        if all(regex.fullmatch(tokens[start + i]) for i, regex in enumerate(pattern)):
            return True
    return False


class Filter:
    """One validated filter."""

    def __init__(self, prop_name, kind, operator, key=None, high=None, keys=None, pattern=None):
        self.prop_name = prop_name
        self.kind = kind
        self.operator = operator
        self.key = key          # EQ .. GTE, BETWEEN's low value
        self.high = high        # BETWEEN's high value
        self.keys = keys        # IN, NOT_IN: a set
        self.pattern = pattern  # CONTAINS_TOKEN, NOT_CONTAINS_TOKEN

    def matches(self, view):
        op = self.operator
        text = view.value(self.prop_name)
        if text is None:
            return op in MISSING_MATCHES
        if op == "HAS_PROPERTY":
            return True
        if op == "NOT_HAS_PROPERTY":
            return False
        if op in LIST_OPERATORS:
            key = self.kind.stored_in_key(text)
            found = key is not None and key in self.keys
            return found if op == "IN" else not found
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            found = contains_tokens(text, self.pattern, self.kind)
            return found if op == "CONTAINS_TOKEN" else not found
        key = self.kind.stored_key(text)
        if key is None:   # a stored value that does not parse compares as missing
            return op in MISSING_MATCHES
        if op == "EQ":
            return key == self.key
        if op == "NEQ":
            return key != self.key
        if op == "LT":
            return key < self.key
        if op == "LTE":
            return key <= self.key
        if op == "GT":
            return key > self.key
        if op == "GTE":
            return key >= self.key
        return self.key <= key <= self.high   # BETWEEN


def _known_property(name, catalogue, where, object_type):
    prop = catalogue.get(name)
    if prop is None:
        detail = 'Property "%s" does not exist' % name
        raise SearchError('%s: property "%s" does not exist on %s' % (where, name, object_type),
                          code="PROPERTY_DOESNT_EXIST", property_name=name, detail=detail)
    return prop


def _with_location(error, where):
    error.message = "%s: %s" % (where, error.message)
    return error


def parse_filter(spec, where, catalogue, object_type):
    """A Filter from one element of `filters`; SearchError when it is not valid."""
    if not isinstance(spec, dict):
        raise _invalid_json(where, "a filter must be an object")
    name, operator = spec.get("propertyName"), spec.get("operator")
    missing = [k for k, v in (("propertyName", name), ("operator", operator)) if v is None]
    if missing:
        raise _invalid_json(where, "Cannot build Filter, some of required attributes are not set [%s]"
                            % ", ".join(missing))
    if not isinstance(name, str):
        raise _invalid_json(where, "propertyName must be a string")
    if operator not in OPERATORS:
        raise _invalid_json(where, "Cannot deserialize value of type `FilterOperator` from %s: "
                            "not one of the values accepted: [%s]"
                            % (json.dumps(operator), ", ".join(OPERATORS)))
    prop = _known_property(name, catalogue, where, object_type)
    return _typed_filter(spec, name, operator, kind_of(prop), where)


def _typed_filter(spec, name, operator, kind, where):
    def key_of(raw, parse):
        try:
            return parse(raw, name)
        except SearchError as e:
            raise _with_location(e, where)

    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return Filter(name, kind, operator)
    if operator in LIST_OPERATORS:
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise _invalid_json(where, "operator %s requires a non-empty list of values" % operator)
        return Filter(name, kind, operator, keys={key_of(v, kind.filter_in_key) for v in values})
    value = spec.get("value")
    if value is None:
        raise _invalid_json(where, "operator %s requires a value" % operator)
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        text = _filter_text(value)
        pattern = token_pattern(text, kind) if text is not None else []
        if not pattern:
            raise _invalid_json(where, "operator %s requires a value with a token" % operator)
        return Filter(name, kind, operator, pattern=pattern)
    key = key_of(value, kind.filter_key)
    if operator != "BETWEEN":
        return Filter(name, kind, operator, key=key)
    high = spec.get("highValue")
    if high is None:
        raise _invalid_json(where, "operator BETWEEN requires a highValue")
    return Filter(name, kind, operator, key=key, high=key_of(high, kind.filter_key))


def parse_filter_groups(groups, catalogue, object_type, limits):
    """The filter groups: a list of lists of Filter; SearchError on a bad shape, a bad filter
    or too many filters (rule 14)."""
    if groups is None:
        return []
    if not isinstance(groups, list):
        raise _invalid_json("filterGroups", "must be a list of filter groups")
    if len(groups) > limits["groups"]:
        raise SearchError("Too many filter groups: %d were sent; a search takes at most %d filterGroups"
                          % (len(groups), limits["groups"]), code="TOO_MANY_FILTER_GROUPS")
    parsed, total = [], 0
    for g, group in enumerate(groups):
        where = "filterGroups[%d]" % g
        if not isinstance(group, dict):
            raise _invalid_json(where, "a filter group must be an object")
        filters = group.get("filters")
        if filters is None:
            filters = []
        if not isinstance(filters, list):
            raise _invalid_json(where + ".filters", "must be a list of filters")
        if len(filters) > limits["filters_per_group"]:
            raise SearchError("Too many filters in %s: %d were sent; a filter group takes at most %d filters"
                              % (where, len(filters), limits["filters_per_group"]),
                              code="TOO_MANY_FILTERS_IN_GROUP")
        total += len(filters)
        if total > limits["filters_total"]:
            raise SearchError("Too many filters: more than %d were sent; a search takes at most %d filters "
                              "in all its filterGroups" % (limits["filters_total"], limits["filters_total"]),
                              code="TOO_MANY_FILTERS")
        parsed.append([parse_filter(f, "%s.filters[%d]" % (where, i), catalogue, object_type)
                       for i, f in enumerate(filters)])
    return parsed


# ---------------------------------------------------------------------------
# Sorts, paging, the rest of the body (rules 7 to 12)
# ---------------------------------------------------------------------------

def parse_sort(rule, where, catalogue, object_type):
    """(property name, descending) from one element of `sorts`."""
    if isinstance(rule, str) and rule.lstrip().startswith("{"):
        try:
            rule = json.loads(rule)
        except ValueError:
            raise _invalid_json(where, "a sort given as JSON text must be a valid JSON object")
    if isinstance(rule, str):
        descending = rule.startswith("-")
        name = rule[1:] if descending else rule
        if not name:
            raise _invalid_json(where, "a sort must name a property")
        _known_property(name, catalogue, where, object_type)
        return name, descending
    if not isinstance(rule, dict):
        raise _invalid_json(where, 'a sort must be "name", "-name" or {"propertyName", "direction"}')
    name = rule.get("propertyName")
    if not isinstance(name, str) or not name:
        raise _invalid_json(where, "Cannot build Sort, some of required attributes are not set [propertyName]")
    direction = rule.get("direction", "ASCENDING")
    if direction is None:
        direction = "ASCENDING"
    if direction not in DIRECTIONS:
        raise _invalid_json(where, "direction must be ASCENDING or DESCENDING, not %s" % json.dumps(direction))
    _known_property(name, catalogue, where, object_type)
    return name, direction == "DESCENDING"


def _integer(value, what):
    """A non-negative integer from a JSON integer or its text; SearchError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        number = int(value.strip())
    else:
        raise SearchError("%s must be an integer, got %s" % (what, json.dumps(value)))
    if number < 0:
        raise SearchError("%s must not be negative, got %d" % (what, number))
    return number


class SearchRequest:
    """A validated search request body."""

    def __init__(self, body, catalogue, object_type, limits):
        if not isinstance(body, dict):
            raise SearchError("Invalid input JSON: the search request must be a JSON object")
        self.groups = parse_filter_groups(body.get("filterGroups"), catalogue, object_type, limits)

        sorts = body.get("sorts")
        if sorts is not None and not isinstance(sorts, list):
            raise _invalid_json("sorts", "must be a list")
        parsed_sorts = [parse_sort(s, "sorts[%d]" % i, catalogue, object_type)
                        for i, s in enumerate(sorts or [])]
        self.sort = parsed_sorts[0] if parsed_sorts else None

        properties = body.get("properties")
        if properties is not None and (not isinstance(properties, list)
                                       or not all(isinstance(p, str) for p in properties)):
            raise _invalid_json("properties", "must be a list of property names")
        self.properties = properties or None

        query = body.get("query")
        if query is not None and not isinstance(query, str):
            raise _invalid_json("query", "must be a string")
        if query is not None and len(query) > MAX_QUERY_LENGTH:
            raise SearchError("query is too long: %d characters; the maximum is %d"
                              % (len(query), MAX_QUERY_LENGTH))
        self.query = query.lower() if query else None
        self.searchable = SEARCHABLE_PROPERTIES.get(object_type, ())

        limit = body.get("limit")
        self.limit = DEFAULT_LIMIT if limit is None else _integer(limit, "limit")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise SearchError("limit must be between 1 and %d, got %d" % (MAX_LIMIT, self.limit))
        after = body.get("after")
        self.offset = 0 if after is None or after == "" else _integer(after, "after")
        if self.offset + self.limit > MAX_RESULTS:
            raise SearchError("The search API returns at most %d results for a query: after (%d) + limit (%d) "
                              "goes past result %d. Narrow the filters to page through more."
                              % (MAX_RESULTS, self.offset, self.limit, MAX_RESULTS),
                              code="SEARCH_RESULT_LIMIT")

    def matches(self, view):
        if self.groups and not any(all(f.matches(view) for f in group) for group in self.groups):
            return False
        if self.query is not None:
            return any(self.query in (view.value(name) or "").lower() for name in self.searchable)
        return True


def sort_views(views, sort, catalogue):
    """Views ordered by the sort rule (None: by id), ties by id ascending, missing values as
    the largest (rule 9). `views` must already be in ascending id order."""
    if sort is None:
        return views
    name, descending = sort
    kind = kind_of(catalogue[name])

    def key(view):
        text = view.value(name)
        value = kind.stored_key(text) if text is not None else None
        return (1, None) if value is None else (0, value)

    # Python's sort is stable, also with reverse=True: equal keys keep the ascending ids.
    return sorted(views, key=key, reverse=descending)


def result_json(view, names, catalogue, empty_values):
    """One result (rule 12): the named properties that exist, with empty_values applied."""
    props = {}
    for name in names:
        if name not in catalogue:
            continue
        value = view.value(name)
        if value is not None:
            props[name] = value
        elif empty_values == "null":
            props[name] = None
        elif empty_values == "empty":
            props[name] = ""
    return {"id": view.id, "properties": dict(sorted(props.items())),
            "createdAt": view.created_at(), "updatedAt": view.updated_at(), "archived": False}


def search(body, records, catalogue, object_type, limits, cutoff=None, empty_values="omit",
           default_properties=(), always_properties=()):
    """Run one search; returns the 200 answer's body or raises SearchError.

    records: the store's records in ascending id order; cutoff: None (no index lag) or the
    ISO-8601 time whose values the index holds; empty_values: the emulator's setting;
    default_properties / always_properties: the names returned without `properties` / always.
    """
    request = SearchRequest(body, catalogue, object_type, limits)
    views = [v for v in (RecordView(r, cutoff) for r in records) if v.visible() and request.matches(v)]
    ordered = sort_views(views, request.sort, catalogue)
    page = ordered[request.offset:request.offset + request.limit]
    names = list(request.properties if request.properties is not None else default_properties)
    names += [n for n in always_properties if n not in names]
    answer = {"total": len(ordered),
              "results": [result_json(v, names, catalogue, empty_values) for v in page]}
    next_offset = request.offset + request.limit
    if next_offset < len(ordered):
        answer["paging"] = {"next": {"after": str(next_offset)}}
    return answer
