#!/usr/bin/env bash
# Run the whole test suite twice: on SQLite (a fresh file per test), then on PostgreSQL
# (a fresh schema per test on a throwaway server that this script starts and stops).
# Extra arguments go to pytest, e.g. scripts/run_tests.sh -x -m "not browser".
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== pytest on SQLite" >&2
env -u PLIE_TEST_DATABASE_URL python -m pytest "$@"

echo "== pytest on PostgreSQL" >&2
eval "$(scripts/start_postgres.sh)"
trap 'scripts/stop_postgres.sh' EXIT
env -u DATABASE_URL PLIE_TEST_DATABASE_URL="$DATABASE_URL" python -m pytest "$@"
