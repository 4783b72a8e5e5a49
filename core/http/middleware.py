"""Pure ASGI middleware (HTTP and the websocket alike), outermost on the portal's app.

BrowserBinding gives every browser its random browser cookie and, on the websocket
handshake, replaces the binding header with the hash of that cookie: Streamlit keeps the
header's value as the session's identity and refuses to re-attach a session to a client
whose identity differs. SecurityHeaders adds the response headers every page and file gets.
"""

import base64
import hashlib
import re
import secrets
from http.cookies import SimpleCookie
from importlib.util import find_spec
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import logs
from core.http import cookies

_BINDING = cookies.BINDING_HEADER.encode("latin-1")


def is_tls(scope: Scope) -> bool:
    """uvicorn already applied X-Forwarded-Proto from a trusted proxy (FORWARDED_ALLOW_IPS)."""
    return scope.get("scheme") in ("https", "wss")


def request_cookies(scope: Scope) -> dict[str, str]:
    parsed = SimpleCookie()
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            try:
                parsed.load(value.decode("latin-1"))
            except Exception:  # noqa: S112  (a malformed cookie header counts as none)
                continue
    return {key: morsel.value for key, morsel in parsed.items()}


class BrowserBinding:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        browser_id = cookies.read(request_cookies(scope), cookies.BROWSER)
        new_id = None
        if browser_id is None and scope["type"] == "http":
            browser_id = new_id = secrets.token_urlsafe(32)
        headers = [(key, value) for key, value in scope["headers"] if key != _BINDING]
        headers.append((_BINDING, cookies.browser_binding(browser_id).encode("latin-1")))
        scope = {**scope, "headers": headers}
        if new_id is None:
            await self.app(scope, receive, send)
            return
        secure = is_tls(scope)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                morsel = SimpleCookie()
                cookie_name = cookies.name(cookies.BROWSER, secure=secure)
                morsel[cookie_name] = new_id
                attributes = morsel[cookie_name]
                attributes.update(
                    {"path": "/", "max-age": str(cookies.BROWSER_MAX_AGE), "samesite": "Strict"}
                )
                attributes["httponly"] = True
                attributes["secure"] = secure
                response_headers.append("set-cookie", morsel.output(header="").strip())
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _inline_script_hashes() -> str:
    """CSP hashes of the inline scripts in Streamlit's index.html (one sets a flag)."""
    index = Path(find_spec("streamlit").origin).parent / "static" / "index.html"
    scripts = re.findall(r"<script>(.*?)</script>", index.read_text(), flags=re.DOTALL)
    digests = (hashlib.sha256(body.encode()).digest() for body in scripts)
    return " ".join(f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests)


def content_security_policy() -> str:
    """What Streamlit's frontend works with, and nothing from another host.

    Scripts: the portal's own files, the hash of index.html's one inline script, and blob:
    (custom components v2 load their module from a blob the page itself made). Styles
    inline (Streamlit's CSS-in-JS). Images from the portal, data: and blob: only; the camera
    widget fetches its own data:/blob: snapshot before uploading it.
    """
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {_inline_script_hashes()} blob:",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self' data: blob:",
            "media-src 'self' blob:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


# Streamlit serves every page as one document, so "camera only where documents are
# photographed" cannot be scoped by path: the camera is allowed for the portal's own origin,
# every other powerful feature for nobody.
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "display-capture=()"
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.policy = content_security_policy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = is_tls(scope)
        media = scope.get("path", "").startswith("/media/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-security-policy"] = self.policy
                headers["x-content-type-options"] = "nosniff"
                headers["referrer-policy"] = "no-referrer"
                headers["x-frame-options"] = "DENY"
                headers["permissions-policy"] = PERMISSIONS_POLICY
                headers["cross-origin-opener-policy"] = "same-origin"
                if media:
                    headers["cache-control"] = "no-store"
                if tls:
                    headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestIds:
    """A request id for every HTTP request and websocket, in each log line it causes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = logs.request_id.set(logs.new_request_id())
        try:
            await self.app(scope, receive, send)
        finally:
            logs.request_id.reset(token)
