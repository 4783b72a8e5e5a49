"""Bonus programme Vorsorgeplus: a member's enrolment and the evidence they submit.

The files themselves are submissions (core.documents): the application as doc_type "antrag",
each piece of evidence as doc_type "bonus"; these rows add the programme's own state.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class EnrolmentStatus(StrEnum):
    APPLIED = "beantragt"  # the signed application is in the clerk inbox
    ACTIVE = "aktiv"  # a clerk confirmed it
    REJECTED = "abgelehnt"  # e.g. unsigned form; the member may apply again


class EvidenceStatus(StrEnum):
    SUBMITTED = "eingereicht"
    ACCEPTED = "anerkannt"
    REJECTED = "abgelehnt"


class BonusEnrolmentBase(SQLModel):
    status: str = Field(default=EnrolmentStatus.APPLIED, max_length=16)
    # Day the written application arrived (Europe/Berlin): programme years run from it.
    starts_on: date
    applied_at: datetime
    confirmed_at: datetime | None = None


class BonusEnrolment(BonusEnrolmentBase, table=True):
    __tablename__ = "bonus_enrolment"
    __table_args__ = (Index("ix_bonus_enrolment_status_applied", "status", "applied_at"),)

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    submission_id: int = Field(foreign_key="submission.id")


class BonusEnrolmentRead(BonusEnrolmentBase):
    member_id: int
    submission_id: int


class BonusEvidenceBase(SQLModel):
    category: str = Field(max_length=40)
    evidence_date: date  # when the check-up, vaccination, course … took place
    submitted_on: date  # Europe/Berlin; the 6-week grace period is checked against it
    status: str = Field(default=EvidenceStatus.SUBMITTED, max_length=16)
    points: int  # the category's points when submitted; they count once accepted
    reviewed_at: datetime | None = None


class BonusEvidence(BonusEvidenceBase, table=True):
    __tablename__ = "bonus_evidence"
    __table_args__ = (
        Index("ix_bonus_evidence_member_date", "member_id", "evidence_date"),
        Index("ix_bonus_evidence_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    # One evidence per submission: a retried upload (same idempotency key) finds its row.
    submission_id: int = Field(foreign_key="submission.id", unique=True)
    reviewed_by: int | None = Field(default=None, foreign_key="user_account.id")


class BonusEvidenceRead(BonusEvidenceBase):
    id: int
    member_id: int
    submission_id: int
