#!/usr/bin/env bash
# Throughput of hubspot_fdw against a hand-written script around HubSpot's
# official Node client (bench/node_baseline.js), both against the HubSpot
# emulator, measured in the same run (as root, on Debian 12):
#   bash bench/run.sh [ROWS]        (default 5000)
# Prints, per operation, seconds, rows per second, requests made, and the
# ratio node seconds / fdw seconds:
#   INSERT   ROWS products (batch/create), once per side, into the same store
#   SELECT   the 2 x ROWS products of both INSERTs, with every property
#   UPDATE   price = price + 1 of ROWS seeded products; fdw through a foreign
#            table (id, price) (an UPDATE reads the whole old row, so a table
#            with a properties jsonb column would read every property); node
#            lists id and price, then batch/update sending only price
#   UPSERT1  batch/upsert of ROWS products EXT-1 … EXT-ROWS by external_id
#            into an empty store (creates them); fdw: INSERT into a foreign
#            table with id_property 'external_id'
#   UPSERT2  the same upsert again with new prices (updates them)
#   DELETE   of ROWS seeded products; fdw: DELETE FROM products; node lists
#            the ids, then batch/archive
# Each side of UPDATE, UPSERT and DELETE starts from the same emulator state
# (reset, then the same seed, so the same ids), and the emulator's records are
# checked after each side: the run stops when a side did not do the work.
# The emulator's rate limit is off, so this measures the client side: HubSpot
# itself would cap both at its rate limit.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
ROWS=${1:-5000}

start_session
EMUCTL=(python3 "$REPO/test/emuctl.py")
# fresh [N]: the emulator reset (empty store, ids from the start again), its
# rate limit off, then N seeded products "Product i" with price i, empty log
fresh() {
    "${EMUCTL[@]}" reset
    "${EMUCTL[@]}" config '{"rate_limit": {"max": null, "daily": null}}' >/dev/null
    if [ -n "${1:-}" ]; then
        "${EMUCTL[@]}" seed "{\"count\": $1, \"properties\": {\"name\": \"Product {i}\", \"price\": \"{i}\", \"hs_sku\": \"SKU-{i}\"}}" >/dev/null
    fi
    "${EMUCTL[@]}" clear-log
}
fresh

psql_q() { as_postgres psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres "$@"; }
psql_q -v url="$HUBSPOT_EMULATOR_URL" <<'SQL'
CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token 'pat-bench-token');
CREATE FOREIGN TABLE products (id text, properties jsonb) SERVER hubspot;
CREATE FOREIGN TABLE product_prices (id text, price numeric) SERVER hubspot OPTIONS (object 'products');
CREATE FOREIGN TABLE products_by_external_id (external_id text, name text, price numeric)
    SERVER hubspot OPTIONS (object 'products', id_property 'external_id');
SELECT count(*) > -1 AS warm FROM products \g /dev/null
SQL

requests() { "${EMUCTL[@]}" log | wc -l; }
fdw_time() {  # fdw_time SQL: "SECONDS ROWS" for one statement, measured in the server
    local out
    out=$(psql_q -c "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); n bigint; BEGIN $1; GET DIAGNOSTICS n = ROW_COUNT; RAISE NOTICE '% %', extract(epoch FROM clock_timestamp() - t0), n; END \$\$" 2>&1) \
        || die "hubspot_fdw failed: $out"
    sed -n 's/.*NOTICE: *//p' <<<"$out"
}
node_time() {  # node_time ARGS…: "SECONDS ROWS" of bench/node_baseline.js ARGS…
    (cd "$REPO/test/node" && node "$REPO/bench/node_baseline.js" "$@") \
        | python3 -c 'import json,sys; r = json.loads(sys.stdin.read()); print(r["seconds"], r["rows"])'
}
# fdw_run OP WANT SQL / node_run OP WANT ARGS…: one measurement with an empty
# request log; sets SECS and REQS, and stops unless the statement or the
# script reports WANT rows
measure() {  # measure SIDE OP WANT COMMAND…
    local side=$1 op=$2 want=$3 out n
    shift 3
    "${EMUCTL[@]}" clear-log
    out=$("$@")
    read -r SECS n <<<"$out"
    REQS=$(requests)
    [ "$n" = "$want" ] || die "$side $op reported ${n:-no} rows, not $want"
}
fdw_run() { measure hubspot_fdw "$1" "$2" fdw_time "$3"; }
node_run() {
    local op=$1 want=$2
    shift 2
    measure node "$op" "$want" node_time "$@"
}
# check_store SIDE OP LIVE ARCHIVED PRICE_SUM: stop unless the emulator holds
# LIVE live and ARCHIVED archived products, the live prices adding up to PRICE_SUM
check_store() {
    "${EMUCTL[@]}" objects --all | python3 -c '
import json, sys
side, op, live, archived, price_sum = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
recs = [json.loads(line) for line in sys.stdin]
got_live = [r for r in recs if not r.get("archived")]
got_archived = len(recs) - len(got_live)
got_sum = sum(float(r["properties"].get("price") or 0) for r in got_live)
if (len(got_live), got_archived) != (live, archived) or abs(got_sum - price_sum) > 1e-6:
    sys.exit("error: after %s %s the emulator holds %d live products (prices adding up to %s) and %d archived, not %d (%s) and %d"
             % (side, op, len(got_live), got_sum, got_archived, live, price_sum, archived))
' "$@"
}
report() {  # report OP ROWS FDW_S FDW_REQ NODE_S NODE_REQ
    python3 - "$@" <<'PY'
import sys
op, rows, fs, fr, ns, nr = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], float(sys.argv[5]), sys.argv[6]
print("%-7s %6d rows  hubspot_fdw %6.2f s (%7.0f rows/s, %s requests)   node client %6.2f s (%7.0f rows/s, %s requests)   node/fdw time ratio %.2f"
      % (op, rows, fs, rows / fs, fr, ns, rows / ns, nr, ns / fs))
PY
}

# INSERT and SELECT: the fdw's and the node script's products in one store
fdw_run INSERT "$ROWS" "INSERT INTO products (properties) SELECT jsonb_build_object('name', 'FDW product ' || i, 'price', 10 + i / 4.0, 'hs_sku', 'FDW-' || i) FROM generate_series(1, $ROWS) i"
fdw_ins=$SECS fdw_ins_req=$REQS
node_run INSERT "$ROWS" insert "$ROWS"
node_ins=$SECS node_ins_req=$REQS

total=$((ROWS * 2))
# (PERFORM reports 1 row)
fdw_run SELECT 1 "PERFORM count(*), sum(length(properties::text)) FROM products"
fdw_sel=$SECS fdw_sel_req=$REQS
node_run SELECT "$total" select
node_sel=$SECS node_sel_req=$REQS

# the prices seeded by fresh, and those of the two upserts, add up to these
seeded_sum=$((ROWS * (ROWS + 1) / 2))
second_sum=$(python3 -c "print($seeded_sum + $ROWS / 2)")

# UPDATE: price + 1 on ROWS seeded products
fresh "$ROWS"
fdw_run UPDATE "$ROWS" "UPDATE product_prices SET price = price + 1"
fdw_upd=$SECS fdw_upd_req=$REQS
check_store hubspot_fdw UPDATE "$ROWS" 0 $((seeded_sum + ROWS))
fresh "$ROWS"
node_run UPDATE "$ROWS" update
node_upd=$SECS node_upd_req=$REQS
check_store node UPDATE "$ROWS" 0 $((seeded_sum + ROWS))

# UPSERT: EXT-1 … EXT-ROWS into an empty store, then again with new prices
upsert_sql() {  # upsert_sql PRICE_EXPR
    echo "INSERT INTO products_by_external_id (external_id, name, price) SELECT 'EXT-' || i, 'Product ' || i, $1 FROM generate_series(1, $ROWS) i"
}
fresh
fdw_run UPSERT1 "$ROWS" "$(upsert_sql i)"
fdw_ups1=$SECS fdw_ups1_req=$REQS
check_store hubspot_fdw UPSERT1 "$ROWS" 0 "$seeded_sum"
fdw_run UPSERT2 "$ROWS" "$(upsert_sql "i + 0.5")"
fdw_ups2=$SECS fdw_ups2_req=$REQS
check_store hubspot_fdw UPSERT2 "$ROWS" 0 "$second_sum"
fresh
node_run UPSERT1 "$ROWS" upsert "$ROWS" 1
node_ups1=$SECS node_ups1_req=$REQS
check_store node UPSERT1 "$ROWS" 0 "$seeded_sum"
node_run UPSERT2 "$ROWS" upsert "$ROWS" 2
node_ups2=$SECS node_ups2_req=$REQS
check_store node UPSERT2 "$ROWS" 0 "$second_sum"

# DELETE: every one of ROWS seeded products
fresh "$ROWS"
fdw_run DELETE "$ROWS" "DELETE FROM products"
fdw_del=$SECS fdw_del_req=$REQS
check_store hubspot_fdw DELETE 0 "$ROWS" 0
fresh "$ROWS"
node_run DELETE "$ROWS" delete
node_del=$SECS node_del_req=$REQS
check_store node DELETE 0 "$ROWS" 0

echo
report INSERT "$ROWS" "$fdw_ins" "$fdw_ins_req" "$node_ins" "$node_ins_req"
report SELECT "$total" "$fdw_sel" "$fdw_sel_req" "$node_sel" "$node_sel_req"
report UPDATE "$ROWS" "$fdw_upd" "$fdw_upd_req" "$node_upd" "$node_upd_req"
report UPSERT1 "$ROWS" "$fdw_ups1" "$fdw_ups1_req" "$node_ups1" "$node_ups1_req"
report UPSERT2 "$ROWS" "$fdw_ups2" "$fdw_ups2_req" "$node_ups2" "$node_ups2_req"
report DELETE "$ROWS" "$fdw_del" "$fdw_del_req" "$node_del" "$node_del_req"
echo "(UPSERT1 creates $ROWS products by external_id, UPSERT2 repeats it with new prices: updates them)"
