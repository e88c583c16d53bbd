"""The engine and database sessions.

SQLite (the embedded default) gets foreign keys, WAL and a busy timeout. Transactions that
write start with BEGIN IMMEDIATE on SQLite: a deferred transaction that reads and then writes
fails at once with "database is locked" when another writer got there first, whatever the busy
timeout says, while an immediate one waits its turn.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import Session, SQLModel, create_engine

from plie.settings import get_settings

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000


def make_engine(url: str) -> Engine:
    """An engine for `url`, with the SQLite settings the module relies on."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)

    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so that we choose its mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def create_schema(engine: Engine) -> None:
    import plie.models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(engine)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    engine = make_engine(get_settings().database_url)
    create_schema(engine)
    return engine


@contextmanager
def reading(engine: Engine | None = None) -> Iterator[Session]:
    """A session for queries; it never commits."""
    with Session(engine or get_engine()) as db:
        yield db


@contextmanager
def writing(engine: Engine | None = None) -> Iterator[Session]:
    """A session for one unit of work: the domain function called inside commits it once."""
    engine = engine or get_engine()
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with Session(engine, expire_on_commit=False) as db:
        yield db
