"""Schema migrations (alembic), applied on start and by `python -m core migrate`.

`MigrationSet` serves both the insurer's database and the smarthealth provider's own one
(core/health/migrate.py), which keeps its scripts and version table apart.
"""

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from core.db import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class MigrationSet:
    directory: Path
    version_table: str = "alembic_version"

    def config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.directory))
        return config

    def head_revision(self) -> str:
        """The newest revision(s); features developed side by side may add parallel heads."""
        return ",".join(sorted(ScriptDirectory.from_config(self.config()).get_heads()))

    def current_revision(self, engine: Engine) -> str | None:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": self.version_table}
            )
            heads = context.get_current_heads()
        return ",".join(sorted(heads)) or None

    def upgrade(self, engine: Engine) -> str:
        """Bring the database to the newest schema; returns the revision(s) reached."""
        if self.current_revision(engine) == self.head_revision():
            return self.head_revision()
        config = self.config()
        # connect(), not begin(): the migrations own their transactions, so that one can
        # step out of it (CREATE INDEX CONCURRENTLY on PostgreSQL, see migration 0018).
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        return self.head_revision()


INSURER = MigrationSet(MIGRATIONS_DIR)


def alembic_config() -> Config:
    return INSURER.config()


def head_revision() -> str:
    return INSURER.head_revision()


def current_revision(engine: Engine) -> str | None:
    return INSURER.current_revision(engine)


def upgrade(engine: Engine | None = None) -> str:
    return INSURER.upgrade(engine or get_engine())


def new_revision(message: str, engine: Engine | None = None) -> None:
    """Developer helper: autogenerate a migration (`python -m core makemigration MSG`)."""
    engine = engine or get_engine()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
