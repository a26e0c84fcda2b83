#!/usr/bin/env python3
"""Control the HubSpot emulator (test/emulator.py) from the shell or from SQL tests.

    emuctl.py [--url URL] [--copy] COMMAND [ARG]

URL comes from --url or the HUBSPOT_EMULATOR_URL environment variable.

Commands:
    reset                  everything back to defaults (records, log, faults, config, counters)
    log                    the request log, one compact JSON object per line
    clear-log              empty the request log
    fault JSON             append a fault rule (object) or rules (list)
    config [JSON]          merge keys into the configuration; prints the configuration
    seed JSON              create records directly; prints {"ids":[…]}; "object": "deals" seeds
                           another object than products
    properties JSON        add custom properties to the catalogue ("object": "contacts" for
                           another object than products), {"properties":[{"name","type",…}]}
                           or {"generate":N,"prefix":"…","name_length":L}; prints
                           {"added":[names],"total":N}
    objects [OBJECT] [--archived|--all]
                           stored records of OBJECT (a path name such as deals, 0-3 or p_pets;
                           default products; also --object OBJECT), live by default, one JSON
                           object per line, sorted by numeric id
    scopes [JSON]          {"token": T, "scopes": [scope, ...]} gives token T only these scopes
                           ("scopes": null: every scope again); prints {"token_scopes": {...}};
                           without JSON, prints the tokens' scopes
    associate JSON         write associations as the v4 API would, {"associations": [{"from":
                           {"object": "deals", "id": "1"}, "to": {"object": "contacts", "id": "2"}[,
                           "types": [{"associationCategory", "associationTypeId"}]]}]} (without
                           types: the pair's default type); prints {"written": N}
    associations FROM TO   the associations stored from FROM records to TO records, one JSON
                           object per line: {"from", "to", "types": [{category, typeId, label}]}
    damage [JSON]          append a damage rule (object) or rules (list): the next matching
                           answers are sent damaged; without JSON, print the rules (one line
                           each) and then the answers damaged so far
    damage-clear           remove every damage rule and forget the answers damaged
    wait-idle [SECONDS]    wait until the emulator has finished every API request it received
                           (delayed ones whose client gave up included); fails after SECONDS
                           (default 10) with requests still in flight
    concurrency [PATH]     overlap and pace of the logged requests (those whose path contains
                           PATH), one JSON object: {"requests", "429", "max_in_flight",
                           "max_in_window", "interval_ms", "apps": {app: {...}}}

--copy escapes the output for PostgreSQL's COPY text format (every backslash doubled), so that
`COPY t(line) FROM PROGRAM 'python3 test/emuctl.py --copy log'` reads one JSON text per row.

Exits non-zero with a message on stderr when the emulator cannot be reached or refuses.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class EmuctlError(Exception):
    pass


def call(base_url, method, path, body=None):
    """Send one control request; returns the parsed JSON answer."""
    data = None
    headers = {}
    if body is not None:
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            payload = resp.read()
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", errors="replace")
        try:
            detail = json.loads(detail).get("message", detail)
        except (ValueError, AttributeError):
            pass
        raise EmuctlError("%s %s: HTTP %d: %s" % (method, path, e.code, detail))
    except (urllib.error.URLError, OSError) as e:
        raise EmuctlError("cannot reach the emulator at %s: %s" % (base_url, getattr(e, "reason", e)))
    try:
        return json.loads(payload.decode("utf-8")) if payload else None
    except ValueError:
        raise EmuctlError("%s %s: the answer is not JSON" % (method, path))


def parse_json_arg(text, what):
    try:
        return json.loads(text)
    except ValueError as e:
        raise EmuctlError("%s is not valid JSON: %s" % (what, e))


def wait_idle(url, timeout_s, poll_s=0.02):
    """Return once the emulator reports no API request in flight; EmuctlError after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        n = call(url, "GET", "/_emulator/in-flight")["in_flight"]
        if n == 0:
            return
        if time.monotonic() >= deadline:
            raise EmuctlError("the emulator still has %d API request(s) in flight after %g s" % (n, timeout_s))
        time.sleep(poll_s)


def line(obj, copy_format):
    text = json.dumps(obj, separators=(",", ":"))
    if copy_format:
        text = text.replace("\\", "\\\\")
    return text


def run_damage(url, cmd, arg):
    """The damage commands; returns the lines to print."""
    if cmd == "damage-clear":
        call(url, "DELETE", "/_emulator/damage")
        return []
    if arg is None:
        state = call(url, "GET", "/_emulator/damage")
        return [dict(r, line="rule") for r in state["rules"]] + \
            [dict(e, line="damaged") for e in state["damaged"]]
    call(url, "POST", "/_emulator/damage", parse_json_arg(arg, "damage rule"))
    return []


def run(args, out):
    url = args.url or os.environ.get("HUBSPOT_EMULATOR_URL")
    if not url:
        raise EmuctlError("no emulator URL: pass --url or set HUBSPOT_EMULATOR_URL")
    cmd = args.command
    lines = []
    if cmd == "reset":
        call(url, "POST", "/_emulator/reset")
    elif cmd == "clear-log":
        call(url, "DELETE", "/_emulator/requests")
    elif cmd == "log":
        lines = call(url, "GET", "/_emulator/requests")["requests"]
    elif cmd == "fault":
        if args.arg is None:
            raise EmuctlError("fault needs a JSON rule or list of rules")
        call(url, "POST", "/_emulator/faults", parse_json_arg(args.arg, "fault rule"))
    elif cmd == "config":
        if args.arg is None:
            lines = [call(url, "GET", "/_emulator/config")]
        else:
            lines = [call(url, "POST", "/_emulator/config", parse_json_arg(args.arg, "config"))]
    elif cmd == "seed":
        if args.arg is None:
            raise EmuctlError("seed needs a JSON body")
        lines = [call(url, "POST", "/_emulator/seed", parse_json_arg(args.arg, "seed"))]
    elif cmd == "properties":
        if args.arg is None:
            raise EmuctlError("properties needs a JSON body")
        lines = [call(url, "POST", "/_emulator/properties", parse_json_arg(args.arg, "properties"))]
    elif cmd == "objects":
        which = "all" if args.all else ("true" if args.archived else "false")
        query = {"archived": which, "object": args.object or args.arg or "products"}
        results = call(url, "GET", "/_emulator/objects?" + urllib.parse.urlencode(query))["results"]
        lines = sorted(results, key=lambda r: int(r["id"]))
    elif cmd == "scopes":
        if args.arg is None:
            lines = [call(url, "GET", "/_emulator/scopes")]
        else:
            lines = [call(url, "POST", "/_emulator/scopes", parse_json_arg(args.arg, "scopes"))]
    elif cmd == "associate":
        if args.arg is None:
            raise EmuctlError("associate needs a JSON body")
        lines = [call(url, "POST", "/_emulator/associations", parse_json_arg(args.arg, "associations"))]
    elif cmd == "associations":
        if args.arg is None or args.to is None:
            raise EmuctlError("associations needs FROM and TO objects")
        query = urllib.parse.urlencode({"from": args.arg, "to": args.to})
        lines = call(url, "GET", "/_emulator/associations?" + query)["results"]
    elif cmd in ("damage", "damage-clear"):
        lines = run_damage(url, cmd, args.arg)
    elif cmd == "concurrency":
        query = "?" + urllib.parse.urlencode({"path": args.arg}) if args.arg else ""
        lines = [call(url, "GET", "/_emulator/concurrency" + query)]
    elif cmd == "wait-idle":
        try:
            timeout_s = float(args.arg) if args.arg is not None else 10.0
        except ValueError:
            raise EmuctlError("wait-idle needs a number of seconds, not %r" % args.arg)
        wait_idle(url, timeout_s)
    for obj in lines:
        out.write(line(obj, args.copy) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Control the HubSpot emulator.")
    parser.add_argument("--url", help="emulator base URL (default: $HUBSPOT_EMULATOR_URL)")
    parser.add_argument("--copy", action="store_true",
                        help="escape output for PostgreSQL COPY text format")
    parser.add_argument("--archived", action="store_true", help="objects: archived records only")
    parser.add_argument("--all", action="store_true", help="objects: live and archived records")
    parser.add_argument("--object", help="objects: the object (default products)")
    parser.add_argument("command", choices=["reset", "log", "clear-log", "fault", "config", "seed", "properties",
                                            "objects", "damage", "damage-clear", "wait-idle", "concurrency",
                                            "scopes", "associate", "associations"])
    parser.add_argument("arg", nargs="?", help="JSON argument of fault, config, seed, properties, scopes and "
                                               "damage; seconds of wait-idle; path substring of concurrency; "
                                               "object of objects; FROM of associations")
    parser.add_argument("to", nargs="?", help="TO of associations")
    args = parser.parse_args(argv)
    try:
        run(args, sys.stdout)
        sys.stdout.flush()
    except EmuctlError as e:
        sys.stderr.write("emuctl: %s\n" % e)
        return 1
    except BrokenPipeError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
