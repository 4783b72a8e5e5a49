"""The append-only, keyed and hash-chained audit log."""

from datetime import datetime

from sqlmodel import Field, SQLModel


class AuditEntry(SQLModel, table=True):
    """One entry. entry_hash is its link: HMAC-SHA256 under the audit key named by key_id
    over its fields and prev_hash (the previous entry's link); see core.audit."""

    __tablename__ = "audit_entry"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    occurred_at: datetime = Field(index=True)
    actor: str = Field(max_length=64, index=True)
    actor_role: str = Field(max_length=16)
    action: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    member_id: int | None = Field(default=None, index=True)
    details: str = Field(default="{}")
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)
    # None only for an entry migration 0022 could not re-link (the chain was already broken
    # before it); verification reports such an entry as a break.
    key_id: str | None = Field(default=None, max_length=64)


class AuditHead(SQLModel, table=True):
    """One row: the newest sequence number and link. Locking it serialises appends."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_seq: int = 0
    last_hash: str = Field(max_length=64)
