"""Bonus programme Vorsorgeplus: enrolment, evidence, points, and the clerks' review.

FAQ rules and how they are read here:
- "Versicherte über 18 Jahre": members from their 18th birthday on. Someone born on
  29 February is 18 on 1 March in a year without that day (as § 188 Abs. 3 BGB ends a
  period that lacks its last day: with 28 February), the rule the demo seed follows too.
- "Die Erstanmeldung erfolgt schriftlich über einen Antrag": the member uploads the signed
  application form; it goes to the clerk inbox as doc_type "antrag" and the enrolment is
  'beantragt' until a clerk confirms it ('aktiv'). Later enrolments run outside the app
  (post, chat, mail, phone, Team Direkt); here an active enrolment simply continues.
- "innerhalb von 12 Monaten (+ 6 Wochen Karenzzeit)": programme years of 12 months run from
  the day the application arrived; evidence must be dated inside a programme year and be
  submitted no later than 6 weeks after that year's last day.
Evidence files go through the same checked pipeline as every document (doc_type "bonus").
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core import audit, documents, pdf
from core.actors import Actor
from core.clock import today_berlin, utcnow
from core.errors import DomainError, NotAllowed
from core.models.bonus import (
    BonusEnrolment,
    BonusEnrolmentRead,
    BonusEvidence,
    BonusEvidenceRead,
    EnrolmentStatus,
    EvidenceStatus,
)
from core.models.documents import Submission, SubmissionStatus
from core.models.people import Member
from core.smart import smart_member_id
from core.uploads import IncomingFile, UploadLimits

MIN_AGE = 18
GRACE = timedelta(weeks=6)  # § FAQ: "12 Monaten (+ 6 Wochen Karenzzeit)"
DEPARTMENT = "Bonusprogramm"  # core.inbox.DEPARTMENTS
CONTENT_DIR = Path(__file__).resolve().parent / "content"
CATEGORIES_FILE = CONTENT_DIR / "bonus_categories.json"
APPLICATION_FILE = CONTENT_DIR / "bonus_application.md"
ENROLMENT_LABELS = {
    EnrolmentStatus.APPLIED: "beantragt",
    EnrolmentStatus.ACTIVE: "aktiv",
    EnrolmentStatus.REJECTED: "abgelehnt",
}
EVIDENCE_LABELS = {
    EvidenceStatus.SUBMITTED: "eingereicht",
    EvidenceStatus.ACCEPTED: "anerkannt",
    EvidenceStatus.REJECTED: "abgelehnt",
}


class BonusRefused(DomainError):
    default_message = "Das ist im Bonusprogramm so leider nicht möglich."


class NotEligible(BonusRefused):
    default_message = "Am Bonusprogramm Vorsorgeplus können Versicherte ab 18 Jahren teilnehmen."


class NotEnrolled(BonusRefused):
    default_message = (
        "Nachweise können Sie einreichen, sobald wir Ihre Anmeldung zum Bonusprogramm "
        "bestätigt haben."
    )


# --- Dates ------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def eighteenth_birthday(birth_date: date) -> date:
    return add_years(birth_date, MIN_AGE)


@dataclass(frozen=True)
class ProgrammeYear:
    number: int  # 1 for the year the application arrived
    first: date
    last: date

    @property
    def deadline(self) -> date:
        """Last day to submit evidence of this year: 6 weeks after its last day."""
        return self.last + GRACE

    def label(self) -> str:
        return f"{self.first:%d.%m.%Y} – {self.last:%d.%m.%Y}"


def programme_year(starts_on: date, day: date) -> ProgrammeYear:
    """The programme year (12 months from `starts_on`, repeating) that contains `day`."""
    if day < starts_on:
        raise ValueError("day lies before the programme started")
    index = day.year - starts_on.year
    if add_years(starts_on, index) > day:
        index -= 1
    return ProgrammeYear(
        number=index + 1,
        first=add_years(starts_on, index),
        last=add_years(starts_on, index + 1) - timedelta(days=1),
    )


def open_years(starts_on: date, today: date) -> list[ProgrammeYear]:
    """Programme years that still take evidence today: this one, and the last in its grace."""
    if today < starts_on:
        return []
    current = programme_year(starts_on, today)
    years = [current]
    if current.number > 1:
        previous = programme_year(starts_on, current.first - timedelta(days=1))
        if today <= previous.deadline:
            years.append(previous)
    return years


# --- Categories (data: core/content/bonus_categories.json) ---------------------------------


@dataclass(frozen=True)
class BonusCategory:
    id: str
    title: str
    description: str
    proof: str  # how to prove it (FAQ: "In jeder Kategorie wird genau beschrieben …")
    points: int
    per_year: int


@cache
def categories() -> tuple[BonusCategory, ...]:
    raw = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    return tuple(BonusCategory(**entry) for entry in raw["categories"])


def category(category_id: str) -> BonusCategory:
    found = next((entry for entry in categories() if entry.id == category_id), None)
    if found is None:
        raise BonusRefused("Bitte wählen Sie eine Nachweiskategorie aus.")
    return found


def application_form_pdf() -> bytes:
    """The blank application form to print, sign and upload (public content)."""
    return pdf.markdown_pdf(
        title="Antrag Bonusprogramm Vorsorgeplus",
        subtitle="Formular · Erstanmeldung zur Teilnahme",
        body=APPLICATION_FILE.read_text(encoding="utf-8"),
    )


# --- The member's side ------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceView:
    evidence: BonusEvidenceRead
    category_title: str
    programme_year: int
    tracking_id: str
    hek_message: str | None  # e.g. why it was rejected

    @property
    def status_label(self) -> str:
        return EVIDENCE_LABELS.get(self.evidence.status, self.evidence.status)


@dataclass(frozen=True)
class BonusOverview:
    today: date
    adult_from: date
    enrolment: BonusEnrolmentRead | None
    application_tracking_id: str | None
    application_message: str | None  # the clerk's reason if the application was rejected
    years_open: list[ProgrammeYear]  # current first
    evidence: list[EvidenceView]  # newest first

    @property
    def eligible(self) -> bool:
        return self.today >= self.adult_from

    @property
    def status(self) -> str | None:
        return self.enrolment.status if self.enrolment else None

    @property
    def current_year(self) -> ProgrammeYear | None:
        return self.years_open[0] if self.years_open else None

    def points(self, year: int, *, status: str = EvidenceStatus.ACCEPTED) -> int:
        return sum(
            view.evidence.points
            for view in self.evidence
            if view.programme_year == year and view.evidence.status == status
        )

    def used(self, category_id: str, year: int) -> int:
        """Evidence of a category in a year that is not rejected (it counts against per_year)."""
        return sum(
            1
            for view in self.evidence
            if view.programme_year == year
            and view.evidence.category == category_id
            and view.evidence.status != EvidenceStatus.REJECTED
        )


def _member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotAllowed()
    return member


def bonus_overview(session: Session, *, actor: Actor, today: date | None = None) -> BonusOverview:
    member_id = smart_member_id(actor)
    today = today or today_berlin()
    member = _member(session, member_id)
    enrolment = session.get(BonusEnrolment, member_id)
    application = session.get(Submission, enrolment.submission_id) if enrolment else None
    rows = (
        session.exec(
            select(BonusEvidence, Submission.tracking_id, Submission.member_message)
            .join(Submission, Submission.id == BonusEvidence.submission_id)
            .where(BonusEvidence.member_id == member_id)
            .order_by(col(BonusEvidence.evidence_date).desc(), col(BonusEvidence.id).desc())
        ).all()
        if enrolment is not None  # evidence exists only for an enrolment
        else []
    )
    titles = {entry.id: entry.title for entry in categories()}
    evidence = [
        EvidenceView(
            evidence=BonusEvidenceRead.model_validate(row),
            category_title=titles.get(row.category, row.category),
            programme_year=programme_year(enrolment.starts_on, row.evidence_date).number,
            tracking_id=tracking_id,
            hek_message=message,
        )
        for row, tracking_id, message in rows
    ]
    active = enrolment is not None and enrolment.status == EnrolmentStatus.ACTIVE
    return BonusOverview(
        today=today,
        adult_from=eighteenth_birthday(member.birth_date),
        enrolment=BonusEnrolmentRead.model_validate(enrolment) if enrolment else None,
        application_tracking_id=application.tracking_id if application else None,
        application_message=application.member_message if application else None,
        years_open=open_years(enrolment.starts_on, today) if active else [],
        evidence=evidence,
    )


def _submission_by_key(session: Session, key: str | None) -> Submission | None:
    if not key:
        return None
    return session.exec(select(Submission).where(Submission.idempotency_key == key)).first()


def apply_for_enrolment(
    session: Session,
    *,
    actor: Actor,
    files: list[IncomingFile],
    today: date | None = None,
    idempotency_key: str | None = None,
    limits: UploadLimits | None = None,
) -> BonusEnrolmentRead:
    """File the signed application form; the enrolment is 'beantragt' until a clerk confirms.

    The form is a submission (doc_type "antrag") with its own commit; a retry with the same
    idempotency key finds that submission and completes the enrolment instead of a second one.
    """
    member_id = smart_member_id(actor)
    today = today or today_berlin()
    member = _member(session, member_id)
    adult_from = eighteenth_birthday(member.birth_date)
    if today < adult_from:
        raise NotEligible(
            "Am Bonusprogramm Vorsorgeplus können Versicherte ab 18 Jahren teilnehmen – "
            f"Sie können sich ab dem {adult_from:%d.%m.%Y} anmelden."
        )
    existing = session.get(BonusEnrolment, member_id)
    retried = _submission_by_key(session, idempotency_key)
    if existing is not None and existing.status != EnrolmentStatus.REJECTED:
        if retried is not None and retried.id == existing.submission_id:
            return BonusEnrolmentRead.model_validate(existing)
        raise BonusRefused(
            "Sie nehmen bereits am Bonusprogramm teil."
            if existing.status == EnrolmentStatus.ACTIVE
            else "Ihr Antrag liegt uns bereits vor. Wir melden uns, sobald er bestätigt ist."
        )
    sent = documents.submit_document(
        session,
        actor=actor,
        request=documents.DocumentRequest(
            kvnr=member.kvnr, doc_type="antrag", files=files, idempotency_key=idempotency_key
        ),
        limits=limits,
    )
    values = {
        "status": EnrolmentStatus.APPLIED,
        "starts_on": today,
        "applied_at": utcnow(),
        "confirmed_at": None,
        "submission_id": sent.id,
    }
    if existing is None:
        enrolment = BonusEnrolment(member_id=member_id, **values)
    else:  # applying again after a rejected application
        enrolment = existing.sqlmodel_update(values)
    try:
        session.add(enrolment)
        audit.record(
            session,
            actor=actor,
            action="bonus_apply",
            subject_type="bonus_enrolment",
            subject_id=member_id,
            member_id=member_id,
            details={"submission": sent.tracking_id},
        )
        session.commit()
    except IntegrityError:
        session.rollback()  # a second tab applied at the same moment and won
        raise BonusRefused("Ihr Antrag liegt uns bereits vor.") from None
    return BonusEnrolmentRead.model_validate(enrolment)


def _evidence_year(starts_on: date, evidence_date: date, today: date) -> ProgrammeYear:
    """The programme year the evidence counts for, if it may still be submitted today."""
    if evidence_date > today:
        raise BonusRefused("Das Datum des Nachweises liegt in der Zukunft.")
    if evidence_date < starts_on:
        raise BonusRefused(
            f"Nachweise zählen ab dem Beginn Ihrer Teilnahme am {starts_on:%d.%m.%Y}."
        )
    year = programme_year(starts_on, evidence_date)
    if today > year.deadline:
        raise BonusRefused(
            f"Nachweise aus dem Programmjahr {year.label()} konnten bis zum "
            f"{year.deadline:%d.%m.%Y} eingereicht werden (12 Monate und 6 Wochen "
            "Karenzzeit). Diese Frist ist abgelaufen."
        )
    return year


def submit_evidence(
    session: Session,
    *,
    actor: Actor,
    category_id: str,
    evidence_date: date,
    files: list[IncomingFile],
    today: date | None = None,
    idempotency_key: str | None = None,
    limits: UploadLimits | None = None,
) -> BonusEvidenceRead:
    """Check the programme's rules, then send the files through the document pipeline."""
    member_id = smart_member_id(actor)
    today = today or today_berlin()
    retried = _submission_by_key(session, idempotency_key)
    if retried is not None:
        done = session.exec(
            select(BonusEvidence).where(BonusEvidence.submission_id == retried.id)
        ).first()
        if done is not None:
            if done.member_id != member_id:
                raise NotAllowed()
            return BonusEvidenceRead.model_validate(done)
    enrolment = session.get(BonusEnrolment, member_id)
    if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
        raise NotEnrolled()
    chosen = category(category_id)
    year = _evidence_year(enrolment.starts_on, evidence_date, today)
    used = session.exec(
        select(func.count())
        .select_from(BonusEvidence)
        .where(
            BonusEvidence.member_id == member_id,
            BonusEvidence.category == chosen.id,
            BonusEvidence.evidence_date >= year.first,
            BonusEvidence.evidence_date <= year.last,
            BonusEvidence.status != EvidenceStatus.REJECTED,
        )
    ).one()
    if used >= chosen.per_year:
        raise BonusRefused(
            f"Für „{chosen.title}“ zählen {chosen.per_year} Nachweis(e) je Programmjahr; "
            f"für {year.label()} liegen sie uns bereits vor."
        )
    member = _member(session, member_id)
    sent = documents.submit_document(
        session,
        actor=actor,
        request=documents.DocumentRequest(
            kvnr=member.kvnr, doc_type="bonus", files=files, idempotency_key=idempotency_key
        ),
        limits=limits,
    )
    evidence = BonusEvidence(
        member_id=member_id,
        category=chosen.id,
        evidence_date=evidence_date,
        submitted_on=today,
        points=chosen.points,
        submission_id=sent.id,
    )
    try:
        session.add(evidence)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="bonus_evidence_submit",
            subject_type="bonus_evidence",
            subject_id=evidence.id,
            member_id=member_id,
            details={"category": chosen.id, "submission": sent.tracking_id},
        )
        session.commit()
    except IntegrityError:
        session.rollback()  # the same upload retried at the same moment: return the first
        winner = session.exec(
            select(BonusEvidence).where(BonusEvidence.submission_id == sent.id)
        ).one()
        return BonusEvidenceRead.model_validate(winner)
    return BonusEvidenceRead.model_validate(evidence)


# --- The back-office --------------------------------------------------------------------


@dataclass(frozen=True)
class InboxQuery:
    """A "Rückfrage" a clerk sent the member from the inbox; the item still waits here."""

    asked_at: datetime
    question: str


def _open_query(submission: Submission) -> InboxQuery | None:
    if submission.status != SubmissionStatus.QUERY or submission.decided_at is None:
        return None
    return InboxQuery(asked_at=submission.decided_at, question=submission.member_message or "")


@dataclass(frozen=True)
class EnrolmentItem:
    member_id: int
    member_name: str
    kvnr: str
    birth_date: date
    applied_at: datetime
    submission_id: int
    tracking_id: str
    query: InboxQuery | None = None  # asked from the inbox, not yet answered by a decision


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    member_id: int
    member_name: str
    kvnr: str
    category_title: str
    evidence_date: date
    submitted_on: date
    points: int
    submission_id: int
    tracking_id: str
    query: InboxQuery | None = None  # asked from the inbox, not yet answered by a decision


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed()


def _record_queue_look(session: Session, actor: Actor, action: str, rows) -> None:
    """One audit entry per look at a review queue, naming every member it shows."""
    members = [member.id for _item, member, _submission in rows]
    audit.record_look(session, actor=actor, action=action, subject_type="bonus", member_ids=members)


QUEUE_PAGE = 20  # a clerk works the oldest first; thousands of forms on one page would not load


def waiting_counts(session: Session, *, actor: Actor) -> tuple[int, int]:
    """How many applications and how many pieces of evidence wait (counted in the database)."""
    _require_staff(actor)
    applications = session.exec(
        select(func.count())
        .select_from(BonusEnrolment)
        .where(BonusEnrolment.status == EnrolmentStatus.APPLIED)
    ).one()
    evidence = session.exec(
        select(func.count())
        .select_from(BonusEvidence)
        .where(BonusEvidence.status == EvidenceStatus.SUBMITTED)
    ).one()
    return applications, evidence


def enrolment_queue(
    session: Session, *, actor: Actor, record_view: bool = True, limit: int = QUEUE_PAGE
) -> list[EnrolmentItem]:
    """The oldest `limit` applications waiting for a clerk; each look audited (a redraw need
    not be)."""
    _require_staff(actor)
    rows = session.exec(
        select(BonusEnrolment, Member, Submission)
        .join(Member, Member.id == BonusEnrolment.member_id)
        .join(Submission, Submission.id == BonusEnrolment.submission_id)
        .where(BonusEnrolment.status == EnrolmentStatus.APPLIED)
        .order_by(col(BonusEnrolment.applied_at).asc(), col(BonusEnrolment.member_id).asc())
        .limit(limit)
    ).all()
    if record_view:
        _record_queue_look(session, actor, "view_bonus_enrolments", rows)
    return [
        EnrolmentItem(
            member_id=member.id,
            member_name=f"{member.last_name}, {member.first_name}",
            kvnr=member.kvnr,
            birth_date=member.birth_date,
            applied_at=enrolment.applied_at,
            submission_id=enrolment.submission_id,
            tracking_id=submission.tracking_id,
            query=_open_query(submission),
        )
        for enrolment, member, submission in rows
    ]


def evidence_queue(
    session: Session, *, actor: Actor, record_view: bool = True, limit: int = QUEUE_PAGE
) -> list[EvidenceItem]:
    """The oldest `limit` pieces of evidence waiting for review; each look audited."""
    _require_staff(actor)
    titles = {entry.id: entry.title for entry in categories()}
    rows = session.exec(
        select(BonusEvidence, Member, Submission)
        .join(Member, Member.id == BonusEvidence.member_id)
        .join(Submission, Submission.id == BonusEvidence.submission_id)
        .where(BonusEvidence.status == EvidenceStatus.SUBMITTED)
        .order_by(col(BonusEvidence.submitted_on).asc(), col(BonusEvidence.id).asc())
        .limit(limit)
    ).all()
    if record_view:
        _record_queue_look(session, actor, "view_bonus_evidence", rows)
    return [
        EvidenceItem(
            id=evidence.id,
            member_id=member.id,
            member_name=f"{member.last_name}, {member.first_name}",
            kvnr=member.kvnr,
            category_title=titles.get(evidence.category, evidence.category),
            evidence_date=evidence.evidence_date,
            submitted_on=evidence.submitted_on,
            points=evidence.points,
            submission_id=evidence.submission_id,
            tracking_id=submission.tracking_id,
            query=_open_query(submission),
        )
        for evidence, member, submission in rows
    ]


def review_document(session: Session, *, actor: Actor, submission_id: int) -> bytes:
    """The uploaded form or evidence as a PDF (the read is audited by core.documents)."""
    _require_staff(actor)
    return documents.submission_pdf(session, actor=actor, submission_id=submission_id)


# An inbox "Rückfrage" leaves the programme waiting (core.inbox.decide): the review's
# decision then replaces the query. Decided items keep their decision.
_AWAITING_DECISION = (
    SubmissionStatus.RECEIVED,
    SubmissionStatus.IN_PROGRESS,
    SubmissionStatus.QUERY,
)


def _close_submission(
    session: Session, *, actor: Actor, submission_id: int, accepted: bool, message: str | None
) -> None:
    """Mirror the decision onto the inbox item, so the member's send history shows it too."""
    row = session.get(Submission, submission_id)
    if row is None or row.status not in _AWAITING_DECISION:
        return
    now = utcnow()
    row.status = SubmissionStatus.DONE if accepted else SubmissionStatus.REJECTED
    row.department = DEPARTMENT
    row.member_message = message
    row.assigned_clerk_id = row.assigned_clerk_id or actor.user_id
    row.claimed_at = row.claimed_at or now
    row.decided_at = row.updated_at = now
    session.add(row)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()[:1000]
    if not text:
        raise BonusRefused("Bitte geben Sie einen Grund für die Ablehnung an.")
    return text


def _pending_enrolment(session: Session, member_id: int) -> BonusEnrolment:
    enrolment = session.exec(
        select(BonusEnrolment).where(BonusEnrolment.member_id == member_id).with_for_update()
    ).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.APPLIED:
        raise BonusRefused("Über diesen Antrag wurde bereits entschieden.")
    return enrolment


def confirm_enrolment(session: Session, *, actor: Actor, member_id: int) -> None:
    _require_staff(actor)
    enrolment = _pending_enrolment(session, member_id)
    enrolment.status = EnrolmentStatus.ACTIVE
    enrolment.confirmed_at = utcnow()
    session.add(enrolment)
    _close_submission(
        session,
        actor=actor,
        submission_id=enrolment.submission_id,
        accepted=True,
        message="Ihre Anmeldung zum Bonusprogramm Vorsorgeplus ist bestätigt.",
    )
    audit.record(
        session,
        actor=actor,
        action="bonus_enrolment_confirm",
        subject_type="bonus_enrolment",
        subject_id=member_id,
        member_id=member_id,
    )
    session.commit()


def reject_enrolment(session: Session, *, actor: Actor, member_id: int, reason: str) -> None:
    _require_staff(actor)
    message = _reason(reason)
    enrolment = _pending_enrolment(session, member_id)
    enrolment.status = EnrolmentStatus.REJECTED
    session.add(enrolment)
    _close_submission(
        session,
        actor=actor,
        submission_id=enrolment.submission_id,
        accepted=False,
        message=message,
    )
    audit.record(
        session,
        actor=actor,
        action="bonus_enrolment_reject",
        subject_type="bonus_enrolment",
        subject_id=member_id,
        member_id=member_id,
    )
    session.commit()


def _review(
    session: Session, *, actor: Actor, evidence_id: int, accepted: bool, reason: str | None
) -> None:
    _require_staff(actor)
    message = None if accepted else _reason(reason)
    evidence = session.exec(
        select(BonusEvidence).where(BonusEvidence.id == evidence_id).with_for_update()
    ).first()
    if evidence is None or evidence.status != EvidenceStatus.SUBMITTED:
        raise BonusRefused("Über diesen Nachweis wurde bereits entschieden.")
    evidence.status = EvidenceStatus.ACCEPTED if accepted else EvidenceStatus.REJECTED
    evidence.reviewed_by = actor.user_id
    evidence.reviewed_at = utcnow()
    session.add(evidence)
    _close_submission(
        session,
        actor=actor,
        submission_id=evidence.submission_id,
        accepted=accepted,
        message=message or f"Ihr Nachweis ist anerkannt: {evidence.points} Punkte.",
    )
    audit.record(
        session,
        actor=actor,
        action="bonus_evidence_accept" if accepted else "bonus_evidence_reject",
        subject_type="bonus_evidence",
        subject_id=evidence.id,
        member_id=evidence.member_id,
        details={"category": evidence.category, "points": evidence.points if accepted else 0},
    )
    session.commit()


def accept_evidence(session: Session, *, actor: Actor, evidence_id: int) -> None:
    _review(session, actor=actor, evidence_id=evidence_id, accepted=True, reason=None)


def reject_evidence(session: Session, *, actor: Actor, evidence_id: int, reason: str) -> None:
    _review(session, actor=actor, evidence_id=evidence_id, accepted=False, reason=reason)


def settle_from_inbox(
    session: Session,
    *,
    actor: Actor,
    member_id: int,
    submission_id: int,
    accepted: bool,
    reason: str | None,
) -> bool:
    """A general-inbox decision on a waiting programme document (the written application or
    a piece of evidence) settles it exactly as the review above does, and commits. False
    when the document is none of them: the inbox then decides it as any other."""
    enrolment = session.get(BonusEnrolment, member_id)
    if (
        enrolment is not None
        and enrolment.submission_id == submission_id
        and enrolment.status == EnrolmentStatus.APPLIED
    ):
        if accepted:
            confirm_enrolment(session, actor=actor, member_id=member_id)
        else:
            reject_enrolment(session, actor=actor, member_id=member_id, reason=reason or "")
        return True
    evidence_id = session.exec(
        select(BonusEvidence.id).where(
            BonusEvidence.submission_id == submission_id,
            BonusEvidence.status == EvidenceStatus.SUBMITTED,
        )
    ).first()
    if evidence_id is None:
        return False
    _review(session, actor=actor, evidence_id=evidence_id, accepted=accepted, reason=reason)
    return True
