"""Messenger: conversations between a smart member and the HEK, one message per row.

Message bodies and attachments are personal data: both live encrypted in `encrypted_blob`.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MessageDirection(StrEnum):
    IN = "in"  # member -> HEK
    OUT = "out"  # HEK -> member


class Conversation(SQLModel, table=True):
    __table_args__ = (Index("ix_conversation_status_updated", "status", "updated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    subject: str = Field(max_length=120)
    status: str = Field(default=ConversationStatus.OPEN, max_length=8)
    created_at: datetime
    updated_at: datetime


class Message(SQLModel, table=True):
    __table_args__ = (Index("ix_message_conversation_created", "conversation_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id")
    author_user_id: int = Field(foreign_key="user_account.id")
    direction: str = Field(max_length=3)
    body_blob_id: int | None = Field(default=None, foreign_key="encrypted_blob.id")
    attachment_blob_id: int | None = Field(default=None, foreign_key="encrypted_blob.id")
    attachment_name: str | None = Field(default=None, max_length=120)
    attachment_mime: str | None = Field(default=None, max_length=32)
    attachment_size: int | None = None
    # Set once a clerk filed the attachment into the document inbox ("In den Posteingang").
    filed_submission_id: int | None = Field(default=None, foreign_key="submission.id")
    created_at: datetime
    read_at: datetime | None = None  # when the other side first saw it
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)
