"""The schema comes from migrations, and the migrations match the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import core.models  # noqa: F401
from core import migrate


def test_database_is_at_the_newest_revision(engine):
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_upgrade_twice_is_harmless(engine):
    assert migrate.upgrade(engine) == migrate.head_revision()


def test_insurer_migrations_have_exactly_one_head():
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1, f"parallel heads {sorted(heads)}: add a merge migration"
