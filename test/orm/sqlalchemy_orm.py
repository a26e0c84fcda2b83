#!/usr/bin/python3
"""SQLAlchemy's ORM (Debian's python3-sqlalchemy 1.4, psycopg2) writing to
HubSpot through hubspot_fdw, against the emulator, with writes sent at COMMIT
(hubspot_fdw.write_mode = 'commit', set through the connection's options).

Prints TAP ("ok N - ..." / "not ok N - ..."), checked against the emulator's
request log.  Needs PGHOST, PGPORT (a cluster with hubspot_fdw installed) and
HUBSPOT_EMULATOR_URL.  Run by test/run-tests.sh.
"""
import json
import os
import sys
import traceback
import urllib.request

from sqlalchemy import Column, MetaData, Numeric, Table, Text, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, registry
from sqlalchemy.schema import FetchedValue

EMULATOR = os.environ["HUBSPOT_EMULATOR_URL"]
DSN = "postgresql+psycopg2://postgres@/postgres?host=%s&port=%s" % (
    os.environ["PGHOST"], os.environ["PGPORT"])


def emulator(method, path):
    req = urllib.request.Request(EMULATOR + path, method=method)
    with urllib.request.urlopen(req) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def requests_log():
    return emulator("GET", "/_emulator/requests")["requests"]


def writes(log):
    """The write requests of a log: (method, path, number of inputs)."""
    out = []
    for r in log:
        if r["method"] in ("POST", "PATCH", "DELETE", "PUT") and "/search" not in r["path"] \
                and "/batch/read" not in r["path"]:
            body = r.get("body") or {}
            inputs = body.get("inputs") if isinstance(body, dict) else None
            out.append((r["method"], r["path"], len(inputs) if inputs is not None else None))
    return out


def stored_products():
    return emulator("GET", "/_emulator/objects?object=products")["results"]


SETUP = """
DROP EXTENSION IF EXISTS hubspot_fdw CASCADE;
CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url '%s');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token 'pat-na1-orm-token');
CREATE FOREIGN TABLE products (
    id         text,
    properties jsonb,
    name       text    OPTIONS (property 'name'),
    price      numeric OPTIONS (property 'price'),
    sku        text    OPTIONS (property 'hs_sku')
) SERVER hubspot OPTIONS (object 'products');
""" % EMULATOR

metadata = MetaData()
# The ORM's identity is the client-side key (the SKU): HubSpot assigns the id
# only when the record is created, which in write_mode 'commit' is at COMMIT.
products = Table(
    "products", metadata,
    Column("sku", Text, primary_key=True),
    Column("id", Text, server_default=FetchedValue()),
    Column("name", Text),
    Column("price", Numeric),
)
# The same table mapped the usual way: the id HubSpot generates as the key.
products_by_id = Table(
    "products", MetaData(),
    Column("id", Text, primary_key=True, server_default=FetchedValue()),
    Column("name", Text),
    Column("price", Numeric),
)


class Product:
    def __init__(self, sku, name, price):
        self.sku, self.name, self.price = sku, name, price


class ProductById:
    def __init__(self, name):
        self.name = name


mapper_registry = registry()
mapper_registry.map_imperatively(Product, products)
mapper_registry.map_imperatively(ProductById, products_by_id)

results = []


def check(name, fn):
    try:
        fn()
        results.append(("ok", name))
    except Exception:  # noqa: BLE001 - reported as a failed test
        results.append(("not ok", name))
        sys.stderr.write("# %s\n" % name + "".join("# " + l + "\n" for l in
                                                   traceback.format_exc().splitlines()))


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    admin = create_engine(DSN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for stmt in SETUP.strip().split(";\n"):
            c.execute(text(stmt))
    engine = create_engine(DSN, connect_args={"options": "-c hubspot_fdw.write_mode=commit"})
    emulator("POST", "/_emulator/reset")

    def insert_100_one_per_statement():
        emulator("DELETE", "/_emulator/requests")
        with Session(engine) as s:
            for i in range(100):
                s.add(Product("SKU-%03d" % i, "Product %d" % i, i + 0.5))
                s.flush()           # one INSERT statement per object
            expect(writes(requests_log()) == [], "a write was sent before COMMIT: %r" % writes(requests_log()))
            s.commit()
        w = writes(requests_log())
        expect(w == [("POST", "/crm/v3/objects/products/batch/create", 100)],
               "COMMIT sent %r" % w)
        expect(len(stored_products()) == 100, "HubSpot holds %d products" % len(stored_products()))
    check("ORM: 100 objects flushed one INSERT each, one session commit = 1 batch/create of 100",
          insert_100_one_per_statement)

    def add_all_commit():
        emulator("DELETE", "/_emulator/requests")
        with Session(engine) as s:
            s.add_all([Product("BULK-%03d" % i, "Bulk %d" % i, 1) for i in range(100)])
            s.commit()
        w = writes(requests_log())
        expect(w == [("POST", "/crm/v3/objects/products/batch/create", 100)], "COMMIT sent %r" % w)
    check("ORM: add_all of 100 objects and commit = 1 batch/create of 100", add_all_commit)

    def rollback_sends_nothing():
        emulator("DELETE", "/_emulator/requests")
        before = len(stored_products())
        with Session(engine) as s:
            for i in range(10):
                s.add(Product("GONE-%d" % i, "Gone %d" % i, 1))
            s.flush()
            s.rollback()
        expect(writes(requests_log()) == [], "ROLLBACK sent %r" % writes(requests_log()))
        expect(len(stored_products()) == before, "the record count changed")
    check("ORM: flush then rollback sends nothing", rollback_sends_nothing)

    def insert_then_change():
        emulator("DELETE", "/_emulator/requests")
        with Session(engine) as s:
            p = Product("EDIT-1", "Draft", 1)
            s.add(p)
            s.flush()
            p.name = "Final"
            p.price = 42
            s.flush()           # UPDATE ... WHERE sku = 'EDIT-1', of the queued create
            s.commit()
            expect(p.id is not None and p.id.isdigit(), "the id after COMMIT is %r" % p.id)
        w = writes(requests_log())
        expect(w == [("POST", "/crm/v3/objects/products/batch/create", 1)], "COMMIT sent %r" % w)
        rec = [r for r in stored_products() if r["properties"].get("hs_sku") == "EDIT-1"]
        expect(len(rec) == 1 and rec[0]["properties"]["name"] == "Final"
               and rec[0]["properties"]["price"] == "42", "stored %r" % rec)
    check("ORM: an object added, flushed and changed is one create with the final values; its id after COMMIT is HubSpot's",
          insert_then_change)

    def generated_key_refused():
        emulator("DELETE", "/_emulator/requests")
        with Session(engine) as s:
            s.add(ProductById("needs its id at once"))
            try:
                s.flush()       # INSERT ... RETURNING id
            except DBAPIError as e:
                expect(e.orig.pgcode == "0A000", "SQLSTATE %s" % e.orig.pgcode)
                expect("RETURNING" in str(e.orig), "message %s" % e.orig)
                s.rollback()
            else:
                raise AssertionError("INSERT ... RETURNING was accepted in write_mode 'commit'")
        expect(writes(requests_log()) == [], "sent %r" % writes(requests_log()))
    check("ORM: a mapping keyed by HubSpot's generated id is refused in write_mode 'commit' (0A000), nothing sent",
          generated_key_refused)

    for n, (status, name) in enumerate(results, 1):
        print("%s %d - %s" % (status, n, name))
    return 0 if all(s == "ok" for s, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
