"""What the seeding steps share: the bulk writer (core.bulk_writes), member chunks, and the
demo personas' households that every step leaves alone."""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Engine
from sqlmodel import func, or_, select

from core.bulk_writes import bulk_transaction
from core.db import session_scope
from core.models.people import Member
from core.seed import DEMO_PERSONAS

__all__ = [
    "MEMBER_CHUNK",
    "Progress",
    "bulk_transaction",
    "count_members",
    "member_chunks",
    "not_in_persona_household",
]

Progress = Callable[[int, int], None]
MEMBER_CHUNK = 5_000  # members per transaction in the feature steps


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
