#!/usr/bin/env bash
# Installs the test tools (Python packages; Debian's Chromium for the browser tests and
# PostgreSQL for the second run), then runs the whole suite on SQLite and on PostgreSQL.
# README.md's second command; .ci/run runs it too. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python -m pip install -q -e ".[test]"

exec bash scripts/run_tests.sh "$@"
