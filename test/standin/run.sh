#!/usr/bin/env bash
# hubspot_fdw against an independent HubSpot stand-in (test/standin/server.js,
# Node standard library only), not against the project's own emulator.
# As root, after the extension is built into /var/tmp/hubspot_fdw-…/pgroot (test/lib.sh's
# install_deps and build_install):
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

start_listener stand-in "$WORK/standin.log" "$WORK/standin.port" \
    node "$STANDIN_DIR/server.js" --port-file "$WORK/standin.port" --token "$STANDIN_TOKEN"
STANDIN_PID=$LISTENER_PID
export HUBSPOT_STANDIN_URL="http://127.0.0.1:$LISTENER_PORT"
log "HubSpot stand-in at $HUBSPOT_STANDIN_URL"

log "pg_regress: standin"
rc=0
run_pg_regress "$STANDIN_DIR" standin || rc=$?
if [ "$rc" != 0 ] && [ -s "$WORK/standin.log" ]; then
    log "stand-in log:"
    tail -n 40 "$WORK/standin.log" >&2
fi
[ -z "${KEEP_WORKDIR:-}" ] || log "work directory kept: $WORK"
exit "$rc"
