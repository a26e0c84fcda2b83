#!/usr/bin/env bash
# hubspot_fdw beside HubSpot's official Node client (@hubspot/api-client, from
# test/node), in one run against the HubSpot emulator set up like HubSpot:
# every API request takes 150 ms, and the Pro/Enterprise burst limit allows
# 190 requests per rolling 10 s.  As root, on Debian 12 (after the README's
# setup; it installs what is missing itself):
#   bash bench/run.sh                  the full work (about 10 minutes, the selective
#                                      SELECTs included)
#   bash bench/run.sh --quick          a tenth of it, for a quick check (about 1 minute;
#                                      rates are printed but judged at the full scale only)
#   bash bench/run.sh --scale F        the work times F (--quick is --scale 0.1)
#   bash bench/run.sh --no-sequential  without the Node sequential baseline (3 minutes
#                                      less: its 30,000-row runs take 48 s each)
#   bash bench/run.sh --no-search      without the selective SELECTs (3 minutes less)
#   bash bench/run.sh search           the selective SELECTs only (about 3 minutes; takes
#                                      --quick and --scale too)
# Starts its own emulator and throw-away cluster (test/lib.sh), and removes
# them at the end.  The work, at scale 1:
#   INSERT  10,000 rows (batch/create)
#   INSERT1 30,000 rows from one session, INSERT4 from 4 psql sessions at once
#           (7,500 each), without and with hubspot_fdw in shared_preload_libraries
#   UPSERT1 30,000 rows into a foreign table with id_property external_id, half
#           of the keys existing; UPSERT4 from 4 sessions, as INSERT4
#   UPDATE  10,000 rows: price + 1 (list, then batch/update)
#   SELECT  20,000 rows with every property
#   COPY    3,000 rows from a CSV file with psql's \copy; a statement_timeout of
#           30 s stops it when it goes row by row (3,000 creates would take 450 s)
#   and the INSERT of 30,000 rows into a local table (CPU and memory reference);
#   then the selective SELECTs over 20,000 seeded products, which hubspot_fdw
#   answers with HubSpot's CRM search, beside the Node client's
#   searchApi.doSearch (one request at a time): 1 product by a typed column and
#   by properties->>'hs_sku' (and, once, over the listing: use_search 'false'),
#   300 by a price range, count(*) with a filter, ORDER BY price DESC LIMIT 20
#   and ORDER BY id LIMIT 20; each side 3 times (BENCH_SEARCH_REPEAT), the
#   median reported, hubspot_fdw both in a new session (which reads the
#   property catalogue first) and in one that ran the statement before.
# Each is measured for hubspot_fdw and for two scripts around the Node client
# (bench/node_baseline.js): "sequential", one request at a time, and "careful",
# the client's limiter at 10 requests in flight and 180 requests per 10 s with
# 429s retried; its 4-session runs are 4 concurrent loops sharing one client
# (one limiter).  Every measurement starts from a reset emulator (fresh rate
# limit window), and the emulator's records are checked after it.
# Prints per work and side: seconds, rows/s, % of the bound (1,900 rows/s for
# batched writes: 190 requests × 100 rows / 10 s; 667 rows/s for a listing:
# 100 rows per 150 ms round trip), requests, 429s, the most requests in flight,
# CPU per row, memory, and the fdw's rows/s as a multiple of each baseline's;
# for the selective SELECTs seconds, rows, requests per endpoint and the time as a
# multiple of the Node client's; then the targets, PASS or FAIL.  Progress goes to stderr, the report to stdout.
# KEEP_WORKDIR=1 keeps the scratch directory, whose bench-results.json holds
# every figure (WORK=that directory python3 bench/bench.py report prints it again).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"

usage="usage: bash bench/run.sh [search] [--quick | --scale F] [--no-sequential] [--no-search]"
BENCH_SCALE=1
BENCH_SEQUENTIAL=1
BENCH_PART=all
BENCH_SEARCH=1
while [ $# -gt 0 ]; do
    case $1 in
        search) BENCH_PART=search ;;
        --no-search) BENCH_SEARCH=0 ;;
        --quick) BENCH_SCALE=0.1 ;;
        --scale)
            [ $# -ge 2 ] || die "$usage"
            BENCH_SCALE=$2
            shift ;;
        --no-sequential) BENCH_SEQUENTIAL=0 ;;
        *) die "$usage" ;;
    esac
    shift
done
python3 -c "import sys; f = float(sys.argv[1]); sys.exit(not 0 < f <= 10)" "$BENCH_SCALE" 2>/dev/null \
    || die "--scale takes a number above 0, at most 10"

start_session
export REPO WORK PGHOST PGPORT PG_BIN HUBSPOT_EMULATOR_URL BENCH_SCALE BENCH_SEQUENTIAL
started=$SECONDS
if [ "$BENCH_PART" = search ]; then
    python3 "$REPO/bench/bench.py" search
else
    python3 "$REPO/bench/bench.py" main
    [ "$BENCH_SEARCH" = 0 ] || python3 "$REPO/bench/bench.py" search
    restart_cluster -c shared_preload_libraries=hubspot_fdw
    python3 "$REPO/bench/bench.py" preload
fi
python3 "$REPO/bench/bench.py" report
fdw_paths=(src 'sql/hubspot_fdw--*.sql' Makefile hubspot_fdw.control)
echo
echo "measured in $((SECONDS - started)) s; hubspot_fdw as of $(git -C "$REPO" log -1 --format=%h -- "${fdw_paths[@]}" 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- "${fdw_paths[@]}" 2>/dev/null || echo ' with uncommitted changes') (checkout at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
