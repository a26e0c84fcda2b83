#!/usr/bin/env bash
# The whole hubspot_fdw test suite, from a bare Debian 12 machine (as root):
#   bash test/run-tests.sh
# installs what is missing, builds with -Wall -Wextra -Werror, starts the
# HubSpot emulator, then runs
#   - the structure checks of the sources (test/check-structure.py),
#   - the rate limiter's unit tests (test/ratelimit/run.sh: its window arithmetic, and
#     steady loads through a simulated HubSpot),
#   - the emulator's own tests (test/emulator_selftest.py),
#   - HubSpot's official Node client against the emulator (test/node/check.js),
#   - the pg_regress suites (sql/*.sql, expected/*.out) in a throw-away cluster,
#   - a pg_regress suite against an independent HubSpot stand-in (test/standin),
#   - SQLAlchemy's ORM (Debian's python3-sqlalchemy) writing through hubspot_fdw
#     with writes sent at COMMIT (test/orm/sqlalchemy_orm.py),
#   - both pg_regress suites again against a build with AddressSanitizer and
#     UndefinedBehaviorSanitizer, in a server with the runtime preloaded
#     (test/sanitizers), where any sanitizer report is a failure; the sql/ suite's
#     server there also preloads hubspot_fdw (shared_preload_libraries), so that
#     its rate-limit budgets are in shared memory,
#   - the rate limiter with hubspot_fdw preloaded, sessions sharing its budgets and
#     seeing each other's waits (test/ratelimit/shared.sh), on the sanitized server,
#   - mutation testing of the response parsers (test/mutation/run.py), on the sanitized
#     server: statements against emulator answers damaged in every way it knows, counted
#     once per kind of damage,
# and ends with one line "N passed, M failed".  Exit status 0 only if M is 0.
#   bash test/run-tests.sh --regress TEST...
# builds the same way and runs only the pg_regress tests named (sql/TEST.sql;
# init first, added when not named), printing pg_regress's output and the diffs
# of a failure; exit status 0 only if they all passed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage="usage: bash test/run-tests.sh [--regress TEST...]"
only_regress=()
if [ "${1:-}" = --regress ]; then
    shift
    [ $# -gt 0 ] || die "$usage"
    [ "$1" = init ] || only_regress=(init)
    for t in "$@"; do
        [ -f "$REPO/sql/$t.sql" ] || die "no test $t (sql/$t.sql)"
        only_regress+=("$t")
    done
elif [ $# -gt 0 ]; then
    die "$usage"
fi

REGRESS_TESTS=$(make -s -C "$REPO" -f - print-regress <<'MK'
include Makefile
print-regress: ; @echo $(REGRESS)
MK
)

passed=0
failed=0
failures=()

count() {  # count NAME PASSED FAILED
    passed=$((passed + $2))
    failed=$((failed + $3))
    [ "$3" = 0 ] || failures+=("$1: $3 failed")
}

# count_output NAME RC OUTPUT SHOWN PASSED FAILED TAIL: print OUTPUT's lines matching
# SHOWN (indented), count those matching PASSED and FAILED (at least 1 failed when RC is
# not 0), and after a failure print OUTPUT's last TAIL lines
count_output() {
    local ok nok
    printf '%s\n' "$3" | grep -E "$4" | sed 's/^ */    /' >&2 || true
    ok=$(printf '%s\n' "$3" | grep -cE "$5" || true)
    nok=$(printf '%s\n' "$3" | grep -cE "$6" || true)
    if [ "$2" != 0 ] && [ "$nok" = 0 ]; then nok=1; fi
    [ "$2" = 0 ] || printf '%s\n' "$3" | tail -n "$7"
    count "$1" "$ok" "$nok"
}

# count_tap NAME RC OUTPUT: count the lines "ok N - ..." and "not ok N - ..."
count_tap() { count_output "$1" "$2" "$3" '^(ok|not ok) ' '^ok ' '^not ok ' 40; }

# count_pg_regress NAME RC OUTPUT: count pg_regress's "... ok" and "... FAILED"
count_pg_regress() { count_output "$1" "$2" "$3" '^ *test ' '\.\.\. ok ' '\.\.\. FAILED' 320; }

trap cleanup EXIT
install_deps
build_install "-Werror"
make_workdir
start_emulator

if [ ${#only_regress[@]} -gt 0 ]; then
    log "pg_regress: ${only_regress[*]}"
    run_pg_regress "$REPO" "${only_regress[@]}"
    exit
fi

log "structure of the sources (test/check-structure.py)"
if out=$(PG_CONFIG="$PG_CONFIG" python3 "$REPO/test/check-structure.py" "$REPO" 2>&1); then rc=0; else rc=$?; fi
printf '%s\n' "$out" | sed 's/^/    /' >&2
ok=$(printf '%s\n' "$out" | grep -c '^ok ' || true)
nok=$(printf '%s\n' "$out" | grep -c '^not ok ' || true)
if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then nok=1; fi
count "structure" "$ok" "$nok"

log "rate limiter unit tests (test/ratelimit/run.sh)"
if out=$(bash "$REPO/test/ratelimit/run.sh" 2>&1); then rc=0; else rc=$?; fi
count_tap "rate limiter unit tests" "$rc" "$out"

log "emulator self-test"
rc=0
out=$(python3 "$REPO/test/emulator_selftest.py" 2>&1) || rc=$?
out2=$(python3 "$REPO/test/emulator_objects_selftest.py" 2>&1) || rc=$?
out="$out
$out2"
ran=$(printf '%s\n' "$out" | sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' | awk '{s += $1} END {print s + 0}')
bad=$(printf '%s\n' "$out" | sed -n 's/^FAILED (\(.*\))/\1/p' | tr -c '0-9\n' ' ' | awk '{for (i = 1; i <= NF; i++) s += $i} END {print s + 0}')
ran=${ran:-0}; bad=${bad:-0}
if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then bad=1; fi
[ "$bad" = 0 ] || printf '%s\n' "$out" | tail -n 40
count "emulator self-test" $((ran - bad > 0 ? ran - bad : 0)) "$bad"

log "HubSpot Node client against the emulator"
if out=$(cd "$REPO/test/node" && node check.js 2>&1); then rc=0; else rc=$?; fi
count_tap "node client" "$rc" "$out"

log "pg_regress: $REGRESS_TESTS"
if out=$(run_pg_regress "$REPO" $REGRESS_TESTS); then rc=0; else rc=$?; fi
count_pg_regress pg_regress "$rc" "$out"

log "pg_regress against the independent HubSpot stand-in (test/standin)"
if out=$(bash "$REPO/test/standin/run.sh" 2>&1); then rc=0; else rc=$?; fi
count_pg_regress stand-in "$rc" "$out"

log "SQLAlchemy's ORM through hubspot_fdw (test/orm/sqlalchemy_orm.py), writes at COMMIT"
start_cluster
# Debian's python3 (python3-sqlalchemy, python3-psycopg2), whatever python3 is first in PATH
if out=$(/usr/bin/python3 "$REPO/test/orm/sqlalchemy_orm.py" 2>&1); then rc=0; else rc=$?; fi
count_tap "SQLAlchemy ORM" "$rc" "$out"
as_postgres pg_ctl -D "$CLUSTER_DIR" -m fast -w stop >/dev/null 2>&1 || true
# the sanitized stage's clusters are made in the same directory
rm -rf "$CLUSTER_DIR"
CLUSTER_DIR=""

# The sanitized stage: a canary proves that reports are caught, then the same
# suites run against the sanitized build; each process's report is a file in
# $HUBSPOT_FDW_SAN_LOGDIR, and every one counts as a failure.
sanitized_start=$SECONDS
build_install_sanitized "-Werror"
start_sanitizer_logs
log "sanitizers: a planted overflow and undefined behaviour are reported"
if out=$(sanitizer_canary 2>&1); then
    count "sanitizer canary" 1 0
else
    printf '%s\n' "$out" | tail -n 80
    count "sanitizer canary" 0 1
fi

log "pg_regress under AddressSanitizer and UndefinedBehaviorSanitizer, hubspot_fdw preloaded: $REGRESS_TESTS"
sanitized_alt_expected "$WORK/sanitized-expected"
echo "shared_preload_libraries = 'hubspot_fdw'" >"$WORK/preload.conf"
if out=$(PG_BIN=$SAN_PG_BIN REGRESS_ALT_EXPECTED="$WORK/sanitized-expected" \
         run_pg_regress "$REPO" --temp-config="$WORK/preload.conf" $REGRESS_TESTS); then rc=0; else rc=$?; fi
count_pg_regress "pg_regress (sanitized)" "$rc" "$out"

log "pg_regress against the stand-in under AddressSanitizer and UndefinedBehaviorSanitizer"
if out=$(HUBSPOT_FDW_PGROOT=$SAN_PGROOT bash "$REPO/test/standin/run.sh" 2>&1); then rc=0; else rc=$?; fi
count_pg_regress "stand-in (sanitized)" "$rc" "$out"

log "rate limiter with hubspot_fdw preloaded (test/ratelimit/shared.sh), sanitized"
if out=$(HUBSPOT_FDW_PGROOT=$SAN_PGROOT PROBE_CFLAGS="$SAN_CFLAGS" \
         bash "$REPO/test/ratelimit/shared.sh" 2>&1); then rc=0; else rc=$?; fi
count_tap "rate limiter, preloaded (sanitized)" "$rc" "$out"

# Mutation testing, on the sanitized server built above (test/lib.sh's
# build_install_sanitized, start_sanitizer_logs): a sanitizer report written during a case
# makes that case bad (and counts below too).  Without it, on the plain build.
mutation_bin=$PG_BIN
mutation_args=()
if [ -n "${SAN_PG_BIN:-}" ] && [ -x "$SAN_PG_BIN/postgres.real" ] && [ -n "${HUBSPOT_FDW_SAN_LOGDIR:-}" ]; then
    mutation_bin=$SAN_PG_BIN
    mutation_args=(--server-env "HUBSPOT_FDW_SAN_LOGDIR=$HUBSPOT_FDW_SAN_LOGDIR" --report-dir "$HUBSPOT_FDW_SAN_LOGDIR")
fi
log "mutation testing of the response parsers (test/mutation), server $mutation_bin"
mkdir -p "$WORK/mutation"
if out=$(python3 "$REPO/test/mutation/run.py" --url "$HUBSPOT_EMULATOR_URL" --bindir "$mutation_bin" \
             --workdir "$WORK/mutation" "${mutation_args[@]+"${mutation_args[@]}"}" 2>&1); then rc=0; else rc=$?; fi
printf '%s\n' "$out" | grep -E '^(BAD-|mutation|known failure)' | sed 's/^/    /' >&2 || true
ok=$(printf '%s\n' "$out" | grep -cE '^mutation kind .*, 0 bad$' || true)
nok=$(printf '%s\n' "$out" | grep -E '^mutation kind ' | grep -cvE ', 0 bad$' || true)
if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then nok=1; printf '%s\n' "$out" | tail -n 20; fi
count mutation "$ok" "$nok"

log "sanitizer reports of the sanitized runs"
out=$(check_sanitizer_logs)
reports=$(printf '%s\n' "$out" | tail -n 1)
if [ "$reports" = 0 ]; then
    count "sanitizer reports" 1 0
else
    printf '%s\n' "$out" | sed '$d'
    count "sanitizer reports" 0 "$reports"
fi
log "the sanitized stage took $((SECONDS - sanitized_start)) s"

for f in "${failures[@]+"${failures[@]}"}"; do log "FAILED $f"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
