"""The record provider's database: its own engine, never the insurer's (HEALTH_DATABASE_URL)."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import Engine
from sqlmodel import Session

from core.db import make_engine, session_scope
from core.settings import get_settings


@cache
def get_health_engine(url: str | None = None) -> Engine:
    return make_engine(url or get_settings().health_database_url)


@contextmanager
def health_scope(*, write: bool = False, engine: Engine | None = None) -> Iterator[Session]:
    """A Session on the provider database for one user action (see core.db.session_scope)."""
    with session_scope(write=write, engine=engine or get_health_engine()) as session:
        yield session
