"""Letters from the HEK to a member's Postfach (or by post), and the member's replies.

One table for both directions: a reply is a row with direction "in" and
`reply_to_letter_id` pointing at the letter it answers, so a thread is one query. Texts,
PDFs and attachments live encrypted in `encrypted_blob`; the row holds only their ids.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class LetterDirection(StrEnum):
    OUT = "out"  # HEK -> member
    IN = "in"  # member -> HEK (a reply)


class LetterChannel(StrEnum):
    APP = "app"  # into the app's Postfach (App-Kommunikation on)
    POST = "post"  # printed and sent by post ("postalisch")


class Letter(SQLModel, table=True):
    __tablename__ = "letter"
    __table_args__ = (
        Index("ix_letter_member_created", "member_id", "created_at"),
        Index("ix_letter_direction_read", "direction", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    direction: str = Field(max_length=3)
    channel: str = Field(max_length=4)
    reply_to_letter_id: int | None = Field(default=None, foreign_key="letter.id", index=True)
    template_key: str | None = Field(default=None, max_length=64)
    subject: str = Field(max_length=200)
    body_blob_id: int | None = Field(default=None, foreign_key="encrypted_blob.id")
    pdf_blob_id: int | None = Field(default=None, foreign_key="encrypted_blob.id")
    # Detached Ed25519 signature over the PDF bytes, and the id of the key that made it.
    signature: bytes | None = None
    key_id: str | None = Field(default=None, max_length=64)
    attachment_blob_id: int | None = Field(default=None, foreign_key="encrypted_blob.id")
    attachment_name: str | None = Field(default=None, max_length=120)
    attachment_mime: str | None = Field(default=None, max_length=32)
    attachment_size: int | None = None
    author_user_id: int = Field(foreign_key="user_account.id")  # clerk, or the replying member
    created_at: datetime  # sent at
    # Out: when the member first opened it. In: when a clerk first opened the reply.
    read_at: datetime | None = None
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)
