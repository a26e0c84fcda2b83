#!/usr/bin/python3
"""An application's unit of work through hubspot_fdw: SQLAlchemy's ORM (Debian's
python3-sqlalchemy 1.4, psycopg2) adding N products one flush each (one INSERT
statement per object, as an application that needs each row written in turn
does) and committing, against the emulator set up like HubSpot (150 ms per
request, 190 requests per 10 s).  Measured in one run, each from a reset
emulator, BENCH_ORM_REPEAT times (median):

  immediate  hubspot_fdw.write_mode = 'immediate': one request per object
  commit     hubspot_fdw.write_mode = 'commit': queued, one batch per 100 at COMMIT
  statement  the baseline: the same N rows in one INSERT statement (immediate)

Prints seconds, requests and the ratios; run by bench/orm.sh.
"""
import json
import os
import statistics
import sys
import time
import urllib.request

from sqlalchemy import Column, MetaData, Numeric, Table, Text, create_engine, text
from sqlalchemy.orm import Session, registry
from sqlalchemy.schema import FetchedValue

N = int(os.environ.get("BENCH_ORM_ROWS", "100"))
REPEAT = int(os.environ.get("BENCH_ORM_REPEAT", "3"))
EMULATOR = os.environ["HUBSPOT_EMULATOR_URL"]
DSN = "postgresql+psycopg2://postgres@/postgres?host=%s&port=%s" % (
    os.environ["PGHOST"], os.environ["PGPORT"])


def emu(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(EMULATOR + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        payload = resp.read()
    return json.loads(payload) if payload else None


def prepare():
    emu("POST", "/_emulator/reset")
    emu("POST", "/_emulator/config", {"latency_ms": 150,
                                      "rate_limit": {"max": 190, "interval_ms": 10000}})
    emu("DELETE", "/_emulator/requests")


def writes():
    return sum(1 for r in emu("GET", "/_emulator/requests")["requests"]
               if r["method"] != "GET" and "/search" not in r["path"])


metadata = MetaData()
products = Table("products", metadata,
                 Column("sku", Text, primary_key=True),
                 Column("id", Text, server_default=FetchedValue()),
                 Column("name", Text), Column("price", Numeric))


class Product:
    def __init__(self, sku, name, price):
        self.sku, self.name, self.price = sku, name, price


registry().map_imperatively(Product, products)


def orm_run(mode):
    engine = create_engine(DSN, connect_args={"options": "-c hubspot_fdw.write_mode=%s" % mode})
    with engine.connect() as c:          # the library and the catalogue, outside the timing
        c.execute(text("SELECT count(*) FROM products WHERE sku = 'none'"))
    prepare()
    start = time.monotonic()
    with Session(engine) as s:
        for i in range(N):
            s.add(Product("SKU-%05d" % i, "Product %d" % i, i))
            s.flush()
        s.commit()
    seconds = time.monotonic() - start
    engine.dispose()
    return seconds, writes()


def statement_run():
    engine = create_engine(DSN)
    with engine.connect() as c:
        c.execute(text("SELECT count(*) FROM products WHERE sku = 'none'"))
    prepare()
    start = time.monotonic()
    with engine.begin() as c:
        c.execute(text("INSERT INTO products (sku, name, price) "
                       "SELECT 'SKU-' || lpad(i::text, 5, '0'), 'Product ' || i, i "
                       "FROM generate_series(0, :n - 1) i"), {"n": N})
    seconds = time.monotonic() - start
    engine.dispose()
    return seconds, writes()


def main():
    admin = create_engine(DSN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("DROP EXTENSION IF EXISTS hubspot_fdw CASCADE"))
        c.execute(text("CREATE EXTENSION hubspot_fdw"))
        c.execute(text("CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw "
                       "OPTIONS (api_url '%s')" % EMULATOR))
        c.execute(text("CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot "
                       "OPTIONS (access_token 'pat-na1-bench-orm')"))
        c.execute(text("CREATE FOREIGN TABLE products (id text, name text, price numeric, "
                       "sku text OPTIONS (property 'hs_sku')) SERVER hubspot "
                       "OPTIONS (object 'products')"))
    results = {}
    for side, run in (("statement", statement_run), ("commit", lambda: orm_run("commit")),
                      ("immediate", lambda: orm_run("immediate"))):
        runs = [run() for _ in range(REPEAT)]
        results[side] = (statistics.median(r[0] for r in runs), runs[-1][1])
        print("%-10s %8.2f s  %4d write requests" % (side, results[side][0], results[side][1]),
              file=sys.stderr)
    base = results["statement"][0]
    print("ORM unit of work, %d objects flushed one INSERT each, then COMMIT "
          "(150 ms per request, 190 requests per 10 s; median of %d):" % (N, REPEAT))
    for side, label in (("statement", "one INSERT statement of %d rows (baseline)" % N),
                        ("commit", "ORM, write_mode 'commit'"),
                        ("immediate", "ORM, write_mode 'immediate'")):
        secs, reqs = results[side]
        print("  %-44s %7.2f s  %4d write requests  %6.2f x the baseline's time"
              % (label, secs, reqs, secs / base))
    print("  write_mode 'commit' is %.1f x faster than 'immediate' for the ORM"
          % (results["immediate"][0] / results["commit"][0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
