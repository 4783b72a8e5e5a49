"""The portal as an ASGI application: Streamlit's st.App with the portal's own HTTP layer.

`streamlit run app.py` (what `make run` does) or `uvicorn app:app` serves it. Home.py stays
the script every browser session runs; around it this module puts
- the browser binding and the security headers on every response (core.http.middleware),
- the sign-in hand-off to the HttpOnly session cookie, sign-out, member files behind that
  cookie, /healthz and /readyz (core.http.routes),
- logging as JSON lines without secrets, and one German message for an unexpected error.
"""

import logging
from contextlib import asynccontextmanager

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from streamlit.starlette import App

from core import logs, migrate
from core.errors import MissingSecrets
from core.health import migrate as health_migrate
from core.http.middleware import BrowserBinding, RequestIds, SecurityHeaders
from core.http.routes import ROUTES
from core.settings import get_secrets

logs.configure_logging()
log = logging.getLogger("portal")


def _prepare() -> None:
    """Secrets present, both databases migrated: before the first request, so that /readyz
    answers "ready" at once and no first visitor waits for it (Home.py checks again)."""
    get_secrets()
    health_migrate.upgrade()
    migrate.upgrade()


@asynccontextmanager
async def lifespan(_app):
    logs.route_library_loggers()  # the loggers Streamlit created while starting
    try:
        await run_in_threadpool(_prepare)
    except MissingSecrets as missing:
        log.error("start-up check failed: %s", missing.message)  # names only the variables
    except Exception:  # e.g. two processes migrating one new database at the same instant
        log.exception("start-up migration failed; the first page run tries again")
    log.info("portal started")
    yield
    log.info("portal stopping")


def on_script_error(error: Exception) -> bool:
    """Log the traceback with a request id on the server; show the person a German sentence."""
    reference = logs.new_request_id()
    token = logs.request_id.set(reference)
    try:
        log.error("unexpected error in a page", exc_info=error)
    finally:
        logs.request_id.reset(token)
    st.error(
        "Es ist ein unerwarteter Fehler aufgetreten. Bitte versuchen Sie es erneut; "
        f"bleibt der Fehler, nennen Sie der HEK die Kennung {reference}."
    )
    return True


app = App(
    "Home.py",
    routes=ROUTES,
    middleware=[
        Middleware(RequestIds),
        Middleware(SecurityHeaders),
        Middleware(BrowserBinding),
    ],
    lifespan=lifespan,
    on_script_error=on_script_error,
)
