"""GET /files/<token>: a member's file goes to the session that was offered it, while that
session is open, and to nobody else; every refusal is the same 404.

The routes run on a bare Starlette app over a fresh migrated SQLite database; sessions are
opened with core.auth as the sign-in does, and the session cookie is set as /auth/session
sets it.
"""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core import auth, browser_sessions
from core.clock import utcnow
from core.db import get_engine, session_scope
from core.http import cookies, file_offers, routes
from core.models.accounts import UserSession
from core.settings import get_settings
from tests.conftest import fresh_sqlite_url
from tests.factories import PASSWORD, make_account, make_member

PDF = b"%PDF-1.7\n% Versicherungsbescheinigung von Jonas M\xc3\xbcller\n%%EOF\n"


@pytest.fixture
def database(monkeypatch) -> Iterator[None]:
    """Point the app's cached settings and engine at a fresh database for this test."""
    monkeypatch.setenv("DATABASE_URL", fresh_sqlite_url())
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def client(database) -> TestClient:
    return TestClient(Starlette(routes=routes.ROUTES))


def _sign_in(username: str) -> str:
    """A member's account and an open session, as the login form opens one: its token."""
    with session_scope(write=True) as session:
        member = make_member(session, first_name=username.title())
        make_account(session, username=username, member=member)
        return auth.login(session, username=username, password=PASSWORD).token


def _offer(
    token: str,
    data: bytes = PDF,
    *,
    file_name: str = "bescheinigung.pdf",
    media_type: str = "application/pdf",
    slot: str = "cert_download",
    now: float | None = None,
) -> str:
    return file_offers.offer(
        session_fingerprint=browser_sessions.token_fingerprint(token),
        slot=slot,
        file_name=file_name,
        media_type=media_type,
        produce=lambda: data,
        content_id=str(hash(data)),
        now=now,
    )


def _fetch(client: TestClient, path: str, *, session_token: str | None):
    client.cookies.clear()
    if session_token is not None:
        client.cookies.set(cookies.SESSION, session_token)
    return client.get(path)


def _same_404(response) -> tuple:
    assert response.status_code == 404
    return (
        response.content,
        response.headers["content-type"],
        response.headers["cache-control"],
        "content-disposition" in response.headers,
    )


def test_the_owners_cookie_gets_the_file_uncached_with_its_type_and_name(client):
    token = _sign_in("jonas")
    path = _offer(token, file_name="Versicherungsbescheinigung Jürgen Müller.pdf")

    response = _fetch(client, path, session_token=token)

    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'attachment; filename="Versicherungsbescheinigung Jurgen Muller.pdf"; '
        "filename*=UTF-8''Versicherungsbescheinigung%20J%C3%BCrgen%20M%C3%BCller.pdf"
    )


def test_the_cookie_under_its_tls_name_is_read_too(client):
    token = _sign_in("jonas")
    path = _offer(token)
    client.cookies.set(cookies.name(cookies.SESSION, secure=True), token)
    assert client.get(path).content == PDF


def test_an_image_is_served_inline_with_its_own_type(client):
    token = _sign_in("jonas")
    png = b"\x89PNG\r\n\x1a\n a page preview"
    path = file_offers.offer(
        session_fingerprint=browser_sessions.token_fingerprint(token),
        slot="letter_page_1",
        file_name="letter_page_1.png",
        media_type="image/png",
        produce=lambda: png,
        content_id="page-1",
        inline=True,
    )
    response = _fetch(client, path, session_token=token)
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith(
        'inline; filename="letter_page_1.png"'
    )


def test_a_file_name_cannot_carry_a_path_quotes_or_control_characters(client):
    token = _sign_in("jonas")
    path = _offer(token, file_name='../../etc/"passwd"\r\nSet-Cookie: x=1.pdf')
    disposition = _fetch(client, path, session_token=token).headers["content-disposition"]
    assert disposition.startswith('attachment; filename="_.._etc_passwdSet-Cookie: x=1.pdf";')
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition


def test_every_refusal_is_the_same_404_without_the_file(client):
    owner, stranger = _sign_in("jonas"), _sign_in("miriam")
    path = _offer(owner)
    expired = _offer(owner, slot="old", now=time.monotonic() - file_offers.LIFETIME_SECONDS - 1)
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")

    refusals = {
        "no cookie": _fetch(client, path, session_token=None),
        "another session's cookie": _fetch(client, path, session_token=stranger),
        "a forged cookie": _fetch(client, path, session_token=owner + "x"),
        "an expired offer": _fetch(client, expired, session_token=owner),
        "a tampered token": _fetch(client, tampered, session_token=owner),
        "an unknown token": _fetch(client, "/files/nichts", session_token=owner),
    }

    answers = {reason: _same_404(response) for reason, response in refusals.items()}
    assert len(set(answers.values())) == 1, answers
    body, _type, cache_control, has_disposition = answers["no cookie"]
    assert body == routes.NOT_FOUND.encode() and PDF not in body
    assert cache_control == "no-store" and not has_disposition
    assert _fetch(client, path, session_token=owner).status_code == 200  # still the owner's


def test_after_sign_out_the_old_cookie_gets_the_same_404(client):
    token = _sign_in("jonas")
    path = _offer(token)
    before = _same_404(_fetch(client, path, session_token=None))
    assert _fetch(client, path, session_token=token).status_code == 200

    with session_scope(write=True) as session:
        auth.logout(session, token=token)

    assert _same_404(_fetch(client, path, session_token=token)) == before


def test_a_session_that_timed_out_gets_the_same_404(client):
    token = _sign_in("jonas")
    path = _offer(token)
    before = _same_404(_fetch(client, path, session_token=None))
    idle = timedelta(minutes=get_settings().idle_timeout_minutes + 1)
    with session_scope(write=True) as session:
        row = session.exec(select(UserSession)).one()
        row.last_seen_at = utcnow() - idle
        session.add(row)
        session.commit()

    assert _same_404(_fetch(client, path, session_token=token)) == before


def test_a_deferred_file_is_read_only_when_fetched_and_a_failure_is_the_same_404(client):
    token = _sign_in("jonas")
    fingerprint = browser_sessions.token_fingerprint(token)
    reads = []

    def decrypt() -> bytes:
        reads.append("read")
        return PDF

    def broken() -> bytes:
        raise ValueError("the blob is gone")

    path = file_offers.offer(
        session_fingerprint=fingerprint,
        slot="attachment_7",
        file_name="befund.pdf",
        media_type="application/pdf",
        produce=decrypt,
        content_id="attachment_7:befund.pdf",
    )
    assert reads == []  # offering decrypts nothing (and audits nothing)
    assert _fetch(client, path, session_token=None).status_code == 404
    assert reads == []  # nor does a refused request
    assert _fetch(client, path, session_token=token).content == PDF
    assert reads == ["read"]

    failing = file_offers.offer(
        session_fingerprint=fingerprint,
        slot="attachment_8",
        file_name="befund.pdf",
        media_type="application/pdf",
        produce=broken,
        content_id="attachment_8:befund.pdf",
    )
    assert _same_404(_fetch(client, failing, session_token=token)) == _same_404(
        _fetch(client, path, session_token=None)
    )


# --- The registry ---------------------------------------------------------------------------


def _registry_offer(fingerprint: str, content: bytes, *, slot: str = "qr", now: float = 0.0):
    return file_offers.offer(
        session_fingerprint=fingerprint,
        slot=slot,
        file_name=f"{slot}.png",
        media_type="image/png",
        produce=lambda: content,
        content_id=content.hex(),
        now=now,
    )


def _token_of(path: str) -> str:
    return path.removeprefix(file_offers.PREFIX)


def test_offering_the_same_content_again_keeps_the_url_and_restarts_its_five_minutes():
    fingerprint = "f" * 64
    first = _registry_offer(fingerprint, b"one", now=1_000.0)
    later = 1_000.0 + file_offers.LIFETIME_SECONDS - 1
    assert _registry_offer(fingerprint, b"one", now=later) == first
    still = later + file_offers.LIFETIME_SECONDS - 1  # past the first five minutes
    assert file_offers.claim(_token_of(first), session_fingerprint=fingerprint, now=still)
    gone = later + file_offers.LIFETIME_SECONDS + 1
    assert file_offers.claim(_token_of(first), session_fingerprint=fingerprint, now=gone) is None


def test_new_content_in_the_same_place_gets_a_new_url_and_the_old_one_ends():
    fingerprint = "e" * 64
    old = _registry_offer(fingerprint, b"page 1", now=2_000.0)
    new = _registry_offer(fingerprint, b"page 2", now=2_001.0)
    assert new != old
    assert file_offers.claim(_token_of(old), session_fingerprint=fingerprint, now=2_002.0) is None
    found = file_offers.claim(_token_of(new), session_fingerprint=fingerprint, now=2_002.0)
    assert found.produce() == b"page 2"


def test_the_same_place_in_two_sessions_gets_two_urls_each_for_its_own_session():
    mine, theirs = "a" * 64, "b" * 64
    my_path = _registry_offer(mine, b"same", now=3_000.0)
    their_path = _registry_offer(theirs, b"same", now=3_000.0)
    assert my_path != their_path
    assert file_offers.claim(_token_of(my_path), session_fingerprint=theirs, now=3_001.0) is None
    assert file_offers.claim(_token_of(my_path), session_fingerprint=None, now=3_001.0) is None
    assert file_offers.claim(_token_of(my_path), session_fingerprint=mine, now=3_001.0)


def test_a_function_offered_again_under_the_same_id_serves_its_latest_state():
    fingerprint = "c" * 64

    def offer(content: bytes) -> str:
        return file_offers.offer(
            session_fingerprint=fingerprint,
            slot="export",
            file_name="export.zip",
            media_type="application/zip",
            produce=lambda: content,
            content_id="export:export.zip",
            now=4_000.0,
        )

    first = offer(b"before")
    assert offer(b"after") == first
    found = file_offers.claim(_token_of(first), session_fingerprint=fingerprint, now=4_001.0)
    assert found.produce() == b"after"


def test_withdrawing_a_session_ends_all_its_offers_and_no_others():
    leaving, staying = "d" * 64, "9" * 64
    paths = [_registry_offer(leaving, bytes([n]), slot=f"page_{n}", now=5_000.0) for n in range(3)]
    kept = _registry_offer(staying, b"kept", now=5_000.0)
    file_offers.withdraw_session(leaving)
    for path in paths:
        assert file_offers.claim(_token_of(path), session_fingerprint=leaving, now=5_001.0) is None
    assert file_offers.claim(_token_of(kept), session_fingerprint=staying, now=5_001.0)


def test_a_file_url_carries_256_random_bits():
    path = _registry_offer("8" * 64, b"x", now=6_000.0)
    assert path.startswith("/files/") and len(_token_of(path)) >= 43
