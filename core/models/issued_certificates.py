"""Certificates the back office has issued: the signed PDF (encrypted at rest) and its payload."""

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class IssuedCertificateBase(SQLModel):
    member_id: int = Field(foreign_key="member.id", index=True)  # the insured person
    cert_type: str = Field(max_length=24)
    delivery: str = Field(max_length=8)  # post | app
    issued_at: datetime
    print_batch_date: date | None = None  # post only: the mail room's batch of that day


class IssuedCertificate(IssuedCertificateBase, table=True):
    __tablename__ = "issued_certificate"
    __table_args__ = (Index("ix_issued_certificate_batch", "delivery", "print_batch_date"),)

    id: int | None = Field(default=None, primary_key=True)
    # Nullable for certificates issued without a member's request; one certificate per request.
    request_id: int | None = Field(default=None, foreign_key="certificate_request.id", unique=True)
    payload: str = Field(max_length=2000)  # the signed QR payload ('key_id.body.signature')
    pdf_sha256: str = Field(max_length=64)  # of the signed file as delivered (trailer included)
    blob_id: int | None = Field(default=None, foreign_key="encrypted_blob.id")
    issued_by_user_id: int = Field(foreign_key="user_account.id")


class IssuedCertificateRead(IssuedCertificateBase):
    """What a member or a clerk sees in a list: no payload, no blob reference."""

    id: int
    request_id: int | None
    pdf_sha256: str
