"""The clerks' document inbox ("Posteingang"): queue, claim, view, decide.

Paginated in the database. Claiming is a conditional update, so when two clerks claim the
same item at once exactly one wins; `claim_next` uses FOR UPDATE SKIP LOCKED on PostgreSQL.
Every status change is what the member sees in their send history.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import tuple_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, func, or_, select

from core import audit, bonus, documents
from core.actors import Actor
from core.clock import utcnow
from core.db import is_postgresql
from core.errors import DomainError, NotAllowed
from core.identifiers import parse_identifier
from core.kvnr import is_valid_kvnr
from core.members import name_starts_with
from core.models.accounts import UserAccount
from core.models.documents import Submission, SubmissionStatus
from core.models.people import Member, MemberRead

OPEN_STATUSES = (SubmissionStatus.RECEIVED, SubmissionStatus.IN_PROGRESS)
# Working days are not modelled; calendar days per document type.
DUE_DAYS: dict[str, int] = {"au": 3, "antrag": 10, "rechnung": 14, "sonstiges": 14, "bonus": 30}
DEPARTMENTS = (
    "Krankengeld",
    "Leistungen",
    "Beiträge",
    "Bonusprogramm",
    "Mitgliedschaft",
    "Versorgung",
)
MAX_PAGE_SIZE = 100
# A name search that matches more members than this scans the status ranges instead.
MEMBER_SEARCH_LIMIT = 500
# Counting stops here: "mehr als 10.000" is all a clerk needs, and it never counts millions.
COUNT_LIMIT = 10_000


class Decision(StrEnum):
    ACCEPT = "accept"
    QUERY = "query"
    REJECT = "reject"


class ClaimLost(DomainError):
    default_message = (
        "Dieser Vorgang wurde inzwischen von einer Kollegin oder einem Kollegen übernommen."
    )


class InboxItem(SQLModel):
    id: int
    tracking_id: str
    doc_type: str
    status: str
    channel: str
    page_count: int
    size: int
    created_at: datetime
    due_at: datetime
    member_id: int
    member_name: str
    kvnr: str
    assigned_clerk_id: int | None
    assigned_clerk: str | None
    note: str | None
    member_message: str | None
    internal_note: str | None
    department: str | None

    @property
    def overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_at < utcnow()


@dataclass(frozen=True)
class InboxFilter:
    doc_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = OPEN_STATUSES
    older_than_days: int | None = None
    clerk_id: int | None = None
    unassigned_only: bool = False
    search: str = ""


@dataclass(frozen=True)
class InboxCursor:
    """Where a page ended: the next page starts after this item (keyset pagination)."""

    created_at: datetime
    id: int


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    total: int  # exact up to COUNT_LIMIT, else COUNT_LIMIT + 1 ("mehr als …")
    page_size: int
    next_cursor: InboxCursor | None  # None on the last page

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_LIMIT


SORTS = {
    "oldest": (col(Submission.created_at).asc(), col(Submission.id).asc()),
    "newest": (col(Submission.created_at).desc(), col(Submission.id).desc()),
}
ALL_STATUSES = tuple(SubmissionStatus)


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed()


def _due(created_at: datetime, doc_type: str) -> datetime:
    return created_at + timedelta(days=DUE_DAYS.get(doc_type, 14))


def _searched_members(session: Session, search: str) -> tuple[int, ...] | None:
    """The members a KVNR or name search names, when they are few enough to list: the
    inbox then reads their submissions through the member index instead of scanning a
    status's millions of rows for the rare match. None: search by subquery instead."""
    text = search.strip()
    compact = text.replace(" ", "").replace("-", "").upper()
    if not text or (compact.startswith("HEK") and len(compact) > 10):
        return None
    if is_valid_kvnr(compact):
        statement = select(Member.id).where(Member.kvnr == compact)
    else:
        named = name_starts_with(text, postgresql=is_postgresql(session))
        statement = select(Member.id).where(named).limit(MEMBER_SEARCH_LIMIT + 1)
    found = tuple(session.exec(statement).all())
    return found if len(found) <= MEMBER_SEARCH_LIMIT else None


def _status(members: tuple[int, ...] | None):
    """The status column; for a few members' items an expression no index serves, so that
    both databases read those items through the member index (SQLite, having no statistics,
    would otherwise scan a status's millions of rows for them)."""
    return Submission.status if members is None else Submission.status + ""


def _filtered(
    statement,
    criteria: InboxFilter,
    members: tuple[int, ...] | None = None,
    *,
    postgresql: bool = False,
):
    if criteria.doc_types:
        statement = statement.where(col(Submission.doc_type).in_(criteria.doc_types))
    if criteria.statuses:
        statement = statement.where(_status(members).in_(criteria.statuses))
    if criteria.older_than_days:
        statement = statement.where(
            Submission.created_at <= utcnow() - timedelta(days=criteria.older_than_days)
        )
    if criteria.clerk_id:
        statement = statement.where(Submission.assigned_clerk_id == criteria.clerk_id)
    if criteria.unassigned_only:
        statement = statement.where(col(Submission.assigned_clerk_id).is_(None))
    text = criteria.search.strip()
    if members is not None:
        statement = statement.where(col(Submission.member_id).in_(members))
    elif text:
        compact = text.replace(" ", "").replace("-", "").upper()
        if compact.startswith("HEK") and len(compact) > 10:
            try:
                statement = statement.where(Submission.tracking_id == parse_identifier(text))
            except DomainError:
                statement = statement.where(Submission.id == -1)
        elif is_valid_kvnr(compact):
            member = select(Member.id).where(Member.kvnr == compact).scalar_subquery()
            statement = statement.where(Submission.member_id == member)
        else:
            named = select(Member.id).where(name_starts_with(text[:60], postgresql=postgresql))
            statement = statement.where(col(Submission.member_id).in_(named))
    return statement


def _item(submission: Submission, member: Member, clerk_name: str | None) -> InboxItem:
    return InboxItem(
        **submission.model_dump(include=set(InboxItem.model_fields) & set(Submission.model_fields)),
        due_at=_due(submission.created_at, submission.doc_type),
        member_name=f"{member.last_name}, {member.first_name}",
        kvnr=member.kvnr,
        assigned_clerk=clerk_name,
    )


def _status_page(
    session: Session,
    criteria: InboxFilter,
    members: tuple[int, ...] | None,
    status: str,
    newest: bool,
    after: InboxCursor | None,
    limit: int,
) -> list:
    """The first `limit` rows of one status after the cursor: one range of the
    (status, created_at, id) index, read in order, never sorted."""
    clerk = aliased(UserAccount)
    statement = (
        select(Submission, Member, clerk.display_name)
        .join(Member, Member.id == Submission.member_id)
        .outerjoin(clerk, clerk.id == Submission.assigned_clerk_id)
        .where(_status(members) == status)
    )
    statement = _filtered(
        statement, replace(criteria, statuses=()), members, postgresql=is_postgresql(session)
    )
    if after is not None:
        key = tuple_(Submission.created_at, Submission.id)
        seek = tuple_(after.created_at, after.id)
        statement = statement.where(key < seek if newest else key > seek)
    order = SORTS["newest" if newest else "oldest"]
    return list(session.exec(statement.order_by(*order).limit(limit)).all())


def count_inbox(session: Session, *, actor: Actor, criteria: InboxFilter) -> int:
    """How many items match, counted up to COUNT_LIMIT + 1 and no further."""
    _require_staff(actor)
    members = _searched_members(session, criteria.search)
    if members == ():
        return 0
    matching = _filtered(
        select(Submission.id), criteria, members, postgresql=is_postgresql(session)
    )
    matching = matching.limit(COUNT_LIMIT + 1).subquery()
    return session.exec(select(func.count()).select_from(matching)).one()


def list_inbox(
    session: Session,
    *,
    actor: Actor,
    criteria: InboxFilter,
    sort: str = "oldest",
    after: InboxCursor | None = None,
    page_size: int = 25,
    record_view: bool = True,
) -> InboxPage:
    """One page of the queue after `after` (keyset pagination), filtered in the database.

    Each status is read as its own ordered index range and the ranges are merged here, so
    no page sorts or counts the millions of decided items. Every look at a page is audited
    with the members it shows; a page redrawing the same view passes record_view=False.
    """
    _require_staff(actor)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    newest = sort == "newest"
    members = _searched_members(session, criteria.search)
    rows = [
        row
        for status in (criteria.statuses or ALL_STATUSES)
        if members != ()
        for row in _status_page(session, criteria, members, status, newest, after, page_size + 1)
    ]
    rows.sort(key=lambda row: (row[0].created_at, row[0].id), reverse=newest)
    shown = rows[:page_size]
    last = shown[-1][0] if shown and len(rows) > page_size else None
    page = InboxPage(
        items=[_item(*row) for row in shown],
        total=count_inbox(session, actor=actor, criteria=criteria),
        page_size=page_size,
        next_cursor=InboxCursor(last.created_at, last.id) if last else None,
    )
    if record_view:
        audit.record_look(
            session,
            actor=actor,
            action="view_inbox",
            subject_type="submission",
            member_ids=[item.member_id for item in page.items],
            details={"search": criteria.search.strip(), "after": after is not None},
        )
    return page


def _touch(session: Session, submission_id: int) -> Submission:
    row = session.get(Submission, submission_id)
    if row is None:
        raise DomainError("Diesen Vorgang gibt es nicht.")
    return row


def claim(session: Session, *, actor: Actor, submission_id: int) -> None:
    """Take an item; if someone else was faster, raise ClaimLost and change nothing."""
    _require_staff(actor)
    now = utcnow()
    result = session.exec(
        update(Submission)
        .where(
            Submission.id == submission_id,
            col(Submission.assigned_clerk_id).is_(None),
            col(Submission.status).in_(OPEN_STATUSES),
        )
        .values(
            assigned_clerk_id=actor.user_id,
            claimed_at=now,
            status=SubmissionStatus.IN_PROGRESS,
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        session.rollback()
        raise ClaimLost()
    row = _touch(session, submission_id)
    audit.record(
        session,
        actor=actor,
        action="claim",
        subject_type="submission",
        subject_id=submission_id,
        member_id=row.member_id,
    )
    session.commit()


def claim_next(
    session: Session, *, actor: Actor, criteria: InboxFilter | None = None
) -> int | None:
    """Claim the oldest free open item among those the clerk's search, document types and age
    narrow to. The view's status and holder never count: from "Erledigt" or "Meine Vorgänge"
    the next item is still a free open one. Concurrent clerks get different items."""
    _require_staff(actor)
    narrowed = replace(
        criteria or InboxFilter(), statuses=OPEN_STATUSES, clerk_id=None, unassigned_only=True
    )
    statement = (
        _filtered(select(Submission.id), narrowed, postgresql=is_postgresql(session))
        .order_by(col(Submission.created_at).asc(), col(Submission.id).asc())
        .limit(1)
    )
    if is_postgresql(session):
        statement = statement.with_for_update(skip_locked=True, of=Submission)
    submission_id = session.exec(statement).first()
    if submission_id is None:
        session.rollback()
        return None
    claim(session, actor=actor, submission_id=submission_id)
    return submission_id


def release(session: Session, *, actor: Actor, submission_id: int) -> None:
    _require_staff(actor)
    row = _touch(session, submission_id)
    if row.assigned_clerk_id != actor.user_id and not actor.role == "admin":
        raise NotAllowed("Nur die bearbeitende Person kann den Vorgang freigeben.")
    row.assigned_clerk_id, row.claimed_at = None, None
    row.status, row.updated_at = SubmissionStatus.RECEIVED, utcnow()
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="release",
        subject_type="submission",
        subject_id=row.id,
        member_id=row.member_id,
    )
    session.commit()


def reassign(session: Session, *, actor: Actor, submission_id: int, clerk_id: int) -> None:
    _require_staff(actor)
    row = _touch(session, submission_id)
    target = session.get(UserAccount, clerk_id)
    if target is None or not target.is_active or target.role not in ("clerk", "admin"):
        raise DomainError("Diese Person kann keine Vorgänge übernehmen.")
    row.assigned_clerk_id, row.claimed_at = clerk_id, utcnow()
    row.status, row.updated_at = SubmissionStatus.IN_PROGRESS, utcnow()
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="reassign",
        subject_type="submission",
        subject_id=row.id,
        member_id=row.member_id,
        details={"to": target.username},
    )
    session.commit()


def decide(
    session: Session,
    *,
    actor: Actor,
    submission_id: int,
    decision: Decision,
    department: str | None = None,
    member_message: str | None = None,
    internal_note: str | None = None,
) -> None:
    """Accept and route, ask the member for more, or reject with a reason."""
    _require_staff(actor)
    row = _touch(session, submission_id)
    if row.assigned_clerk_id != actor.user_id:
        raise NotAllowed("Bitte übernehmen Sie den Vorgang, bevor Sie entscheiden.")
    if row.status not in OPEN_STATUSES:
        raise DomainError("Über diesen Vorgang wurde bereits entschieden.")
    message = (member_message or "").strip()[:1000] or None
    if decision == Decision.ACCEPT and department not in DEPARTMENTS:
        raise DomainError("Bitte wählen Sie die Fachabteilung.")
    if decision != Decision.ACCEPT and not message:
        raise DomainError(
            "Bitte schreiben Sie, welche Angaben fehlen."
            if decision == Decision.QUERY
            else "Bitte geben Sie einen Grund für die Ablehnung an."
        )
    row.internal_note = (internal_note or "").strip()[:2000] or row.internal_note
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action=f"decide_{decision}",
        subject_type="submission",
        subject_id=row.id,
        member_id=row.member_id,
        details={"department": department},
    )
    # A programme document (Vorsorgeplus application or evidence) is settled, routed and
    # committed as the bonus review page does it; a query leaves the programme waiting.
    if decision != Decision.QUERY and bonus.settle_from_inbox(
        session,
        actor=actor,
        member_id=row.member_id,
        submission_id=row.id,
        accepted=decision == Decision.ACCEPT,
        reason=message,
    ):
        return
    if decision == Decision.ACCEPT:
        row.status, row.department = SubmissionStatus.DONE, department
    else:
        row.status = (
            SubmissionStatus.QUERY if decision == Decision.QUERY else SubmissionStatus.REJECTED
        )
    row.member_message = message
    row.decided_at = row.updated_at = utcnow()
    session.add(row)
    session.commit()


def bulk_accept(
    session: Session, *, actor: Actor, submission_ids: list[int], department: str
) -> int:
    """Claim and accept several simple items at once; items others hold are skipped."""
    done = 0
    for submission_id in submission_ids:
        try:
            claim(session, actor=actor, submission_id=submission_id)
        except ClaimLost:
            row = session.get(Submission, submission_id)
            if (
                row is None
                or row.assigned_clerk_id != actor.user_id
                or row.status not in OPEN_STATUSES
            ):
                continue
        decide(
            session,
            actor=actor,
            submission_id=submission_id,
            decision=Decision.ACCEPT,
            department=department,
        )
        done += 1
    return done


@dataclass(frozen=True)
class CaseView:
    item: InboxItem
    member: MemberRead
    earlier: list[InboxItem] = field(default_factory=list)


def open_case(
    session: Session, *, actor: Actor, submission_id: int, record_view: bool = True
) -> CaseView:
    """An item with its member's context; opening it is audited (a rerun need not be)."""
    _require_staff(actor)
    clerk = aliased(UserAccount)
    row = session.exec(
        select(Submission, Member, clerk.display_name)
        .join(Member, Member.id == Submission.member_id)
        .outerjoin(clerk, clerk.id == Submission.assigned_clerk_id)
        .where(Submission.id == submission_id)
    ).first()
    if row is None:
        raise DomainError("Diesen Vorgang gibt es nicht.")
    item = _item(*row)
    earlier_rows = session.exec(
        select(Submission, Member, clerk.display_name)
        .join(Member, Member.id == Submission.member_id)
        .outerjoin(clerk, clerk.id == Submission.assigned_clerk_id)
        .where(Submission.member_id == item.member_id, Submission.id != submission_id)
        .order_by(col(Submission.created_at).desc())
        .limit(10)
    ).all()
    if record_view:
        audit.record(
            session,
            actor=actor,
            action="view_submission",
            subject_type="submission",
            subject_id=submission_id,
            member_id=item.member_id,
        )
        session.commit()
    return CaseView(
        item=item,
        member=MemberRead.model_validate(row[1]),
        earlier=[_item(*r) for r in earlier_rows],
    )


def case_pdf(session: Session, *, actor: Actor, submission_id: int) -> bytes:
    _require_staff(actor)
    return documents.submission_pdf(session, actor=actor, submission_id=submission_id)


def active_clerks(session: Session, *, actor: Actor) -> list[tuple[int, str]]:
    _require_staff(actor)
    rows = session.exec(
        select(UserAccount.id, UserAccount.display_name)
        .where(or_(UserAccount.role == "clerk", UserAccount.role == "admin"), UserAccount.is_active)
        .order_by(UserAccount.display_name)
    ).all()
    return [(row[0], row[1]) for row in rows]
