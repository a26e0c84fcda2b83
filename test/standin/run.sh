#!/usr/bin/env bash
# hubspot_fdw against an independent HubSpot stand-in (test/standin/server.js,
# Node standard library only), not against the project's own emulator.
# As root, after the extension is built and installed (test/lib.sh's
# install_deps and build_install, or make install):
#   bash test/standin/run.sh
# starts the stand-in on a free loopback port, runs the pg_regress test
# test/standin/sql/standin.sql in a temporary instance as the postgres OS user,
# prints pg_regress's output and exits with its status.  It installs and builds
# nothing.  KEEP_WORKDIR=1 keeps the scratch directory (results, logs).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

STANDIN_DIR="$REPO/test/standin"
STANDIN_PID=""
# the token the stand-in accepts; test/standin/sql/standin.sql uses the same
STANDIN_TOKEN="pat-na1-5e7a4d1e-standin"

stop_standin() {
    if [ -n "$STANDIN_PID" ]; then
        kill "$STANDIN_PID" 2>/dev/null || true
        wait "$STANDIN_PID" 2>/dev/null || true
        STANDIN_PID=""
    fi
}

on_exit() {
    stop_standin
    cleanup
}
trap on_exit EXIT

command -v node >/dev/null 2>&1 || die "node is not installed"
[ -x "$PG_REGRESS" ] || die "pg_regress not found at $PG_REGRESS"

make_workdir

node "$STANDIN_DIR/server.js" --port-file "$WORK/standin.port" --token "$STANDIN_TOKEN" \
    >"$WORK/standin.log" 2>&1 &
STANDIN_PID=$!
for i in $(seq 1 100); do
    [ -s "$WORK/standin.port" ] && break
    kill -0 "$STANDIN_PID" 2>/dev/null || { cat "$WORK/standin.log" >&2; die "the stand-in did not start"; }
    sleep 0.1
done
[ -s "$WORK/standin.port" ] || die "the stand-in did not start within 10 s"
export HUBSPOT_STANDIN_URL="http://127.0.0.1:$(cat "$WORK/standin.port")"
log "HubSpot stand-in at $HUBSPOT_STANDIN_URL"

mkdir -p "$WORK/regress"
cp -r "$STANDIN_DIR/sql" "$STANDIN_DIR/expected" "$WORK/regress/"
chown -R postgres: "$WORK/regress"

log "pg_regress: standin"
rc=0
(cd "$WORK/regress" && as_postgres env HUBSPOT_STANDIN_URL="$HUBSPOT_STANDIN_URL" "$PG_REGRESS" \
    --temp-instance="$WORK/regress/instance" --bindir="$PG_BIN" \
    --inputdir="$WORK/regress" --outputdir="$WORK/regress" \
    --dbname=contrib_regression standin) 2>&1 || rc=$?

if [ -f "$WORK/regress/regression.diffs" ]; then
    log "regression.diffs:"
    head -n 300 "$WORK/regress/regression.diffs"
fi
if [ "$rc" != 0 ] && [ -s "$WORK/standin.log" ]; then
    log "stand-in log:"
    tail -n 40 "$WORK/standin.log" >&2
fi
[ -z "${KEEP_WORKDIR:-}" ] || log "work directory kept: $WORK"
exit "$rc"
