"""A fresh database per test, on SQLite or on PostgreSQL.

PLIE_TEST_DATABASE_URL chooses PostgreSQL (a server started by scripts/start_postgres.sh): each
test then gets its own schema there, dropped afterwards. Without it, each test gets a fresh
SQLite file in its temporary directory (a file rather than memory, so that threads share it).
"""

import uuid

import pytest
from sqlalchemy import Engine, text

from plie.db import create_schema, make_engine, writing
from plie.settings import get_settings
from tests.backends import BACKEND, POOL, TEST_DATABASE_URL


@pytest.fixture(autouse=True)
def _no_real_mail(monkeypatch):
    """No test may reach a real mail service because the developer's shell configures one."""
    for name in ("PLIE_SENDGRID_API_KEY", "PLIE_SMTP_HOST", "PLIE_SENDGRID_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _uploads_in_tmp(monkeypatch, tmp_path):
    """Uploaded files go to the test's own folder, never to the project's data/."""
    monkeypatch.setenv("PLIE_UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    yield tmp_path / "uploads"
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgresql_admin() -> Engine | None:
    if BACKEND != "postgresql":
        yield None
        return
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@pytest.fixture
def pg_schema(postgresql_admin) -> str | None:
    """On PostgreSQL, the schema that holds this test's tables; None on SQLite."""
    if postgresql_admin is None:
        yield None
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with postgresql_admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with postgresql_admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def empty_engine(tmp_path, pg_schema) -> Engine:
    """An engine on a database with no table at all."""
    if pg_schema is None:
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}", **POOL)
    else:
        engine = make_engine(
            TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={pg_schema}"}, **POOL
        )
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine) -> Engine:
    """An engine on a fresh database with every table of the models."""
    create_schema(empty_engine)
    return empty_engine


@pytest.fixture
def db(engine):
    with writing(engine) as session:
        yield session
