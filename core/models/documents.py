"""Documents members send to the HEK (app upload or mail room), and their processing state."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class SubmissionStatus(StrEnum):
    """What the member sees in the send history as clerks process a submission."""

    RECEIVED = "eingegangen"
    IN_PROGRESS = "in_bearbeitung"
    DONE = "erledigt"
    QUERY = "rueckfrage"
    REJECTED = "abgelehnt"


class SubmissionBase(SQLModel):
    tracking_id: str = Field(max_length=32, unique=True, index=True)
    member_id: int = Field(foreign_key="member.id")  # the insured person the document is about
    submitted_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    channel: str = Field(default="app", max_length=8)  # app | post
    doc_type: str = Field(max_length=32)
    note: str | None = Field(default=None, max_length=500)
    original_name: str | None = Field(default=None, max_length=120)
    page_count: int
    size: int
    status: str = Field(default=SubmissionStatus.RECEIVED, max_length=16)
    created_at: datetime
    updated_at: datetime
    # Back-office processing
    assigned_clerk_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    claimed_at: datetime | None = None
    decided_at: datetime | None = None
    department: str | None = Field(default=None, max_length=40)
    member_message: str | None = Field(default=None, max_length=1000)  # shown to the member


class Submission(SubmissionBase, table=True):
    __table_args__ = (
        # Inbox pages (migration 0015): one ordered range per status, seeking past (created_at, id)
        Index("ix_submission_status_created_id", "status", "created_at", "id"),
        Index("ix_submission_member_created", "member_id", "created_at"),
        Index("ix_submission_submitter_created", "submitted_by_user_id", "created_at"),
        # KPI dashboard (migration 0012): intake per day by type, newest decisions
        Index("ix_submission_created_type", "created_at", "doc_type"),
        Index("ix_submission_decided_created", "decided_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    blob_id: int | None = Field(default=None, foreign_key="encrypted_blob.id")
    # A double click or retry sends the same key; the unique index makes the second a no-op.
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)
    internal_note: str | None = Field(default=None, max_length=2000)  # staff only


class SubmissionRead(SubmissionBase):
    """What the member's own views get: the internal note is not part of it."""

    id: int


class SendKvnrAttempt(SQLModel, table=True):
    """A KVNR other than their own or their household's that an account sent a document for,
    or tried to (core.send_throttle). `kvnr_hash` is a SHA-256, never the number; rows are
    deleted once they fall out of the window."""

    __tablename__ = "send_kvnr_attempt"
    __table_args__ = (Index("ix_send_kvnr_attempt_account_at", "account_id", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int
    kvnr_hash: str = Field(max_length=64)
    attempted_at: datetime
