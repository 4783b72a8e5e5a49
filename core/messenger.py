"""Messenger (FAQ: smart members "einfacher Austausch über unseren Messenger").

A smart member starts a conversation with the HEK and writes messages, optionally with one
attachment that passes the same checks as "Dokument senden"; clerks answer from the
back-office and can file an attachment into the document inbox in one click. Bodies and
attachments are stored encrypted; members only reach their own conversations; staff reads
are audited.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from core import audit, documents
from core.actors import Actor
from core.clock import utcnow
from core.correspondence import (
    Attachment,
    InvalidText,
    attach_file,
    author_names,
    by_idempotency_key,
    checked_attachment,
    clean_line,
    clean_text,
    race_winner,
    read_attachment,
    read_body,
    replay_for_author,
    store_body,
)
from core.errors import DomainError, NotAllowed
from core.kvnr import is_valid_kvnr
from core.models.documents import Submission, SubmissionRead
from core.models.messages import Conversation, ConversationStatus, Message, MessageDirection
from core.models.people import Member
from core.smart import smart_member_id
from core.uploads import CheckedFile, IncomingFile

BODY_OWNER = "message"
ATTACHMENT_OWNER = "message_attachment"
SUBJECT_MAX_CHARS = 120
BODY_MAX_CHARS = 2000
LIST_LIMIT = 100
STATUS_LABELS = {ConversationStatus.OPEN: "offen", ConversationStatus.CLOSED: "abgeschlossen"}


class ConversationNotFound(DomainError):
    default_message = "Diese Unterhaltung gibt es nicht oder sie gehört nicht zu Ihnen."


class ConversationClosed(DomainError):
    default_message = (
        "Diese Unterhaltung ist abgeschlossen. Bitte beginnen Sie eine neue Unterhaltung."
    )


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    member_id: int
    member_name: str
    kvnr: str
    subject: str
    status: str
    created_at: datetime
    updated_at: datetime
    messages: int = 0
    unread: int = 0  # messages from the other side the viewer has not seen

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class MessageView:
    id: int
    direction: str
    author_name: str
    body: str
    created_at: datetime
    read_at: datetime | None
    attachment_name: str | None
    attachment_mime: str | None
    attachment_size: int | None
    filed_tracking_id: str | None  # once a clerk filed the attachment into the inbox


@dataclass(frozen=True)
class ConversationView:
    conversation: ConversationSummary
    messages: list[MessageView]


# --- helpers --------------------------------------------------------------------------


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed()


def _from_other_side(actor: Actor) -> str:
    """The direction of messages the actor receives."""
    return MessageDirection.OUT if actor.is_member else MessageDirection.IN


def _visible(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    row = session.get(Conversation, conversation_id)
    if row is None:
        raise ConversationNotFound()
    if actor.is_staff:
        return row
    if row.member_id != smart_member_id(actor):
        raise ConversationNotFound()
    return row


def _counts(
    session: Session, actor: Actor, conversation_ids: list[int]
) -> dict[int, tuple[int, int]]:
    if not conversation_ids:
        return {}
    unread = func.sum(
        case(
            (
                (Message.direction == _from_other_side(actor)) & col(Message.read_at).is_(None),
                1,
            ),
            else_=0,
        )
    )
    rows = session.exec(
        select(Message.conversation_id, func.count(), unread)
        .where(col(Message.conversation_id).in_(conversation_ids))
        .group_by(Message.conversation_id)
    ).all()
    return {cid: (total, int(unseen or 0)) for cid, total, unseen in rows}


def _summaries(
    session: Session, actor: Actor, rows: list[tuple[Conversation, Member]]
) -> list[ConversationSummary]:
    counts = _counts(session, actor, [conversation.id for conversation, _m in rows])
    return [
        ConversationSummary(
            id=conversation.id,
            member_id=conversation.member_id,
            member_name=f"{member.first_name} {member.last_name}",
            kvnr=member.kvnr,
            subject=conversation.subject,
            status=conversation.status,
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
            messages=counts.get(conversation.id, (0, 0))[0],
            unread=counts.get(conversation.id, (0, 0))[1],
        )
        for conversation, member in rows
    ]


def _summary(session: Session, actor: Actor, row: Conversation) -> ConversationSummary:
    member = session.get(Member, row.member_id)
    return _summaries(session, actor, [(row, member)])[0]


@dataclass(frozen=True)
class _Checked:
    text: str
    file: CheckedFile | None


def _checked(body: str, attachment: IncomingFile | None) -> _Checked:
    """Text and file checks, before anything is written."""
    text = clean_text(body, label="eine Nachricht", max_chars=BODY_MAX_CHARS, required=False)
    checked = checked_attachment(attachment)
    if not text and checked is None:
        raise InvalidText("Bitte schreiben Sie eine Nachricht oder hängen Sie eine Datei an.")
    return _Checked(text=text, file=checked)


def _add_message(
    session: Session,
    *,
    actor: Actor,
    conversation: Conversation,
    content: _Checked,
    idempotency_key: str | None,
) -> Message:
    """Store a checked message, text and file encrypted (the caller commits)."""
    now = utcnow()
    row = Message(
        conversation_id=conversation.id,
        author_user_id=actor.user_id,
        direction=MessageDirection.IN if actor.is_member else MessageDirection.OUT,
        created_at=now,
        idempotency_key=idempotency_key,
    )
    session.add(row)
    session.flush()
    if content.text:
        store_body(session, row, text=content.text, owner_type=BODY_OWNER)
    if content.file is not None:
        attach_file(session, row, checked=content.file, owner_type=ATTACHMENT_OWNER)
    session.add(row)
    conversation.updated_at = now
    session.add(conversation)
    return row


def _view(session: Session, actor: Actor, row: Message, names: dict[int, str]) -> MessageView:
    body = read_body(session, row, owner_type=BODY_OWNER)
    if actor.is_member:
        author = "Sie" if row.direction == MessageDirection.IN else "HEK-Service"
    else:
        author = names.get(row.author_user_id, "–")
    tracking_id = None
    if row.filed_submission_id is not None:
        tracking_id = session.exec(
            select(Submission.tracking_id).where(Submission.id == row.filed_submission_id)
        ).first()
    return MessageView(
        id=row.id,
        direction=row.direction,
        author_name=author,
        body=body,
        created_at=row.created_at,
        read_at=row.read_at,
        attachment_name=row.attachment_name,
        attachment_mime=row.attachment_mime,
        attachment_size=row.attachment_size,
        filed_tracking_id=tracking_id,
    )


# --- members and clerks -----------------------------------------------------------------


def start_conversation(
    session: Session,
    *,
    actor: Actor,
    subject: str,
    body: str,
    attachment: IncomingFile | None = None,
    idempotency_key: str | None = None,
) -> ConversationSummary:
    """A smart member opens a conversation with its first message."""
    member_id = smart_member_id(actor)
    already = by_idempotency_key(session, Message, idempotency_key)
    if already is not None:
        return _summary(session, actor, _visible(session, actor, already.conversation_id))
    subject = clean_line(subject, label="einen Betreff", max_chars=SUBJECT_MAX_CHARS)
    content = _checked(body, attachment)  # refused text or files stop here, before any write
    now = utcnow()
    conversation = Conversation(
        member_id=member_id,
        subject=subject,
        status=ConversationStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    try:
        session.add(conversation)
        session.flush()
        message = _add_message(
            session,
            actor=actor,
            conversation=conversation,
            content=content,
            idempotency_key=idempotency_key,
        )
        audit.record(
            session,
            actor=actor,
            action="start_conversation",
            subject_type="conversation",
            subject_id=conversation.id,
            member_id=member_id,
            details={"message": message.id, "attachment": message.attachment_blob_id is not None},
        )
        session.commit()
    except IntegrityError as clash:
        winner = race_winner(session, Message, idempotency_key, clash)
        conversation = _visible(session, actor, winner.conversation_id)
    return _summary(session, actor, conversation)


def post_message(
    session: Session,
    *,
    actor: Actor,
    conversation_id: int,
    body: str,
    attachment: IncomingFile | None = None,
    idempotency_key: str | None = None,
) -> MessageView:
    """A member writes into their conversation, or a clerk answers it."""
    conversation = _visible(session, actor, conversation_id)
    already = by_idempotency_key(session, Message, idempotency_key)
    if already is not None:
        return _view(session, actor, replay_for_author(already, actor), {})
    if conversation.status == ConversationStatus.CLOSED:
        raise ConversationClosed()
    content = _checked(body, attachment)
    try:
        message = _add_message(
            session,
            actor=actor,
            conversation=conversation,
            content=content,
            idempotency_key=idempotency_key,
        )
        audit.record(
            session,
            actor=actor,
            action="post_message",
            subject_type="message",
            subject_id=message.id,
            member_id=conversation.member_id,
            details={"conversation": conversation.id},
        )
        session.commit()
    except IntegrityError as clash:
        message = race_winner(session, Message, idempotency_key, clash)
    names = {actor.user_id: actor.display_name}
    return _view(session, actor, message, names)


def my_conversations(session: Session, *, actor: Actor) -> list[ConversationSummary]:
    """The member's conversations, most recently active first."""
    member_id = smart_member_id(actor)
    rows = session.exec(
        select(Conversation, Member)
        .join(Member, Member.id == Conversation.member_id)
        .where(Conversation.member_id == member_id)
        .order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return _summaries(session, actor, list(rows))


def open_conversation(
    session: Session, *, actor: Actor, conversation_id: int, record_view: bool = True
) -> ConversationView:
    """The messages, oldest first; marks what the other side wrote as read (staff: audited)."""
    conversation = _visible(session, actor, conversation_id)
    rows = session.exec(
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    names = author_names(session, {row.author_user_id for row in rows})
    views = [_view(session, actor, row, names) for row in rows]
    now = utcnow()
    changed = False
    for row in rows:
        if row.direction == _from_other_side(actor) and row.read_at is None:
            row.read_at = now
            session.add(row)
            changed = True
    if actor.is_staff and record_view:
        audit.record(
            session,
            actor=actor,
            action="view_conversation",
            subject_type="conversation",
            subject_id=conversation.id,
            member_id=conversation.member_id,
        )
        changed = True
    summary = _summary(session, actor, conversation)
    if changed:
        session.commit()
    return ConversationView(conversation=summary, messages=views)


def message_attachment(session: Session, *, actor: Actor, message_id: int) -> Attachment:
    """An attachment for the conversation's member, or for staff (audited)."""
    row = session.get(Message, message_id)
    if row is None or row.attachment_blob_id is None:
        raise ConversationNotFound("Diese Datei gibt es nicht oder sie gehört nicht zu Ihnen.")
    conversation = _visible(session, actor, row.conversation_id)
    attachment = read_attachment(session, row, owner_type=ATTACHMENT_OWNER)
    if actor.is_staff:
        audit.record(
            session,
            actor=actor,
            action="view_message_attachment",
            subject_type="message",
            subject_id=row.id,
            member_id=conversation.member_id,
        )
        session.commit()
    return attachment


# --- clerks -----------------------------------------------------------------------------


def list_conversations(
    session: Session,
    *,
    actor: Actor,
    status: str | None = ConversationStatus.OPEN,
    search: str = "",
    record_view: bool = True,
) -> list[ConversationSummary]:
    """Staff: conversations by member (KVNR or name prefix), most recently active first.

    Each look is audited with the search and the members shown; a redraw passes
    record_view=False."""
    _require_staff(actor)
    statement = select(Conversation, Member).join(Member, Member.id == Conversation.member_id)
    if status:
        statement = statement.where(Conversation.status == status)
    text = (search or "").strip()[:60]
    if text:
        compact = text.replace(" ", "").upper()
        if is_valid_kvnr(compact):
            statement = statement.where(Member.kvnr == compact)
        else:
            pattern = f"{text.lower()}%"
            statement = statement.where(
                or_(
                    func.lower(Member.last_name).like(pattern),
                    func.lower(Member.first_name).like(pattern),
                )
            )
    rows = session.exec(
        statement.order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc()).limit(
            LIST_LIMIT
        )
    ).all()
    if record_view:
        audit.record_look(
            session,
            actor=actor,
            action="view_conversations",
            subject_type="conversation",
            member_ids=[member.id for _conversation, member in rows],
            details={"search": text, "status": status},
        )
    return _summaries(session, actor, list(rows))


def set_status(
    session: Session, *, actor: Actor, conversation_id: int, status: ConversationStatus
) -> ConversationSummary:
    """Staff close a conversation when the matter is settled, or reopen it."""
    _require_staff(actor)
    conversation = _visible(session, actor, conversation_id)
    if conversation.status != status:
        conversation.status = ConversationStatus(status)
        conversation.updated_at = utcnow()
        session.add(conversation)
        audit.record(
            session,
            actor=actor,
            action=f"conversation_{status}",
            subject_type="conversation",
            subject_id=conversation.id,
            member_id=conversation.member_id,
        )
        session.commit()
    return _summary(session, actor, conversation)


def filing_key(message_id: int) -> str:
    return f"messenger-{message_id}"


def file_into_inbox(
    session: Session, *, actor: Actor, message_id: int, doc_type: str = "sonstiges"
) -> SubmissionRead:
    """ "In den Posteingang übernehmen": the attachment becomes a submission (channel app).

    The clerk is the submitter of record (the audit says who filed it); the submission is
    about the conversation's member. Exactly one submission per message: a second click,
    by anyone, returns the first one.
    """
    _require_staff(actor)
    # Lock the message row so two clerks filing at once are serialised (SQLite: the write
    # session's BEGIN IMMEDIATE does the same).
    row = session.exec(select(Message).where(Message.id == message_id).with_for_update()).first()
    if row is None or row.attachment_blob_id is None or row.direction != MessageDirection.IN:
        raise ConversationNotFound("Zu dieser Nachricht gibt es keinen Anhang des Mitglieds.")
    existing_id = row.filed_submission_id
    if existing_id is None:
        existing_id = session.exec(
            select(Submission.id).where(Submission.idempotency_key == filing_key(row.id))
        ).first()
    if existing_id is not None:
        if row.filed_submission_id is None:  # an earlier run stopped after submitting
            row.filed_submission_id = existing_id
            session.add(row)
            session.commit()
        return SubmissionRead.model_validate(session.get(Submission, existing_id))
    conversation = session.get(Conversation, row.conversation_id)
    member = session.get(Member, conversation.member_id)
    attachment = read_attachment(session, row, owner_type=ATTACHMENT_OWNER)
    note = None
    if doc_type in documents.TYPES_WITH_NOTE:
        note = f"Aus dem Messenger: {conversation.subject}"[: documents.NOTE_MAX_CHARS]
    request = documents.DocumentRequest(
        kvnr=member.kvnr,
        doc_type=doc_type,
        files=[IncomingFile(attachment.name, attachment.data, row.attachment_mime)],
        note=note,
        idempotency_key=filing_key(row.id),
        channel="app",
    )
    submission = documents.submit_document(session, actor=actor, request=request)
    row = session.get(Message, message_id)
    row.filed_submission_id = submission.id
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="file_message_attachment",
        subject_type="message",
        subject_id=row.id,
        member_id=member.id,
        details={"submission": submission.id, "type": doc_type},
    )
    session.commit()
    return submission
