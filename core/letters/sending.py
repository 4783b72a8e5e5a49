"""Clerks write letters from templates: look up the member, preview, sign and send.

FAQ: with App-Kommunikation on, a smart member receives letters in the app's Postfach;
otherwise the letter goes by post ("postalisch"). A letter is a PDF with a detached Ed25519
signature; its text and PDF are stored encrypted (core.blobs).
"""

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core import audit, blobs, crypto
from core.actors import Actor
from core.clock import today_berlin, utcnow
from core.correspondence import (
    author_names,
    by_idempotency_key,
    clean_line,
    clean_text,
    race_winner,
    store_body,
)
from core.identifiers import parse_identifier
from core.letter_templates import (
    BODY_MAX_CHARS,
    SUBJECT_MAX_CHARS,
    InvalidLetter,
    fill,
    get_template,
    letter_pdf,
    placeholder_values,
    placeholders_in,
)
from core.letters.common import (
    BODY_OWNER,
    PDF_OWNER,
    LetterNotFound,
    LetterSummary,
    addressee,
    delivery_channel,
    require_staff,
    signing_key,
    summary_of,
)
from core.members import member_exists
from core.models.documents import Submission
from core.models.letters import Letter, LetterDirection
from core.models.people import Member


@dataclass(frozen=True)
class Recipient:
    member_id: int
    name: str
    kvnr: str
    address: str
    service_level: str
    channel: str  # where a letter sent now would go


@dataclass(frozen=True)
class LetterPreview:
    subject: str
    text: str
    channel: str
    pdf: bytes = field(repr=False)


def find_recipient(session: Session, *, actor: Actor, kvnr: str) -> Recipient:
    """A clerk looks up the member a letter is for, by KVNR (audited)."""
    require_staff(actor)
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
        to=addressee(member),
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
    require_staff(actor)
    composed = _compose(
        session,
        member_id=member_id,
        template_key=template_key,
        subject=subject,
        body=body,
        tracking_id=tracking_id,
        key_id=signing_key().key_id,
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
    require_staff(actor)
    already = by_idempotency_key(session, Letter, idempotency_key)
    if already is not None:
        return summary_of(
            already, names=author_names(session, {already.author_user_id}), viewer=actor
        )
    key = signing_key()
    composed = _compose(
        session,
        member_id=member_id,
        template_key=template_key,
        subject=subject,
        body=body,
        tracking_id=tracking_id,
        key_id=key.key_id,
    )
    channel = delivery_channel(session, member=composed.member)
    row = Letter(
        member_id=composed.member.id,
        direction=LetterDirection.OUT,
        channel=channel,
        template_key=template_key,
        subject=composed.subject,
        signature=crypto.sign_bytes(data=composed.pdf, signing_key=key),
        key_id=key.key_id,
        author_user_id=actor.user_id,
        created_at=utcnow(),
        idempotency_key=idempotency_key,
    )
    try:
        session.add(row)
        session.flush()
        store_body(session, row, text=composed.text, owner_type=BODY_OWNER)
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
    except IntegrityError as clash:  # a double click raced this one: return the first letter
        row = race_winner(session, Letter, idempotency_key, clash)
    return summary_of(row, names=author_names(session, {row.author_user_id}), viewer=actor)
