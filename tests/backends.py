"""Which database the tests run on: PostgreSQL when PLIE_TEST_DATABASE_URL names one."""

import os

import pytest

TEST_DATABASE_URL = os.environ.get("PLIE_TEST_DATABASE_URL", "")
BACKEND = "postgresql" if TEST_DATABASE_URL.startswith("postgresql") else "sqlite"

# Enough connections for the concurrency tests' threads to all hold one at the same moment.
POOL = {"pool_size": 20, "max_overflow": 110, "pool_timeout": 60}

only_postgresql = pytest.mark.skipif(
    BACKEND != "postgresql", reason="needs PLIE_TEST_DATABASE_URL pointing to PostgreSQL"
)
