"""Log lines are JSON with a request id and never carry a session ID, token or hand-off code."""

import io
import json
import logging
import secrets
import uuid

from core import logs


def _captured(emit) -> list[dict]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s|%(request_id)s"))
    handler.addFilter(logs.RedactSecrets())
    logger = logging.getLogger("test.logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue().splitlines()


def test_streamlit_session_ids_and_tokens_never_reach_a_log_line():
    session_id = str(uuid.uuid4())
    token = secrets.token_urlsafe(32)

    lines = _captured(
        lambda log: (
            log.warning("Session with id %s is already connected!", session_id),
            log.info("GET /files/%s and /auth/session?code=%s", token, token),
            log.info("PUT /_stcore/upload_file/%s/%s", session_id, uuid.uuid4()),
        )
    )

    assert len(lines) == 3
    for line in lines:
        assert session_id not in line and token not in line
        assert logs.REDACTED in line
    assert lines[0].startswith("Session with id [entfernt] is already connected!")


def test_each_line_carries_the_request_id_of_its_request():
    reference = logs.new_request_id()
    marker = logs.request_id.set(reference)
    try:
        lines = _captured(lambda log: log.info("Posteingang geöffnet"))
    finally:
        logs.request_id.reset(marker)

    assert lines == [f"Posteingang geöffnet|{reference}"]


def test_the_configured_handler_writes_json_lines(capsys):
    logs._configured = False
    root = logging.getLogger()
    previous = root.handlers[:]
    try:
        logs.configure_logging()
        logging.getLogger("portal").warning("unerwartet: %s", str(uuid.uuid4()))
        line = capsys.readouterr().err.strip().splitlines()[-1]
    finally:
        root.handlers = previous
        logs._configured = False

    record = json.loads(line)
    assert record["level"] == "WARNING"
    assert record["logger"] == "portal"
    assert record["message"] == "unerwartet: [entfernt]"
    assert "request_id" in record
