"""Alembic environment: runs migrations on a connection handed over by `database.upgrade`,
or (developer use via the repo's alembic.ini) on `sqlalchemy.url`."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, create_engine

from loquent_desktop.store.column_types import UTCDateTime
from loquent_desktop.store.models import Base, is_search_object

config = context.config
target_metadata = Base.metadata

# Only the developer CLI (repo alembic.ini) configures logging; the app has its own set-up.
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import app code that may change later: render the column type
    # our TypeDecorator wraps, not the decorator.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        # History search's FTS5 tables and GIN indexes (0007) live outside the models.
        include_name=lambda name, *_: not is_search_object(name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from loquent_desktop.store.database import create_database_engine

    url = config.get_main_option("sqlalchemy.url")
    engine = create_database_engine(url) if url else create_engine("sqlite://")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
