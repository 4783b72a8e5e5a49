"""The record provider's tables: their own registry and MetaData, never on SQLModel.metadata.

Nothing here names a person: rows are keyed by the technical reference number. Readable
columns are technical only (category code, timestamps, sizes); every health detail sits in
`sealed` bytes that only the member's private key opens.
"""

from datetime import date, datetime

from sqlalchemy import Index
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

health_registry = registry()
health_metadata = health_registry.metadata

REFERENCE_LENGTH = 32


class HealthTable(SQLModel, registry=health_registry):
    """Base of every provider table: keeps them off the insurer's metadata and alembic."""


class RecordAccount(HealthTable, table=True):
    """One record: the member's public key and the bookkeeping the provider needs."""

    __tablename__ = "record_account"

    reference_number: str = Field(primary_key=True, max_length=REFERENCE_LENGTH)
    public_key: bytes  # X25519; anyone may seal to it, only the member opens
    sealed_security_key: bytes  # sealed to the member's own key: "show key again"
    created_at: datetime
    last_access_at: datetime  # FAQ: 12 months without access, then 12 more, then deleted
    used_bytes: int = 0  # ciphertext bytes counted against the 1 GB quota


class RecordDevice(HealthTable, table=True):
    """A registered device: the private key wrapped under the device password (Argon2id)."""

    __tablename__ = "record_device"
    __table_args__ = (
        Index("ix_record_device_reference_device", "reference_number", "device_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference_number: str = Field(
        max_length=REFERENCE_LENGTH, foreign_key="record_account.reference_number"
    )
    device_id: str = Field(max_length=64)
    wrapped_private_key: bytes
    created_at: datetime
    last_used_at: datetime
    password_failures: int = 0  # wrong device passwords in a row (core.health.unlock)
    password_locked_at: datetime | None = None  # set: only the security key unlocks here


class RecordEntry(HealthTable, table=True):
    """One entry of the record; id is random so the seal can be bound to it before insert."""

    __tablename__ = "record_entry"

    id: str = Field(primary_key=True, max_length=32)
    reference_number: str = Field(
        max_length=REFERENCE_LENGTH, foreign_key="record_account.reference_number", index=True
    )
    category: str = Field(max_length=16)
    sealed: bytes
    size: int  # ciphertext bytes of this entry and its document
    created_at: datetime


class RecordDocument(HealthTable, table=True):
    """The sealed original file of a document entry, fetched only when opened."""

    __tablename__ = "record_document"

    entry_id: str = Field(primary_key=True, max_length=32, foreign_key="record_entry.id")
    reference_number: str = Field(max_length=REFERENCE_LENGTH, index=True)
    sealed: bytes


class RecordIndex(HealthTable, table=True):
    """The member's own digest of the opened entries, sealed to the record's key.

    Written by the member's unlocked session after it opened entries one by one, so the next
    unlock opens one sealed box instead of thousands (core.health.timeline_index).
    """

    __tablename__ = "record_index"

    reference_number: str = Field(
        primary_key=True, max_length=REFERENCE_LENGTH, foreign_key="record_account.reference_number"
    )
    sealed: bytes
    entries: int
    updated_at: datetime


class RecordImport(HealthTable, table=True):
    """A fulfilled "Daten bei der HEK anfordern": which billing data is covered up to when."""

    __tablename__ = "record_import"

    id: int | None = Field(default=None, primary_key=True)
    reference_number: str = Field(
        max_length=REFERENCE_LENGTH, foreign_key="record_account.reference_number", index=True
    )
    kind: str = Field(max_length=16)
    requested_at: datetime
    covered_until: date
    entries: int


PROVIDER_TABLES = (
    RecordDocument,
    RecordEntry,
    RecordIndex,
    RecordImport,
    RecordDevice,
    RecordAccount,
)
