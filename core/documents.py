"""Sending documents to the HEK: one checked pipeline, a tracking ID, the send history.

FAQ: a tracking ID means the document arrived; no tracking ID means it was not sent, and
nothing of it is kept. The encrypted file is stored in the same transaction as its row.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import audit, blobs, send_throttle
from core.actors import Actor
from core.clock import utcnow
from core.errors import DomainError, NotAllowed
from core.identifiers import new_tracking_id, parse_identifier
from core.kvnr import normalize_kvnr
from core.members import member_exists
from core.models.documents import Submission, SubmissionRead, SubmissionStatus
from core.models.people import Member
from core.uploads import IncomingFile, UploadLimits, build_submission, check_file

DOCUMENT_TYPES: dict[str, str] = {
    "au": "Arbeitsunfähigkeitsbescheinigung",
    "rechnung": "Rechnung",
    "bonus": "Bonusnachweis",
    "antrag": "Antrag",
    "sonstiges": "Sonstiges",
}
# FAQ: "Wenn Sie uns ein Dokument über „Rechnung“ oder „Sonstiges“ senden, können Sie uns
# eine wichtige Information dazu mitteilen."
TYPES_WITH_NOTE = frozenset({"rechnung", "sonstiges"})
NOTE_MAX_CHARS = 500
STATUS_LABELS: dict[str, str] = {
    SubmissionStatus.RECEIVED: "eingegangen",
    SubmissionStatus.IN_PROGRESS: "in Bearbeitung",
    SubmissionStatus.DONE: "erledigt",
    SubmissionStatus.QUERY: "Rückfrage",
    SubmissionStatus.REJECTED: "abgelehnt",
}
BLOB_OWNER = "submission"


class InvalidSubmission(DomainError):
    default_message = "Das Dokument konnte nicht gesendet werden."


class NoStoredFile(DomainError):
    """A historic row seeded without its file (core.scale_seed): there is nothing to show."""

    default_message = "Für diesen historischen Vorgang ist keine Datei gespeichert (Demodaten)."


@dataclass(frozen=True)
class DocumentRequest:
    """What a member (or the mail room) asks to send."""

    kvnr: str
    doc_type: str
    files: list[IncomingFile]
    note: str | None = None
    order: list[int] | None = None  # indexes into files, in page order
    drop: frozenset[int] = frozenset()
    idempotency_key: str | None = None
    channel: str = "app"


def _validated_note(doc_type: str, note: str | None) -> str | None:
    text = (note or "").strip()
    if not text:
        return None
    if doc_type not in TYPES_WITH_NOTE:
        raise InvalidSubmission("Eine Notiz ist nur bei „Rechnung“ und „Sonstiges“ möglich.")
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidSubmission(f"Die Notiz ist zu lang (höchstens {NOTE_MAX_CHARS} Zeichen).")
    return text


def _existing(session: Session, key: str | None, actor: Actor) -> SubmissionRead | None:
    if not key:
        return None
    row = session.exec(select(Submission).where(Submission.idempotency_key == key)).first()
    if row is None:
        return None
    if row.submitted_by_user_id != actor.user_id:
        raise NotAllowed()
    return SubmissionRead.model_validate(row)


def submit_document(
    session: Session,
    *,
    actor: Actor,
    request: DocumentRequest,
    limits: UploadLimits | None = None,
    now: datetime | None = None,
) -> SubmissionRead:
    """Check, assemble, encrypt and store a submission with its tracking ID, atomically.

    A retry with the same idempotency key returns the first submission instead of a second.
    """
    already = _existing(session, request.idempotency_key, actor)
    if already is not None:
        return already
    if request.doc_type not in DOCUMENT_TYPES:
        raise InvalidSubmission("Bitte wählen Sie eine Dokumentenart aus.")
    note = _validated_note(request.doc_type, request.note)
    now = now or utcnow()
    kvnr = normalize_kvnr(request.kvnr)  # a mistyped number tells nothing and costs nothing
    # whether a number is accepted tells who is insured
    if send_throttle.for_someone_else(session, actor, kvnr):
        send_throttle.count_kvnr_attempt(session, account_id=actor.user_id, kvnr=kvnr, now=now)
    member_exists(session, kvnr=kvnr)
    if not request.files:
        raise InvalidSubmission(
            "Bitte fotografieren Sie das Dokument oder laden Sie eine Datei hoch."
        )
    checked = [check_file(incoming, limits=limits) for incoming in request.files]
    document = build_submission(checked, order=request.order, drop=set(request.drop), limits=limits)
    member_id = session.exec(select(Member.id).where(Member.kvnr == kvnr)).one()
    row = Submission(
        tracking_id=new_tracking_id(),
        member_id=member_id,
        submitted_by_user_id=actor.user_id or None,
        channel=request.channel,
        doc_type=request.doc_type,
        note=note,
        original_name=checked[0].name[:120] if len(checked) == 1 else None,
        page_count=document.page_count,
        size=document.size,
        status=SubmissionStatus.RECEIVED,
        created_at=now,
        updated_at=now,
        idempotency_key=request.idempotency_key,
    )
    try:
        session.add(row)
        session.flush()
        row.blob_id = blobs.store_blob(
            session, owner_type=BLOB_OWNER, owner_id=str(row.id), plaintext=document.pdf_bytes
        )
        audit.record(
            session,
            actor=actor,
            action="submit_document",
            subject_type="submission",
            subject_id=row.id,
            member_id=member_id,
            details={
                "type": request.doc_type,
                "pages": document.page_count,
                "channel": request.channel,
            },
        )
        session.commit()
    except IntegrityError:
        # Two requests with one idempotency key raced: the other one won; return it.
        session.rollback()
        winner = _existing(session, request.idempotency_key, actor)
        if winner is None:
            raise
        return winner
    return SubmissionRead.model_validate(row)


def send_history(session: Session, *, actor: Actor, limit: int = 50) -> list[SubmissionRead]:
    """FAQ "Versandhistorie": what this account sent, newest first."""
    rows = session.exec(
        select(Submission)
        .where(Submission.submitted_by_user_id == actor.user_id)
        .order_by(col(Submission.created_at).desc(), col(Submission.id).desc())
        .limit(limit)
    ).all()
    return [SubmissionRead.model_validate(row) for row in rows]


def find_by_tracking_id(session: Session, *, actor: Actor, tracking_id: str) -> SubmissionRead:
    """A member finds their own submission by tracking ID (typos caught by the check character);
    staff find any, and their lookups are audited."""
    canonical = parse_identifier(tracking_id)
    row = session.exec(select(Submission).where(Submission.tracking_id == canonical)).first()
    if row is None or (actor.is_member and row.submitted_by_user_id != actor.user_id):
        raise InvalidSubmission("Zu dieser Tracking-ID gibt es keine Sendung von Ihnen.")
    if actor.is_staff:
        audit.record(
            session,
            actor=actor,
            action="find_submission",
            subject_type="submission",
            subject_id=row.id,
            member_id=row.member_id,
        )
        session.commit()
    return SubmissionRead.model_validate(row)


def submission_pdf(session: Session, *, actor: Actor, submission_id: int) -> bytes:
    """The decrypted PDF for its sender or for staff (staff reads are audited)."""
    row = session.get(Submission, submission_id)
    if row is None or (actor.is_member and row.submitted_by_user_id != actor.user_id):
        raise NotAllowed("Dieses Dokument gibt es nicht oder es gehört nicht zu Ihnen.")
    if row.blob_id is None:
        raise NoStoredFile()
    data = blobs.load_blob(
        session, blob_id=row.blob_id, owner_type=BLOB_OWNER, owner_id=str(row.id)
    )
    if actor.is_staff:
        audit.record(
            session,
            actor=actor,
            action="view_document",
            subject_type="submission",
            subject_id=row.id,
            member_id=row.member_id,
        )
        session.commit()
    return data
