#!/usr/bin/env bash
# Write a new Alembic revision from the difference between the models and the migrations.
#
#   scripts/new_migration.sh "add review tables"
#
# It builds a scratch SQLite database at the current head and lets Alembic's autogenerate
# compare it with SQLModel.metadata. Read the revision it writes before committing it:
# autogenerate misses renames and data moves, and PostgreSQL enum types need care.
# Until the first production release, the initial revision may instead be regenerated whole:
#   rm migrations/versions/*_initial_schema.py && scripts/new_migration.sh "initial schema"
set -euo pipefail
cd "$(dirname "$0")/.."
message="${1:?usage: scripts/new_migration.sh \"what changed\"}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export DATABASE_URL="sqlite:///$scratch/scratch.db"
alembic upgrade head
alembic revision --autogenerate -m "$message"
ruff format migrations/versions >/dev/null 2>&1 || true
