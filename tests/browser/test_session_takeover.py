"""Knowing someone's Streamlit session ID is not being signed in as them.

Streamlit re-attaches a websocket that presents an existing session ID (the third
Sec-WebSocket-Protocol entry) to that session, and the ID leaks (upload URLs, logs). The
portal binds each session to its browser: Streamlit compares the hash of the HttpOnly browser
cookie before re-attaching (core/http/middleware.py), and every script run checks that the
session cookie it serves is the one the session was signed in with (ui/session.py). These
tests take the attacker's side over the protocol (bench/streamlit_client.py), where no
browser helps, and look through every ForwardMsg the attacker receives for the victim's name
and KVNR. The sign-in hand-off that sets the session cookie is tested here too.
"""

import asyncio
import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import Session, select

from bench.streamlit_client import StreamlitClient
from core.browser_sessions import token_fingerprint
from core.clock import utcnow
from core.models.accounts import UserSession
from core.models.audit import AuditEntry
from tests.browser.fresh_members import FreshMember, new_member
from tests.browser.helpers import Portal

pytestmark = pytest.mark.browser

SESSION_COOKIE = "hek_session"  # over plain HTTP; __Host-hek_session over TLS
BROWSER_COOKIE = "hek_browser"
SIGNED_OUT_BY_TAKEOVER = "Diese Sitzung wurde von einem anderen Browser aufgerufen"
COOKIE_REFUSED = "Ihre Anmeldung ist nicht mehr gültig"


def _run(coroutine):
    """asyncio.run in a thread of its own: the session's sync Playwright owns this thread's loop."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _tab(portal: Portal, **options) -> StreamlitClient:
    return StreamlitClient(portal.base_url, timeout=60, keep_messages=True, **options)


async def _signs_in(tab: StreamlitClient, member: FreshMember) -> None:
    await tab.connect()
    tab.type_text("Benutzername", member.username)
    tab.type_text("Passwort", member.password)
    await tab.click("Anmelden")


async def _victim_at_home(portal: Portal, member: FreshMember) -> StreamlitClient:
    """The victim's tab, signed in through the hand-off, on the page with name and KVNR."""
    victim = _tab(portal)
    await _signs_in(victim, member)
    first_name = member.full_name.split()[0]
    assert victim.headings() == [f"Hallo {first_name}!"], victim.headings()
    return victim


def _victims_data_in(frames: list[bytes], member: FreshMember) -> list[str]:
    """Which of the victim's name (the family name, in the sidebar's account name) and KVNR
    appear in any ForwardMsg (every delta, navigation and session message), searched in the
    raw protobuf bytes."""
    needles = (member.full_name.split()[-1], member.kvnr)
    return [needle for needle in needles if any(needle.encode() in frame for frame in frames)]


def _sets_session_cookie(response: httpx.Response) -> str | None:
    """The session token a response sets, if it sets one."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == SESSION_COOKIE and rest.split(";")[0]:
            return rest.split(";")[0]
    return None


def test_a_closed_tabs_session_id_without_its_cookies_opens_a_fresh_signed_out_session(portal):
    member = new_member(portal, first_name="Vera", last_name="Schliessmann")

    async def scenario():
        victim = await _victim_at_home(portal, member)
        session_id, seen_by_victim = victim.session_id, victim.received
        await victim.close()
        attacker = _tab(portal)
        try:
            await attacker.connect(resume_session_id=session_id)
            return session_id, seen_by_victim, attacker
        finally:
            await attacker.close()

    session_id, seen_by_victim, attacker = _run(scenario())

    assert _victims_data_in(seen_by_victim, member) == ["Schliessmann", member.kvnr]
    assert attacker.session_id != session_id  # Streamlit refused to re-attach it
    assert attacker.has_button("Anmelden")
    assert "Dokument senden" not in attacker.pages
    assert _victims_data_in(attacker.received, member) == []


def test_a_live_tabs_session_id_without_its_cookies_gets_nothing_and_the_tab_keeps_working(
    portal,
):
    member = new_member(portal, first_name="Vera", last_name="Livinger")

    async def scenario():
        victim = await _victim_at_home(portal, member)
        session_id = victim.session_id
        attacker = _tab(portal)
        try:
            await attacker.connect(resume_session_id=session_id)
            await victim.rerun()  # the victim's next click, after the attempt
            await victim.open_page("Meine Daten")
            return session_id, victim, attacker
        finally:
            await attacker.close()
            await victim.close()

    session_id, victim, attacker = _run(scenario())

    assert _victims_data_in(victim.received, member) == ["Livinger", member.kvnr]
    assert attacker.session_id != session_id
    assert victim.session_id == session_id  # the tab still runs in its own session
    assert attacker.has_button("Anmelden")
    assert _victims_data_in(attacker.received, member) == []
    assert victim.headings() == ["Meine Daten"]
    assert any(member.kvnr in text for text in victim.texts())


def test_a_stolen_browser_cookie_without_the_session_cookie_resumes_the_session_signed_out(
    portal,
):
    member = new_member(portal, first_name="Vera", last_name="Keksner")

    async def scenario():
        victim = await _victim_at_home(portal, member)
        session_id, browser_id = victim.session_id, victim.cookies[BROWSER_COOKIE]
        seen_by_victim = victim.received
        await victim.close()
        attacker = _tab(portal)
        attacker.set_cookie(BROWSER_COOKIE, browser_id)  # the browser cookie, not the session's
        try:
            await attacker.connect(resume_session_id=session_id)
            after_takeover = attacker.texts()
            await attacker.rerun()  # and the session stays signed out
            return session_id, browser_id, seen_by_victim, attacker, after_takeover
        finally:
            await attacker.close()

    session_id, browser_id, seen_by_victim, attacker, after_takeover = _run(scenario())

    assert _victims_data_in(seen_by_victim, member) == ["Keksner", member.kvnr]
    assert attacker.cookies[BROWSER_COOKIE] == browser_id
    assert SESSION_COOKIE not in attacker.cookies
    # Same browser identity: Streamlit re-attached the victim's session; the run emptied it.
    assert attacker.session_id == session_id
    assert any(SIGNED_OUT_BY_TAKEOVER in text for text in after_takeover), after_takeover
    assert attacker.has_button("Anmelden")
    assert "Dokument senden" not in attacker.pages
    assert _victims_data_in(attacker.received, member) == []


def test_the_victims_own_browser_resumes_its_session_signed_in_after_a_dropped_connection(
    portal,
):
    """The other side of the tests above: with both of the browser's cookies the frontend's
    reconnect gets the same session back, still signed in (and a resumed session that did
    show the member's data would be caught by the search above)."""
    member = new_member(portal, first_name="Vera", last_name="Wiederda")

    async def scenario():
        victim = await _victim_at_home(portal, member)
        session_id, cookies = victim.session_id, victim.cookies
        await victim.close()  # the connection drops
        same_browser = _tab(portal)
        for name, value in cookies.items():
            same_browser.set_cookie(name, value)
        try:
            await same_browser.connect(resume_session_id=session_id)
            return session_id, same_browser
        finally:
            await same_browser.close()

    session_id, same_browser = _run(scenario())

    assert same_browser.session_id == session_id
    assert same_browser.headings() == ["Hallo Vera!"]
    assert _victims_data_in(same_browser.received, member) == ["Wiederda", member.kvnr]


def test_a_hand_off_code_sets_the_session_cookie_once_and_a_forged_or_expired_one_never(portal):
    member = new_member(portal, first_name="Vera", last_name="Einmal")

    async def hand_off_url() -> tuple[str, str | None]:
        tab = _tab(portal, follow_redirects=False)  # a browser that does not go on by itself
        try:
            await _signs_in(tab, member)
            return tab.handoff_url(), tab.link_target("Weiter")
        finally:
            await tab.close()

    async def scenario():
        url, link = await hand_off_url()
        expiring_url, _ = await hand_off_url()
        _expire(portal, expiring_url)
        async with httpx.AsyncClient(base_url=portal.base_url) as browser:
            first = await browser.get(url)
            replayed = await browser.get(url)
            forged = await browser.get(f"/auth/session?code={secrets.token_urlsafe(32)}")
            expired = await browser.get(expiring_url)
        token = _sets_session_cookie(first)
        home = _tab(portal)
        home.set_cookie(SESSION_COOKIE, token or "")
        try:
            await home.connect()
        finally:
            await home.close()
        return url, link, [first, replayed, forged, expired], home

    url, link, responses, home = _run(scenario())

    assert urlsplit(url).path == "/auth/session" and link == url
    assert [response.status_code for response in responses] == [303] * 4
    assert all(response.headers["location"].startswith("/") for response in responses)
    assert [_sets_session_cookie(response) is not None for response in responses] == [
        True,
        False,
        False,
        False,
    ]
    assert home.headings() == ["Hallo Vera!"]  # the one cookie set is the member's session


def _expire(portal: Portal, handoff_url: str) -> None:
    code = parse_qs(urlsplit(handoff_url).query)["code"][0]
    with Session(portal.engine) as session:
        row = session.exec(
            select(UserSession).where(UserSession.handoff_hash == token_fingerprint(code))
        ).one()
        row.handoff_expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()


def _refusals(portal: Portal) -> list[AuditEntry]:
    with Session(portal.engine) as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.action == "session_cookie_refused")
                .order_by(AuditEntry.seq)
            ).all()
        )


def test_a_forged_session_cookie_shows_the_sign_in_page_with_a_notice_and_is_audited_once(
    portal,
):
    before = len(_refusals(portal))

    async def scenario():
        forger = _tab(portal)
        forger.set_cookie(SESSION_COOKIE, secrets.token_urlsafe(32))
        try:
            await forger.connect()
            shown = forger.texts()
            await forger.rerun()  # the same cookie again in this session: told once, audited once
            return forger, shown
        finally:
            await forger.close()

    forger, shown = _run(scenario())

    assert any(COOKIE_REFUSED in text for text in shown), shown
    assert forger.has_button("Anmelden")
    assert "Dokument senden" not in forger.pages
    refusals = _refusals(portal)
    assert len(refusals) == before + 1
    assert json.loads(refusals[-1].details) == {"reason": "unknown"}
