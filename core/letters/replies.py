"""Members answer letters (FAQ "antworten"); clerks find the replies no one has opened yet.

A reply is threaded under its letter, its text and optional file stored encrypted; a
resent form stores one reply, and only its author may see it again.
"""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.correspondence import (
    Attachment,
    attach_file,
    author_names,
    by_idempotency_key,
    checked_attachment,
    clean_text,
    race_winner,
    read_attachment,
    replay_for_author,
    store_body,
)
from core.letter_templates import SUBJECT_MAX_CHARS
from core.letters.common import (
    ATTACHMENT_OWNER,
    BODY_OWNER,
    LIST_LIMIT,
    REPLY_MAX_CHARS,
    LetterNotFound,
    LetterSummary,
    Reply,
    letter_text,
    require_staff,
    summary_of,
    visible_letter,
)
from core.models.letters import Letter, LetterChannel, LetterDirection
from core.models.people import Member
from core.smart import smart_member_id
from core.uploads import IncomingFile


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
    letter = visible_letter(session, actor, letter_id)
    already = by_idempotency_key(session, Letter, idempotency_key)
    if already is not None:
        return summary_of(replay_for_author(already, actor), names={}, viewer=actor)
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
        store_body(session, row, text=body, owner_type=BODY_OWNER)
        if checked is not None:
            attach_file(session, row, checked=checked, owner_type=ATTACHMENT_OWNER)
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
    except IntegrityError as clash:
        row = race_winner(session, Letter, idempotency_key, clash)
    return summary_of(row, names={}, viewer=actor)


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
        Reply(summary=summary_of(r, names={}, viewer=actor), text=letter_text(session, r))
        for r in rows
    ]


def unanswered_replies(session: Session, *, actor: Actor, record_view: bool = True) -> list[Reply]:
    """Staff: replies no clerk has opened yet, oldest first, with the member they came from.

    Each look is audited with the members it shows; a redraw passes record_view=False."""
    require_staff(actor)
    original = select(Letter.id, Letter.subject).subquery()
    rows = session.exec(
        select(Letter, Member, original.c.subject)
        .join(Member, Member.id == Letter.member_id)
        .join(original, original.c.id == Letter.reply_to_letter_id)
        .where(Letter.direction == LetterDirection.IN, col(Letter.read_at).is_(None))
        .order_by(col(Letter.created_at), col(Letter.id))
        .limit(LIST_LIMIT)
    ).all()
    names = author_names(session, {row.author_user_id for row, _m, _s in rows})
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
            summary=summary_of(row, names=names, viewer=actor),
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
    attachment = read_attachment(session, row, owner_type=ATTACHMENT_OWNER)
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
    return attachment
