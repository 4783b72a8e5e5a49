"""Alembic environment of the provider database (core.health.migrate hands the connection)."""

from alembic import context

from core.health.db import get_health_engine
from core.health.migrate import VERSION_TABLE
from core.health.models import health_metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=health_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    with get_health_engine().connect() as fresh:
        _run(fresh)
else:
    _run(connection)
