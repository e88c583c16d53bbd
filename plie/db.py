"""The engine, database sessions and the schema's version.

SQLite (the embedded default) gets foreign keys, WAL and a busy timeout. Transactions that
write start with BEGIN IMMEDIATE on SQLite: a deferred transaction that reads and then writes
fails at once with "database is locked" when another writer got there first, whatever the busy
timeout says, while an immediate one waits its turn.

PostgreSQL (`postgresql+psycopg://...`) runs at READ COMMITTED: the places are taken with one
conditional UPDATE (see plie.places), which PostgreSQL re-checks on the latest row version, so
no extra locking is needed there.

The schema is created and upgraded by the Alembic migrations in `migrations/`; `create_schema`
(straight from the models) stays for the tests that do not care about migrations.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event, inspect, text
from sqlmodel import Session, SQLModel, create_engine

from plie.settings import PROJECT_ROOT, SettingsError, get_settings

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
UPGRADE_COMMAND = "alembic upgrade head"
# Any fixed number: app servers starting together on an empty PostgreSQL take this lock in turn.
MIGRATION_LOCK_KEY = 7_241_009


class SchemaNotCurrent(SettingsError):
    """The database's schema is not the one this version of the module expects."""


def make_engine(url: str, **options) -> Engine:
    """An engine for `url`, with the SQLite settings the module relies on."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **options)

    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **options,
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
    """All the tables straight from the models, without migrations: for tests only."""
    import plie.models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(engine)


def _alembic_config():
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


def expected_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def _behind_message(current: set[str], expected: set[str]) -> str:
    found = ", ".join(sorted(current)) or "aucune"
    wanted = ", ".join(sorted(expected))
    return (
        f"Le schéma de la base de données n'est pas à jour (version {found}, attendue {wanted}) : "
        f"lancez « {UPGRADE_COMMAND} » depuis le dossier de l'application, puis redémarrez-la. "
        f"/ The database schema is behind (revision {found}, expected {wanted}): "
        f"run `{UPGRADE_COMMAND}` from the application folder, then restart it."
    )


def check_schema_current(engine: Engine) -> None:
    """Raise SchemaNotCurrent, naming the upgrade command, unless the schema is at head."""
    current, expected = current_revisions(engine), expected_revisions()
    if current != expected:
        raise SchemaNotCurrent(_behind_message(current, expected))


def _models_differ(connection) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import plie.models  # noqa: F401  (registers the tables)

    return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


def upgrade_to_head(engine: Engine) -> None:
    """Run the migrations that the database has not had yet."""
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


_prepare_lock = threading.Lock()


def prepare_database(engine: Engine) -> None:
    """At start-up: build an empty database to head, refuse one whose schema is behind.

    A database built before the migrations existed (by `create_schema`) is stamped at head when
    its tables are exactly the models'; otherwise it is refused like one that is behind.
    """
    with _prepare_lock, _migration_lock(engine):
        tables = set(inspect(engine).get_table_names())
        if not tables:
            upgrade_to_head(engine)
            log.info("database_created revision=%s", ",".join(sorted(expected_revisions())))
            return

        if "alembic_version" not in tables:
            _stamp_if_identical(engine)
    check_schema_current(engine)


def _stamp_if_identical(engine: Engine) -> None:
    from alembic import command

    with engine.begin() as connection:
        if _models_differ(connection):
            raise SchemaNotCurrent(_behind_message(set(), expected_revisions()))
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.stamp(config, "head")
    log.info("database_stamped revision=%s", ",".join(sorted(expected_revisions())))


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one app server at a time prepares the database."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    engine = make_engine(get_settings().database_url)
    prepare_database(engine)
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


# The audit trail listens to every session's flushes; importing it here makes sure it does.
from plie import audit as _audit  # noqa: E402, F401
