#!/usr/bin/env bash
# Throughput of hubspot_fdw against a hand-written script around HubSpot's
# official Node client, both against the HubSpot emulator, measured in the
# same run (as root, on Debian 12):
#   bash bench/run.sh [ROWS]        (default 5000)
# Prints seconds, rows per second, requests made, and the ratio
# node seconds / fdw seconds for INSERT and for SELECT of every property.
# The emulator's rate limit is off, so this measures the client side: HubSpot
# itself would cap both at its rate limit.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
ROWS=${1:-5000}

start_session
EMUCTL=(python3 "$REPO/test/emuctl.py")
"${EMUCTL[@]}" config '{"rate_limit": {"max": null, "daily": null}}' >/dev/null

psql_q() { as_postgres psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres "$@"; }
psql_q -v url="$HUBSPOT_EMULATOR_URL" <<'SQL'
CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token 'pat-bench-token');
CREATE FOREIGN TABLE products (id text, properties jsonb) SERVER hubspot;
SELECT count(*) > -1 AS warm FROM products \g /dev/null
SQL

requests() { "${EMUCTL[@]}" log | wc -l; }
seconds_of() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["seconds"])'; }
fdw_time() {  # fdw_time SQL: seconds for one statement, measured in the server
    psql_q -c "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN $1; RAISE NOTICE '%', extract(epoch FROM clock_timestamp() - t0); END \$\$" 2>&1 \
        | sed -n 's/.*NOTICE: *//p'
}
report() {  # report OP ROWS FDW_S FDW_REQ NODE_S NODE_REQ
    python3 - "$@" <<'PY'
import sys
op, rows, fs, fr, ns, nr = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], float(sys.argv[5]), sys.argv[6]
print("%-7s %6d rows  hubspot_fdw %6.2f s (%7.0f rows/s, %s requests)   node client %6.2f s (%7.0f rows/s, %s requests)   node/fdw time ratio %.2f"
      % (op, rows, fs, rows / fs, fr, ns, rows / ns, nr, ns / fs))
PY
}

"${EMUCTL[@]}" clear-log
fdw_ins=$(fdw_time "INSERT INTO products (properties) SELECT jsonb_build_object('name', 'FDW product ' || i, 'price', 10 + i / 4.0, 'hs_sku', 'FDW-' || i) FROM generate_series(1, $ROWS) i")
fdw_ins_req=$(requests)
"${EMUCTL[@]}" clear-log
node_ins=$(cd "$REPO/test/node" && node "$REPO/bench/node_baseline.js" insert "$ROWS" | seconds_of)
node_ins_req=$(requests)

total=$((ROWS * 2))
"${EMUCTL[@]}" clear-log
fdw_sel=$(fdw_time "PERFORM count(*), sum(length(properties::text)) FROM products")
fdw_sel_req=$(requests)
"${EMUCTL[@]}" clear-log
node_sel=$(cd "$REPO/test/node" && node "$REPO/bench/node_baseline.js" select | seconds_of)
node_sel_req=$(requests)

echo
report INSERT "$ROWS" "$fdw_ins" "$fdw_ins_req" "$node_ins" "$node_ins_req"
report SELECT "$total" "$fdw_sel" "$fdw_sel_req" "$node_sel" "$node_sel_req"
