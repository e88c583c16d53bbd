#!/usr/bin/env bash
# Installs the test tools (Python packages; Debian's Chromium for the browser tests,
# PostgreSQL for the second run, Node.js and the npm packages of tests/oidc), then runs the
# whole suite on SQLite and on PostgreSQL.
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
# The OpenID Connect provider that stands in for ProConnect (Node.js, from its lockfile).
if ! command -v node >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --no-audit --no-fund --prefix tests/oidc >/dev/null

exec bash scripts/run_tests.sh "$@"
