"""The provider database has its own schema, migrations and version table."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import core.models  # noqa: F401  (the insurer's tables)
from core.db import make_engine
from core.health import migrate as health_migrate
from core.health.models import health_metadata
from tests.service.health_world import fresh_provider_url


def test_provider_tables_never_reach_the_insurers_metadata_and_the_other_way_round():
    assert set(health_metadata.tables) == {
        "record_account",
        "record_device",
        "record_entry",
        "record_document",
        "record_import",
        "record_index",
    }
    assert not set(health_metadata.tables) & set(SQLModel.metadata.tables)
    assert "health_link" in SQLModel.metadata.tables


def test_the_insurers_database_holds_no_provider_table(engine):
    assert not set(inspect(engine).get_table_names()) & set(health_metadata.tables)


def test_provider_models_and_migrations_do_not_drift():
    engine = make_engine(fresh_provider_url())
    assert health_migrate.current_revision(engine) == health_migrate.head_revision()
    assert health_migrate.upgrade(engine) == health_migrate.head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "version_table": health_migrate.VERSION_TABLE},
        )
        assert compare_metadata(context, health_metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert tables == set(health_metadata.tables) | {health_migrate.VERSION_TABLE}
    engine.dispose()
