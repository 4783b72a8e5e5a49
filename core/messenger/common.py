"""What the messenger's modules share: read models, who may see a conversation, storing a message.

Bodies and attachments are stored encrypted (core.correspondence); members only reach their
own conversations, so one error answers both "does not exist" and "not yours".
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from core.actors import Actor
from core.clock import utcnow
from core.correspondence import (
    InvalidText,
    attach_file,
    checked_attachment,
    clean_text,
    read_body,
    store_body,
)
from core.errors import DomainError, NotAllowed
from core.models.documents import Submission
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


def require_staff(actor: Actor) -> None:
    """Members may not use the back-office functions."""
    if not actor.is_staff:
        raise NotAllowed()


def from_other_side(actor: Actor) -> str:
    """The direction of messages the actor receives."""
    return MessageDirection.OUT if actor.is_member else MessageDirection.IN


def visible_conversation(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    """A conversation the actor may see: the member's own, or any for staff."""
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
                (Message.direction == from_other_side(actor)) & col(Message.read_at).is_(None),
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


def summaries(
    session: Session, actor: Actor, rows: list[tuple[Conversation, Member]]
) -> list[ConversationSummary]:
    """Read models of conversations with their message and unread counts."""
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


def summary_of(session: Session, actor: Actor, row: Conversation) -> ConversationSummary:
    """The read model of one conversation."""
    member = session.get(Member, row.member_id)
    return summaries(session, actor, [(row, member)])[0]


@dataclass(frozen=True)
class CheckedContent:
    text: str
    file: CheckedFile | None


def checked_content(body: str, attachment: IncomingFile | None) -> CheckedContent:
    """Text and file checks, before anything is written."""
    text = clean_text(body, label="eine Nachricht", max_chars=BODY_MAX_CHARS, required=False)
    checked = checked_attachment(attachment)
    if not text and checked is None:
        raise InvalidText("Bitte schreiben Sie eine Nachricht oder hängen Sie eine Datei an.")
    return CheckedContent(text=text, file=checked)


def add_message(
    session: Session,
    *,
    actor: Actor,
    conversation: Conversation,
    content: CheckedContent,
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


def message_view(
    session: Session, actor: Actor, row: Message, names: dict[int, str]
) -> MessageView:
    """The read model of a message, with the author as this viewer may see them."""
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
