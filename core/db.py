"""Engines and sessions. One Session per user action, through `session_scope`.

SQLite (the embedded default) runs in WAL mode with foreign keys on; a write session
starts with BEGIN IMMEDIATE so that two writers never both read stale state and then
collide. PostgreSQL is selected by DATABASE_URL=postgresql+psycopg://...
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from core.settings import get_settings

_IMMEDIATE = "hek_immediate"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_postgresql(session: Session) -> bool:
    """For the few queries phrased per database (an index range, a row lock)."""
    return session.get_bind().dialect.name == "postgresql"


def make_engine(url: str) -> Engine:
    """An engine for `url` with the pragmas and pool settings this project relies on."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is too late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@cache
def get_engine(url: str | None = None) -> Engine:
    return make_engine(url or get_settings().database_url)


@contextmanager
def session_scope(*, write: bool = False, engine: Engine | None = None) -> Iterator[Session]:
    """A Session for one user action; whatever the service did not commit is rolled back.

    `write=True` takes the database's write lock at the start on SQLite (BEGIN IMMEDIATE);
    on PostgreSQL it changes nothing (row locks do the work there).
    """
    bind = engine or get_engine()
    if write:
        bind = bind.execution_options(**{_IMMEDIATE: True})
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
