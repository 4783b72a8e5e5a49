"""Requests for a new electronic health card (lost, broken, new name, new photo)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class HealthCardReason(StrEnum):
    LOST = "verloren"
    BROKEN = "defekt"
    NAME_CHANGE = "namensaenderung"
    NEW_PHOTO = "neues_foto"


class HealthCardStatus(StrEnum):
    RECEIVED = "eingegangen"
    IN_PROGRESS = "in_bearbeitung"
    SENT = "versandt"


class HealthCardRequestBase(SQLModel):
    reason: str = Field(max_length=24)
    tracking_id: str = Field(max_length=32, unique=True, index=True)
    status: str = Field(default=HealthCardStatus.RECEIVED, max_length=16)
    created_at: datetime


class HealthCardRequest(HealthCardRequestBase, table=True):
    __tablename__ = "health_card_request"
    __table_args__ = (
        Index("ix_health_card_request_member_created", "member_id", "created_at"),
        Index("ix_health_card_request_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")  # the insured person the card is for
    requested_by_user_id: int = Field(foreign_key="user_account.id")
    # A double click or retry sends the same key; the unique index makes the second a no-op.
    idempotency_key: str = Field(max_length=64, unique=True)


class HealthCardRequestRead(HealthCardRequestBase):
    id: int
