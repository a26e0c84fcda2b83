"""The HubSpot emulator's associations: the association types of every pair of objects, the
association store, the v4 endpoints, inline associations (v3 `associations=`) and create-time
associations, following shared/docs/hubspot-objects.md section 4 and the emulator checklist
(section 7, items 11 to 14).

Model (section 4.1): an association joins a record to another in one direction and carries one
or more types (category, type id). Every write also writes the inverse type on the inverse
direction; a labelled write adds the pair's unlabeled default type; removing the default type
removes the pair (both directions); a primary type (contact -> company 1, deal -> company 5,
ticket -> company 26, and their inverses) names at most one record (writing a new one moves it).
HUBSPOT_DEFINED type ids per pair are section 4.5's; the custom object pets has USER_DEFINED
types without label, made up but fixed (90101 ...); USER_DEFINED labels are created through the
labels endpoints (deals -> contacts "Decision maker" / "Deal of decision maker" is seeded, ids 1
and 2; new labels take the next portal-local ids).

Validation (section 7.14): a record that does not exist -> 400 INVALID_OBJECT_IDS ("DEAL=5 is
not valid"); a type id no pair has -> 400 INVALID_ASSOCIATION_TYPE_ID; a type id of another
pair -> 400 "invalid from object type ..." (so a product, which has no association type, can be
associated with nothing); empty types -> 400; a line item with a parent (deal or quote) given a
second one -> 400 (config line_item_single_parent).

Standard library only.
"""

import base64
import binascii
import copy

import emulator_objects
from emulator_objects import BY_NAME

# test/emulator.py, set by it at import (it may run as __main__).
HOST = None

CATEGORY_NUMBERS = {"HUBSPOT_DEFINED": 0, "USER_DEFINED": 1, "INTEGRATOR_DEFINED": 2, "WORK": 3}
READ_MAX = 1000      # v4 batch/read inputs (changelog: enforced from 2025-02-10)
CREATE_MAX = 2000    # v4 batch/create inputs
GET_MAX_LIMIT = 500  # v4 per-record GET

# Section 4.5 among the emulator's objects: (a, b, a->b id, b->a id, kind, a->b label, b->a label).
# kind: "default" (the pair's unlabeled type), "primary", "label" (a HUBSPOT_DEFINED label).
_HS = [
    ("contacts", "contacts", 449, 449, "default"),
    ("contacts", "companies", 279, 280, "default"), ("contacts", "companies", 1, 2, "primary", "Primary", "Primary"),
    ("contacts", "deals", 4, 3, "default"), ("contacts", "tickets", 15, 16, "default"),
    ("contacts", "quotes", 70, 69, "default"),
    ("contacts", "calls", 193, 194, "default"), ("contacts", "emails", 197, 198, "default"),
    ("contacts", "meetings", 199, 200, "default"), ("contacts", "notes", 201, 202, "default"),
    ("contacts", "tasks", 203, 204, "default"),
    ("companies", "companies", 450, 450, "default"),
    ("companies", "companies", 13, 14, "label", "Child Company", "Parent Company"),
    ("companies", "deals", 342, 341, "default"), ("companies", "deals", 6, 5, "primary", "Primary", "Primary"),
    ("companies", "tickets", 340, 339, "default"), ("companies", "tickets", 25, 26, "primary", "Primary", "Primary"),
    ("companies", "quotes", 72, 71, "default"),
    ("companies", "calls", 181, 182, "default"), ("companies", "emails", 185, 186, "default"),
    ("companies", "meetings", 187, 188, "default"), ("companies", "notes", 189, 190, "default"),
    ("companies", "tasks", 191, 192, "default"),
    ("deals", "deals", 451, 451, "default"), ("deals", "tickets", 27, 28, "default"),
    ("deals", "line_items", 19, 20, "default"), ("deals", "quotes", 63, 64, "default"),
    ("deals", "calls", 205, 206, "default"), ("deals", "emails", 209, 210, "default"),
    ("deals", "meetings", 211, 212, "default"), ("deals", "notes", 213, 214, "default"),
    ("deals", "tasks", 215, 216, "default"),
    ("tickets", "tickets", 452, 452, "default"),
    ("tickets", "calls", 219, 220, "default"), ("tickets", "emails", 223, 224, "default"),
    ("tickets", "meetings", 225, 226, "default"), ("tickets", "notes", 227, 228, "default"),
    ("tickets", "tasks", 229, 230, "default"),
    ("line_items", "quotes", 68, 67, "default"), ("quotes", "tasks", 217, 218, "default"),
    ("calls", "meetings", 399, 400, "default"),
]
# The custom object's pairs (USER_DEFINED, unlabeled; made up, fixed).
_CUSTOM = [(t.name, to, ab, ba) for t in emulator_objects.custom_types()
           for to, ab, ba in emulator_objects.custom_association_types()]
# Objects whose records belong to one parent among these (section 1.3, line items).
SINGLE_PARENT = {"line_items": ("deals", "quotes")}
FIRST_LABEL_ID = 1


class AssocType:
    """One direction's association type."""

    def __init__(self, category, type_id, from_name, to_name, label=None, name=None, kind="label"):
        self.category = category
        self.type_id = type_id
        self.from_name = from_name
        self.to_name = to_name
        self.label = label
        self.name = name
        self.kind = kind          # "default", "primary" or "label"
        self.inverse = None       # the inverse AssocType

    @property
    def key(self):
        return (self.category, self.type_id)

    def json(self):
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


def _word(name):
    """An object's word in type names: the singular for standard objects, the name for custom."""
    t = BY_NAME[name]
    return t.name if t.custom else t.singular


class TypeRegistry:
    """Association types by (category, id) and by pair; one per emulator (labels change)."""

    def __init__(self):
        self.by_key = {}
        self.by_pair = {}
        self.next_label_id = FIRST_LABEL_ID
        for row in _HS:
            a, b, ab, ba, kind = row[:5]
            labels = row[5:] if len(row) > 5 else (None, None)
            self._pair("HUBSPOT_DEFINED", a, b, ab, ba, kind, labels)
        for a, b, ab, ba in _CUSTOM:
            self._pair("USER_DEFINED", a, b, ab, ba, "default", (None, None))
        self.add_label("deals", "contacts", "Decision maker", "decision_maker", "Deal of decision maker")

    def _type(self, category, type_id, a, b, kind, label, name=None):
        if (category, type_id) in self.by_key:
            return self.by_key[(category, type_id)]
        t = AssocType(category, type_id, a, b, label, name, kind)
        if name is None:
            has_primary = kind == "primary" or any(x.kind == "primary" for x in self.by_pair.get((a, b), []))
            base = "%s_to_%s" % (_word(a), _word(b))
            t.name = base + ("_unlabeled" if kind == "default" and has_primary else "")
            if kind == "label":
                t.name = (label or base).lower().replace(" ", "_")
        self.by_key[t.key] = t
        self.by_pair.setdefault((a, b), []).append(t)
        if kind == "primary":  # the pair's default, named before it knew of the primary
            for other in self.by_pair[(a, b)]:
                if other.kind == "default":
                    other.name = base + "_unlabeled"
        return t

    def _pair(self, category, a, b, ab, ba, kind, labels, names=(None, None)):
        forward = self._type(category, ab, a, b, kind, labels[0], names[0])
        backward = self._type(category, ba, b, a, kind, labels[1], names[1])
        forward.inverse, backward.inverse = backward, forward
        return forward, backward

    def add_label(self, a, b, label, name, inverse_label=None):
        """A USER_DEFINED label pair on a -> b (and b -> a); returns both types."""
        ab = self.next_label_id
        self.next_label_id += 2
        inverse_label = inverse_label or label
        return self._pair("USER_DEFINED", a, b, ab, ab + 1, "label", (label, inverse_label),
                          (name, (inverse_label if inverse_label != label else name).lower().replace(" ", "_")))

    def remove(self, t):
        for x in (t, t.inverse):
            self.by_key.pop(x.key, None)
            pair = self.by_pair.get((x.from_name, x.to_name), [])
            if x in pair:
                pair.remove(x)

    def pair(self, a, b):
        return list(self.by_pair.get((a, b), []))

    def default(self, a, b):
        return next((t for t in self.by_pair.get((a, b), []) if t.kind == "default"), None)


def sort_types(types):
    return sorted(types, key=lambda t: (CATEGORY_NUMBERS.get(t.category, 9), t.type_id))


class Store:
    """Associations: (from object, from id, to object) -> {to id: [AssocType]} (both directions
    stored). Callers hold the emulator lock."""

    def __init__(self):
        self.links = {}

    def types(self, a, aid, b, bid):
        return list(self.links.get((a, aid, b), {}).get(bid, []))

    def targets(self, a, aid, b):
        """{to id: [AssocType]} of a record towards an object."""
        return self.links.get((a, aid, b), {})

    def _add_one(self, t, aid, bid):
        types = self.links.setdefault((t.from_name, aid, t.to_name), {}).setdefault(bid, [])
        if t not in types:
            types.append(t)

    def _remove_one(self, t, aid, bid):
        targets = self.links.get((t.from_name, aid, t.to_name), {})
        types = targets.get(bid, [])
        if t in types:
            types.remove(t)
        if not types:
            targets.pop(bid, None)

    def add(self, registry, t, aid, bid):
        """Write type t from aid to bid, its inverse, the pair's default, and move a primary."""
        if t.kind == "primary":
            for other, types in list(self.targets(t.from_name, aid, t.to_name).items()):
                if other != bid and t in types:
                    self._remove_one(t, aid, other)
                    self._remove_one(t.inverse, other, aid)
        default = registry.default(t.from_name, t.to_name)
        for x in ([default] if default is not None else []) + [t]:
            self._add_one(x, aid, bid)
            self._add_one(x.inverse, bid, aid)

    def remove(self, registry, t, aid, bid):
        """Remove type t (and its inverse); the default type removes the pair."""
        if t.kind == "default":
            self.remove_pair(t.from_name, aid, t.to_name, bid)
            return
        self._remove_one(t, aid, bid)
        self._remove_one(t.inverse, bid, aid)

    def remove_pair(self, a, aid, b, bid):
        self.links.get((a, aid, b), {}).pop(bid, None)
        self.links.get((b, bid, a), {}).pop(aid, None)

    def forget_type(self, t):
        for (a, aid, b), targets in self.links.items():
            for bid in list(targets):
                if t in targets[bid] or t.inverse in targets[bid]:
                    targets[bid] = [x for x in targets[bid] if x not in (t, t.inverse)]
                    if not targets[bid]:
                        del targets[bid]


class Invalid(Exception):
    """One invalid association: answered as a whole 400 or as a 207 item error."""

    def __init__(self, message, context=None, top="One or more associations are invalid"):
        super().__init__(message)
        self.message = message
        self.context = context
        self.top = top

    def api_error(self):
        if self.context is None:
            return HOST.validation_error(self.message)
        return HOST.validation_error(self.top, context=self.context)

    def item(self):
        out = {"status": "error", "category": "VALIDATION_ERROR",
               "message": self.message if self.context is None else self.top}
        if self.context is not None:
            out["context"] = self.context
        return out


def _cursor(offset):
    return base64.b64encode(("%d" % offset).encode()).decode()


def _offset(after):
    if after in (None, ""):
        return 0
    try:
        return int(base64.b64decode(str(after), validate=True).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise HOST.validation_error("Invalid after cursor: %s" % after)


def _id_text(value):
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
        return None
    return str(value)


def _ref_id(ref):
    """The id of {"id": ...}; None when missing."""
    return _id_text(ref.get("id")) if isinstance(ref, dict) else None


class AssociationEndpoints:
    """Mixed into emulator.Emulator: the v4 endpoints, inline and create-time associations."""

    # -- helpers ---------------------------------------------------------------

    def _types_of(self, name):
        found = emulator_objects.find(name, self.config["portal_id"])
        if found is None:
            raise emulator_objects.unknown_object_type(name)
        return found

    def _live(self, name, object_id):
        return self.states[name].store.get(object_id, archived=False)

    def _check_ids(self, a, aid, b, bid):
        bad = ["%s=%s is not valid" % (BY_NAME[n].upper, i)
               for n, i in ((a, aid), (b, bid)) if self._live(n, i) is None]
        if bad:
            raise Invalid(bad[0], {"INVALID_OBJECT_IDS": bad})

    def _spec_type(self, spec, a, b):
        """The AssocType of an AssociationSpec {associationCategory, associationTypeId} on a -> b."""
        if not isinstance(spec, dict):
            raise Invalid("Invalid input JSON: each association type must be an object")
        category, type_id = spec.get("associationCategory"), spec.get("associationTypeId")
        if category not in CATEGORY_NUMBERS or isinstance(type_id, bool) or not isinstance(type_id, int):
            raise Invalid("Invalid input JSON: associationCategory must be one of %s and associationTypeId "
                          "an integer" % ", ".join(CATEGORY_NUMBERS))
        shown = "%s=%s" % (category, type_id)
        t = self.assoc_types.by_key.get((category, type_id))
        if t is None:
            raise Invalid(shown, {"associationSpec": [shown],
                                  "INVALID_ASSOCIATION_TYPE_ID": ["%s is not a valid association definition id" % shown]})
        definition = "%d-%d" % (CATEGORY_NUMBERS[category], type_id)
        for side, actual, expected in (("from", a, t.from_name), ("to", b, t.to_name)):
            if actual != expected:
                raise Invalid("invalid %s object type %s for associations to be created. expected: %s. For definition %s"
                              % (side, BY_NAME[actual].type_id, BY_NAME[expected].type_id, definition))
        return t

    def _spec_types(self, specs, a, b):
        if not isinstance(specs, list) or not specs:
            raise Invalid("Invalid input JSON: types must be a non-empty list of association types")
        return [self._spec_type(s, a, b) for s in specs]

    def _check_parent(self, types, aid, bid, pending=()):
        """A line item (either side) that has a parent gets no second one (config switch)."""
        if not self.config["line_item_single_parent"]:
            return
        for t in types:
            for child, cid, parent, pid in ((t.from_name, aid, t.to_name, bid), (t.to_name, bid, t.from_name, aid)):
                if parent not in SINGLE_PARENT.get(child, ()):
                    continue
                held = [(p, i) for p in SINGLE_PARENT[child] for i in self.assocs.targets(child, cid, p)
                        if self._live(p, i) is not None] + [x for c, x in pending if c == cid]
                other = [(p, i) for p, i in held if (p, i) != (parent, pid)]
                if other:
                    raise Invalid("%s %s already belongs to %s %s; a %s belongs to one single parent object"
                                  % (BY_NAME[child].label, cid, BY_NAME[other[0][0]].upper, other[0][1],
                                     BY_NAME[child].label))

    def _write_checked(self, a, aid, b, bid, types, pending=None):
        """Check ids, the single parent and write; raises Invalid."""
        self._check_ids(a, aid, b, bid)
        self._check_parent(types, aid, bid, pending or ())
        for t in types:
            self.assocs.add(self.assoc_types, t, aid, bid)
        if pending is not None:
            self._claim_parent(types, aid, bid, pending)

    @staticmethod
    def _claim_parent(types, aid, bid, pending):
        """Note in `pending` the parents that types give a child (line item) in one request."""
        for t in types:
            for child, cid, parent, pid in ((t.from_name, aid, t.to_name, bid), (t.to_name, bid, t.from_name, aid)):
                if parent in SINGLE_PARENT.get(child, ()):
                    pending.append((cid, (parent, pid)))

    def _visible(self, a, aid, b):
        """[(to id, [AssocType])] of a live record towards b: live targets, ascending id."""
        if self._live(a, aid) is None:
            return []
        return [(i, sort_types(ts)) for i, ts in sorted(self.assocs.targets(a, aid, b).items(),
                                                        key=lambda kv: int(kv[0]))
                if ts and self._live(b, i) is not None]

    @staticmethod
    def _multi(to_id, types):
        return {"toObjectId": int(to_id), "associationTypes": [t.json() for t in types]}

    def _labels_between(self, a, aid, b, bid, types):
        return {"fromObjectTypeId": BY_NAME[a].type_id, "fromObjectId": int(aid),
                "toObjectTypeId": BY_NAME[b].type_id, "toObjectId": int(bid),
                "labels": [t.label for t in sort_types(types) if t.label is not None]}

    def _default_results(self, a, aid, b, bid):
        t = self.assoc_types.default(a, b)
        if t is None:
            raise Invalid("There is no default association type between %s and %s"
                          % (BY_NAME[a].type_id, BY_NAME[b].type_id))
        self._write_checked(a, aid, b, bid, [t])
        return [{"from": {"id": bid}, "to": {"id": aid},
                 "associationSpec": {"associationCategory": t.inverse.category, "associationTypeId": t.inverse.type_id}},
                {"from": {"id": aid}, "to": {"id": bid},
                 "associationSpec": {"associationCategory": t.category, "associationTypeId": t.type_id}}]

    def _assoc_inputs(self, req, maximum):
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise HOST.validation_error("Invalid input JSON: inputs is required")
        inputs = body["inputs"]
        if len(inputs) > maximum:
            raise HOST.validation_error("The maximum number of inputs supported in a batch request is %d; %d were "
                                        "sent. Please reduce the number of items and try again" % (maximum, len(inputs)))
        for item in inputs:
            if not isinstance(item, dict):
                raise HOST.validation_error("Invalid input JSON: each input must be an object")
        return inputs

    def _assoc_batch(self, results, errors, ok_status, started):
        if errors and self.config["association_batch_errors"] == "whole":
            raise errors[0].api_error()
        body = {"status": "COMPLETE", "results": results}
        if errors:
            body["numErrors"] = len(errors)
            body["errors"] = [e.item() for e in errors]
        body["startedAt"] = HOST.iso_ms(started)
        body["completedAt"] = HOST.iso_ms(self.now())
        return HOST.Response(207 if errors else ok_status, body)

    # -- v4 batch endpoints ------------------------------------------------------

    def api_assoc_batch_read(self, req, from_type, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        started = self.now()
        inputs = self._assoc_inputs(req, READ_MAX)
        size = self.config["association_page_size"]
        results, errors = [], []
        for item in inputs:
            aid = _ref_id(item)
            if aid is None:
                raise HOST.validation_error("Invalid input JSON: id is required")
            offset = _offset(item.get("after"))
            rows = self._visible(a, aid, b)
            if not rows:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                               "message": "No %s is associated with %s %s." % (_word(b), _word(a), aid),
                               "context": {"fromObjectId": [aid], "fromObjectType": [_word(a)],
                                           "toObjectType": [_word(b)]}})
                continue
            page = rows[offset:offset + size]
            result = {"from": {"id": aid}, "to": [self._multi(i, ts) for i, ts in page]}
            if offset + size < len(rows):
                after = _cursor(offset + size)
                result["paging"] = {"next": {"after": after, "link": "http://%s%s?after=%s" % (
                    req.host, "/crm/v4/objects/%s/%s/associations/%s" % (BY_NAME[a].type_id, aid, BY_NAME[b].type_id),
                    after)}}
            results.append(result)
        body = {"status": "COMPLETE", "results": results}
        if errors:
            body["numErrors"] = len(errors)
            body["errors"] = errors
        body["startedAt"] = HOST.iso_ms(started)
        body["completedAt"] = HOST.iso_ms(self.now())
        return HOST.Response(207 if errors else 200, body)

    def api_assoc_batch_create(self, req, from_type, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        started = self.now()
        inputs = self._assoc_inputs(req, CREATE_MAX)
        results, errors, pending = [], [], []
        for item in inputs:
            aid, bid = _ref_id(item.get("from")), _ref_id(item.get("to"))
            if aid is None or bid is None:
                raise HOST.validation_error("Invalid input JSON: from.id and to.id are required")
            try:
                types = self._spec_types(item.get("types"), a, b)
                self._write_checked(a, aid, b, bid, types, pending)
                results.append(self._labels_between(a, aid, b, bid, types))
            except Invalid as e:
                errors.append(e)
        return self._assoc_batch(results, errors, 201, started)

    def api_assoc_batch_default(self, req, from_type, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        started = self.now()
        inputs = self._assoc_inputs(req, CREATE_MAX)
        results, errors = [], []
        for item in inputs:
            aid, bid = _ref_id(item.get("from")), _ref_id(item.get("to"))
            if aid is None or bid is None:
                raise HOST.validation_error("Invalid input JSON: from.id and to.id are required")
            try:
                results += self._default_results(a, aid, b, bid)
            except Invalid as e:
                errors.append(e)
        return self._assoc_batch(results, errors, 200, started)

    def api_assoc_batch_archive(self, req, from_type, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        for item in self._assoc_inputs(req, CREATE_MAX):
            aid, tos = _ref_id(item.get("from")), item.get("to")
            if aid is None or not isinstance(tos, list) or any(_ref_id(t) is None for t in tos):
                raise HOST.validation_error('Invalid input JSON: each input needs "from": {"id"} and "to": [{"id"}, ...]')
            for to in tos:
                self.assocs.remove_pair(a, aid, b, _ref_id(to))
        return HOST.Response(204)

    def api_assoc_batch_labels_archive(self, req, from_type, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        work = []
        for item in self._assoc_inputs(req, CREATE_MAX):
            aid, bid = _ref_id(item.get("from")), _ref_id(item.get("to"))
            if aid is None or bid is None:
                raise HOST.validation_error("Invalid input JSON: from.id and to.id are required")
            try:
                work.append((aid, bid, self._spec_types(item.get("types"), a, b)))
            except Invalid as e:
                raise e.api_error()
        for aid, bid, types in work:
            for t in types:
                self.assocs.remove(self.assoc_types, t, aid, bid)
        return HOST.Response(204)

    # -- labels ------------------------------------------------------------------

    def api_assoc_labels(self, req, from_type, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        return HOST.Response(200, {"results": [t.json() for t in sort_types(self.assoc_types.pair(a, b))]})

    def _label_body(self, req, *required):
        body = req.json()
        if not isinstance(body, dict) or any(not isinstance(body.get(k), (str, int)) or isinstance(body.get(k), bool)
                                             for k in required):
            raise HOST.validation_error("Invalid input JSON: %s required" % ", ".join(required))
        return body

    def api_assoc_label_create(self, req, from_type, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        body = self._label_body(req, "label", "name")
        if len([t for t in self.assoc_types.pair(a, b) if t.category == "USER_DEFINED" and t.kind == "label"]) >= 10:
            raise HOST.validation_error("You can have up to 10 association labels between %s and %s"
                                        % (BY_NAME[a].type_id, BY_NAME[b].type_id))
        forward, backward = self.assoc_types.add_label(a, b, str(body["label"]), str(body["name"]),
                                                       body.get("inverseLabel"))
        return HOST.Response(200, {"results": [forward.json(), backward.json()]})

    def _user_label(self, a, b, type_id):
        t = self.assoc_types.by_key.get(("USER_DEFINED", type_id))
        if t is None or (t.from_name, t.to_name) not in ((a, b), (b, a)) or t.kind != "label":
            raise HOST.ApiError(404, "OBJECT_NOT_FOUND", "No USER_DEFINED association label %s between %s and %s"
                                % (type_id, BY_NAME[a].type_id, BY_NAME[b].type_id))
        return t

    def api_assoc_label_update(self, req, from_type, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        body = self._label_body(req, "associationTypeId", "label")
        try:
            type_id = int(body["associationTypeId"])
        except ValueError:
            raise HOST.validation_error("associationTypeId must be an integer")
        t = self._user_label(a, b, type_id)
        t.label = str(body["label"])
        if body.get("inverseLabel") is not None:
            t.inverse.label = str(body["inverseLabel"])
        return HOST.Response(204)

    def api_assoc_label_delete(self, req, from_type, to_type, type_id):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        if not type_id.isdigit():
            raise HOST.validation_error("associationTypeId must be an integer")
        t = self._user_label(a, b, int(type_id))
        self.assocs.forget_type(t)
        self.assoc_types.remove(t)
        return HOST.Response(204)

    # -- v4 per-record endpoints -------------------------------------------------

    def api_assoc_get(self, req, from_type, object_id, to_type):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        raw = (req.query.get("limit") or [str(GET_MAX_LIMIT)])[0]
        if not raw.isdigit() or not 1 <= int(raw) <= GET_MAX_LIMIT:
            raise HOST.validation_error("limit must be an integer from 1 to %d, got %s" % (GET_MAX_LIMIT, raw))
        limit, offset = int(raw), _offset((req.query.get("after") or [None])[0])
        rows = self._visible(a, object_id, b)
        body = {"results": [self._multi(i, ts) for i, ts in rows[offset:offset + limit]]}
        if offset + limit < len(rows):
            body["paging"] = {"next": {"after": _cursor(offset + limit), "link": None}}
        return HOST.Response(200, body)

    def api_assoc_put(self, req, from_type, object_id, to_type, to_id):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        try:
            types = self._spec_types(req.json(), a, b)
            self._check_ids(a, object_id, b, to_id)
            self._check_parent(types, object_id, to_id)
        except Invalid as e:
            raise e.api_error()
        # the body's types replace the labels between the two records
        for t in self.assocs.types(a, object_id, b, to_id):
            if t not in types and t.kind != "default":
                self.assocs.remove(self.assoc_types, t, object_id, to_id)
        for t in types:
            self.assocs.add(self.assoc_types, t, object_id, to_id)
        return HOST.Response(201, self._labels_between(a, object_id, b, to_id, types))

    def api_assoc_delete(self, req, from_type, object_id, to_type, to_id):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        self.assocs.remove_pair(a, object_id, b, to_id)
        return HOST.Response(204)

    def api_assoc_put_default(self, req, from_type, object_id, to_type, to_id):
        a, b = self._types_of(from_type).name, self._types_of(to_type).name
        started = self.now()
        try:
            results = self._default_results(a, object_id, b, to_id)
        except Invalid as e:
            raise e.api_error()
        return HOST.Response(200, {"status": "COMPLETE", "results": results, "startedAt": HOST.iso_ms(started),
                                   "completedAt": HOST.iso_ms(self.now())})

    # -- inline associations (v3 associations=) and create-time associations ------

    def inline_targets(self, req):
        """The objects of a read's associations= (comma list or repeated keys); unknown -> 400,
        as is a custom object's bare name (HubSpot infers no object from "pets", section 1.1)."""
        targets = []
        for n in HOST.parse_list_param(req.query, "associations"):
            t = self._types_of(n)
            if t.custom and n.lower() in (t.name, t.singular):
                raise emulator_objects.unknown_object_type(n)
            targets.append(t)
        return targets

    def add_inline(self, out, rec, targets, req):
        """Add the record's associations towards `targets` to a read's answer (keys without any
        left out; 100 ids each (config inline_association_limit), then paging.next)."""
        a = self.otype.name
        portal = self.config["portal_id"]
        limit = self.config["inline_association_limit"]
        inline = {}
        for target in targets:
            rows = self._visible(a, rec.id, target.name)
            if not rows:
                continue
            entry = {"results": [{"id": i, "type": t.name} for i, ts in rows[:limit] for t in ts]}
            if len(rows) > limit:
                after = _cursor(limit)
                entry["paging"] = {"next": {"after": after, "link": "http://%s/crm/v3/objects/%s/%s/associations/%s?after=%s"
                                            % (req.host, self.otype.type_id, rec.id, target.type_id, after)}}
            inline[target.key(portal)] = entry
        if inline:
            out["associations"] = inline
        return out

    def check_create_associations(self, associations_list):
        """Validate the create-time associations of each input (section 4.6; the type id implies
        the target object) before anything is written: a whole-request 400. Returns, per
        input, [(to object, to id, [AssocType])]."""
        a = self.otype.name
        out, pending = [], []
        for index, associations in enumerate(associations_list):
            new_id, resolved = "new-%d" % index, []
            for assoc in associations:
                bid, spec = assoc["to"]["id"], assoc["types"][0]
                implied = self.assoc_types.by_key.get((spec["associationCategory"], spec["associationTypeId"]))
                b = implied.to_name if implied is not None else a
                try:
                    types = self._spec_types(assoc["types"], a, b)
                    if self._live(b, bid) is None:
                        shown = "%s=%s is not valid" % (BY_NAME[b].upper, bid)
                        raise Invalid(shown, {"INVALID_OBJECT_IDS": [shown]})
                    self._check_parent(types, new_id, bid, pending)
                except Invalid as e:
                    raise e.api_error()
                self._claim_parent(types, new_id, bid, pending)
                resolved.append((b, bid, types))
            out.append(resolved)
        return out

    def write_create_associations(self, rec, resolved):
        for b, bid, types in resolved:
            for t in types:
                self.assocs.add(self.assoc_types, t, rec.id, bid)

    # -- control -----------------------------------------------------------------

    def ctl_associate(self, req):
        """{"associations": [{"from": {"object", "id"}, "to": {"object", "id"}, "types"?: [spec]}]}:
        write associations as the v4 API would (default type without types). Answers
        {"written": N}. Nothing is written unless every one is valid."""
        spec = self._control_json(req)
        if not isinstance(spec, dict) or not isinstance(spec.get("associations"), list):
            raise ValueError('associations body must be {"associations": [{"from": {"object", "id"}, "to": {...}, "types": [...]}]}')
        work = []
        for i, item in enumerate(spec["associations"]):
            try:
                ends = [(self._types_of(str(item[k]["object"])).name, _ref_id(item[k])) for k in ("from", "to")]
            except (KeyError, TypeError, HOST.ApiError) as e:
                raise ValueError("association %d: from and to need an object and an id (%s)" % (i, e))
            (a, aid), (b, bid) = ends
            try:
                types = self._spec_types(item["types"], a, b) if "types" in item else [self.assoc_types.default(a, b)]
                if types[0] is None:
                    raise Invalid("no default association type between %s and %s" % (a, b))
                self._check_ids(a, aid, b, bid)
            except Invalid as e:
                raise ValueError("association %d: %s" % (i, e.message if e.context is None else e.context))
            work.append((aid, bid, types))
        for aid, bid, types in work:
            for t in types:
                self.assocs.add(self.assoc_types, t, aid, bid)
        return HOST.Response(200, {"written": len(work)})

    def ctl_associations(self, req):
        """GET /_emulator/associations?from=deals&to=contacts: every association stored from
        `from` records to `to` records, [{"from", "to", "types": [{category, typeId, label}]}]."""
        a = self._types_of((req.query.get("from") or ["products"])[0]).name
        b = self._types_of((req.query.get("to") or ["products"])[0]).name
        rows = []
        for (x, aid, y), targets in sorted(self.assocs.links.items(), key=lambda kv: int(kv[0][1])):
            if (x, y) != (a, b):
                continue
            for bid, types in sorted(targets.items(), key=lambda kv: int(kv[0])):
                rows.append({"from": aid, "to": bid, "types": [t.json() for t in sort_types(types)]})
        return HOST.Response(200, {"results": copy.deepcopy(rows)})


def routes(route_class):
    """The association routes (scope: read or write of both objects)."""
    R = route_class
    FT, TT = r"(?P<from_type>[^/]+)", r"(?P<to_type>[^/]+)"
    batch = r"/crm/v4/associations/" + FT + "/" + TT + r"/batch/"
    labels = r"/crm/(?:v4/associations|associations/v4)/" + FT + "/" + TT + r"/labels"
    record = r"/crm/v4/objects/" + FT + r"/(?P<object_id>[^/]+)/associations/"
    return [
        R("POST", batch + "read", "api_assoc_batch_read", bucket="associations"),
        R("POST", batch + "create", "api_assoc_batch_create", write=True, bucket="associations"),
        R("POST", batch + "associate/default", "api_assoc_batch_default", write=True, bucket="associations"),
        R("POST", batch + "archive", "api_assoc_batch_archive", write=True, bucket="associations"),
        R("POST", batch + "labels/archive", "api_assoc_batch_labels_archive", write=True, bucket="associations"),
        R("GET", labels, "api_assoc_labels", bucket="associations"),
        R("POST", labels, "api_assoc_label_create", write=True, bucket="associations"),
        R("PUT", labels, "api_assoc_label_update", write=True, bucket="associations"),
        R("DELETE", labels + r"/(?P<type_id>[^/]+)", "api_assoc_label_delete", write=True, bucket="associations"),
        R("PUT", record + r"default/" + TT + r"/(?P<to_id>[^/]+)", "api_assoc_put_default", write=True),
        R("GET", record + TT, "api_assoc_get"),
        R("PUT", record + TT + r"/(?P<to_id>[^/]+)", "api_assoc_put", write=True),
        R("DELETE", record + TT + r"/(?P<to_id>[^/]+)", "api_assoc_delete", write=True),
    ]
