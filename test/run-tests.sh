#!/usr/bin/env bash
# The whole hubspot_fdw test suite, from a bare Debian 12 machine (as root):
#   bash test/run-tests.sh
# installs what is missing, builds with -Wall -Wextra -Werror, starts the
# HubSpot emulator, then runs
#   - the emulator's own tests (test/emulator_selftest.py),
#   - HubSpot's official Node client against the emulator (test/node/check.js),
#   - the pg_regress suites (sql/*.sql, expected/*.out) in a throw-away cluster,
#   - a pg_regress suite against an independent HubSpot stand-in (test/standin),
# and ends with one line "N passed, M failed".  Exit status 0 only if M is 0.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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

trap cleanup EXIT
install_deps
build_install "-Werror"
make_workdir
start_emulator

log "emulator self-test"
if out=$(python3 "$REPO/test/emulator_selftest.py" 2>&1); then rc=0; else rc=$?; fi
ran=$(printf '%s\n' "$out" | sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' | tail -n 1)
bad=$(printf '%s\n' "$out" | sed -n 's/^FAILED (\(.*\))/\1/p' | tr -c '0-9\n' ' ' | awk '{for (i = 1; i <= NF; i++) s += $i} END {print s + 0}')
ran=${ran:-0}; bad=${bad:-0}
if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then bad=1; fi
[ "$bad" = 0 ] || printf '%s\n' "$out" | tail -n 40
count "emulator self-test" $((ran - bad > 0 ? ran - bad : 0)) "$bad"

log "HubSpot Node client against the emulator"
if out=$(cd "$REPO/test/node" && node check.js 2>&1); then rc=0; else rc=$?; fi
printf '%s\n' "$out" | grep -E '^(ok|not ok) ' | sed 's/^/    /' >&2 || true
ok=$(printf '%s\n' "$out" | grep -c '^ok ' || true)
nok=$(printf '%s\n' "$out" | grep -c '^not ok ' || true)
if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then nok=1; printf '%s\n' "$out" | tail -n 20; fi
count "node client" "$ok" "$nok"

log "pg_regress: $REGRESS_TESTS"
mkdir -p "$WORK/regress"
cp -r "$REPO/sql" "$REPO/expected" "$WORK/regress/"
chown -R postgres: "$WORK/regress"
if out=$(cd "$WORK/regress" && as_postgres env HUBSPOT_EMULATOR_URL="$HUBSPOT_EMULATOR_URL" \
        HUBSPOT_EMUCTL="$HUBSPOT_EMUCTL" "$PG_REGRESS" \
        --temp-instance="$WORK/regress/instance" --bindir="$PG_BIN" \
        --inputdir="$WORK/regress" --outputdir="$WORK/regress" \
        --dbname=contrib_regression $REGRESS_TESTS 2>&1); then rc=0; else rc=$?; fi
printf '%s\n' "$out" | grep -E '^(test| ?[a-z_]+ +\.\.\.|ok|not ok)' | sed 's/^/    /' >&2 || true
ok=$(printf '%s\n' "$out" | grep -cE '\.\.\. ok ' || true)
nok=$(printf '%s\n' "$out" | grep -cE '\.\.\. FAILED' || true)
if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then nok=1; printf '%s\n' "$out" | tail -n 30; fi
if [ -f "$WORK/regress/regression.diffs" ]; then
    log "regression.diffs:"
    head -n 300 "$WORK/regress/regression.diffs"
    cp "$WORK/regress/regression.diffs" "$REPO/regression.diffs" 2>/dev/null || true
fi
count "pg_regress" "$ok" "$nok"

log "pg_regress against the independent HubSpot stand-in (test/standin)"
if out=$(bash "$REPO/test/standin/run.sh" 2>&1); then rc=0; else rc=$?; fi
printf '%s\n' "$out" | grep -E '^ *test ' | sed 's/^ */    /' >&2 || true
ok=$(printf '%s\n' "$out" | grep -cE '\.\.\. ok ' || true)
nok=$(printf '%s\n' "$out" | grep -cE '\.\.\. FAILED' || true)
if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then nok=1; fi
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -n 60
count "stand-in" "$ok" "$nok"

for f in "${failures[@]+"${failures[@]}"}"; do log "FAILED $f"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
