"""Versichertenübersicht: everything the back office holds about one member, on one page.

A clerk's read model: master data, insurance periods and earnings, submissions, certificates,
letters and conversations (subjects and dates only: bodies stay behind their own audited
pages), family, digital cards and the bonus programme. Long lists come a page at a time from
the database. Each opening is audited once; a page redrawing the same member passes
record_view=False.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from core import histories, members
from core.actors import Actor
from core.bonus import ENROLMENT_LABELS, programme_year
from core.clock import today_berlin
from core.errors import NotAllowed, UnknownMember
from core.histories import InsuranceHistory
from core.models.bonus import BonusEnrolment, BonusEvidence, EvidenceStatus
from core.models.certificates import CertificateRequest
from core.models.digital_cards import CardStatus, DigitalCard
from core.models.documents import Submission
from core.models.family import FamilyMember, FamilyMemberRead
from core.models.issued_certificates import IssuedCertificate, IssuedCertificateRead
from core.models.letters import Letter, LetterDirection
from core.models.messages import Conversation, Message, MessageDirection
from core.models.people import Member, MemberRead
from core.preferences import app_communication_enabled

PAGE_SIZE = 10
CARDS_SHOWN = 20
T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a long list, as the database returned it."""

    items: list[T]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class OverviewPages:
    """Which page of each long list the clerk is looking at (1-based)."""

    submissions: int = 1
    requests: int = 1
    issued: int = 1
    letters: int = 1
    conversations: int = 1


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    tracking_id: str
    doc_type: str
    channel: str
    status: str
    page_count: int
    size: int
    created_at: datetime
    has_file: bool


@dataclass(frozen=True)
class RequestRow:
    id: int
    cert_type: str
    delivery: str
    status: str
    created_at: datetime
    for_self: bool  # requested by the member for themselves (else by/for someone else)


@dataclass(frozen=True)
class LetterRow:
    id: int
    subject: str
    channel: str
    created_at: datetime
    read_at: datetime | None
    replies: int


@dataclass(frozen=True)
class ConversationRow:
    id: int
    subject: str
    status: str
    updated_at: datetime
    messages: int
    unread: int  # from the member, not yet seen by a clerk


@dataclass(frozen=True)
class CardRow:
    id: int
    valid_from: date
    valid_until: date
    valid_today: bool


@dataclass(frozen=True)
class BonusStatus:
    enrolment: str | None  # label, None when the member never applied
    starts_on: date | None
    evidence: dict[str, int]  # status -> count
    points_this_year: int  # accepted, in the current programme year


@dataclass(frozen=True)
class MemberOverview:
    member: MemberRead
    app_communication: bool
    history: InsuranceHistory
    household: list[MemberRead]
    family: list[FamilyMemberRead]
    submissions: Listing[SubmissionRow]
    requests: Listing[RequestRow]
    issued: Listing[IssuedCertificateRead]
    letters: Listing[LetterRow]
    conversations: Listing[ConversationRow]
    cards: list[CardRow]
    bonus: BonusStatus


def _listing(session: Session, statement, *, total: int, page: int, convert) -> Listing[Any]:
    """Fetch one page of `statement` (already ordered) with LIMIT/OFFSET."""
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.exec(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return Listing(items=[convert(row) for row in rows], total=total, page=page, pages=pages)


def _count(session: Session, model, *conditions) -> int:
    return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


def _submissions(session: Session, member_id: int, page: int) -> Listing[SubmissionRow]:
    statement = (
        select(Submission)
        .where(Submission.member_id == member_id)
        .order_by(col(Submission.created_at).desc(), col(Submission.id).desc())
    )
    return _listing(
        session,
        statement,
        total=_count(session, Submission, Submission.member_id == member_id),
        page=page,
        convert=lambda row: SubmissionRow(
            id=row.id,
            tracking_id=row.tracking_id,
            doc_type=row.doc_type,
            channel=row.channel,
            status=row.status,
            page_count=row.page_count,
            size=row.size,
            created_at=row.created_at,
            has_file=row.blob_id is not None,
        ),
    )


def _requests(session: Session, member_id: int, page: int) -> Listing[RequestRow]:
    about = CertificateRequest.subject_member_id == member_id
    statement = select(CertificateRequest).where(about)
    statement = statement.order_by(
        col(CertificateRequest.created_at).desc(), col(CertificateRequest.id).desc()
    )
    return _listing(
        session,
        statement,
        total=_count(session, CertificateRequest, about),
        page=page,
        convert=lambda row: RequestRow(
            id=row.id,
            cert_type=row.cert_type,
            delivery=row.delivery,
            status=row.status,
            created_at=row.created_at,
            for_self=row.requester_member_id == member_id,
        ),
    )


def _issued(session: Session, member_id: int, page: int) -> Listing[IssuedCertificateRead]:
    about = IssuedCertificate.member_id == member_id
    statement = (
        select(IssuedCertificate)
        .where(about)
        .order_by(col(IssuedCertificate.issued_at).desc(), col(IssuedCertificate.id).desc())
    )
    return _listing(
        session,
        statement,
        total=_count(session, IssuedCertificate, about),
        page=page,
        convert=IssuedCertificateRead.model_validate,
    )


def _letters(session: Session, member_id: int, page: int) -> Listing[LetterRow]:
    outgoing = (Letter.member_id == member_id, Letter.direction == LetterDirection.OUT)
    statement = (
        select(Letter)
        .where(*outgoing)
        .order_by(col(Letter.created_at).desc(), col(Letter.id).desc())
    )
    listing = _listing(
        session, statement, total=_count(session, Letter, *outgoing), page=page, convert=lambda r: r
    )
    ids = [row.id for row in listing.items]
    replies = dict(
        session.exec(
            select(Letter.reply_to_letter_id, func.count())
            .where(col(Letter.reply_to_letter_id).in_(ids))
            .group_by(Letter.reply_to_letter_id)
        ).all()
        if ids
        else []
    )
    rows = [
        LetterRow(
            id=row.id,
            subject=row.subject,
            channel=row.channel,
            created_at=row.created_at,
            read_at=row.read_at,
            replies=replies.get(row.id, 0),
        )
        for row in listing.items
    ]
    return Listing(items=rows, total=listing.total, page=listing.page, pages=listing.pages)


def _conversations(session: Session, member_id: int, page: int) -> Listing[ConversationRow]:
    mine = Conversation.member_id == member_id
    unread = func.sum(
        case(
            (
                (Message.direction == MessageDirection.IN) & col(Message.read_at).is_(None),
                1,
            ),
            else_=0,
        )
    )
    statement = (
        select(Conversation, func.count(col(Message.id)), unread)
        .outerjoin(Message, Message.conversation_id == Conversation.id)
        .where(mine)
        .group_by(col(Conversation.id))
        .order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
    )
    return _listing(
        session,
        statement,
        total=_count(session, Conversation, mine),
        page=page,
        convert=lambda row: ConversationRow(
            id=row[0].id,
            subject=row[0].subject,
            status=row[0].status,
            updated_at=row[0].updated_at,
            messages=row[1],
            unread=int(row[2] or 0),
        ),
    )


def _household(session: Session, member: Member) -> list[MemberRead]:
    if member.household_id is None:
        return []
    rows = session.exec(
        select(Member)
        .where(Member.household_id == member.household_id, Member.id != member.id)
        .order_by(col(Member.birth_date), col(Member.id))
    ).all()
    return [MemberRead.model_validate(row) for row in rows]


def _family(session: Session, member_id: int) -> list[FamilyMemberRead]:
    rows = session.exec(
        select(FamilyMember)
        .where(FamilyMember.owner_member_id == member_id)
        .order_by(col(FamilyMember.created_at), col(FamilyMember.id))
    ).all()
    return [FamilyMemberRead.model_validate(row) for row in rows]


def _cards(session: Session, member_id: int, today: date) -> list[CardRow]:
    rows = session.exec(
        select(DigitalCard)
        .where(DigitalCard.member_id == member_id, DigitalCard.status == CardStatus.READY)
        .order_by(col(DigitalCard.valid_from).desc(), col(DigitalCard.id).desc())
        .limit(CARDS_SHOWN)
    ).all()
    return [
        CardRow(
            id=row.id,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            valid_today=row.valid_from <= today <= row.valid_until,
        )
        for row in rows
    ]


def _bonus(session: Session, member_id: int, today: date) -> BonusStatus:
    enrolment = session.get(BonusEnrolment, member_id)
    if enrolment is None:
        return BonusStatus(enrolment=None, starts_on=None, evidence={}, points_this_year=0)
    counts = session.exec(
        select(BonusEvidence.status, func.count())
        .where(BonusEvidence.member_id == member_id)
        .group_by(BonusEvidence.status)
    ).all()
    points = 0
    if enrolment.starts_on <= today:
        year = programme_year(enrolment.starts_on, today)
        points = session.exec(
            select(func.coalesce(func.sum(BonusEvidence.points), 0)).where(
                BonusEvidence.member_id == member_id,
                BonusEvidence.status == EvidenceStatus.ACCEPTED,
                BonusEvidence.evidence_date >= year.first,
                BonusEvidence.evidence_date <= year.last,
            )
        ).one()
    return BonusStatus(
        enrolment=ENROLMENT_LABELS.get(enrolment.status, enrolment.status),
        starts_on=enrolment.starts_on,
        evidence=dict(counts),
        points_this_year=int(points),
    )


def member_overview(
    session: Session,
    *,
    actor: Actor,
    member_id: int,
    pages: OverviewPages | None = None,
    record_view: bool = True,
    today: date | None = None,
) -> MemberOverview:
    """One member's file for the back office; staff only, each opening audited once (naming
    the household members it shows too)."""
    if not actor.is_staff:
        raise NotAllowed()
    member = session.get(Member, member_id)
    if member is None:
        raise UnknownMember()
    pages = pages or OverviewPages()
    today = today or today_berlin()
    overview = MemberOverview(
        member=MemberRead.model_validate(member),
        app_communication=app_communication_enabled(session, member_id=member_id),
        history=histories.history_of(session, member=member, today=today),
        household=_household(session, member),
        family=_family(session, member_id),
        submissions=_submissions(session, member_id, pages.submissions),
        requests=_requests(session, member_id, pages.requests),
        issued=_issued(session, member_id, pages.issued),
        letters=_letters(session, member_id, pages.letters),
        conversations=_conversations(session, member_id, pages.conversations),
        cards=_cards(session, member_id, today),
        bonus=_bonus(session, member_id, today),
    )
    if record_view:  # the household tab shows its members' names, KVNRs and birth dates
        household = [person.id for person in overview.household]
        members.record_member_view(
            session,
            actor=actor,
            member_id=member_id,
            details={"view": "overview", "household": household},
        )
    return overview
