"""Running the migrations down in a test (the app itself only ever upgrades)."""

from __future__ import annotations

from sqlalchemy import Engine


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate `engine`'s database down to `revision`, on one connection as
    `store.database.upgrade` runs them."""
    from alembic import command

    from loquent_desktop.store.database import alembic_config

    with engine.connect() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        conn.commit()
