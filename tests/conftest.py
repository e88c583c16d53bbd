"""A fresh database for each test: SQLite in a temporary folder, or the PostgreSQL that
PLIE_TEST_DATABASE_URL names (its tables are dropped and created again for each test)."""

import os

import pytest
from sqlmodel import SQLModel

from plie.db import create_schema, make_engine, writing


@pytest.fixture
def engine(tmp_path):
    url = os.environ.get("PLIE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"
    engine = make_engine(url)
    if engine.dialect.name != "sqlite":
        import plie.models  # noqa: F401

        SQLModel.metadata.drop_all(engine)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    with writing(engine) as session:
        yield session
