"""A signed-in session's life in the browser: the hand-off to the HttpOnly cookie, and the
list of one's own sessions with the right to end the others.

Streamlit runs the login form in a script, and a script cannot set a cookie. So a sign-in
in the browser stores a one-time hand-off code with the new session (only its SHA-256, valid
for a minute) and sends the browser to GET /auth/session?code=…; that route swaps the
session's token for a fresh one, which only the cookie ever carries. The code works once.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select, update

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.errors import DomainError
from core.models.accounts import UserSession

HANDOFF_SECONDS = 60

_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


class SessionNotFound(DomainError):
    default_message = "Diese Sitzung gibt es nicht (mehr)."


def token_fingerprint(token: str) -> str:
    """The SHA-256 under which a session token is stored (never the token itself)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def describe_browser(user_agent: str | None) -> str:
    """A short German summary of a User-Agent header: "Chrome auf Linux"."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), "Unbekannter Browser")
    system = next((name for marker, name in _SYSTEMS if marker in agent), None)
    summary = f"{browser} auf {system}" if system else browser
    return re.sub(r"[^\w .-]", "", summary)[:80]


def begin_handoff(session: Session, *, token: str, now: datetime | None = None) -> str:
    """A one-time code for the session of `token` (commit is the caller's)."""
    code = secrets.token_urlsafe(32)
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == token_fingerprint(token))
    ).one()
    row.handoff_hash = token_fingerprint(code)
    row.handoff_expires_at = (now or utcnow()) + timedelta(seconds=HANDOFF_SECONDS)
    session.add(row)
    return code


def complete_handoff(session: Session, *, code: str, now: datetime | None = None) -> str | None:
    """Swap the session of a valid, unused code to a fresh token and return it; None for an
    unknown, used or expired code. One atomic UPDATE: a code replayed at the same instant
    wins at most once."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    result = session.exec(
        update(UserSession)
        .where(
            UserSession.handoff_hash == token_fingerprint(code),
            UserSession.handoff_expires_at > now,
            UserSession.ended_at.is_(None),
        )
        .values(
            token_hash=token_fingerprint(token),
            handoff_hash=None,
            handoff_expires_at=None,
            last_seen_at=now,
        )
    )
    session.commit()
    return token if result.rowcount == 1 else None


@dataclass(frozen=True)
class SessionRead:
    id: int
    browser: str
    since: datetime
    last_action: datetime
    is_current: bool


def open_sessions(session: Session, *, actor: Actor, current_token: str) -> list[SessionRead]:
    """The actor's own open sessions, this one first."""
    current = token_fingerprint(current_token)
    rows = session.exec(
        select(UserSession)
        .where(UserSession.user_id == actor.user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ).all()
    reads = [
        SessionRead(
            id=row.id,
            browser=row.user_agent or "Unbekannter Browser",
            since=row.created_at,
            last_action=row.last_seen_at,
            is_current=row.token_hash == current,
        )
        for row in rows
    ]
    return sorted(reads, key=lambda read: not read.is_current)


def end_other_session(session: Session, *, actor: Actor, session_id: int) -> None:
    """End one of the actor's own sessions from another browser (audited)."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != actor.user_id or row.ended_at is not None:
        raise SessionNotFound()
    row.ended_at = utcnow()
    row.end_reason = "ended_by_user"
    session.add(row)
    audit.record(
        session, actor=actor, action="end_session", subject_type="user", subject_id=actor.user_id
    )
    session.commit()


def confirmed_device(session: Session, *, token: str) -> int | None:
    """The registered device a smart member confirmed for this session (survives a reload)."""
    return session.exec(
        select(UserSession.device_id).where(UserSession.token_hash == token_fingerprint(token))
    ).first()


def remember_confirmed_device(session: Session, *, token: str, device_id: int) -> None:
    """Note the confirmed device on the session row (commit is the caller's)."""
    session.exec(
        update(UserSession)
        .where(UserSession.token_hash == token_fingerprint(token))
        .values(device_id=device_id)
    )
