#!/usr/bin/env bash
# hubspot_fdw's rate limiter in a server that preloads it
# (shared_preload_libraries = 'hubspot_fdw'): the budgets and the waits are in shared
# memory, and sessions share them.  As root, after the extension is built into
# /var/tmp/hubspot_fdw-…/pgroot (test/lib.sh's install_deps and build_install):
#   bash test/ratelimit/shared.sh
# starts a throw-away cluster that preloads hubspot_fdw, builds test/ratelimit/probe.c
# (SQL functions that call the rate limiter directly; test-only, removed afterwards)
# into the same PostgreSQL copy, and checks from several sessions at once.  It prints
# one line per check, "ok N - check" or "not ok N - check", and exits 1 if any failed.
# HUBSPOT_FDW_PGROOT picks another PostgreSQL copy (the sanitized one) and PROBE_CFLAGS
# adds compiler flags for the probe library (that build's $SAN_CFLAGS).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PROBE_LIB=$PGROOT$PG_SYSTEM_LIB/lib/hubspot_fdw_ratelimit_probe.so
WAITERS=()

on_exit() {
    local pid
    for pid in "${WAITERS[@]+"${WAITERS[@]}"}"; do kill "$pid" 2>/dev/null || true; done
    rm -f "$PROBE_LIB"
    cleanup
}
trap on_exit EXIT

[ -f "$PGROOT$PG_SYSTEM_LIB/lib/hubspot_fdw.so" ] || die "hubspot_fdw is not built into $PGROOT (build_install)"
gcc -shared -fPIC ${PROBE_CFLAGS:-} -Wall -Wextra -Werror -I"$REPO/src" \
    -isystem "$($PG_CONFIG --includedir-server)" -o "$PROBE_LIB" "$REPO/test/ratelimit/probe.c"
make_workdir
start_cluster "-c shared_preload_libraries=hubspot_fdw"

# q [psql options] SQL: one statement's rows, unaligned
q() { local sql=${*: -1}; as_postgres psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "${@:1:$#-1}" -c "$sql"; }

q "CREATE EXTENSION hubspot_fdw" >/dev/null
for f in "reserve(text, text, int) RETURNS bigint" \
         "observe(text, text, int, int, int, timestamptz) RETURNS void" \
         "throttled(text, text) RETURNS bigint" "shared() RETURNS bool" \
         "wait(int, float8) RETURNS void"; do
    q "CREATE FUNCTION hubspot_fdw_probe_$f AS 'hubspot_fdw_ratelimit_probe', 'hubspot_fdw_probe_${f%%(*}' LANGUAGE C STRICT" >/dev/null
done
q "CREATE ROLE rl_plain LOGIN; CREATE ROLE rl_stats LOGIN IN ROLE pg_read_all_stats" >/dev/null

n=0
failed=0
# check NAME GOT EXPECTED
check() {
    n=$((n + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        printf '#   got:      %s\n#   expected: %s\n' "$2" "$3"
        failed=$((failed + 1))
    fi
}

# poll SQL EXPECTED: SQL's result once it is EXPECTED, or its last result after 10 s
poll() {
    local got i
    for i in $(seq 1 100); do
        got=$(q "$1")
        [ "$got" = "$2" ] && break
        sleep 0.1
    done
    printf '%s' "$got"
}

# waiter APPLICATION_NAME SQL...: a session in the background running the statements
waiter() {
    local name=$1
    shift
    local args=(-c "SET application_name = '$name'")
    for s in "$@"; do args+=(-c "$s"); done
    as_postgres psql -X -q -d postgres "${args[@]}" >"$WORK/$name.out" 2>&1 &
    WAITERS+=($!)
}

check "the budgets are in shared memory" \
    "$(q "SELECT hubspot_fdw_probe_shared(), count(*) FROM pg_shmem_allocations WHERE name = 'hubspot_fdw rate limits'")" \
    "t|1"

# HubSpot's smallest limit until told: 100 per 10 s, 98 of them ours
q "SELECT count(*) FROM generate_series(1, 98) WHERE hubspot_fdw_probe_reserve('http://h', 'token a', 0) = 0" >/dev/null
check "a second session finds the budget the first one used up (another token's is apart)" \
    "$(q "SELECT hubspot_fdw_probe_reserve('http://h', 'token a', 0) > 0, hubspot_fdw_probe_reserve('http://h', 'token b', 0) = 0")" \
    "t|t"

q "SELECT hubspot_fdw_probe_throttled('http://h', 'token c')" >/dev/null
check "a 429 in one session holds every session back" \
    "$(q "SELECT hubspot_fdw_probe_reserve('http://h', 'token c', 0) > 0")" "t"

# one of ours, 95 counted by HubSpot: 94 are someone else's; 3 more fit under 98, but our share
# of that room (by what we use beside them, 1 of 95) is none
q "SELECT hubspot_fdw_probe_reserve('http://h', 'token d', 0)" >/dev/null
q "SELECT hubspot_fdw_probe_observe('http://h', 'token d', 100, 5, 10000, clock_timestamp())" >/dev/null
check "what Remaining said in one session holds another back" \
    "$(q "SELECT count(*) FROM generate_series(1, 10) WHERE hubspot_fdw_probe_reserve('http://h', 'token d', 0) = 0")" "0"

waiter rl_waiter "SELECT hubspot_fdw_probe_wait(1, 4)"
check "another session sees a wait on HubSpot in hubspot_fdw_activity" \
    "$(poll "SELECT a.wait_event, p.wait_event_type FROM hubspot_fdw_activity a JOIN pg_stat_activity p USING (pid)
             WHERE a.application_name = 'rl_waiter' AND a.since > now() - interval '1 minute'" "HubSpotRequest|Extension")" \
    "HubSpotRequest|Extension"
check "the wait ends with the call" \
    "$(poll "SELECT count(*) FROM hubspot_fdw_waits() w JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'rl_waiter'" 0)" \
    "0"

waiter rl_cancel "SET statement_timeout = '1s'" "SELECT hubspot_fdw_probe_wait(2, 30)" \
    "RESET statement_timeout" "SELECT pg_sleep(5)"
check "a wait on the rate limit is seen as HubSpotRateLimit" \
    "$(poll "SELECT w.wait_event FROM hubspot_fdw_waits() w JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'rl_cancel'" HubSpotRateLimit)" \
    "HubSpotRateLimit"
poll "SELECT wait_event FROM pg_stat_activity WHERE application_name = 'rl_cancel'" PgSleep >/dev/null
check "an ERROR during a wait (statement_timeout) ends it; the session lives on" \
    "$(q "SELECT a.wait_event, count(w.pid) FROM pg_stat_activity a LEFT JOIN hubspot_fdw_waits() w USING (pid)
          WHERE a.application_name = 'rl_cancel' GROUP BY 1")" \
    "PgSleep|0"

waiter rl_hidden "SELECT hubspot_fdw_probe_wait(1, 4)"
poll "SELECT count(*) FROM hubspot_fdw_activity WHERE application_name = 'rl_hidden'" 1 >/dev/null
check "another role's waits are hidden, but not from pg_read_all_stats" \
    "$(q -U rl_plain "SELECT count(*) FROM hubspot_fdw_waits()"),$(q -U rl_stats "SELECT count(*) FROM hubspot_fdw_waits()")" \
    "0,1"

for pid in "${WAITERS[@]}"; do wait "$pid" || true; done
WAITERS=()
check "the waiting sessions ran as planned" \
    "$(cat "$WORK/rl_waiter.out" "$WORK/rl_hidden.out" | grep -c ERROR),$(grep -c 'canceling statement due to statement timeout' "$WORK/rl_cancel.out")" \
    "0,1"

echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
