# Shared by test/demo.sh and test/run-tests.sh: install what is missing, build
# and install the extension, start the emulator and throw-away PostgreSQL
# clusters, and clean up on exit.  Source it; it does nothing by itself.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=15
PG_SYSTEM_LIB=/usr/lib/postgresql/$PG_MAJOR
PG_SYSTEM_SHARE=/usr/share/postgresql/$PG_MAJOR
PG_CONFIG=$PG_SYSTEM_LIB/bin/pg_config
PG_REGRESS=$PG_SYSTEM_LIB/lib/pgxs/src/test/regress/pg_regress
# The tests and the demo run PostgreSQL from a private copy of its installation
# (PostgreSQL finds its libraries and share files relative to its binaries), in
# which the extension is installed: nothing is written into the system's
# PostgreSQL, and two clones can be tested at once.  build_install makes it.
PGROOT=${HUBSPOT_FDW_PGROOT:-$REPO/build/pgroot}
PG_BIN=$PGROOT$PG_SYSTEM_LIB/bin
APT_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR libcurl4-openssl-dev
              libjson-c-dev pkg-config make gcc python3 ca-certificates)

WORK=""
EMULATOR_PID=""
CLUSTER_DIR=""

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# install_deps: Debian packages and the Node client, only what is missing.
install_deps() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
    if [ ${#missing[@]} -gt 0 ]; then
        [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root to install them"
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if [ ! -d "$REPO/test/node/node_modules/@hubspot/api-client" ]; then
        log "installing @hubspot/api-client (test/node)"
        (cd "$REPO/test/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
}

# make_pgroot: $PGROOT as a fresh private copy of the system's PostgreSQL:
# binaries copied (PostgreSQL resolves its own path through symlinks),
# libraries and share files linked, no hubspot_fdw in it yet.
make_pgroot() {
    local f
    rm -rf "$PGROOT"
    mkdir -p "$PGROOT$PG_SYSTEM_LIB/lib" "$(dirname "$PGROOT$PG_SYSTEM_SHARE")"
    cp -a "$PG_SYSTEM_LIB/bin" "$PGROOT$PG_SYSTEM_LIB/bin"
    for f in "$PG_SYSTEM_LIB"/lib/*; do ln -s "$f" "$PGROOT$PG_SYSTEM_LIB/lib/"; done
    cp -as "$PG_SYSTEM_SHARE" "$PGROOT$PG_SYSTEM_SHARE"
    rm -f "$PGROOT$PG_SYSTEM_LIB"/lib/hubspot_fdw.so "$PGROOT$PG_SYSTEM_SHARE"/extension/hubspot_fdw*
}

# build_install [extra PG_CFLAGS]: a clean build, installed into the private
# PostgreSQL $PGROOT.
build_install() {
    log "building hubspot_fdw"
    make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
    make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" PG_CFLAGS="${1:-}" >/dev/null
    make_pgroot
    make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" DESTDIR="$PGROOT" install >/dev/null
}

# make_workdir: a scratch directory the postgres OS user can write.
make_workdir() {
    WORK=$(mktemp -d /tmp/hubspot_fdw.XXXXXX)
    chmod 755 "$WORK"
    chown postgres: "$WORK"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_listener NAME LOGFILE PORTFILE COMMAND...: run a server in the
# background and wait until it has written its port to PORTFILE; sets
# LISTENER_PID and LISTENER_PORT.
start_listener() {
    local name=$1 logfile=$2 portfile=$3 i
    shift 3
    "$@" >"$logfile" 2>&1 &
    LISTENER_PID=$!
    for i in $(seq 1 100); do
        [ -s "$portfile" ] && break
        kill -0 "$LISTENER_PID" 2>/dev/null || { cat "$logfile" >&2; die "the $name did not start"; }
        sleep 0.1
    done
    [ -s "$portfile" ] || die "the $name did not start within 10 s"
    LISTENER_PORT=$(cat "$portfile")
}

# start_emulator: the HubSpot emulator on a free loopback port.
start_emulator() {
    start_listener emulator "$WORK/emulator.log" "$WORK/emulator.port" \
        python3 "$REPO/test/emulator.py" --port 0 --port-file "$WORK/emulator.port"
    EMULATOR_PID=$LISTENER_PID
    export HUBSPOT_EMULATOR_URL="http://127.0.0.1:$LISTENER_PORT"
    # the emulator control CLI, where the postgres OS user can run it
    cp "$REPO/test/emuctl.py" "$WORK/emuctl.py"
    export HUBSPOT_EMUCTL="$WORK/emuctl.py"
    log "emulator at $HUBSPOT_EMULATOR_URL"
}

as_postgres() { runuser -u postgres -- env PATH="$PG_BIN:$PATH" "$@"; }

# start_cluster: a throw-away PostgreSQL cluster, socket in $WORK; sets PGPORT/PGHOST.
start_cluster() {
    CLUSTER_DIR="$WORK/pgdata"
    export PGPORT PGHOST="$WORK"
    PGPORT=$(free_port)
    as_postgres initdb -D "$CLUSTER_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
        || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
    as_postgres pg_ctl -D "$CLUSTER_DIR" -l "$WORK/postgres.log" -w \
        -o "-p $PGPORT -k $WORK -c listen_addresses=''" start >/dev/null \
        || { cat "$WORK/postgres.log" >&2; die "PostgreSQL did not start"; }
    log "PostgreSQL $PG_MAJOR on socket $WORK, port $PGPORT"
}

# run_pg_regress SRCDIR TESTS...: the pg_regress tests SRCDIR/sql/TEST.sql
# (expected output in SRCDIR/expected) in a temporary instance, run as the
# postgres OS user on copies it can read, with the HUBSPOT_* variables passed
# through.  Prints pg_regress's output, and the diffs when a test failed;
# returns pg_regress's status.
run_pg_regress() {
    local src=$1 dir rc=0
    shift
    dir=$(mktemp -d "$WORK/regress.XXXXXX")
    chmod 755 "$dir"
    cp -r "$src/sql" "$src/expected" "$dir/"
    chown -R postgres: "$dir"
    (cd "$dir" && as_postgres env $(env | grep -E '^HUBSPOT_[A-Z_]+=' || true) "$PG_REGRESS" \
        --temp-instance="$dir/instance" --bindir="$PG_BIN" \
        --inputdir="$dir" --outputdir="$dir" --dbname=contrib_regression "$@") 2>&1 || rc=$?
    if [ -f "$dir/regression.diffs" ]; then
        echo "==> $dir/regression.diffs:"
        head -n 300 "$dir/regression.diffs"
    fi
    return "$rc"
}

# start_session: everything a session against the emulator needs, stopped
# again on exit: packages, a fresh build, the emulator and a cluster.
start_session() {
    trap cleanup EXIT
    install_deps
    build_install
    make_workdir
    start_emulator
    start_cluster
}

cleanup() {
    if [ -n "$CLUSTER_DIR" ] && [ -d "$CLUSTER_DIR" ]; then
        as_postgres pg_ctl -D "$CLUSTER_DIR" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ -n "$EMULATOR_PID" ]; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    if [ -n "$WORK" ] && [ -z "${KEEP_WORKDIR:-}" ]; then
        rm -rf "$WORK"
    fi
}
