#!/usr/bin/env bash
# Installs the test tools (Python packages, and Debian's Chromium for the browser tests),
# then runs the whole suite. README.md's second command; .ci/run runs it too.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
python -m pip install -q -e ".[test]"

python -m pytest "$@"
