"""The portal's own routes beside Streamlit's: sign-in hand-off, sign-out, files, health."""

import logging
import re
import unicodedata
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from core import auth, browser_sessions, migrate
from core.db import get_engine, session_scope
from core.errors import SessionEnded
from core.health import migrate as health_migrate
from core.health.db import get_health_engine
from core.http import cookies, file_offers
from core.http.middleware import is_tls

log = logging.getLogger(__name__)
NOT_FOUND = "Nicht gefunden."
# where a sign-in or sign-out may send the browser back to: a page of this portal
_LOCAL_PATH = re.compile(r"^/[A-Za-z0-9_-]{0,64}$")


def _back_to(request: Request) -> str:
    target = request.query_params.get("weiter", "/")
    return target if _LOCAL_PATH.fullmatch(target) else "/"


def _no_store(response: Response) -> Response:
    response.headers["cache-control"] = "no-store"
    return response


async def complete_sign_in(request: Request) -> Response:
    """GET /auth/session?code=…: the browser arrives from the login form; set the cookie."""
    code = request.query_params.get("code", "")[:128]
    token = None
    if code:
        token = await run_in_threadpool(_complete_handoff, code)
    response = _no_store(RedirectResponse(_back_to(request), status_code=303))
    if token is None:
        log.info("sign-in hand-off refused (unknown, used or expired code)")
        return response
    secure = is_tls(request.scope)
    response.set_cookie(
        cookies.name(cookies.SESSION, secure=secure),
        token,
        **cookies.attributes(secure=secure, max_age=None),
    )
    return response


def _complete_handoff(code: str) -> str | None:
    with session_scope(write=True) as session:
        return browser_sessions.complete_handoff(session, code=code)


async def signed_out(request: Request) -> Response:
    """GET /auth/signed-out: forget the session cookie (the session already ended)."""
    response = _no_store(RedirectResponse(_back_to(request), status_code=303))
    for secure in (True, False):
        response.delete_cookie(
            cookies.name(cookies.SESSION, secure=secure),
            path="/",
            secure=secure,
            httponly=True,
            samesite="strict",
        )
    return response


def _session_is_open(token: str) -> bool:
    try:
        with session_scope() as session:
            actor = auth.resume(session, token=token, read_only=True)
        if actor is None:
            with session_scope(write=True) as session:
                actor = auth.resume(session, token=token)
    except SessionEnded:
        return False
    return actor is not None


def safe_file_name(file_name: str) -> str:
    """No path, no control characters, no quotes; at most 120 characters."""
    name = unicodedata.normalize("NFC", file_name).replace("/", "_").replace("\\", "_")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"')
    return (name.strip(" .") or "Datei")[:120]


def content_disposition(file_name: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name (umlauts intact)."""
    name = safe_file_name(file_name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or "Datei"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


async def serve_file(request: Request) -> Response:
    """GET /files/<token>: the offered file for its own open session, else the same 404."""
    token = request.path_params["token"]
    session_token = cookies.read(request.cookies, cookies.SESSION)
    fingerprint = browser_sessions.token_fingerprint(session_token) if session_token else None
    found = file_offers.claim(token, session_fingerprint=fingerprint)
    if found is None or not await run_in_threadpool(_session_is_open, session_token):
        return _no_store(PlainTextResponse(NOT_FOUND, status_code=404))
    try:
        body = await run_in_threadpool(found.produce)
    except Exception:
        log.exception("a file offer could not be produced")
        return _no_store(PlainTextResponse(NOT_FOUND, status_code=404))
    response = Response(body, media_type=found.media_type)
    response.headers["content-disposition"] = content_disposition(
        found.file_name, inline=found.inline
    )
    return _no_store(response)


async def healthz(_request: Request) -> Response:
    """The process answers (for the balancer's liveness check)."""
    return _no_store(PlainTextResponse("ok"))


def _databases_ready() -> bool:
    try:
        insurer = migrate.INSURER.current_revision(get_engine()) == migrate.INSURER.head_revision()
        provider = (
            health_migrate.current_revision(get_health_engine()) == health_migrate.head_revision()
        )
    except Exception:
        log.warning("readiness check failed", exc_info=True)
        return False
    return insurer and provider


async def readyz(_request: Request) -> Response:
    """Both databases reachable and migrated to the head revision (readiness)."""
    ready = await run_in_threadpool(_databases_ready)
    return _no_store(
        PlainTextResponse("ready" if ready else "not ready", status_code=200 if ready else 503)
    )


ROUTES = [
    Route("/auth/session", complete_sign_in, methods=["GET"]),
    Route("/auth/signed-out", signed_out, methods=["GET"]),
    Route(file_offers.PREFIX + "{token:str}", serve_file, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
]
