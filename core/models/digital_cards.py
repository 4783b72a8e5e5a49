"""The digital insurance card ("digitaler Versicherungsausweis"): a signed, short-lived stand-in
for a lost or broken health card (FAQ: 14 days from the day of the request, 4 per year)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class CardStatus(StrEnum):
    # Issuing runs inside the request's transaction, so a committed card is always READY;
    # CREATING is what a row says while that transaction is still open.
    CREATING = "wird_erstellt"
    READY = "bereit"


class DigitalCardBase(SQLModel):
    requested_at: datetime
    valid_from: date  # the day of the request (Europe/Berlin)
    valid_until: date  # inclusive: valid_from + 13 days
    status: str = Field(default=CardStatus.CREATING, max_length=16)


class DigitalCard(DigitalCardBase, table=True):
    __tablename__ = "digital_card"
    __table_args__ = (Index("ix_digital_card_member_valid_from", "member_id", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    # The signed QR payload (core.crypto.sign_payload); the PDF is an encrypted blob whose
    # SHA-256 is kept here, so a PDF shown later can be matched to the card issued.
    payload: str = Field(default="", sa_column=Column(Text, nullable=False))
    pdf_sha256: str = Field(default="", max_length=64)
    # A double click or retry sends the same key: one card, not two of the four a year.
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)


class DigitalCardRead(DigitalCardBase):
    """The member's own card: the payload is what the QR code on it says."""

    id: int
    payload: str

    def is_valid_on(self, day: date) -> bool:
        return self.status == CardStatus.READY and self.valid_from <= day <= self.valid_until

    def days_left(self, day: date) -> int:
        """Days it is still valid, counting `day` itself (0 once expired)."""
        return max(0, (self.valid_until - day).days + 1)
