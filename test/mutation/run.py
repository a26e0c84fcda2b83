#!/usr/bin/env python3
"""Mutation testing of hubspot_fdw's response parsers against the HubSpot emulator.

    run.py --url EMULATOR_URL --bindir PG_BINDIR --workdir DIR [--server-env NAME=VALUE]...
           [--report-dir DIR] [--only REGEX] [--quick] [--list] [--verbose]

Starts a throw-away PostgreSQL cluster (PG_BINDIR's initdb, pg_ctl and psql, run as the postgres
OS user when run as root; the server gets the --server-env variables, e.g. where a sanitized
server writes its reports), creates the extension and foreign tables on the emulator, then runs
every case: one statement (STATEMENTS) in a new session, against a fresh emulator state, with one
damage rule (test/emulator.py's damage mode) aimed at the request whose answer it parses. A case
is good when the statement ends

  - in a clean ERROR: a SQLSTATE that is not XX000, the server still alive, nothing in the server
    log about a signal, PANIC, TRAP or a sanitizer, no new report in --report-dir; and, for a
    write, the number of rows the error says HubSpot wrote equals what the emulator wrote
    (08007, outcome unknown, may say fewer);
  - or in a right result: reads return the records that exist (fewer only when the damage hit a
    paging cursor or a record id), no id that neither the emulator's store nor the damaged
    answer has, and no value HubSpot sent with a \\u0000 in it; writes report (command tag,
    RETURNING) exactly the records the emulator created, updated or archived, and RETURNING
    shows only those; results and messages are valid UTF-8;

and never in a crash, a hang (statement_timeout, and a driver timeout) or a wrong row count.
Prints one line per case, then a summary and a line per damage kind; exits 1 when a case is bad
(KNOWN_FAILURES included: they are bad cases already reported, listed so that they stay visible
until fixed).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.dont_write_bytecode = True

import emuctl  # noqa: E402

STATEMENT_TIMEOUT = "20s"
DRIVER_TIMEOUT = 60
PRODUCTS = "/crm/v3/objects/products"
PROPERTIES = "/crm/v3/properties/products"

# Bad cases this run found in hubspot_fdw's C code, reported and waiting for a fix: (case ids
# (regular expression, whole id), verdict, finding). They are still bad cases and fail the
# stage; a listed case that passes is reported so that its entry can go.
KNOWN_FAILURES = [
]

SETUP_SQL = r"""
CREATE EXTENSION hubspot_fdw;
CREATE SERVER hs FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'url', max_retries '1', timeout_ms '10000');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs OPTIONS (access_token 'pat-mutation');
CREATE FOREIGN TABLE p (id text, properties jsonb, created_at timestamptz, updated_at timestamptz,
  archived boolean, name text, price numeric) SERVER hs OPTIONS (object 'products');
CREATE FOREIGN TABLE p_skip (id text, properties jsonb, name text, price numeric)
  SERVER hs OPTIONS (object 'products', on_error 'skip');
CREATE FOREIGN TABLE p_up (id text, properties jsonb, external_id text, name text, price numeric)
  SERVER hs OPTIONS (object 'products', id_property 'external_id');
CREATE FOREIGN TABLE p_up_skip (id text, properties jsonb, external_id text, name text, price numeric)
  SERVER hs OPTIONS (object 'products', id_property 'external_id', on_error 'skip');
CREATE FOREIGN TABLE p_hist (id text, properties_with_history jsonb, archived_at timestamptz)
  SERVER hs OPTIONS (object 'products');
CREATE FOREIGN TABLE nosuch (id text, properties jsonb) SERVER hs OPTIONS (object 'p_nosuch');
"""

READ_COLUMNS = "id, name, price, properties, created_at, updated_at, archived"

# Member names each kind of answer has, for damage aimed at one of them.
LIST_TARGETS = ["results", "id", "properties", "createdAt", "paging", "next", "after"]
ONE_TARGETS = ["id", "properties", "createdAt", "updatedAt", "archived", "name", "price"]
BATCH_READ_TARGETS = ["results", "id", "properties", "errors", "category", "context", "ids"]
CATALOGUE_TARGETS = ["results", "name", "type", "modificationMetadata", "readOnlyValue",
                     "hasUniqueValue", "fieldType"]
BATCH_WRITE_TARGETS = ["results", "id", "objectWriteTraceId", "properties", "status", "new"]
MULTI_STATUS_TARGETS = ["results", "errors", "category", "message", "context",
                        "objectWriteTraceId", "numErrors", "id"]
ERROR_TARGETS = ["status", "category", "message", "errors", "correlationId", "context"]
ARCHIVE_TARGETS = ["status"]
SCHEMA_TARGETS = ["results", "objectTypeId", "fullyQualifiedName", "name", "archived",
                  "requiredProperties"]


class Statement:
    """One statement and the request whose answer the damage is aimed at.

    effect: "read" (rows = the records expected), "error" (a read that fails undamaged),
    "create", "upsert", "update", "archive" (a write; the emulator's store says what it did).
    seed: property maps of records to create first; their ids are {id0}, {id1}, … in sql.
    """

    def __init__(self, name, sql, method, path, effect, targets, rows=None, seed=(), skip=0,
                 expect_error=None, setup=None, values=None):
        self.name = name
        self.sql = sql
        self.method = method
        self.path = path
        self.effect = effect
        self.targets = targets
        self.rows = rows
        self.seed = list(seed)
        self.skip = skip
        self.expect_error = expect_error
        self.setup = setup  # SQL run first in the same session (the checker's self-tests)
        self.values = values  # the member of a record whose values a read returns


def products(n, **extra):
    return [dict({"name": "p%d" % i, "price": str(10 + i)}, **{k: v % i for k, v in extra.items()})
            for i in range(n)]


ANY3 = "ARRAY['{id0}', '{id1}', '{id2}']"

STATEMENTS = [
    Statement("list_page1", "SELECT %s FROM p" % READ_COLUMNS, "GET", PRODUCTS, "read",
              LIST_TARGETS, rows=120, seed=products(120), values="properties"),
    Statement("list_page2", "SELECT %s FROM p" % READ_COLUMNS, "GET", PRODUCTS, "read",
              LIST_TARGETS, rows=120, seed=products(120), skip=1, values="properties"),
    Statement("list_history", "SELECT id, properties_with_history, archived_at FROM p_hist",
              "GET", PRODUCTS, "read", LIST_TARGETS + ["propertiesWithHistory", "value"],
              rows=3, seed=products(3), values="propertiesWithHistory"),
    Statement("get_by_id", "SELECT %s FROM p WHERE id = '{id1}'" % READ_COLUMNS, "GET",
              PRODUCTS + "/*", "read", ONE_TARGETS, rows=1, seed=products(3), values="properties"),
    Statement("batch_read", "SELECT %s FROM p WHERE id = ANY (ARRAY['{id0}', '{id1}', '{id2}', '999'])"
              % READ_COLUMNS, "POST", PRODUCTS + "/batch/read", "read", BATCH_READ_TARGETS, rows=3,
              seed=products(4), values="properties"),
    Statement("catalogue_select", "SELECT id, name, price, properties FROM p", "GET", PROPERTIES,
              "read", CATALOGUE_TARGETS, rows=3, seed=products(3)),
    Statement("catalogue_insert", "INSERT INTO p (name, price, properties) VALUES "
              "('c1', 1, '{{\"description\": \"d\"}}'), ('c2', 2, '{{}}')", "GET", PROPERTIES, "create",
              CATALOGUE_TARGETS),
    Statement("insert_batch", "INSERT INTO p (name, price, properties) VALUES ('n1', 1.5, "
              "'{{\"description\": \"d1\"}}'), ('n2', 2, '{{}}'), ('n3', 3, '{{}}')", "POST",
              PRODUCTS + "/batch/create", "create", BATCH_WRITE_TARGETS),
    Statement("insert_returning_1", "INSERT INTO p (name, price) VALUES ('r1', 1), ('r2', 2) "
              "RETURNING id, name, price, created_at, properties", "POST", PRODUCTS, "create",
              ONE_TARGETS),
    Statement("insert_returning_2", "INSERT INTO p (name, price) VALUES ('r1', 1), ('r2', 2) "
              "RETURNING id, name, price, created_at, properties", "POST", PRODUCTS, "create",
              ONE_TARGETS, skip=1),
    Statement("upsert_batch", "INSERT INTO p_up (external_id, name, price) VALUES ('k0', 'u0', 5), "
              "('k1', 'u1', 6), ('k2', 'u2', 7)", "POST", PRODUCTS + "/batch/upsert", "upsert",
              BATCH_WRITE_TARGETS, seed=products(1, external_id="k%d")),
    Statement("upsert_returning", "INSERT INTO p_up (external_id, name, price) VALUES ('k0', 'u0', 5), "
              "('k1', 'u1', 6) RETURNING id, external_id, name, price", "POST",
              PRODUCTS + "/batch/upsert", "upsert", BATCH_WRITE_TARGETS,
              seed=products(1, external_id="k%d")),
    Statement("update_batch", "UPDATE p SET price = price + 1, name = name || 'x' WHERE id = ANY (%s)"
              % ANY3, "POST", PRODUCTS + "/batch/update", "update", BATCH_WRITE_TARGETS,
              seed=products(3)),
    Statement("update_returning", "UPDATE p SET price = price + 1 WHERE id = ANY (%s) "
              "RETURNING id, price, updated_at, properties" % ANY3, "PATCH", PRODUCTS + "/*", "update",
              ONE_TARGETS, seed=products(3)),
    Statement("delete_batch", "DELETE FROM p WHERE id = ANY (%s)" % ANY3, "POST",
              PRODUCTS + "/batch/archive", "archive", ARCHIVE_TARGETS, seed=products(3)),
    Statement("rejected_create", "INSERT INTO p (name, properties) VALUES ('ok1', '{{}}'), "
              "('bad', '{{\"price\": \"abc\"}}'), ('ok2', '{{}}')", "POST", PRODUCTS + "/batch/create",
              "create", MULTI_STATUS_TARGETS, expect_error="22023"),
    Statement("rejected_create_skip", "INSERT INTO p_skip (name, properties) VALUES ('ok1', '{{}}'), "
              "('bad', '{{\"price\": \"abc\"}}'), ('ok2', '{{}}')", "POST", PRODUCTS + "/batch/create",
              "create", MULTI_STATUS_TARGETS),
    Statement("rejected_update_skip", "UPDATE p_skip SET properties = properties || CASE WHEN id = '{id1}' "
              "THEN '{{\"price\": \"abc\"}}'::jsonb ELSE '{{\"price\": \"99\"}}'::jsonb END WHERE id = ANY (%s)"
              % ANY3, "POST", PRODUCTS + "/batch/update", "update", MULTI_STATUS_TARGETS,
              seed=products(3)),
    Statement("rejected_upsert_skip", "INSERT INTO p_up_skip (external_id, name, properties) VALUES "
              "('k0', 'u0', '{{}}'), ('k1', 'u1', '{{\"price\": \"abc\"}}'), ('k2', 'u2', '{{}}')", "POST",
              PRODUCTS + "/batch/upsert", "upsert", MULTI_STATUS_TARGETS),
    Statement("rejected_single", "INSERT INTO p (name, properties) VALUES ('bad', '{{\"price\": \"abc\"}}') "
              "RETURNING id", "POST", PRODUCTS, "create", ERROR_TARGETS, expect_error="22023"),
    # a custom object the account does not have: the schemas API's answer (read twice)
    Statement("not_found_object", "SELECT id, properties FROM nosuch", "GET", "/crm/v3/schemas",
              "error", SCHEMA_TARGETS, expect_error="HV00R"),
]


# Statements that must be judged bad, run first: they show that the checks see a backend that
# died of a signal and a statement that hung.
CHECKER_SELF_TESTS = [
    (Statement("checker_crash", "SELECT 1", None, None, "read", [], rows=1,
               setup="COPY (SELECT 1) TO PROGRAM 'kill -SEGV $PPID'"), "BAD-CRASH"),
    (Statement("checker_hang", "SELECT pg_sleep(5)", None, None, "read", [], rows=1,
               setup="SET statement_timeout = '300ms'"), "BAD-HANG"),
]


def damage_variants(stmt, quick):
    """The damage rules of one statement: [(variant name, rule)]; "none" first (no damage)."""
    base = {"method": stmt.method, "path": stmt.path, "skip": stmt.skip}
    out = [("none", None)]

    def add(kind, name, **extra):
        out.append(("%s/%s" % (kind, name), dict(base, kind=kind, **extra)))

    seeds = (0,) if quick else (0, 1)
    targets = stmt.targets[:4] if quick else stmt.targets
    for seed in seeds:
        add("truncate", "seed%d" % seed, seed=seed)
    add("truncate", "last_byte", at=-1)
    add("truncate", "first_byte", at=1)
    add("empty", "body")
    for target in targets:
        add("wrong_type", target, target=target, seed=len(target))
        add("missing", target, target=target)
    for target in ["id"] + [t for t in ("after", "objectWriteTraceId", "numErrors", "createdAt",
                                        "price") if t in stmt.targets]:
        add("huge_number", target, target=target, seed=len(target))
    for seed in seeds:
        add("huge_number", "seed%d" % seed, seed=seed)
    for depth in ((33, 100000) if quick else (31, 33, 100000)):
        add("deep_nesting", "depth%d" % depth, depth=depth, seed=depth)
    for seed in seeds:
        add("invalid_utf8", "seed%d" % seed, seed=seed)
        add("nul", "seed%d" % seed, seed=seed)
    for target in ("id", "properties", "message", "name"):
        if target in stmt.targets:
            add("invalid_utf8", target, target=target, seed=len(target))
            add("nul", target, target=target, seed=len(target), raw=True)
            add("nul", target + "_escaped", target=target, seed=len(target), raw=False)
    for seed in seeds:
        add("extra_fields", "seed%d" % seed, seed=seed)
    for seed in (0, 1, 2) if not quick else (0, 1):
        add("duplicate_keys", "seed%d" % seed, seed=seed)
    return out


# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

class Text(str):
    """Text decoded from UTF-8, remembering whether the bytes were valid UTF-8."""
    valid = True


def text(raw):
    try:
        return Text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        t = Text(raw.decode("utf-8", "replace"))
        t.valid = False
        return t


class Cluster:
    def __init__(self, bindir, workdir, server_env):
        self.bindir = bindir
        self.workdir = workdir
        self.datadir = os.path.join(workdir, "pgdata")
        self.logfile = os.path.join(workdir, "postgres.log")
        self.server_env = server_env
        self.port = None

    def _as_postgres(self, argv, env=None, **kw):
        full_env = dict(os.environ, PATH=self.bindir + ":" + os.environ.get("PATH", ""))
        full_env.update(env or {})
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", "env"] + \
                ["%s=%s" % (k, v) for k, v in sorted((env or {}).items())] + \
                ["PATH=" + full_env["PATH"]] + argv
        return subprocess.run(argv, env=full_env, **kw)

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
        r = self._as_postgres([os.path.join(self.bindir, "initdb"), "-D", self.datadir, "-U", "postgres",
                               "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                              capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("initdb failed:\n" + r.stdout + r.stderr)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        opts = "-p %d -k %s -c listen_addresses='' -c log_min_messages=warning" % (self.port, self.workdir)
        r = self._as_postgres([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-l", self.logfile,
                               "-w", "-t", "120", "-o", opts, "start"],
                              env=self.server_env, capture_output=True, text=True)
        if r.returncode != 0:
            log = open(self.logfile, errors="replace").read() if os.path.exists(self.logfile) else ""
            raise SystemExit("PostgreSQL did not start:\n" + r.stdout + r.stderr + log[-3000:])

    def stop(self):
        self._as_postgres([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-m", "immediate",
                           "stop"], capture_output=True)

    def psql(self, sql, variables=None, timeout=DRIVER_TIMEOUT):
        """Run sql in a new session; returns (returncode or None on timeout, stdout, stderr)."""
        argv = [os.path.join(self.bindir, "psql"), "-X", "-A", "-h", self.workdir, "-p", str(self.port),
                "-U", "postgres", "-d", "postgres", "-v", "VERBOSITY=verbose", "-f", "-"]
        for k, v in (variables or {}).items():
            argv[1:1] = ["-v", "%s=%s" % (k, v)]
        env = {"PGOPTIONS": "-c statement_timeout=%s" % STATEMENT_TIMEOUT, "PGCONNECT_TIMEOUT": "20"}
        try:
            r = self._as_postgres(argv, env=env, input=sql.encode("utf-8"), capture_output=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as e:
                return None, text(e.stdout or b""), text(e.stderr or b"")
        return r.returncode, text(r.stdout), text(r.stderr)

    def alive(self):
        rc, out, err = self.psql("SELECT 'alive'", timeout=30)
        return rc == 0 and "alive" in out

    def wait_alive(self, seconds=60):
        end = time.time() + seconds
        while time.time() < end:
            if self.alive():
                return True
            time.sleep(0.5)
        return False

    def log_size(self):
        return os.path.getsize(self.logfile) if os.path.exists(self.logfile) else 0

    def log_since(self, offset):
        with open(self.logfile, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")


LOG_ALARMS = re.compile(r"terminated by signal|was terminated by exception|PANIC:|TRAP:|Sanitizer|"
                        r"runtime error:|server process .* exited with exit code [^01]|"
                        r"terminating any other active server processes")


# ---------------------------------------------------------------------------
# One case
# ---------------------------------------------------------------------------

def store(url):
    return {r["id"]: r for r in emuctl.call(url, "GET", "/_emulator/objects?archived=all")["results"]}


def effect_of(before, after, effect):
    """What the emulator did between two snapshots: (count, ids)."""
    created = [i for i in after if i not in before]
    changed = [i for i in after if i in before and not after[i]["archived"]
               and after[i]["properties"] != before[i]["properties"]]
    archived = [i for i in after if i in before and after[i]["archived"] and not before[i]["archived"]]
    ids = {"create": created, "upsert": created + changed, "update": changed,
           "archive": archived}.get(effect, created + changed + archived)
    return len(ids), set(ids)


def parse_psql(out, err):
    """(errors [(sqlstate, message, full text)], tags [(command, count)], row blocks [[rows]])."""
    errors = []
    for m in re.finditer(r"(?:^|\n)psql:[^\n]*?(ERROR|FATAL|PANIC):\s+(?:([0-9A-Z]{5}): )?([^\n]*)((?:\n(?!psql:)[^\n]*)*)", err):
        errors.append((m.group(2), m.group(3), m.group(0)))
    m = re.search(r"(?m)^(ERROR|FATAL|PANIC):\s+(?:([0-9A-Z]{5}): )?([^\n]*)", err)
    if not errors and m:
        errors.append((m.group(2), m.group(3), err))
    tags = [(m.group(1), int(m.group(2))) for m in
            re.finditer(r"^(INSERT 0|UPDATE|DELETE|SELECT|COPY) (\d+)$", out, re.M)]
    blocks = []
    lines = out.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^\((\d+) rows?\)$", lines[i])
        if m:
            n = int(m.group(1))
            blocks.append([l.split("|") for l in lines[i - n:i]])
        i += 1
    return errors, tags, blocks


def claimed_written(text):
    """The rows an ERROR says HubSpot wrote in the statement, or None when it says nothing."""
    m = re.search(r"HubSpot had already [a-z ]+? (\d+) rows? of foreign table", text)
    if m:
        return int(m.group(1))
    m = re.search(r"HubSpot [a-z ]+? the other (?:row|(\d+) rows) of this batch", text)
    if m:
        return int(m.group(1) or 1)
    if re.search(r"HubSpot [a-z ]+? no other row of this batch", text):
        return 0
    return None


def judge(stmt, rule, run):
    """(verdict, detail): verdict "ok" or "BAD-…"."""
    rc, out, err, before, after, events, log, alive, requests = run
    errors, tags, blocks = parse_psql(out, err)
    if LOG_ALARMS.search(log) or re.search(r"server closed the connection unexpectedly|"
                                           r"terminated abnormally|connection to server .* lost", err):
        gist = "; ".join(l.strip() for l in log.splitlines() if LOG_ALARMS.search(l))[:400]
        return "BAD-CRASH", gist or err.strip()[:400]
    if not alive:
        return "BAD-CRASH", "the server does not answer after the statement"
    if rc is None:
        return "BAD-HANG", "no end after %d s" % DRIVER_TIMEOUT
    if rule is not None and not events:
        return "n/a", "the damage did not apply"
    if not (getattr(out, "valid", True) and getattr(err, "valid", True)):
        where = "a result" if not getattr(out, "valid", True) else "a message"
        return "BAD-ENCODING", "%s the server sent is not valid UTF-8 (the database's encoding)" % where
    count, written_ids = effect_of(before, after, stmt.effect)
    damage_text = " ".join(e["damage"] for e in events)

    if errors:
        state, message, full = errors[0]
        if state == "57014":
            return "BAD-HANG", "statement_timeout: " + message
        if state is None:
            return "BAD-ERROR", "ERROR without a SQLSTATE: " + message
        if state.startswith("XX"):
            return "BAD-ERROR", "internal error %s: %s" % (state, message)
        if stmt.effect in ("create", "upsert", "update", "archive"):
            claimed = claimed_written(full) or 0
            if state == "08007":
                if claimed > count:
                    return "BAD-COUNT", "%s: the error says %d rows written, the emulator wrote %d" % (state, claimed, count)
            elif claimed != count:
                return "BAD-COUNT", "%s: the error says %d rows written, the emulator wrote %d: %s" % (
                    state, claimed, count, message)
        if rule is None and stmt.expect_error != state:
            return "BAD-ERROR", "undamaged: %s %s" % (state, message)
        return "ok", "ERROR %s: %s" % (state, message[:120])

    if rule is None and stmt.expect_error:
        return "BAD-ERROR", "undamaged: no ERROR %s" % stmt.expect_error
    if rc != 0:
        return "BAD-ERROR", "psql exited %d: %s" % (rc, err.strip()[:300])
    if stmt.effect == "read":
        lines = out.splitlines()
        got = len(lines)
        want = stmt.rows
        # every id read is a record's, or what the damaged answer said instead
        allowed = set(before) | {"\\N"}
        for e in events:
            if e.get("value"):
                allowed.add(e["value"])
                allowed.add(e["value"].strip('"'))
        strange = sorted({l.split("\t")[0] for l in lines} - allowed)
        if strange:
            return "BAD-VALUE", "ids read that neither HubSpot's store nor the damaged answer has: %s" % (
                ", ".join(x[:40] for x in strange[:3]))
        cut = stmt.values and re.search(r"\.%s\.[^ ]*: \\u0000 at" % stmt.values, damage_text)
        if cut and got > 0:
            return "BAD-VALUE", "a property value with \\u0000 was read without an error (cut at the NUL)"
        if got == want:
            return "ok", "%d rows" % got
        may_lose = re.search(r"\$\.(paging|results\[\d+\]\.id |id |results\[\d+\]\.id\b|id\b)", damage_text + " ")
        if 0 <= got < want and may_lose:
            return "ok", "%d of %d rows (damage hid records: %s)" % (got, want, damage_text)
        return "BAD-COUNT", "%d rows, %d expected" % (got, want)
    if stmt.effect == "error":
        return "BAD-ERROR", "no ERROR"
    # a write that ended without an error
    if not tags:
        return "BAD-ERROR", "no command tag in: %s" % out.strip()[-200:]
    tag = tags[-1][1]
    if tag != count:
        return "BAD-COUNT", "command tag %s %d, the emulator wrote %d" % (tags[-1][0], tag, count)
    if "RETURNING" in stmt.sql:
        rows = blocks[-1] if blocks else []
        if len(rows) != tag:
            return "BAD-COUNT", "%d RETURNING rows, command tag %d" % (len(rows), tag)
        returned = {r[0] for r in rows}
        if not returned <= written_ids:
            return "BAD-COUNT", "RETURNING ids %s, the emulator wrote %s" % (
                sorted(returned - written_ids), sorted(written_ids))
    return "ok", "%s %d" % (tags[-1][0], tag)


def new_reports(report_dir, seen, remove=False):
    """The text of the sanitizer reports written to report_dir since the last call; remove:
    delete the files (reports of the planted crash, which are no finding)."""
    if not report_dir or not os.path.isdir(report_dir):
        return ""
    texts = []
    for name in sorted(os.listdir(report_dir)):
        path = os.path.join(report_dir, name)
        size = os.path.getsize(path)
        if seen.get(name, 0) < size:
            with open(path, "rb") as f:
                f.seek(seen.get(name, 0))
                texts.append(f.read().decode("utf-8", "replace"))
            seen[name] = size
            if remove:
                os.unlink(path)
    return "".join(texts)


def run_case(cluster, url, stmt, rule):
    emuctl.call(url, "POST", "/_emulator/reset")
    emuctl.call(url, "POST", "/_emulator/config", {"rate_limit": {"max": None, "daily": None},
                                                   "random_seed": 7, "empty_values": "empty"})
    ids = []
    if stmt.seed:
        ids = emuctl.call(url, "POST", "/_emulator/seed", {"objects": [{"properties": p} for p in stmt.seed]})["ids"]
    if rule is not None:
        emuctl.call(url, "POST", "/_emulator/damage", rule)
    before = store(url)
    offset = cluster.log_size()
    sql = stmt.sql.format(**{"id%d" % i: v for i, v in enumerate(ids)})
    if stmt.effect in ("read", "error"):
        # psql drops invalid UTF-8 from the tables it prints, COPY's rows come as sent
        sql = "COPY (%s) TO STDOUT" % sql
    sql += ";\n"
    if stmt.setup:
        sql = "\\set QUIET on\n%s;\n\\set QUIET off\n%s" % (stmt.setup, sql)
    started = time.time()
    rc, out, err = cluster.psql(sql)
    elapsed = time.time() - started
    alive = cluster.alive()
    if not alive:
        cluster.wait_alive()
    time.sleep(0.05)  # let the server write its log
    log = cluster.log_since(offset)
    state = emuctl.call(url, "GET", "/_emulator/damage")
    requests = ["%s %s %s" % (r["method"], r["path"], r["status"])
                for r in emuctl.call(url, "GET", "/_emulator/requests")["requests"]]
    after = store(url)
    return (rc, out, err, before, after, state["damaged"], log, alive, requests), elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("HUBSPOT_EMULATOR_URL"))
    parser.add_argument("--bindir", required=True, help="PostgreSQL bin directory (initdb, pg_ctl, psql)")
    parser.add_argument("--workdir", required=True, help="scratch directory for the cluster")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the PostgreSQL server (repeatable)")
    parser.add_argument("--report-dir", help="a directory where the server's sanitizers write their "
                        "reports (its ASAN_OPTIONS log_path): a report written during a case makes it bad")
    parser.add_argument("--only", help="run only the cases whose id matches this regular expression")
    parser.add_argument("--quick", action="store_true", help="fewer seeds and targets per statement")
    parser.add_argument("--list", action="store_true", help="list the case ids and exit")
    parser.add_argument("--verbose", action="store_true", help="print psql's output of bad cases")
    parser.add_argument("--show", action="store_true", help="print psql's output of every case")
    args = parser.parse_args(argv)

    cases = []
    for stmt in STATEMENTS:
        for variant, rule in damage_variants(stmt, args.quick):
            case_id = "%s/%s" % (stmt.name, variant)
            if args.only and not re.search(args.only, case_id):
                continue
            cases.append((case_id, stmt, rule))
    if args.list:
        for case_id, stmt, rule in cases:
            print(case_id)
        return 0
    if not args.url:
        parser.error("no emulator URL: pass --url or set HUBSPOT_EMULATOR_URL")
    server_env = {}
    for item in args.server_env:
        name, _, value = item.partition("=")
        server_env[name] = value

    os.makedirs(args.workdir, exist_ok=True)
    cluster = Cluster(args.bindir, args.workdir, server_env)
    cluster.start()
    started = time.time()
    counts = {}
    by_kind = {}
    report_sizes = {}
    bad = []
    try:
        rc, out, err = cluster.psql(SETUP_SQL, variables={"url": args.url})
        new_reports(args.report_dir, report_sizes)
        if rc != 0 or "ERROR" in err:
            raise SystemExit("setup failed:\n" + out + err)
        for stmt, expected in CHECKER_SELF_TESTS:
            result, elapsed = run_case(cluster, args.url, stmt, None)
            verdict, detail = judge(stmt, None, result)
            new_reports(args.report_dir, report_sizes, remove=True)  # the planted crash's report
            print("%-9s %-50s %5.2fs  %s" % ("ok" if verdict == expected else "BAD-CHECK",
                                             "checks/" + stmt.name, elapsed, detail), flush=True)
            by_kind.setdefault("checks", [0, 0])[0 if verdict == expected else 1] += 1
            if verdict != expected:
                bad.append("checks/" + stmt.name)
                counts["BAD-CHECK"] = counts.get("BAD-CHECK", 0) + 1
        for case_id, stmt, rule in cases:
            result, elapsed = run_case(cluster, args.url, stmt, rule)
            verdict, detail = judge(stmt, rule, result)
            reports = new_reports(args.report_dir, report_sizes)
            if reports:
                verdict = "BAD-SANITIZER"
                detail = " | ".join(l.strip() for l in reports.splitlines()
                                    if re.search(r"ERROR: |SUMMARY: |^ +#[0-9] ", l))[:600]
            damage = "; ".join(e["damage"] for e in result[5]) or "-"
            known = [k for k in KNOWN_FAILURES if re.fullmatch(k[0], case_id)]
            same = [k for k in known if k[1] == verdict]
            if verdict.startswith("BAD") and same:
                detail += " (known failure %d)" % (KNOWN_FAILURES.index(same[0]) + 1)
            elif known and verdict == "ok":
                detail += " (listed in KNOWN_FAILURES but passed: remove it there)"
            counts[verdict] = counts.get(verdict, 0) + 1
            kind = "none" if rule is None else rule["kind"]
            by_kind.setdefault(kind, [0, 0])[1 if verdict.startswith("BAD") else 0] += 1
            print("%-9s %-50s %5.2fs  %s  [%s]" % (verdict, case_id, elapsed, detail, damage), flush=True)
            if verdict.startswith("BAD"):
                bad.append(case_id)
            if args.show or (args.verbose and verdict.startswith("BAD")):
                print("    requests: " + ", ".join(result[8]))
                print("    stdout: " + result[1][-1500:].replace("\n", "\n    "))
                print("    stderr: " + result[2][-1500:].replace("\n", "\n    "))
                print("    server log: " + result[6][-1500:].replace("\n", "\n    "))
    finally:
        cluster.stop()
    ok = counts.get("ok", 0)
    print("mutation: %d cases in %.0f s: %d ok, %d bad, %d not applicable (%s)" % (
        len(cases), time.time() - started, ok, len(bad), counts.get("n/a", 0),
        ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    for kind, (good, nbad) in by_kind.items():
        print("mutation kind %s: %d good, %d bad" % (kind, good, nbad))
    for i, (pattern, verdict, finding) in enumerate(KNOWN_FAILURES, 1):
        print("known failure %d (%s, %s): %s" % (i, verdict, pattern, finding))
    return 1 if bad else 0


def stop_on_signal(signum, frame):
    raise SystemExit("mutation: stopped by signal %d" % signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop_on_signal)
    sys.exit(main())
