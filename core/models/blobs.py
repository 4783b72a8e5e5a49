"""Encrypted blobs at rest: one row per stored file, sealed under a data key wrapped by a KEK."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class EncryptedBlob(SQLModel, table=True):
    """Never handed to the UI: it holds ciphertext and a wrapped key, not a read model."""

    __tablename__ = "encrypted_blob"
    __table_args__ = (Index("ix_encrypted_blob_owner", "owner_type", "owner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_type: str = Field(max_length=32)
    owner_id: str = Field(max_length=64)
    kek_id: str = Field(max_length=64, index=True)  # rotation selects rows by it
    wrapped_key: bytes
    nonce: bytes
    ciphertext: bytes
    size: int  # plaintext bytes
    created_at: datetime
