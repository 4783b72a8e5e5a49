"""The portal's two cookies and how they are read and written.

- The session cookie carries a signed-in session's token (256 random bits; the database holds
  only its SHA-256). Set by GET /auth/session after a sign-in, cleared by /auth/signed-out.
- The browser cookie is a random id the portal gives every browser on its first request. Its
  hash is what Streamlit binds a script session to (server.trustedUserHeaders), so a client
  that presents someone else's Streamlit session ID but not their browser cookie gets a fresh
  session instead of theirs.

Both are HttpOnly and SameSite=Strict; over TLS they are Secure and carry the __Host- prefix
(host-only, path /), which a plain-HTTP page may not set.
"""

import hashlib
from collections.abc import Mapping

SESSION = "hek_session"
BROWSER = "hek_browser"
HOST_PREFIX = "__Host-"
BROWSER_MAX_AGE = 400 * 24 * 3600  # Chromium's cap on a cookie's lifetime
# The header app.py hands to Streamlit as identity (server.trustedUserHeaders); the
# middleware sets it from the browser cookie and drops whatever a client sent under it.
BINDING_HEADER = "x-hek-browser"


def name(base: str, *, secure: bool) -> str:
    return f"{HOST_PREFIX}{base}" if secure else base


def read(cookies: Mapping[str, str], base: str) -> str | None:
    """The cookie's value under either name (TLS or not), the __Host- one first."""
    return cookies.get(f"{HOST_PREFIX}{base}") or cookies.get(base) or None


def attributes(*, secure: bool, max_age: int | None) -> dict:
    """Keyword arguments for Starlette's Response.set_cookie."""
    return {
        "max_age": max_age,
        "path": "/",
        "secure": secure,
        "httponly": True,
        "samesite": "strict",
    }


def browser_binding(browser_id: str | None) -> str:
    """What Streamlit compares when a client asks to resume a session: a hash of the browser
    id (domain-separated from the device secret's hash, which is the same id's plain SHA-256)."""
    if not browser_id:
        return ""
    return hashlib.sha256(b"hek-binding:" + browser_id.encode("utf-8", "replace")).hexdigest()
