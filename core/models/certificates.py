"""Certificates members request (FAQ: Versicherungsbescheinigung and friends)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class CertificateType(StrEnum):
    INSURANCE = "versicherung"  # Versicherungsbescheinigung
    MEMBERSHIP = "mitgliedschaft"  # Mitgliedsbescheinigung (for an employer)
    FAMILY_INSURANCE = "familienversicherung"  # Familienversicherungsbescheinigung


class Delivery(StrEnum):
    POST = "post"
    APP = "app"


class CertificateStatus(StrEnum):
    OPEN = "offen"
    CREATED = "erstellt"
    SENT = "versandt"
    UNMATCHED = "pruefen"  # another person's KVNR that matches no member: a clerk checks it


class CertificateRequestBase(SQLModel):
    cert_type: str = Field(max_length=24)
    delivery: str = Field(max_length=8)
    status: str = Field(default=CertificateStatus.OPEN, max_length=16)
    note: str | None = Field(default=None, max_length=200)
    created_at: datetime
    fulfilled_at: datetime | None = None


class CertificateRequest(CertificateRequestBase, table=True):
    __tablename__ = "certificate_request"
    __table_args__ = (
        Index("ix_certificate_request_status_created", "status", "created_at"),
        Index("ix_certificate_request_requester_created", "requester_member_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    requested_by_user_id: int = Field(foreign_key="user_account.id")
    requester_member_id: int = Field(foreign_key="member.id")
    # None only for an UNMATCHED request, which keeps the number the member typed instead.
    subject_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    typed_kvnr: str | None = Field(default=None, max_length=10)
    # A double click or retry sends the same key; the unique index makes the second a no-op.
    idempotency_key: str = Field(max_length=64, unique=True)


class CertificateRequestRead(CertificateRequestBase):
    """What the requester sees: the person is named only as far as the requester knows them."""

    id: int
    subject_label: str
    confirmation: str = ""  # the German sentence the form shows after filing


class CertificateQueueItem(CertificateRequestBase):
    """A back-office row: who asked, for whom, and where it goes."""

    id: int
    subject_member_id: int | None  # None for an UNMATCHED request
    subject_name: str
    subject_kvnr: str
    requester_name: str
