#!/usr/bin/env bash
# A real hubspot_fdw session against the local HubSpot emulator, from a bare
# Debian 12 machine (as root):
#   bash test/demo.sh
# installs what is missing, builds the extension into a private copy of PostgreSQL
# (/var/tmp/hubspot_fdw-…/pgroot), starts the
# emulator and a throw-away PostgreSQL, and runs test/demo.sql in psql:
# products created in batches, read back, joined with a local table, updated,
# archived and upserted; then deals and line items imported with IMPORT FOREIGN SCHEMA,
# associated through an association table, and revenue per product joined in SQL.
# Everything it started is stopped again at the end.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_session

cp "$REPO/test/demo.sql" "$WORK/demo.sql"
chown postgres: "$WORK/demo.sql"
log "running test/demo.sql"
echo
as_postgres env HUBSPOT_EMULATOR_URL="$HUBSPOT_EMULATOR_URL" \
    psql -X -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres \
    --echo-queries -f "$WORK/demo.sql"
echo
log "the emulator received:"
python3 "$REPO/test/emuctl.py" log | python3 -c '
import collections, json, sys
counts = collections.Counter()
for line in sys.stdin:
    r = json.loads(line)
    inputs = len((r.get("body") or {}).get("inputs") or [])
    counts[(r["method"], r["path"], r["status"])] += 1
for (method, path, status), n in sorted(counts.items(), key=lambda kv: kv[0][1]):
    print("    %3d x %-6s %-45s -> %s" % (n, method, path, status))
'
log "demo finished"
