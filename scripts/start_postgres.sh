#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests and the benchmark.
#
# It listens on 127.0.0.1 only, on a free port, with its data in a temporary directory.
# initdb and pg_ctl refuse to run as root, so they run as the "postgres" user.
# Usage:  eval "$(scripts/start_postgres.sh)"   then   scripts/stop_postgres.sh
# stdout carries only the export lines; progress goes to stderr.
set -euo pipefail

find_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [[ -z "$(find_bin_dir)" ]]; then
    echo "installing Debian's postgresql package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
        || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive \
             apt-get install -y -q postgresql >&2; }
fi
BIN_DIR="$(find_bin_dir)"

as_postgres() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/plie-pg.XXXXXX")"
if [[ "$(id -u)" == 0 ]]; then
    chown postgres: "$PG_DIR"
fi
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_postgres "$BIN_DIR/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
    --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; exit 1; }

# Durability is not needed for a throwaway server: fsync off keeps the tests quick.
as_postgres "$BIN_DIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start \
    -o "-h 127.0.0.1 -p $PORT -k $PG_DIR -c max_connections=300 -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off" >&2 \
    || { cat "$PG_DIR/server.log" >&2; exit 1; }

as_postgres "$BIN_DIR/createdb" -h 127.0.0.1 -p "$PORT" -U postgres plie >&2

echo "postgres started dir=$PG_DIR port=$PORT" >&2
echo "export PLIE_PG_DIR=$PG_DIR"
echo "export PLIE_PG_BIN=$BIN_DIR"
echo "export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/plie"
