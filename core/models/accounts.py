"""Accounts, server-side login sessions and the login throttle."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel


class Role(StrEnum):
    MEMBER = "member"
    CLERK = "clerk"
    ADMIN = "admin"


class UserAccount(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=160)
    role: str = Field(max_length=16)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    password_hash: str = Field(max_length=100)
    is_active: bool = True
    created_at: datetime
    password_changed_at: datetime


class UserSession(SQLModel, table=True):
    """A signed-in browser session. Only the SHA-256 of its token is stored."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = Field(default=None, max_length=32)
    # One-time code that hands the session to the browser's cookie (SHA-256; a minute).
    handoff_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    handoff_expires_at: datetime | None = None
    user_agent: str | None = Field(default=None, max_length=80)  # "Chrome auf Linux"
    device_id: int | None = None  # the registered device confirmed for this session (smart)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per typed username, known or not, so lockout reveals no accounts."""

    __tablename__ = "login_throttle"

    username: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None
