"""Member master data: lookups for members and audited reads for clerks."""

import re

from sqlmodel import Session, and_, col, func, or_, select

from core import audit
from core.actors import Actor
from core.db import is_postgresql
from core.errors import NotAllowed, UnknownMember
from core.kvnr import normalize_kvnr
from core.models.people import Member, MemberRead
from core.text_search import fold

SEARCH_LIMIT = 50
# What the clerk types for a KVNR: its letter (either case) and some of its nine digits.
_KVNR_PREFIX = re.compile(r"[A-Za-z][0-9]+")
_KVNR_LENGTH = 10


def own_member(session: Session, *, actor: Actor) -> MemberRead:
    """The signed-in member's own master data."""
    if actor.member_id is None:
        raise NotAllowed("Dieses Konto gehört zu keinem Mitglied.")
    member = session.get(Member, actor.member_id)
    if member is None:
        raise UnknownMember()
    return MemberRead.model_validate(member)


def member_exists(session: Session, *, kvnr: str) -> str:
    """Validate a KVNR and check it belongs to an HEK member; returns the canonical form.

    Reveals nothing about the person behind the number.
    """
    canonical = normalize_kvnr(kvnr)
    found = session.exec(select(Member.id).where(Member.kvnr == canonical)).first()
    if found is None:
        raise UnknownMember()
    return canonical


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed()


def search_members(
    session: Session, *, actor: Actor, query: str, record_view: bool = True
) -> list[MemberRead]:
    """Clerk search by KVNR or name (prefix); audited with the query.

    Names match as text_search.fold has them: case, umlauts and accents aside ("özdemir",
    "OEZDEMIR" and "Özd" find Özdemir, "strasse" finds Straße), but an umlaut is spelled
    out, never dropped ("Ozdemir" does not find Özdemir). A page redrawing the same search
    (a rerun) passes record_view=False.
    """
    _require_staff(actor)
    text = (query or "").strip()[:80]
    if len(text) < 2:
        return []
    compact = text.replace(" ", "")
    if _KVNR_PREFIX.fullmatch(compact):
        matches = _kvnr_starts_with(compact.upper())
    elif len(fold(text).strip()) >= 2:  # not just accents
        matches = name_starts_with(text, postgresql=is_postgresql(session))
    else:
        return []
    # In the order of the folded names (German phone-book order: Özdemir as Oezdemir), which
    # no index keeps on PostgreSQL: ordered by last_name, the planner walked that index
    # through most of the table for a common name, expecting a match at every turn.
    statement = (
        select(Member)
        .where(matches)
        .order_by(Member.last_name_search, Member.first_name_search, Member.id)
        .limit(SEARCH_LIMIT)
    )
    rows = session.exec(statement).all()
    if record_view:
        audit.record(
            session,
            actor=actor,
            action="search_members",
            subject_type="member",
            subject_id="*",
            details={"query": text, "results": len(rows)},
        )
        session.commit()
    return [MemberRead.model_validate(row) for row in rows]


def _kvnr_starts_with(prefix: str):
    """The KVNR begins with `prefix` (a capital letter and digits).

    Every KVNR is a capital letter and nine digits, so those beginning with "A12" are the
    range from A120000000 to A129999999: the unique kvnr index serves it under any database
    collation, where LIKE 'A12%' would need one of its own on PostgreSQL.
    """
    padding = max(_KVNR_LENGTH - len(prefix), 0)
    return col(Member.kvnr).between(prefix + "0" * padding, prefix + "9" * padding)


def name_starts_with(text: str, *, postgresql: bool):
    """Last name, first name or "first last" begins with `text`, as text_search.fold has
    names (case and umlauts aside); the condition every clerk search by name shares.

    Each branch is a prefix of last_name_search or first_name_search, which migration 0020
    indexes: "first last" begins with "anna m" only if the first name begins with "anna".
    """
    prefix = fold(text).strip()
    first_word = prefix.split(" ", 1)[0]
    by_first_name = _starts_with(Member.first_name_search, first_word, postgresql=postgresql)
    if first_word != prefix:
        full_name = Member.first_name_search + " " + Member.last_name_search
        by_first_name = and_(by_first_name, _starts_with(full_name, prefix, postgresql=postgresql))
    return or_(_starts_with(Member.last_name_search, prefix, postgresql=postgresql), by_first_name)


def _starts_with(expression, prefix: str, *, postgresql: bool):
    """`expression` begins with `prefix`, phrased so that an index on the expression serves it."""
    if postgresql:  # with text_pattern_ops, LIKE 'abc%' becomes an index range
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return expression.like(f"{escaped}%", escape="\\")
    # SQLite's LIKE ignores case, so it uses no index of a case-sensitive column; a range
    # it does. U+10FFFF sorts after every other character (binary order); no name has it.
    return and_(expression >= prefix, expression < prefix + "\U0010ffff")


def open_member(session: Session, *, actor: Actor, member_id: int) -> MemberRead:
    """A clerk opens a member's master data; every opening is audited."""
    _require_staff(actor)
    member = session.get(Member, member_id)
    if member is None:
        raise UnknownMember()
    record_member_view(session, actor=actor, member_id=member_id)
    return MemberRead.model_validate(member)


def record_member_view(
    session: Session, *, actor: Actor, member_id: int, details: dict | None = None
) -> None:
    """Audit that a clerk looked at a member's data, and commit it."""
    audit.record(
        session,
        actor=actor,
        action="view_member",
        subject_type="member",
        subject_id=member_id,
        member_id=member_id,
        details=details,
    )
    session.commit()


def household_of(session: Session, *, member: MemberRead) -> list[MemberRead]:
    """The other people registered at the member's household."""
    if member.household_id is None:
        return []
    rows = session.exec(
        select(Member)
        .where(Member.household_id == member.household_id, Member.id != member.id)
        .order_by(Member.birth_date)
    ).all()
    return [MemberRead.model_validate(row) for row in rows]


def count_members(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Member)).one()


def level_counts(session: Session) -> dict[str, int]:
    """Members per service level (for the back-office overview)."""
    rows = session.exec(
        select(Member.service_level, func.count()).group_by(Member.service_level)
    ).all()
    return {level: count for level, count in rows}
