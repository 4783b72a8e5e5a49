"""Schema migrations (alembic), applied on start and by `python -m core migrate`."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from core.db import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision(s); features developed side by side may add parallel heads."""
    return ",".join(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def upgrade(engine: Engine | None = None) -> str:
    """Bring the database to the newest schema; returns the revision(s) reached."""
    engine = engine or get_engine()
    if current_revision(engine) == head_revision():
        return head_revision()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    return head_revision()


def new_revision(message: str, engine: Engine | None = None) -> None:
    """Developer helper: autogenerate a migration (`python -m core makemigration MSG`)."""
    engine = engine or get_engine()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
