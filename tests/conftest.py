"""Shared fixtures: isolated data dir, fresh migrated databases (SQLite and PostgreSQL), factories.

The environment is set before anything imports core.settings, so no test touches data/.
"""

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

_TEST_DATA = Path(tempfile.mkdtemp(prefix="hek-test-"))
os.environ.update(
    {
        "HEK_MODE": "demo",
        "HEK_DATA_DIR": str(_TEST_DATA),
        "HEK_BCRYPT_ROUNDS": "4",
        "DATABASE_URL": f"sqlite:///{_TEST_DATA / 'default.db'}",
    }
)

import pytest  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from core import migrate  # noqa: E402
from core.db import make_engine  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
# One template database per pytest-xdist worker, so workers never drop each other's.
PG_TEMPLATE = f"hek_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _sqlite_template() -> Path:
    template = _TEST_DATA / "template.db"
    if not template.exists():
        engine = make_engine(f"sqlite:///{template}")
        migrate.upgrade(engine)
        engine.dispose()
    return template


def fresh_sqlite_url() -> str:
    target = _TEST_DATA / f"test-{uuid.uuid4().hex}.db"
    shutil.copyfile(_sqlite_template(), target)
    return f"sqlite:///{target}"


_pg_template_ready = False


def fresh_postgres_url() -> str:
    global _pg_template_ready
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set (make test starts a throwaway PostgreSQL)")
    admin = make_engine(f"{POSTGRES_URL}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not _pg_template_ready:
            connection.execute(text(f"DROP DATABASE IF EXISTS {PG_TEMPLATE}"))
            connection.execute(text(f"CREATE DATABASE {PG_TEMPLATE}"))
            template_engine = make_engine(f"{POSTGRES_URL}/{PG_TEMPLATE}")
            migrate.upgrade(template_engine)
            template_engine.dispose()
            _pg_template_ready = True
        name = f"hek_{uuid.uuid4().hex[:12]}"
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}"))
    admin.dispose()
    return f"{POSTGRES_URL}/{name}"


def fresh_database_url(backend: str) -> str:
    return fresh_sqlite_url() if backend == "sqlite" else fresh_postgres_url()


@pytest.fixture(params=BACKENDS)
def engine(request) -> Iterator[Engine]:
    """A freshly migrated, empty database on each backend."""
    created = make_engine(fresh_database_url(request.param))
    yield created
    created.dispose()


@pytest.fixture
def session(engine):
    from core.db import session_scope

    with session_scope(write=True, engine=engine) as opened:
        yield opened


def pytest_sessionfinish(session, exitstatus) -> None:
    shutil.rmtree(_TEST_DATA, ignore_errors=True)
