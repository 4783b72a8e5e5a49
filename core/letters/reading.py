"""Reading letters: the member's Postfach, a clerk's view of a member's letters, the PDF.

A member's first opening marks a letter read; every staff read is audited. A historic letter
from the seed (core.scale_seed) has its text but no PDF and no signature yet: the PDF is
made from its text on first opening, signed and stored like a letter sent today.
"""

from sqlalchemy import case, update
from sqlmodel import Session, col, func, select

from core import audit, blobs, crypto
from core.actors import Actor
from core.clock import to_berlin, utcnow
from core.correspondence import author_names
from core.letter_templates import letter_pdf
from core.letters.common import (
    LIST_LIMIT,
    PDF_OWNER,
    LetterSummary,
    LetterThread,
    Reply,
    SignedLetter,
    addressee,
    letter_text,
    require_staff,
    signature_status,
    signing_key,
    summary_of,
    visible_letter,
)
from core.models.letters import Letter, LetterChannel, LetterDirection
from core.models.people import Member
from core.smart import smart_member_id


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
    names = author_names(session, {row.author_user_id for row in rows})
    return [
        summary_of(
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
    require_staff(actor)
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
    row = visible_letter(session, actor, letter_id)
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
    names = author_names(session, {row.author_user_id, *(r.author_user_id for r in replies)})
    thread = LetterThread(
        letter=summary_of(row, names=names, viewer=actor, replies=len(replies)),
        text=letter_text(session, row),
        replies=[
            Reply(summary=summary_of(r, names=names, viewer=actor), text=letter_text(session, r))
            for r in replies
        ],
    )
    if changed:
        session.commit()
    return thread


def letter_document(session: Session, *, actor: Actor, letter_id: int) -> SignedLetter:
    """The letter's PDF with the result of checking its signature."""
    row = visible_letter(session, actor, letter_id)
    if row.pdf_blob_id is None and row.signature is None:  # seeded: it never had a PDF
        _render_historic(session, row)
    if row.pdf_blob_id is None:  # it had one (it is signed) and lost it
        raise blobs.BlobNotFound
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


def _render_historic(session: Session, row: Letter) -> None:
    """Render, sign and store a seeded letter's PDF from its text, dated the day it was sent;
    the address is the member's. Committed at once, so the next opening reads it."""
    key = signing_key()
    pdf = letter_pdf(
        subject=row.subject,
        body=letter_text(session, row),
        to=addressee(session.get(Member, row.member_id)),
        dated=to_berlin(row.created_at).date(),
        key_id=key.key_id,
    )
    stored = blobs.store_first_file(
        session,
        owner_type=PDF_OWNER,
        owner_id=row.id,
        plaintext=pdf,
        claim=lambda blob_id: (
            update(Letter)
            .where(
                Letter.id == row.id,
                col(Letter.pdf_blob_id).is_(None),
                col(Letter.signature).is_(None),
            )
            .values(
                pdf_blob_id=blob_id,
                signature=crypto.sign_bytes(data=pdf, signing_key=key),
                key_id=key.key_id,
            )
        ),
    )
    if stored:
        session.commit()
    session.refresh(row)  # else: opened twice at the same moment, the other one's PDF stands
