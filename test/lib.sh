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
# It lives outside the clone, under /var/tmp (one place per clone), because
# the postgres OS user must reach it and a clone may sit in a directory only
# root can enter (mktemp -d makes such directories).
BUILD_ROOT=${HUBSPOT_FDW_BUILD_ROOT:-/var/tmp/hubspot_fdw-$(printf '%s' "$REPO" | cksum | cut -d' ' -f1)}
PGROOT=${HUBSPOT_FDW_PGROOT:-$BUILD_ROOT/pgroot}
PG_BIN=$PGROOT$PG_SYSTEM_LIB/bin
# The sanitized build (build_install_sanitized): the extension built with
# AddressSanitizer and UndefinedBehaviorSanitizer, installed into its own
# private copy $SAN_PGROOT whose bin/postgres starts the server with the
# sanitizer runtimes preloaded (HUBSPOT_FDW_SAN_PGROOT overrides the place).
SAN_PGROOT=${HUBSPOT_FDW_SAN_PGROOT:-$BUILD_ROOT/pgroot-san}
SAN_PG_BIN=$SAN_PGROOT$PG_SYSTEM_LIB/bin
SAN_CFLAGS="-fsanitize=address,undefined,float-cast-overflow -fsanitize-undefined-trap-on-error -fno-omit-frame-pointer -g"
APT_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR libcurl4-openssl-dev
              libjson-c-dev pkg-config make gcc libasan8 python3 ca-certificates
              python3-sqlalchemy python3-psycopg2)

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

# make_pgroot [ROOT]: ROOT (default $PGROOT) as a fresh private copy of the
# system's PostgreSQL: binaries copied (PostgreSQL resolves its own path
# through symlinks), libraries and share files linked, no hubspot_fdw in it yet.
make_pgroot() {
    local root=${1:-$PGROOT} f
    rm -rf "$root"
    mkdir -p "$root$PG_SYSTEM_LIB/lib" "$(dirname "$root$PG_SYSTEM_SHARE")"
    chmod 755 "$(dirname "$root")" "$root"
    cp -a "$PG_SYSTEM_LIB/bin" "$root$PG_SYSTEM_LIB/bin"
    for f in "$PG_SYSTEM_LIB"/lib/*; do ln -s "$f" "$root$PG_SYSTEM_LIB/lib/"; done
    cp -as "$PG_SYSTEM_SHARE" "$root$PG_SYSTEM_SHARE"
    rm -f "$root$PG_SYSTEM_LIB"/lib/hubspot_fdw.so "$root$PG_SYSTEM_SHARE"/extension/hubspot_fdw*
}

# build_into ROOT PG_CFLAGS: a clean build with PG_CFLAGS, installed into a
# fresh private PostgreSQL ROOT.
build_into() {
    make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
    make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$2" >/dev/null
    make_pgroot "$1"
    make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" DESTDIR="$1" install >/dev/null
}

# build_install [extra PG_CFLAGS]: a clean build, installed into the private
# PostgreSQL $PGROOT.
build_install() {
    log "building hubspot_fdw"
    build_into "$PGROOT" "${1:-}"
}

# build_install_sanitized [extra PG_CFLAGS]: a clean build with $SAN_CFLAGS,
# installed into the private PostgreSQL $SAN_PGROOT, whose bin/postgres becomes
# a wrapper that runs the real server (bin/postgres.real) with gcc's ASan
# runtime preloaded, test/sanitizers/early_init.c after it (see there why
# Debian's server hangs without it), and the options of
# test/sanitizers/options.sh.  Undefined behaviour traps (no UBSan runtime)
# and ASan reports the trap with its stack.  Every server started from $SAN_PG_BIN
# (pg_regress --bindir, pg_ctl, initdb) runs so, whatever its environment; with
# HUBSPOT_FDW_SAN_LOGDIR in the server's environment (start_sanitizer_logs)
# every report goes to a file there, otherwise to the server's stderr.  Cleans
# the build directory afterwards, so that no sanitized object is left for a
# plain "make".
build_install_sanitized() {
    local lib=$SAN_PGROOT$PG_SYSTEM_LIB/lib libasan
    log "building hubspot_fdw with AddressSanitizer and UndefinedBehaviorSanitizer"
    libasan=$(readlink -f "$(gcc -print-file-name=libasan.so)")
    [ -f "$libasan" ] || die "gcc's libasan.so is missing"
    build_into "$SAN_PGROOT" "$SAN_CFLAGS ${1:-}"
    make -C "$REPO" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
    gcc -shared -fPIC -Wall -Wextra -Werror -Wl,-z,initfirst -o "$lib/hubspot_fdw_asan_early_init.so" \
        "$REPO/test/sanitizers/early_init.c" "$libasan"
    mkdir -p "$SAN_PGROOT/sanitizers"
    cp "$REPO/test/sanitizers/options.sh" "$SAN_PGROOT/sanitizers/"
    mv "$SAN_PG_BIN/postgres" "$SAN_PG_BIN/postgres.real"
    cat >"$SAN_PG_BIN/postgres" <<EOF
#!/bin/bash
# PostgreSQL's server with the ASan runtime for hubspot_fdw (test/lib.sh's build_install_sanitized)
. "$SAN_PGROOT/sanitizers/options.sh"
export LD_PRELOAD="$libasan:$lib/hubspot_fdw_asan_early_init.so\${LD_PRELOAD:+:\$LD_PRELOAD}"
exec -a "\$0" "$SAN_PG_BIN/postgres.real" "\$@"
EOF
    chmod 755 "$SAN_PG_BIN/postgres"
    timeout 60 "$SAN_PG_BIN/postgres" -V >/dev/null || die "the sanitized server does not start (postgres -V)"
}

# start_sanitizer_logs: a directory $WORK/sanitizers the postgres OS user can
# write, exported as HUBSPOT_FDW_SAN_LOGDIR for the sanitized servers started
# afterwards (run_pg_regress passes HUBSPOT_* variables through).
start_sanitizer_logs() {
    export HUBSPOT_FDW_SAN_LOGDIR="$WORK/sanitizers"
    mkdir -p "$HUBSPOT_FDW_SAN_LOGDIR"
    chown postgres: "$HUBSPOT_FDW_SAN_LOGDIR"
}

# sanitized_alt_expected DIR: the alternative expected outputs of a run under
# AddressSanitizer, for run_pg_regress's REGRESS_ALT_EXPECTED: select_1.out,
# expected/select.out with its peak-memory check (a scan of 300 pages grows
# the backend's peak by less than 4 MB) allowed to fail.  ASan's allocator
# keeps freed memory from reuse (quarantine) and pads every block, which
# grows the peak by about 6 MB there; the normal run checks the streaming.
sanitized_alt_expected() {
    mkdir -p "$1"
    awk '/AS peak_grew_less_than_4mb;$/ { n = 4 } n && !--n && $0 == " t" { $0 = " f" } { print }' \
        "$REPO/expected/select.out" >"$1/select_1.out"
}

# sanitizer_canary: proves that a server started from $SAN_PG_BIN reports
# into $HUBSPOT_FDW_SAN_LOGDIR: in a throw-away cluster, the function of
# test/sanitizers/canary.c (built with $SAN_CFLAGS) overflows a signed integer
# in one session and reads past a malloc'd block in another; succeeds if both
# were reported with the canary's source line.  Moves the reports to
# $WORK/sanitizers-canary.
sanitizer_canary() {
    local lib=$SAN_PGROOT$PG_SYSTEM_LIB/lib ok=1 kind f i
    gcc -shared -fPIC $SAN_CFLAGS -Wall -Wextra -Werror -I"$($PG_CONFIG --includedir-server)" \
        -o "$lib/hubspot_fdw_san_canary.so" "$REPO/test/sanitizers/canary.c"
    PG_BIN=$SAN_PG_BIN start_cluster
    PG_BIN=$SAN_PG_BIN as_postgres psql -X -q -d postgres -c "CREATE FUNCTION hubspot_fdw_san_canary(text)
        RETURNS int AS 'hubspot_fdw_san_canary' LANGUAGE C STRICT" >"$WORK/canary.out" 2>&1 || ok=0
    for kind in undefined heap; do
        PG_BIN=$SAN_PG_BIN as_postgres psql -X -q -d postgres \
            -c "SELECT hubspot_fdw_san_canary('$kind')" >>"$WORK/canary.out" 2>&1 || true
        for i in $(seq 1 100); do  # until the postmaster has restarted after the crash
            PG_BIN=$SAN_PG_BIN as_postgres pg_isready -q -d postgres && break
            sleep 0.2
        done
    done
    # immediate: the cluster is thrown away, and it may still be recovering
    PG_BIN=$SAN_PG_BIN as_postgres pg_ctl -D "$CLUSTER_DIR" -m immediate -w stop >/dev/null 2>&1 \
        && CLUSTER_DIR=""
    grep -qs 'ERROR: AddressSanitizer: ILL' "$HUBSPOT_FDW_SAN_LOGDIR"/* || ok=0
    grep -qs 'in hubspot_fdw_san_canary .*canary.c:31' "$HUBSPOT_FDW_SAN_LOGDIR"/* || ok=0
    grep -qs 'ERROR: AddressSanitizer: heap-buffer-overflow' "$HUBSPOT_FDW_SAN_LOGDIR"/* || ok=0
    grep -qs 'in hubspot_fdw_san_canary .*canary.c:38' "$HUBSPOT_FDW_SAN_LOGDIR"/* || ok=0
    if [ "$ok" = 0 ]; then
        cat "$WORK/canary.out"
        for f in "$HUBSPOT_FDW_SAN_LOGDIR"/*; do [ -f "$f" ] && { echo "==> $f:"; head -n 40 "$f"; }; done
    fi
    mkdir -p "$WORK/sanitizers-canary"
    find "$HUBSPOT_FDW_SAN_LOGDIR" -type f -exec mv {} "$WORK/sanitizers-canary/" \;
    rm -f "$lib/hubspot_fdw_san_canary.so"
    [ "$ok" = 1 ]
}

# check_sanitizer_logs: prints every report in $HUBSPOT_FDW_SAN_LOGDIR, and on
# its last line the number of processes that wrote one (0: clean).
check_sanitizer_logs() {
    local f n=0
    for f in "$HUBSPOT_FDW_SAN_LOGDIR"/*; do
        [ -s "$f" ] || continue
        n=$((n + 1))
        echo "==> sanitizer report $f:"
        head -n 200 "$f"
    done
    echo "$n"
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
# LISTENER_PID and LISTENER_PORT.  The server runs in a session of its own
# (setsid, same pid), so that a Ctrl-C typed into psql in test/session.sh does
# not stop it; cleanup stops it by its pid.
start_listener() {
    local name=$1 logfile=$2 portfile=$3 i
    shift 3
    setsid "$@" >"$logfile" 2>&1 &
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

# (from / when the postgres user cannot enter the current directory, e.g. a
# clone in mktemp -d: PostgreSQL's tools would warn that they cannot go back)
as_postgres() {
    (
        runuser -u postgres -- test -x "$PWD" 2>/dev/null || cd /
        runuser -u postgres -- env PATH="$PG_BIN:$PATH" "$@"
    )
}

# start_cluster [SERVER OPTIONS]: a throw-away PostgreSQL cluster, socket in $WORK, its
# server started with the options given (e.g. "-c shared_preload_libraries=hubspot_fdw")
# as well; sets PGPORT/PGHOST.
start_cluster() {
    CLUSTER_DIR="$WORK/pgdata"
    export PGPORT PGHOST="$WORK"
    PGPORT=$(free_port)
    as_postgres initdb -D "$CLUSTER_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
        || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
    as_postgres pg_ctl -D "$CLUSTER_DIR" -l "$WORK/postgres.log" -w \
        -o "-p $PGPORT -k $WORK -c listen_addresses='' ${1:-}" start >/dev/null \
        || { cat "$WORK/postgres.log" >&2; die "PostgreSQL did not start"; }
    log "PostgreSQL $PG_MAJOR on socket $WORK, port $PGPORT"
}

# restart_cluster [POSTGRES_OPTION...]: the cluster of start_cluster stopped and
# started again on the same port and socket, with the server options given
# (e.g. -c shared_preload_libraries=hubspot_fdw) added to those start_cluster uses.
restart_cluster() {
    [ -n "$CLUSTER_DIR" ] && [ -d "$CLUSTER_DIR" ] || die "restart_cluster: no cluster; call start_cluster first"
    as_postgres pg_ctl -D "$CLUSTER_DIR" -m fast -w stop >/dev/null \
        || { cat "$WORK/postgres.log" >&2; die "PostgreSQL did not stop"; }
    as_postgres pg_ctl -D "$CLUSTER_DIR" -l "$WORK/postgres.log" -w \
        -o "-p $PGPORT -k $WORK -c listen_addresses='' $*" start >/dev/null \
        || { cat "$WORK/postgres.log" >&2; die "PostgreSQL did not start again"; }
    log "PostgreSQL restarted${*:+ with $*}"
}

# run_pg_regress SRCDIR TESTS...: the pg_regress tests SRCDIR/sql/TEST.sql
# (expected output in SRCDIR/expected) in a temporary instance, run as the
# postgres OS user on copies it can read, with the HUBSPOT_* variables passed
# through.  With REGRESS_ALT_EXPECTED naming a directory, its *.out files are
# added to the expected outputs (pg_regress accepts TEST_1.out for TEST as
# well).  Prints pg_regress's output, and the diffs when a test failed;
# returns pg_regress's status.  Needs make_workdir first, and for the suite in
# $REPO (whose tests steer the emulator) start_emulator.
run_pg_regress() {
    local src=$1 dir rc=0
    shift
    [ -n "$WORK" ] && [ -d "$WORK" ] \
        || die "run_pg_regress: no scratch directory; call make_workdir (and start_emulator) first"
    if [ "$src" = "$REPO" ] && { [ -z "${HUBSPOT_EMUCTL:-}" ] || [ -z "${HUBSPOT_EMULATOR_URL:-}" ]; }; then
        die "run_pg_regress: the emulator is not running; call start_emulator first (after make_workdir)"
    fi
    dir=$(mktemp -d "$WORK/regress.XXXXXX")
    chmod 755 "$dir"
    cp -r "$src/sql" "$src/expected" "$dir/"
    if [ -n "${REGRESS_ALT_EXPECTED:-}" ]; then cp "$REGRESS_ALT_EXPECTED"/*.out "$dir/expected/"; fi
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
