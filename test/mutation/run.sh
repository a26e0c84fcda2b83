#!/usr/bin/env bash
# Mutation testing of hubspot_fdw's response parsers (test/mutation/run.py): every statement of
# the set, once per kind of damaged HubSpot answer, against the emulator and a throw-away
# cluster.  Builds and installs first, as test/run-tests.sh does:
#   bash test/mutation/run.sh [--quick] [--only REGEX] [--verbose]
# Options after the ones above go to run.py, e.g. --server-env LD_PRELOAD=… to start the server
# with a sanitizer runtime; HUBSPOT_FDW_PGROOT picks the PostgreSQL copy (see test/lib.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

trap cleanup EXIT
install_deps
build_install "-Werror"
make_workdir
start_emulator
mkdir -p "$WORK/mutation"
python3 "$REPO/test/mutation/run.py" --url "$HUBSPOT_EMULATOR_URL" --bindir "$PG_BIN" \
    --workdir "$WORK/mutation" "$@"
