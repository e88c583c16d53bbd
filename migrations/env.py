"""How Alembic reaches the database: the app's own engine and the models' metadata.

The app passes its open connection (plie.db.upgrade_to_head); the `alembic` command line
builds an engine from plie.settings, so both use the same URL and SQLite settings.
"""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import plie.models  # noqa: F401  (registers the tables)
from plie.db import make_engine
from plie.models import UTCDateTime
from plie.settings import get_settings

config = context.config
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def render_item(type_, obj, autogen_context):
    """Write the models' own column types as plain SQLAlchemy ones, so that a migration does
    not depend on code that may change after it was written."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type(obj).__name__ == "AutoString":
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(get_settings().database_url)
    with engine.connect() as own_connection:
        run(own_connection)
        own_connection.commit()
    engine.dispose()
