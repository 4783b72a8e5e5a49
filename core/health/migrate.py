"""Migrations of the provider database, separate from the insurer's (core.migrate).

Own script folder and own version table, so the two never meet even if both URLs pointed
at the same database by mistake.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from core.health.db import get_health_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "record_alembic_version"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    return ",".join(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        heads = context.get_current_heads()
    return ",".join(sorted(heads)) or None


def upgrade(engine: Engine | None = None) -> str:
    """Bring the provider database to the newest schema; returns the revision reached."""
    engine = engine or get_health_engine()
    if current_revision(engine) == head_revision():
        return head_revision()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    return head_revision()
