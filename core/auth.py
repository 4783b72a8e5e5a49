"""Passwords, login, lockout and server-side sessions.

streamlit-authenticator only draws the login form; every decision is made here:
- passwords of 10 to 64 characters, no composition rules, at most 72 bytes (bcrypt's limit);
- the same message and a bcrypt check of similar cost for unknown users and wrong passwords;
- lockout per typed username (known or not) after repeated failures;
- sessions live in the database, so logout, deactivation or a password change end them on
  the next rerun, and an idle timeout ends them too.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import bcrypt
from sqlmodel import Session, select, update

from core import audit
from core.actors import Actor
from core.browser_sessions import describe_browser, token_fingerprint
from core.clock import utcnow
from core.errors import AccountLocked, LoginRefused, SessionEnded, SessionExpired, WeakPassword
from core.models.accounts import LoginThrottle, Role, UserAccount, UserSession
from core.models.people import Member
from core.settings import get_settings

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 64
BCRYPT_MAX_BYTES = 72
MAX_USERNAME_CHARS = 64
DEACTIVATED = "Ihr Zugang wurde deaktiviert. Bitte wenden Sie sich an die HEK."
# Why a session ended, told to its browser on the next action (else SessionEnded's default).
_ENDED_BECAUSE = {
    "deactivated": DEACTIVATED,
    "device_removed": (
        "Das Gerät, mit dem diese Sitzung bestätigt wurde, ist entfernt worden. Bitte melden "
        "Sie sich erneut an."
    ),
    "ended_by_user": "Diese Sitzung wurde von einem anderen Browser aus beendet.",
}
LIFETIME_OVER = (
    "Sie sind seit 12 Stunden angemeldet. Bitte melden Sie sich zu Ihrer Sicherheit erneut an."
)
# Touch last_seen at most this often, so a rerun does not always write.
_TOUCH_INTERVAL = timedelta(seconds=30)
# NIST SP 800-63B, AAL2: reauthenticate at least every 12 hours, whatever the activity.
ABSOLUTE_LIFETIME = timedelta(hours=12)


def check_password_policy(password: str) -> None:
    """Raise WeakPassword with a German reason; no composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"Das Passwort muss mindestens {MIN_PASSWORD_CHARS} Zeichen lang sein.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise WeakPassword(f"Das Passwort darf höchstens {MAX_PASSWORD_CHARS} Zeichen lang sein.")
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise WeakPassword(
            "Das Passwort ist mit Umlauten oder Sonderzeichen zu lang "
            f"(höchstens {BCRYPT_MAX_BYTES} Bytes). Bitte wählen Sie ein kürzeres Passwort."
        )


def hash_password(password: str, *, rounds: int | None = None) -> str:
    check_password_policy(password)
    salt = bcrypt.gensalt(rounds or get_settings().bcrypt_rounds)
    return bcrypt.hashpw(password.encode("utf-8"), salt).decode("ascii")


@cache
def _dummy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(rounds))


def _password_matches(password: str, stored_hash: str | None) -> bool:
    """Constant-shape check: a bcrypt comparison runs whether or not the user exists."""
    candidate = password.encode("utf-8")
    if len(candidate) > BCRYPT_MAX_BYTES:
        candidate = candidate[:BCRYPT_MAX_BYTES]  # cannot match: the policy forbids it
        stored_hash = None
    reference = (
        stored_hash.encode("ascii") if stored_hash else _dummy_hash(get_settings().bcrypt_rounds)
    )
    matches = bcrypt.checkpw(candidate, reference)
    return matches and stored_hash is not None


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()[:MAX_USERNAME_CHARS]


def _hash_token(token: str) -> str:
    return token_fingerprint(token)


def actor_for(session: Session, user: UserAccount) -> Actor:
    member = session.get(Member, user.member_id) if user.member_id else None
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        display_name=user.display_name,
        member_id=user.member_id,
        service_level=member.service_level if member else None,
    )


@dataclass(frozen=True)
class SignedIn:
    token: str
    actor: Actor


def _register_failure(session: Session, throttle: LoginThrottle, now: datetime) -> None:
    settings = get_settings()
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= settings.max_failed_logins:
        throttle.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        throttle.failures = 0
    session.add(throttle)
    session.commit()


@dataclass(frozen=True)
class PasswordCheck:
    """The slow half of a login: which hash a typed password was compared with, and the result."""

    username: str  # normalized
    password_hash: str | None  # None: no such user (a dummy hash was compared instead)
    matches: bool


def check_password(session: Session, *, username: str, password: str) -> PasswordCheck:
    """Compare the typed password (bcrypt, the slow part) without writing anything, so that a
    caller can run it in a read session and hold no write lock while bcrypt runs."""
    name = normalize_username(username)
    user = session.exec(select(UserAccount).where(UserAccount.username == name)).first()
    stored_hash = user.password_hash if user else None
    return PasswordCheck(name, stored_hash, _password_matches(password or "", stored_hash))


def record_login(
    session: Session,
    *,
    check: PasswordCheck,
    now: datetime | None = None,
    user_agent: str | None = None,
) -> SignedIn:
    """Open a server-side session for a successful check, or count the failure and raise
    LoginRefused / AccountLocked. The user is read again: a password changed or an account
    deactivated since the check refuses the login."""
    now = now or utcnow()
    stored_throttle = session.get(LoginThrottle, check.username)
    throttle = stored_throttle or LoginThrottle(username=check.username)
    user = session.exec(select(UserAccount).where(UserAccount.username == check.username)).first()
    if throttle.locked_until and throttle.locked_until > now:
        raise AccountLocked()
    still_valid = user is not None and user.password_hash == check.password_hash
    if not check.matches or not still_valid or not user.is_active:
        _register_failure(session, throttle, now)
        if throttle.locked_until and throttle.locked_until > now:
            raise AccountLocked()
        raise LoginRefused()
    if stored_throttle is not None:
        session.delete(stored_throttle)
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=_hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            user_agent=describe_browser(user_agent),
        )
    )
    actor = actor_for(session, user)
    audit.record(session, actor=actor, action="login", subject_type="user", subject_id=user.id)
    session.commit()
    return SignedIn(token=token, actor=actor)


def login(
    session: Session, *, username: str, password: str, now: datetime | None = None
) -> SignedIn:
    """Check credentials and open a server-side session, or raise LoginRefused / AccountLocked
    (both halves in one session; the portal runs the check in a read session first)."""
    check = check_password(session, username=username, password=password)
    return record_login(session, check=check, now=now)


def resume(
    session: Session, *, token: str, now: datetime | None = None, read_only: bool = False
) -> Actor | None:
    """The actor behind a session token, or SessionEnded / SessionExpired.

    `read_only`: return None instead of writing (a touch of last_seen, or ending the session,
    is due), so that most reruns hold no write lock; the caller then asks again in a write
    session.
    """
    now = now or utcnow()
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == _hash_token(token))
    ).first()
    if row is None:
        raise SessionEnded()
    if row.ended_at is not None:
        # Deactivation ends the sessions at once: tell the user why, not "log in again".
        raise SessionEnded(_ENDED_BECAUSE.get(row.end_reason), reason=row.end_reason)
    user = session.get(UserAccount, row.user_id)
    idle = now - row.last_seen_at
    must_write = (
        user is None
        or not user.is_active
        or idle > timedelta(minutes=get_settings().idle_timeout_minutes)
        or idle > _TOUCH_INTERVAL
    )
    too_old = now - row.created_at > ABSOLUTE_LIFETIME
    if (must_write or too_old) and read_only:
        return None
    if user is None or not user.is_active:
        _end(session, row, now, "deactivated")
        raise SessionEnded(DEACTIVATED)
    if too_old:
        _end(session, row, now, "lifetime")
        raise SessionExpired(LIFETIME_OVER)
    if idle > timedelta(minutes=get_settings().idle_timeout_minutes):
        _end(session, row, now, "timeout")
        raise SessionExpired()
    if idle > _TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return actor_for(session, user)


def _end(session: Session, row: UserSession, now: datetime, reason: str) -> None:
    row.ended_at = now
    row.end_reason = reason
    session.add(row)
    session.commit()


def logout(session: Session, *, token: str) -> None:
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == _hash_token(token))
    ).first()
    if row is not None and row.ended_at is None:
        _end(session, row, utcnow(), "logout")


def end_all_sessions(session: Session, *, user_id: int, reason: str) -> int:
    """End every open session of a user (inside the caller's transaction)."""
    result = session.exec(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount


def set_active(session: Session, *, actor: Actor, user_id: int, active: bool) -> None:
    """Activate or deactivate an account; deactivation ends its sessions at once."""
    user = session.get(UserAccount, user_id)
    if user is None:
        raise LoginRefused("Dieses Konto gibt es nicht.")
    user.is_active = active
    session.add(user)
    if not active:
        end_all_sessions(session, user_id=user_id, reason="deactivated")
    audit.record(
        session,
        actor=actor,
        action="activate_user" if active else "deactivate_user",
        subject_type="user",
        subject_id=user_id,
    )
    session.commit()


def change_password(session: Session, *, actor: Actor, current: str, new: str) -> None:
    """Change one's own password; every session of the account ends (this one too)."""
    user = session.get(UserAccount, actor.user_id)
    if user is None or not _password_matches(current, user.password_hash):
        raise LoginRefused("Das bisherige Passwort ist falsch.")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    session.add(user)
    end_all_sessions(session, user_id=user.id, reason="password_changed")
    audit.record(
        session, actor=actor, action="change_password", subject_type="user", subject_id=user.id
    )
    session.commit()


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    member_id: int | None = None,
    password_hash: str | None = None,
) -> UserAccount:
    """Add an account (commit is the caller's). `password_hash` lets seeding reuse one hash."""
    now = utcnow()
    account = UserAccount(
        username=normalize_username(username),
        display_name=display_name,
        role=role,
        member_id=member_id,
        password_hash=password_hash or hash_password(password),
        created_at=now,
        password_changed_at=now,
    )
    session.add(account)
    session.flush()
    return account
