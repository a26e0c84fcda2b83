#!/usr/bin/env bash
# A hubspot_fdw session to experiment in, against the local HubSpot emulator
# (as root, from a clone of this repository):
#   bash test/session.sh                    # an interactive psql
#   bash test/session.sh COMMAND [ARG...]   # runs COMMAND instead, e.g. psql -f try.sql, or bash
# installs what is missing, builds the extension into a private copy of
# PostgreSQL (/var/tmp/hubspot_fdw-…/pgroot), starts the emulator and a throw-away PostgreSQL,
# and sets up what the README's "Using it with a real HubSpot account" does,
# pointed at the emulator: the extension, the server hubspot (api_url = the
# emulator), a user mapping for postgres and the foreign table hubspot.products
# (the emulator starts empty).  psql or COMMAND runs with PGHOST, PGPORT,
# PGUSER, PGDATABASE, HUBSPOT_EMULATOR_URL and HUBSPOT_EMUCTL set, and the
# private PostgreSQL's bin first in PATH.  When it ends (or the script is
# interrupted), the cluster and the emulator are stopped and the scratch
# directory is removed (KEEP_WORKDIR=1 keeps it).  The exit status is psql's or
# COMMAND's.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_session

as_postgres psql -X -q -v ON_ERROR_STOP=1 -d postgres -v emulator_url="$HUBSPOT_EMULATOR_URL" <<'SQL'
CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emulator_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token 'pat-na1-session-token');
CREATE SCHEMA hubspot;
CREATE FOREIGN TABLE hubspot.products (
    id          text,
    properties  jsonb,
    created_at  timestamptz,
    updated_at  timestamptz,
    archived    boolean,
    name        text    OPTIONS (property 'name'),
    price       numeric OPTIONS (property 'price'),
    sku         text    OPTIONS (property 'hs_sku')
) SERVER hubspot OPTIONS (object 'products');
SQL

export PGUSER=postgres PGDATABASE=postgres PATH="$PG_BIN:$PATH"
log "ready: server hubspot at $HUBSPOT_EMULATOR_URL, foreign table hubspot.products"
log "from another shell: psql -h $PGHOST -p $PGPORT -U postgres postgres"
log "records to play with: python3 \$HUBSPOT_EMUCTL seed '{\"count\": 10}' (in psql: \\! python3 \$HUBSPOT_EMUCTL …)"
if [ $# -eq 0 ]; then
    set -- psql
fi
# COMMAND runs as a child the script waits for, so that a signal that ends the
# script (TERM, HUP) ends COMMAND too; Ctrl-C is COMMAND's (psql cancels the
# running query), not the script's.
child=""
trap ':' INT
trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true' TERM HUP
exec 3<&0
"$@" <&3 3<&- &
child=$!
exec 3<&-
while kill -0 "$child" 2>/dev/null; do wait "$child" || true; done
rc=0
wait "$child" || rc=$?
[ -z "${KEEP_WORKDIR:-}" ] || log "scratch directory kept: $WORK"
log "stopping PostgreSQL and the emulator"
exit "$rc"
