"""Clerks in the messenger: find conversations, close or reopen them, file an attachment.

"In den Posteingang übernehmen" turns a member's attachment into a document submission, once
per message however often it is clicked. Every look and action is audited.
"""

from sqlmodel import Session, col, select

from core import audit, documents
from core.actors import Actor
from core.clock import utcnow
from core.correspondence import read_attachment
from core.db import is_postgresql
from core.kvnr import is_valid_kvnr
from core.members import name_starts_with
from core.messenger.common import (
    ATTACHMENT_OWNER,
    LIST_LIMIT,
    ConversationNotFound,
    ConversationSummary,
    require_staff,
    summaries,
    summary_of,
    visible_conversation,
)
from core.models.documents import Submission, SubmissionRead
from core.models.messages import Conversation, ConversationStatus, Message, MessageDirection
from core.models.people import Member
from core.uploads import IncomingFile


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
    require_staff(actor)
    statement = select(Conversation, Member).join(Member, Member.id == Conversation.member_id)
    if status:
        statement = statement.where(Conversation.status == status)
    text = (search or "").strip()[:60]
    if text:
        compact = text.replace(" ", "").upper()
        if is_valid_kvnr(compact):
            statement = statement.where(Member.kvnr == compact)
        else:
            statement = statement.where(name_starts_with(text, postgresql=is_postgresql(session)))
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
    return summaries(session, actor, list(rows))


def set_status(
    session: Session, *, actor: Actor, conversation_id: int, status: ConversationStatus
) -> ConversationSummary:
    """Staff close a conversation when the matter is settled, or reopen it."""
    require_staff(actor)
    conversation = visible_conversation(session, actor, conversation_id)
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
    return summary_of(session, actor, conversation)


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
    require_staff(actor)
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
