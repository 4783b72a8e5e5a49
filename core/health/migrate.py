"""Migrations of the provider database, separate from the insurer's (core.migrate).

Own script folder and own version table, so the two never meet even if both URLs pointed
at the same database by mistake.
"""

from pathlib import Path

from sqlalchemy import Engine

from core.health.db import get_health_engine
from core.migrate import MigrationSet

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "record_alembic_version"
PROVIDER = MigrationSet(MIGRATIONS_DIR, version_table=VERSION_TABLE)


def head_revision() -> str:
    return PROVIDER.head_revision()


def current_revision(engine: Engine) -> str | None:
    return PROVIDER.current_revision(engine)


def upgrade(engine: Engine | None = None) -> str:
    """Bring the provider database to the newest schema; returns the revision reached."""
    return PROVIDER.upgrade(engine or get_health_engine())
