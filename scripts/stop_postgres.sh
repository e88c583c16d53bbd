#!/usr/bin/env bash
# Stop the server started by start_postgres.sh and remove its data (PLIE_PG_DIR).
set -euo pipefail
: "${PLIE_PG_DIR:?set by start_postgres.sh}"
BIN_DIR="${PLIE_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}"
if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$BIN_DIR/pg_ctl" -D "$PLIE_PG_DIR/data" -m fast -w stop >&2
else
    "$BIN_DIR/pg_ctl" -D "$PLIE_PG_DIR/data" -m fast -w stop >&2
fi
rm -rf "$PLIE_PG_DIR"
