"""Identification through the partner's wallet app (FAQ: Nect Wallet) and registered devices."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class IdentificationProcedure(StrEnum):
    """FAQ: Robo-Ident counts for smart only, eID for smart and smarthealth."""

    ROBO = "robo"
    EID = "eid"


class IdentificationPurpose(StrEnum):
    UPGRADE = "upgrade"  # "Jetzt zu smart wechseln"
    PASSWORD_RESET = "password_reset"  # noqa: S105  (FAQ "Passwort vergessen")
    NEW_DEVICE = "new_device"  # FAQ: a device change needs a new identification


class IdentificationStatus(StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class LevelReached(StrEnum):
    SMART = "smart"
    SMARTHEALTH_READY = "smarthealth_ready"  # eID: smarthealth may be activated


class Identification(SQLModel, table=True):
    """One identification attempt. A succeeded eID row is the member's `eid_verified` record.

    No image, video or PIN is stored: the provider checks them and only the outcome stays.
    """

    __tablename__ = "identification"
    __table_args__ = (Index("ix_identification_member_started", "member_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    procedure: str = Field(max_length=8)
    purpose: str = Field(max_length=16)
    status: str = Field(default=IdentificationStatus.STARTED, max_length=12)
    level_reached: str | None = Field(default=None, max_length=24)
    steps_done: int = 0
    pin_failures: int = 0  # eID: wrong card PINs in this attempt (the card blocks at 3)
    challenge: str | None = Field(default=None, max_length=80)  # Robo-Ident: the two words
    started_at: datetime
    completed_at: datetime | None = None
    used_at: datetime | None = None  # consumed by a password reset or a device registration
    failure_reason: str | None = Field(default=None, max_length=32)


class RegisteredDevice(SQLModel, table=True):
    """A device (here: a browser) bound to an account; the app PIN is its second factor."""

    __tablename__ = "registered_device"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=40)
    device_token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the device token
    pin_hash: str = Field(max_length=100)  # bcrypt of the 6-digit app PIN
    pin_failures: int = 0
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoke_reason: str | None = Field(default=None, max_length=16)  # removed | pin_locked


class DeviceRead(SQLModel):
    """What the UI gets: no hashes."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None = None


class ResetAttempt(SQLModel, table=True):
    """One use of the public "Passwort vergessen" form, counted per typed name, typed KVNR
    and overall (core.identity.reset_throttle). `subject` is a SHA-256, never the typed text;
    rows are deleted once they fall out of the window."""

    __tablename__ = "reset_attempt"
    __table_args__ = (Index("ix_reset_attempt_subject_at", "subject", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=64)
    attempted_at: datetime
