"""Member files behind the session cookie, instead of Streamlit's public media store.

A page offers a file for the signed-in session and links to /files/<token>: 256 random bits,
valid five minutes after the page last offered it, answered only to a request that carries
the same session's cookie while that session is still open. The bytes (or the function that
reads them, so that a decryption and its audit entry happen only when the person asks) stay
in this process; a sticky balancer keeps the browser here. Anything else is one 404.
"""

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

LIFETIME_SECONDS = 5 * 60
PREFIX = "/files/"


@dataclass
class FileOffer:
    session_fingerprint: str
    slot: str
    file_name: str
    media_type: str
    produce: Callable[[], bytes]
    inline: bool
    content_id: str
    expires_at: float = field(default=0.0)


_offers: dict[str, FileOffer] = {}
_by_slot: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def offer(
    *,
    session_fingerprint: str,
    slot: str,
    file_name: str,
    media_type: str,
    produce: Callable[[], bytes],
    content_id: str,
    inline: bool = False,
    now: float | None = None,
) -> str:
    """The path of a file for one session. `slot` names the place on the page: offering the
    same content there again keeps the URL (and restarts its five minutes), so a rerun does
    not reload images; new content gets a new URL and the old one ends. The latest `produce`
    serves the URL: a function offered again under the same id reads the current state."""
    now = time.monotonic() if now is None else now
    with _lock:
        _forget_expired(now)
        key = (session_fingerprint, slot)
        token = _by_slot.get(key)
        current = _offers.get(token) if token else None
        if current is None or current.content_id != content_id:
            if token:
                _offers.pop(token, None)
            token = secrets.token_urlsafe(32)
            current = _offers[token] = FileOffer(
                session_fingerprint, slot, file_name, media_type, produce, inline, content_id
            )
            _by_slot[key] = token
        current.produce = produce
        current.expires_at = now + LIFETIME_SECONDS
    return f"{PREFIX}{token}"


def claim(token: str, *, session_fingerprint: str | None, now: float | None = None):
    """The offer behind `token` for this session, or None (unknown, expired, another's)."""
    now = time.monotonic() if now is None else now
    with _lock:
        found = _offers.get(token)
    if found is None or found.expires_at < now or not session_fingerprint:
        return None
    if not secrets.compare_digest(found.session_fingerprint, session_fingerprint):
        return None
    return found


def withdraw_session(session_fingerprint: str) -> None:
    """Forget every offer of a session (sign-out)."""
    with _lock:
        for key in [key for key in _by_slot if key[0] == session_fingerprint]:
            _offers.pop(_by_slot.pop(key), None)


def _forget_expired(now: float) -> None:
    expired = [token for token, found in _offers.items() if found.expires_at < now]
    for token in expired:
        found = _offers.pop(token)
        if _by_slot.get((found.session_fingerprint, found.slot)) == token:
            del _by_slot[(found.session_fingerprint, found.slot)]
