"""Logging, configured once per process: JSON lines on stderr with a request id, and no
session IDs, tokens or codes in any line (Streamlit's own warnings name session IDs).

Personal data never goes into a log message in the first place: log what happened and to
which kind of object, never a name, a KVNR or a document's text.
"""

import contextvars
import logging
import re
import secrets
import sys

from pythonjsonlogger.json import JsonFormatter

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Streamlit session IDs are UUIDs; the portal's tokens, codes and file links are 32 random
# bytes in URL-safe base64 (43 characters); hashes of them are 64 hex digits.
_SECRET_LOOKING = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
REDACTED = "[entfernt]"
_configured = False


def redact(text: str) -> str:
    return _SECRET_LOOKING.sub(REDACTED, text)


def new_request_id() -> str:
    return secrets.token_hex(8)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (arguments merged in) without session IDs or tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw text
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        record.__dict__.pop("color_message", None)  # uvicorn's copy with terminal colours
        record.request_id = request_id.get()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Once per process: one JSON handler on the root logger; Streamlit's loggers too."""
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{request_id}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    route_library_loggers()
    _configured = True


def route_library_loggers() -> None:
    """Streamlit and uvicorn give each of their loggers a console handler of its own: send
    their records through the root handler instead (JSON, redacted). Call again once the
    server has started, for loggers created meanwhile. No access log: its lines carry the
    client's address (personal data) and every URL."""
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("streamlit", "uvicorn", "websockets"):
            logger = logging.getLogger(name)
            logger.handlers = []
            logger.propagate = True
    for quiet in ("uvicorn.access", "alembic"):
        logging.getLogger(quiet).setLevel(logging.WARNING)
