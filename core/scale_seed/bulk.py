"""Bulk writes shared by the seeding steps: ids reserved up front, then COPY or executemany.

A step that needs row ids before it writes (a signed payload names its row, a blob's
associated data names its owner row) reserves them in the transaction that inserts the
rows: from the sequence on PostgreSQL, after max(id) under SQLite's write lock.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table
from sqlmodel import func, or_, select

from core.db import is_sqlite, session_scope
from core.models.people import Member
from core.seed import DEMO_PERSONAS

Progress = Callable[[int, int], None]
MEMBER_CHUNK = 5_000  # members per transaction in the feature steps


def _sqlite_value(value: Any) -> Any:
    """As SQLAlchemy stores it on SQLite: UTC datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")[:26]
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class BulkWriter:
    """One transaction's raw DBAPI cursor; statements are built from table metadata only."""

    cursor: Any
    sqlite: bool

    def reserve_ids(self, table: Table, count: int) -> list[int]:
        if count == 0:
            return []
        if self.sqlite:  # the write lock is held: nobody else inserts meanwhile
            self.cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table.name}")  # noqa: S608
            last = self.cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, count),
        )
        return [row[0] for row in self.cursor.fetchall()]

    def insert(self, table: Table, rows: Sequence[dict]) -> int:
        """Rows with the same keys, all of them columns of `table`."""
        if not rows:
            return 0
        columns = [table.c[name].name for name in rows[0]]
        if self.sqlite:
            statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (metadata names)
                table.name, ", ".join(columns), ", ".join("?" * len(columns))
            )
            self.cursor.executemany(
                statement, [tuple(_sqlite_value(row[name]) for name in columns) for row in rows]
            )
            return len(rows)
        with self.cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
        return len(rows)


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[BulkWriter]:
    """Commit on leaving; roll back on an exception (SQLite: under its write lock)."""
    if is_sqlite(engine):
        with session_scope(write=True, engine=engine) as session:
            cursor = session.connection().connection.driver_connection.cursor()
            yield BulkWriter(cursor, sqlite=True)
            session.commit()
        return
    with engine.begin() as connection:
        yield BulkWriter(connection.connection.driver_connection.cursor(), sqlite=False)


def not_in_persona_household() -> ColumnElement[bool]:
    """The demo personas and their families keep the state their tours start from."""
    kvnrs = [persona.kvnr for persona in DEMO_PERSONAS if persona.kvnr]
    households = select(Member.household_id).where(
        Member.kvnr.in_(kvnrs), Member.household_id.is_not(None)
    )
    # NULL-safe: a member without a household is nobody's family.
    return or_(Member.household_id.is_(None), Member.household_id.not_in(households))


def count_members(engine: Engine, *conditions: ColumnElement[bool]) -> int:
    with session_scope(engine=engine) as session:
        return session.exec(select(func.count()).select_from(Member).where(*conditions)).one()


def member_chunks(
    engine: Engine, columns: Sequence[Any], *conditions: ColumnElement[bool], size: int
) -> Iterator[list[tuple]]:
    """Rows of `columns` (Member.id first) of the members meeting `conditions`, in id order and
    chunks; keyset paging, so rows a chunk inserts never shift the next one."""
    last_id = 0
    while True:
        with session_scope(engine=engine) as session:
            rows = session.exec(
                select(*columns)
                .where(Member.id > last_id, *conditions)
                .order_by(Member.id)
                .limit(size)
            ).all()
        if not rows:
            return
        last_id = rows[-1][0]
        yield [tuple(row) for row in rows]
