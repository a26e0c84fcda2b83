#!/usr/bin/env bash
# The rate limiter's unit tests (test/ratelimit/unit.c, with sim.c): src/ratelimit.c's
# window arithmetic with explicit times, its budget tables, and steady loads through a
# simulated HubSpot, outside PostgreSQL.  Needs gcc and PostgreSQL's server headers
# (test/lib.sh's install_deps):
#   bash test/ratelimit/run.sh
# builds unit.c with -Wall -Wextra -Werror and AddressSanitizer and
# UndefinedBehaviorSanitizer (any report aborts the run), runs it, and exits with its
# status.  It prints one line per case, "ok N - case" or "not ok N - case".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

dir=$(mktemp -d /tmp/hubspot_fdw-ratelimit-unit.XXXXXX)
trap 'rm -rf "$dir"' EXIT
gcc -std=gnu11 -g -O1 -Wall -Wextra -Werror \
    -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -I"$REPO/src" -isystem "$($PG_CONFIG --includedir-server)" \
    -o "$dir/unit" "$REPO/test/ratelimit/unit.c" -lm
ASAN_OPTIONS=detect_leaks=1 "$dir/unit"
