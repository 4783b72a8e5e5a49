"""Letters from the HEK: written from templates, signed, delivered to the Postfach or by post.

FAQ: with App-Kommunikation on, a smart member receives letters in the app's Postfach and
may answer them there ("antworten"); otherwise the letter goes by post ("postalisch"). A
letter is a PDF with a detached Ed25519 signature; text, PDF and reply attachments are
stored encrypted (core.blobs). Members only ever reach their own letters; staff reads are
audited.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core import audit, blobs, crypto
from core.actors import Actor
from core.clock import to_berlin, today_berlin, utcnow
from core.correspondence import (
    Attachment,
    checked_attachment,
    clean_line,
    clean_text,
    store_attachment,
)
from core.errors import DomainError, NotAllowed
from core.identifiers import parse_identifier
from core.letter_templates import (
    BODY_MAX_CHARS,
    SUBJECT_MAX_CHARS,
    Addressee,
    InvalidLetter,
    fill,
    get_template,
    letter_pdf,
    placeholder_values,
    placeholders_in,
)
from core.members import member_exists
from core.models.accounts import UserAccount
from core.models.documents import Submission
from core.models.letters import Letter, LetterChannel, LetterDirection
from core.models.people import Member
from core.preferences import app_communication_enabled
from core.settings import get_secret
from core.smart import SMART_LEVELS, smart_member_id
from core.uploads import IncomingFile

BODY_OWNER = "letter"
PDF_OWNER = "letter_pdf"
ATTACHMENT_OWNER = "letter_attachment"
REPLY_MAX_CHARS = 2000
LIST_LIMIT = 100


class LetterNotFound(DomainError):
    # One answer for "does not exist" and "not yours": it reveals nothing about others.
    default_message = "Dieses Schreiben gibt es nicht oder es gehört nicht zu Ihnen."


@dataclass(frozen=True)
class Recipient:
    member_id: int
    name: str
    kvnr: str
    address: str
    service_level: str
    channel: str  # where a letter sent now would go


@dataclass(frozen=True)
class LetterSummary:
    id: int
    member_id: int
    direction: str
    channel: str
    subject: str
    created_at: datetime
    read_at: datetime | None
    reply_to_letter_id: int | None
    template_key: str | None
    author_name: str
    attachment_name: str | None = None
    replies: int = 0
    unread_replies: int = 0

    @property
    def status_label(self) -> str:
        if self.channel == LetterChannel.POST:
            return "postalisch"
        return "gelesen" if self.read_at else "ungelesen"


@dataclass(frozen=True)
class Reply:
    summary: LetterSummary
    text: str
    letter_subject: str = ""
    member_name: str = ""
    kvnr: str = ""


@dataclass(frozen=True)
class LetterThread:
    letter: LetterSummary
    text: str
    replies: list[Reply]


@dataclass(frozen=True)
class LetterPreview:
    subject: str
    text: str
    channel: str
    pdf: bytes = field(repr=False)


@dataclass(frozen=True)
class SignedLetter:
    file_name: str
    signature_status: str  # valid | invalid | unknown_key
    key_id: str | None
    pdf: bytes = field(repr=False)


# --- helpers --------------------------------------------------------------------------


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed()


def _signing_key() -> crypto.SigningKey:
    return crypto.signing_key_from_text(get_secret("signing_key"))


def signature_status(*, pdf: bytes, signature: bytes | None, key_id: str | None) -> str:
    """'valid' if the HEK's key signed exactly these bytes; 'unknown_key' for a foreign key id."""
    key = _signing_key()
    if not signature or key_id != key.key_id:
        return "unknown_key" if signature else "invalid"
    ok = crypto.verify_bytes(data=pdf, signature=signature, public_key=key.public_bytes)
    return "valid" if ok else "invalid"


def _author_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.exec(
        select(UserAccount.id, UserAccount.display_name).where(col(UserAccount.id).in_(user_ids))
    ).all()
    return dict(rows)


def _summary(
    row: Letter, *, names: dict[int, str], viewer: Actor, replies: int = 0, unread: int = 0
) -> LetterSummary:
    if row.direction == LetterDirection.OUT and viewer.is_member:
        author = "Ihre HEK"  # members see the HEK, not the clerk's name
    elif row.direction == LetterDirection.IN and viewer.is_member:
        author = "Sie"
    else:
        author = names.get(row.author_user_id, "–")
    return LetterSummary(
        id=row.id,
        member_id=row.member_id,
        direction=row.direction,
        channel=row.channel,
        subject=row.subject,
        created_at=row.created_at,
        read_at=row.read_at,
        reply_to_letter_id=row.reply_to_letter_id,
        template_key=row.template_key,
        author_name=author,
        attachment_name=row.attachment_name,
        replies=replies,
        unread_replies=unread,
    )


def _text(session: Session, row: Letter) -> str:
    if row.body_blob_id is None:
        return ""
    data = blobs.load_blob(
        session, blob_id=row.body_blob_id, owner_type=BODY_OWNER, owner_id=row.id
    )
    return data.decode("utf-8")


def _visible_letter(session: Session, actor: Actor, letter_id: int) -> Letter:
    """An outgoing letter the actor may read: a member's own app letter, or any for staff."""
    row = session.get(Letter, letter_id)
    if row is None or row.direction != LetterDirection.OUT:
        raise LetterNotFound()
    if actor.is_staff:
        return row
    if row.member_id != smart_member_id(actor) or row.channel != LetterChannel.APP:
        raise LetterNotFound()
    return row


def delivery_channel(session: Session, *, member: Member) -> LetterChannel:
    """FAQ: into the app only for smart members who switched App-Kommunikation on."""
    if member.service_level in SMART_LEVELS and app_communication_enabled(
        session, member_id=member.id
    ):
        return LetterChannel.APP
    return LetterChannel.POST


# --- clerks: write and send -------------------------------------------------------------


def find_recipient(session: Session, *, actor: Actor, kvnr: str) -> Recipient:
    """A clerk looks up the member a letter is for, by KVNR (audited)."""
    _require_staff(actor)
    canonical = member_exists(session, kvnr=kvnr)
    member = session.exec(select(Member).where(Member.kvnr == canonical)).one()
    audit.record(
        session,
        actor=actor,
        action="letter_recipient",
        subject_type="member",
        subject_id=member.id,
        member_id=member.id,
    )
    session.commit()
    return Recipient(
        member_id=member.id,
        name=f"{member.first_name} {member.last_name}",
        kvnr=member.kvnr,
        address=f"{member.street}, {member.postal_code} {member.city}",
        service_level=member.service_level,
        channel=delivery_channel(session, member=member),
    )


@dataclass(frozen=True)
class _Composed:
    member: Member
    subject: str
    text: str
    pdf: bytes
    key_id: str


def _compose(
    session: Session,
    *,
    member_id: int,
    template_key: str,
    subject: str,
    body: str,
    tracking_id: str | None,
    key_id: str,
) -> _Composed:
    get_template(template_key)
    member = session.get(Member, member_id)
    if member is None:
        raise LetterNotFound("Dieses Mitglied gibt es nicht.")
    subject = clean_line(subject, label="einen Betreff", max_chars=SUBJECT_MAX_CHARS)
    body = clean_text(body, label="den Text des Schreibens", max_chars=BODY_MAX_CHARS)
    used = placeholders_in(subject) | placeholders_in(body)
    canonical_tracking = None
    if "tracking_id" in used:
        if not (tracking_id or "").strip():
            raise InvalidLetter(
                "Dieses Schreiben nennt eine Tracking-ID: Bitte geben Sie die Tracking-ID an."
            )
        canonical_tracking = parse_identifier(tracking_id)
        found = session.exec(
            select(Submission.id).where(
                Submission.tracking_id == canonical_tracking, Submission.member_id == member.id
            )
        ).first()
        if found is None:
            raise InvalidLetter("Zu dieser Tracking-ID gibt es keine Einreichung dieses Mitglieds.")
    values = placeholder_values(
        first_name=member.first_name,
        last_name=member.last_name,
        kvnr=member.kvnr,
        today=today_berlin(),
        tracking_id=canonical_tracking,
    )
    filled_subject = fill(subject, values)[:SUBJECT_MAX_CHARS]
    filled_text = fill(body, values)
    pdf = letter_pdf(
        subject=filled_subject,
        body=filled_text,
        to=Addressee(
            name=f"{member.first_name} {member.last_name}",
            street=member.street,
            postal_code=member.postal_code,
            city=member.city,
            kvnr=member.kvnr,
        ),
        dated=today_berlin(),
        key_id=key_id,
    )
    return _Composed(
        member=member, subject=filled_subject, text=filled_text, pdf=pdf, key_id=key_id
    )


def preview_letter(
    session: Session,
    *,
    actor: Actor,
    member_id: int,
    template_key: str,
    subject: str,
    body: str,
    tracking_id: str | None = None,
) -> LetterPreview:
    """The letter as it would be sent (placeholders filled, PDF), without storing anything.

    It shows the member's name and address, so each preview is audited."""
    _require_staff(actor)
    composed = _compose(
        session,
        member_id=member_id,
        template_key=template_key,
        subject=subject,
        body=body,
        tracking_id=tracking_id,
        key_id=_signing_key().key_id,
    )
    audit.record(
        session,
        actor=actor,
        action="preview_letter",
        subject_type="member",
        subject_id=member_id,
        member_id=member_id,
        details={"template": template_key},
    )
    session.commit()
    return LetterPreview(
        subject=composed.subject,
        text=composed.text,
        channel=delivery_channel(session, member=composed.member),
        pdf=composed.pdf,
    )


def _by_key(session: Session, key: str | None) -> Letter | None:
    if not key:
        return None
    return session.exec(select(Letter).where(Letter.idempotency_key == key)).first()


def send_letter(
    session: Session,
    *,
    actor: Actor,
    member_id: int,
    template_key: str,
    subject: str,
    body: str,
    tracking_id: str | None = None,
    idempotency_key: str | None = None,
) -> LetterSummary:
    """Fill, render, sign and store a letter; into the Postfach or marked for the post."""
    _require_staff(actor)
    already = _by_key(session, idempotency_key)
    if already is not None:
        return _summary(
            already, names=_author_names(session, {already.author_user_id}), viewer=actor
        )
    signing_key = _signing_key()
    composed = _compose(
        session,
        member_id=member_id,
        template_key=template_key,
        subject=subject,
        body=body,
        tracking_id=tracking_id,
        key_id=signing_key.key_id,
    )
    channel = delivery_channel(session, member=composed.member)
    row = Letter(
        member_id=composed.member.id,
        direction=LetterDirection.OUT,
        channel=channel,
        template_key=template_key,
        subject=composed.subject,
        signature=crypto.sign_bytes(data=composed.pdf, signing_key=signing_key),
        key_id=signing_key.key_id,
        author_user_id=actor.user_id,
        created_at=utcnow(),
        idempotency_key=idempotency_key,
    )
    try:
        session.add(row)
        session.flush()
        row.body_blob_id = blobs.store_blob(
            session, owner_type=BODY_OWNER, owner_id=row.id, plaintext=composed.text.encode()
        )
        row.pdf_blob_id = blobs.store_blob(
            session, owner_type=PDF_OWNER, owner_id=row.id, plaintext=composed.pdf
        )
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="send_letter",
            subject_type="letter",
            subject_id=row.id,
            member_id=row.member_id,
            details={"template": template_key, "channel": channel},
        )
        session.commit()
    except IntegrityError:
        session.rollback()  # a double click raced this one: return the first letter
        winner = _by_key(session, idempotency_key)
        if winner is None:
            raise
        row = winner
    return _summary(row, names=_author_names(session, {row.author_user_id}), viewer=actor)


# --- reading: the Postfach and the back-office ---------------------------------------------


def _reply_counts(session: Session, letter_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not letter_ids:
        return {}
    unread = func.sum(case((col(Letter.read_at).is_(None), 1), else_=0))
    rows = session.exec(
        select(Letter.reply_to_letter_id, func.count(), unread)
        .where(col(Letter.reply_to_letter_id).in_(letter_ids))
        .group_by(Letter.reply_to_letter_id)
    ).all()
    return {letter_id: (total, int(unread or 0)) for letter_id, total, unread in rows}


def _summaries(session: Session, rows: list[Letter], viewer: Actor) -> list[LetterSummary]:
    counts = _reply_counts(session, [row.id for row in rows])
    names = _author_names(session, {row.author_user_id for row in rows})
    return [
        _summary(
            row,
            names=names,
            viewer=viewer,
            replies=counts.get(row.id, (0, 0))[0],
            unread=counts.get(row.id, (0, 0))[1],
        )
        for row in rows
    ]


def postbox(session: Session, *, actor: Actor) -> list[LetterSummary]:
    """The member's Posteingang: letters delivered into the app, newest first."""
    member_id = smart_member_id(actor)
    rows = session.exec(
        select(Letter)
        .where(
            Letter.member_id == member_id,
            Letter.direction == LetterDirection.OUT,
            Letter.channel == LetterChannel.APP,
        )
        .order_by(col(Letter.created_at).desc(), col(Letter.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return _summaries(session, list(rows), actor)


def unread_letters(session: Session, *, actor: Actor) -> int:
    member_id = smart_member_id(actor)
    return session.exec(
        select(func.count())
        .select_from(Letter)
        .where(
            Letter.member_id == member_id,
            Letter.direction == LetterDirection.OUT,
            Letter.channel == LetterChannel.APP,
            col(Letter.read_at).is_(None),
        )
    ).one()


def letters_of_member(
    session: Session, *, actor: Actor, member_id: int, record_view: bool = True
) -> list[LetterSummary]:
    """Staff: every letter to a member (app and post) with its reply counts; audited."""
    _require_staff(actor)
    rows = session.exec(
        select(Letter)
        .where(Letter.member_id == member_id, Letter.direction == LetterDirection.OUT)
        .order_by(col(Letter.created_at).desc(), col(Letter.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    if record_view:
        audit.record(
            session,
            actor=actor,
            action="view_letters",
            subject_type="member",
            subject_id=member_id,
            member_id=member_id,
        )
        session.commit()
    return _summaries(session, list(rows), actor)


def open_letter(
    session: Session, *, actor: Actor, letter_id: int, record_view: bool = True
) -> LetterThread:
    """A letter with its replies. A member's first opening marks it read; a clerk's opening
    marks the replies read and is audited."""
    row = _visible_letter(session, actor, letter_id)
    replies = session.exec(
        select(Letter)
        .where(Letter.reply_to_letter_id == row.id, Letter.direction == LetterDirection.IN)
        .order_by(col(Letter.created_at), col(Letter.id))
    ).all()
    now = utcnow()
    changed = False
    if actor.is_member and row.read_at is None:
        row.read_at = now
        session.add(row)
        changed = True
    if actor.is_staff:
        for reply in replies:
            if reply.read_at is None:
                reply.read_at = now
                session.add(reply)
                changed = True
        if record_view:
            audit.record(
                session,
                actor=actor,
                action="view_letter",
                subject_type="letter",
                subject_id=row.id,
                member_id=row.member_id,
            )
            changed = True
    names = _author_names(session, {row.author_user_id, *(r.author_user_id for r in replies)})
    thread = LetterThread(
        letter=_summary(row, names=names, viewer=actor, replies=len(replies)),
        text=_text(session, row),
        replies=[
            Reply(summary=_summary(r, names=names, viewer=actor), text=_text(session, r))
            for r in replies
        ],
    )
    if changed:
        session.commit()
    return thread


def letter_document(session: Session, *, actor: Actor, letter_id: int) -> SignedLetter:
    """The letter's PDF with the result of checking its signature."""
    row = _visible_letter(session, actor, letter_id)
    pdf = blobs.load_blob(session, blob_id=row.pdf_blob_id, owner_type=PDF_OWNER, owner_id=row.id)
    if actor.is_staff:
        audit.record(
            session,
            actor=actor,
            action="view_letter_pdf",
            subject_type="letter",
            subject_id=row.id,
            member_id=row.member_id,
        )
        session.commit()
    return SignedLetter(
        file_name=f"HEK_Schreiben_{to_berlin(row.created_at):%Y-%m-%d}_{row.id}.pdf",
        signature_status=signature_status(pdf=pdf, signature=row.signature, key_id=row.key_id),
        key_id=row.key_id,
        pdf=pdf,
    )


# --- members: answer --------------------------------------------------------------------


def reply_to_letter(
    session: Session,
    *,
    actor: Actor,
    letter_id: int,
    text: str,
    attachment: IncomingFile | None = None,
    idempotency_key: str | None = None,
) -> LetterSummary:
    """FAQ "antworten": the member's reply, threaded under the letter, with an optional file."""
    member_id = smart_member_id(actor)
    letter = _visible_letter(session, actor, letter_id)
    already = _by_key(session, idempotency_key)
    if already is not None:
        if already.author_user_id != actor.user_id:
            raise NotAllowed()
        return _summary(already, names={}, viewer=actor)
    body = clean_text(text, label="Ihre Antwort", max_chars=REPLY_MAX_CHARS)
    checked = checked_attachment(attachment)  # refused files stop here, before any write
    row = Letter(
        member_id=member_id,
        direction=LetterDirection.IN,
        channel=LetterChannel.APP,
        reply_to_letter_id=letter.id,
        subject=f"AW: {letter.subject}"[:SUBJECT_MAX_CHARS],
        author_user_id=actor.user_id,
        created_at=utcnow(),
        idempotency_key=idempotency_key,
    )
    try:
        session.add(row)
        session.flush()
        row.body_blob_id = blobs.store_blob(
            session, owner_type=BODY_OWNER, owner_id=row.id, plaintext=body.encode()
        )
        if checked is not None:
            (
                row.attachment_blob_id,
                row.attachment_name,
                row.attachment_mime,
                row.attachment_size,
            ) = store_attachment(
                session, checked=checked, owner_type=ATTACHMENT_OWNER, owner_id=row.id
            )
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="reply_letter",
            subject_type="letter",
            subject_id=row.id,
            member_id=member_id,
            details={"letter": letter.id, "attachment": checked is not None},
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        winner = _by_key(session, idempotency_key)
        if winner is None:
            raise
        row = winner
    return _summary(row, names={}, viewer=actor)


def my_replies(session: Session, *, actor: Actor) -> list[Reply]:
    """The member's sent replies (Postfach, "Gesendet"), newest first."""
    member_id = smart_member_id(actor)
    rows = session.exec(
        select(Letter)
        .where(Letter.member_id == member_id, Letter.direction == LetterDirection.IN)
        .order_by(col(Letter.created_at).desc(), col(Letter.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return [
        Reply(summary=_summary(r, names={}, viewer=actor), text=_text(session, r)) for r in rows
    ]


def unanswered_replies(session: Session, *, actor: Actor, record_view: bool = True) -> list[Reply]:
    """Staff: replies no clerk has opened yet, oldest first, with the member they came from.

    Each look is audited with the members it shows; a redraw passes record_view=False."""
    _require_staff(actor)
    original = select(Letter.id, Letter.subject).subquery()
    rows = session.exec(
        select(Letter, Member, original.c.subject)
        .join(Member, Member.id == Letter.member_id)
        .join(original, original.c.id == Letter.reply_to_letter_id)
        .where(Letter.direction == LetterDirection.IN, col(Letter.read_at).is_(None))
        .order_by(col(Letter.created_at), col(Letter.id))
        .limit(LIST_LIMIT)
    ).all()
    names = _author_names(session, {row.author_user_id for row, _m, _s in rows})
    if record_view:
        audit.record_look(
            session,
            actor=actor,
            action="view_unanswered_replies",
            subject_type="letter",
            member_ids=[member.id for _row, member, _subject in rows],
        )
    return [
        Reply(
            summary=_summary(row, names=names, viewer=actor),
            text="",  # opened (and audited) with the thread
            letter_subject=subject,
            member_name=f"{member.first_name} {member.last_name}",
            kvnr=member.kvnr,
        )
        for row, member, subject in rows
    ]


def reply_attachment(session: Session, *, actor: Actor, reply_id: int) -> Attachment:
    """The file attached to a reply: for its member, or for staff (audited)."""
    row = session.get(Letter, reply_id)
    if row is None or row.direction != LetterDirection.IN or row.attachment_blob_id is None:
        raise LetterNotFound()
    if actor.is_member and row.member_id != smart_member_id(actor):
        raise LetterNotFound()
    data = blobs.load_blob(
        session, blob_id=row.attachment_blob_id, owner_type=ATTACHMENT_OWNER, owner_id=row.id
    )
    if actor.is_staff:
        audit.record(
            session,
            actor=actor,
            action="view_letter_attachment",
            subject_type="letter",
            subject_id=row.id,
            member_id=row.member_id,
        )
        session.commit()
    return Attachment(
        name=row.attachment_name or "Anhang", mime=row.attachment_mime or "", data=data
    )
