"""Members and clerks in a conversation: start it, write into it, open it, fetch a file.

FAQ: smart members have "einfacher Austausch über unseren Messenger". A resent form stores
one message, shown again only to its author; staff reads are audited.
"""

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.correspondence import (
    Attachment,
    author_names,
    by_idempotency_key,
    clean_line,
    race_winner,
    read_attachment,
    replay_for_author,
)
from core.messenger.common import (
    ATTACHMENT_OWNER,
    LIST_LIMIT,
    SUBJECT_MAX_CHARS,
    CheckedContent,
    ConversationClosed,
    ConversationNotFound,
    ConversationSummary,
    ConversationView,
    MessageView,
    add_message,
    checked_content,
    from_other_side,
    message_view,
    summaries,
    summary_of,
    visible_conversation,
)
from core.models.messages import Conversation, ConversationStatus, Message
from core.models.people import Member
from core.smart import smart_member_id
from core.uploads import IncomingFile


def _opened(conversation: Conversation, message: Message) -> dict[str, object]:
    """The audit entry of a new conversation names its first message."""
    return {
        "action": "start_conversation",
        "subject_type": "conversation",
        "subject_id": conversation.id,
        "details": {"message": message.id, "attachment": message.attachment_blob_id is not None},
    }


def _written(conversation: Conversation, message: Message) -> dict[str, object]:
    """The audit entry of a message written into a conversation."""
    return {
        "action": "post_message",
        "subject_type": "message",
        "subject_id": message.id,
        "details": {"conversation": conversation.id},
    }


def _store_audited(
    session: Session,
    actor: Actor,
    conversation: Conversation,
    content: CheckedContent,
    idempotency_key: str | None,
    audit_entry: Callable[[Conversation, Message], dict[str, object]],
) -> Message:
    """Store a checked message (in a new or existing conversation) with its audit entry, in
    one commit. A second tab that sent the same form first wins the unique key: its message
    is returned instead, and nothing of this attempt is kept."""
    try:
        session.add(conversation)
        session.flush()
        message = add_message(
            session,
            actor=actor,
            conversation=conversation,
            content=content,
            idempotency_key=idempotency_key,
        )
        entry = audit_entry(conversation, message)
        audit.record(session, actor=actor, member_id=conversation.member_id, **entry)
        session.commit()
    except IntegrityError as clash:
        return race_winner(session, Message, idempotency_key, clash)
    return message


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
        return summary_of(
            session, actor, visible_conversation(session, actor, already.conversation_id)
        )
    subject = clean_line(subject, label="einen Betreff", max_chars=SUBJECT_MAX_CHARS)
    content = checked_content(body, attachment)  # refused text or files stop here, before any write
    now = utcnow()
    conversation = Conversation(
        member_id=member_id,
        subject=subject,
        status=ConversationStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    message = _store_audited(session, actor, conversation, content, idempotency_key, _opened)
    stored = visible_conversation(session, actor, message.conversation_id)  # or a race winner's
    return summary_of(session, actor, stored)


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
    conversation = visible_conversation(session, actor, conversation_id)
    already = by_idempotency_key(session, Message, idempotency_key)
    if already is not None:
        return message_view(session, actor, replay_for_author(already, actor), {})
    if conversation.status == ConversationStatus.CLOSED:
        raise ConversationClosed()
    content = checked_content(body, attachment)
    message = _store_audited(session, actor, conversation, content, idempotency_key, _written)
    names = {actor.user_id: actor.display_name}
    return message_view(session, actor, message, names)


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
    return summaries(session, actor, list(rows))


def open_conversation(
    session: Session, *, actor: Actor, conversation_id: int, record_view: bool = True
) -> ConversationView:
    """The messages, oldest first; marks what the other side wrote as read (staff: audited)."""
    conversation = visible_conversation(session, actor, conversation_id)
    rows = session.exec(
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    names = author_names(session, {row.author_user_id for row in rows})
    views = [message_view(session, actor, row, names) for row in rows]
    now = utcnow()
    changed = False
    for row in rows:
        if row.direction == from_other_side(actor) and row.read_at is None:
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
    summary = summary_of(session, actor, conversation)
    if changed:
        session.commit()
    return ConversationView(conversation=summary, messages=views)


def message_attachment(session: Session, *, actor: Actor, message_id: int) -> Attachment:
    """An attachment for the conversation's member, or for staff (audited)."""
    row = session.get(Message, message_id)
    if row is None or row.attachment_blob_id is None:
        raise ConversationNotFound("Diese Datei gibt es nicht oder sie gehört nicht zu Ihnen.")
    conversation = visible_conversation(session, actor, row.conversation_id)
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
