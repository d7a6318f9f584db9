"""Alembic environment: vimon runs migrations in-process on a connection it passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from vimon.store.schema import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    # Plain `alembic upgrade head` from a shell: use the configured URL.
    from vimon.settings import get_settings

    engine = create_engine(config.get_main_option("sqlalchemy.url") or get_settings().db_url)
    with engine.begin() as conn:
        _migrate(conn)


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
