#!/usr/bin/env bash
# SQLAlchemy's ORM writing N products through hubspot_fdw, one flush (one INSERT
# statement) per object, with writes sent at once and at COMMIT, beside the same
# rows in one INSERT statement, measured in one run against the emulator set up
# like HubSpot (bench/orm.py says how).  As root, on Debian 12:
#   bash bench/orm.sh            100 objects, each side 3 times (about 1 minute)
#   BENCH_ORM_ROWS=1000 bash bench/orm.sh
# Starts its own emulator and throw-away cluster (test/lib.sh) and removes them.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
start_session
/usr/bin/python3 "$REPO/bench/orm.py"
