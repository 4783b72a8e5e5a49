"""The load test's light client (bench/streamlit_client.py) against the real portal process.

The load figures are only worth something if this client does what a browser does: the
same sign-in, navigation, upload and buttons, with the same results in the database. And
it shows two of the portal's defences at the protocol level, where no browser helps: an
upload without the XSRF token is refused, and a hidden page is not offered.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, select

from bench.streamlit_client import XSRF_COOKIE, ProtocolError, StreamlitClient
from core.models.accounts import UserAccount
from core.models.documents import Submission
from core.seed import DEMO_PASSWORD
from tests.browser.fresh_members import new_member, text_pdf
from tests.browser.helpers import Portal

pytestmark = pytest.mark.browser

UPLOAD_LABEL = "Dateien hochladen (PDF, JPEG, PNG, HEIC)"


def _run(coroutine):
    """asyncio.run in a thread of its own: the session's sync Playwright owns this thread's loop."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def _signed_in(portal: Portal, username: str, password: str) -> StreamlitClient:
    client = StreamlitClient(portal.base_url, timeout=60)
    await client.connect()
    client.type_text("Benutzername", username)
    client.type_text("Passwort", password)
    await client.click("Anmelden")
    return client


def test_a_member_sends_a_pdf_over_the_protocol_and_the_shown_tracking_id_is_stored(portal):
    member = new_member(portal, first_name="Protokoll", last_name="Senderin")

    async def journey() -> tuple[list[str], list[str], str]:
        client = await _signed_in(portal, member.username, member.password)
        try:
            landing = client.headings()
            await client.open_page("Dokument senden")
            await client.upload(UPLOAD_LABEL, "au.pdf", text_pdf("AU Protokoll"), "application/pdf")
            preview = client.headings("h3")
            await client.click("Senden")
            shown = next(text for text in client.texts("code") if text.startswith("HEK-"))
            return landing, preview, shown
        finally:
            await client.close()

    landing, preview, tracking_id = _run(journey())

    assert landing == ["Hallo Protokoll!"]
    assert "Vorschau" in preview
    with Session(portal.engine) as session:
        stored = session.exec(select(Submission).where(Submission.tracking_id == tracking_id)).all()
    assert [submission.member_id for submission in stored] == [member.member_id]


def test_a_clerk_claims_the_next_item_over_the_protocol_and_holds_it(portal):
    async def journey() -> str:
        client = await _signed_in(portal, "sachbearbeitung2", DEMO_PASSWORD)
        try:
            await client.open_page("Posteingang")
            await client.click("Nächsten Vorgang übernehmen")
            return next(h for h in client.headings("h3") if h.startswith("Vorgang HEK-"))
        finally:
            await client.close()

    tracking_id = _run(journey()).removeprefix("Vorgang ")

    with Session(portal.engine) as session:
        submission = session.exec(
            select(Submission).where(Submission.tracking_id == tracking_id)
        ).one()
        holder = session.get(UserAccount, submission.assigned_clerk_id)
    assert holder.username == "sachbearbeitung2"


def test_a_basic_member_is_not_offered_smart_pages_and_wrong_credentials_stay_signed_out(portal):
    member = new_member(portal, first_name="Protokoll", last_name="Basis")

    async def journey() -> tuple[list[str], list[str], list[str]]:
        refused = await _signed_in(portal, member.username, "falsches-passwort")
        try:
            refusal = refused.texts("alert")
            still_login = refused.headings()
        finally:
            await refused.close()
        client = await _signed_in(portal, member.username, member.password)
        try:
            return refusal, still_login, list(client.pages)
        finally:
            await client.close()

    refusal, still_login, pages = _run(journey())

    assert still_login == ["HEK Service-Portal"]
    assert any("Benutzername oder Passwort" in text for text in refusal), refusal
    assert "Dokument senden" in pages
    assert "Postfach" not in pages and "Gesundheitsakte" not in pages
    with pytest.raises(ProtocolError, match="no page 'Postfach'"):
        _run(_open_hidden(portal, member.username, member.password))


async def _open_hidden(portal: Portal, username: str, password: str) -> None:
    client = await _signed_in(portal, username, password)
    try:
        await client.open_page("Postfach")
    finally:
        await client.close()


def test_an_upload_without_the_xsrf_token_is_refused(portal):
    member = new_member(portal, first_name="Protokoll", last_name="Fremd")

    async def attempt() -> tuple[int, int]:
        client = await _signed_in(portal, member.username, member.password)
        try:
            files = {"file": ("au.pdf", text_pdf("AU"), "application/pdf")}
            url = f"{portal.base_url}/_stcore/upload_file/{client.session_id}/forged"
            async with httpx.AsyncClient() as stranger:  # no cookie, no header
                without = await stranger.put(url, files=files)
            async with httpx.AsyncClient(cookies={XSRF_COOKIE: "2|00|11|1"}) as forger:
                forged = await forger.put(url, files=files, headers={"X-Xsrftoken": "2|ff|ee|1"})
            return without.status_code, forged.status_code
        finally:
            await client.close()

    assert _run(attempt()) == (403, 403)
