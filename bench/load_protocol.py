"""The load journeys over Streamlit's websocket protocol (bench/streamlit_client.py).

Each user is one protocol session, as a browser tab would be: the same script runs, widget
values, uploads and page changes as in bench/load_browser.py, at a small fraction of a
browser's cost, so that the figures are the server's. A time is from sending the action
until the script run that answers it has finished (all of its elements received); drawing
them, and fetching the images they show from the process's in-memory media store, is the
browser's part and not in it.
"""

import asyncio
import time
from functools import partial
from pathlib import Path

from bench.load_support import (
    ACTION_TIMEOUT_SECONDS,
    CLERK_SHARE,
    MEMBER_FIRST_NAME,
    UPLOAD_LABEL,
    JourneyEnded,
    Plan,
    Recorder,
    Server,
    arrive_and_run,
    browse_titles,
    clerk_name,
    first_line,
    member_name,
    think,
)
from bench.streamlit_client import ProtocolError, StreamlitClient
from core.seed import DEMO_PASSWORD

IDLE_OPENING_AT_ONCE = 20
NO_FREE_CASE = "keinen offenen Vorgang, den noch niemand bearbeitet"


def _expect_heading(client: StreamlitClient, heading: str, tag: str = "h1"):
    async def check() -> None:
        if heading not in client.headings(tag):
            raise ProtocolError(f"expected {heading!r}, the page shows {client.headings(tag)}")

    return check


async def _sign_in(client: StreamlitClient, rec: Recorder, username: str, landing: str) -> None:
    async with rec.timed("Anmeldeseite laden"):
        await client.connect()
        if not client.has_button("Anmelden"):
            raise ProtocolError("no login form")
    await think()
    client.type_text("Benutzername", username)
    client.type_text("Passwort", DEMO_PASSWORD)
    # From the click until the landing page has run: the login run and the page that sends
    # the browser on, GET /auth/session (the cookie) and /, a new socket and its first run.
    async with rec.timed("Anmelden", _expect_heading(client, landing)):
        await client.click("Anmelden")


async def _open(client: StreamlitClient, rec: Recorder, action: str, title: str, heading: str):
    async with rec.timed(action, _expect_heading(client, heading)):
        await client.open_page(title)


async def _member(
    client: StreamlitClient, rec: Recorder, *, username: str, pdf: bytes, plan: Plan
) -> None:
    await _sign_in(client, rec, username, f"Hallo {MEMBER_FIRST_NAME}!")
    last_id, done = "", 0
    while plan.another_round(done):
        done += 1
        for title in browse_titles():
            await think()
            await _open(client, rec, "Seite öffnen", title, title)
        await think()
        await _open(client, rec, "Dokument senden öffnen", "Dokument senden", "Dokument senden")
        async with rec.timed("PDF hochladen (Vorschau)", _expect_heading(client, "Vorschau", "h3")):
            await client.upload(UPLOAD_LABEL, "au.pdf", pdf, "application/pdf")
        await think()
        async with rec.timed("Senden (Tracking-ID)"):
            await client.click("Senden")
            shown = [text for text in client.texts("code") if text.startswith("HEK-")]
            if not shown or shown[0] == last_id:
                raise ProtocolError("no new tracking ID shown")
        last_id = shown[0]
        rec.tracking_ids.append((username, last_id))


async def _clerk(client: StreamlitClient, rec: Recorder, *, username: str, plan: Plan) -> None:
    await _sign_in(client, rec, username, "Back-Office")
    last_case, done = "", 0
    while plan.another_round(done):
        done += 1
        await think()
        await _open(client, rec, "Übersicht öffnen", "Übersicht", "Back-Office")
        await think()
        await _open(client, rec, "Posteingang öffnen", "Posteingang", "Posteingang")
        await think()
        async with rec.timed("Nächsten Vorgang übernehmen"):
            await client.click("Nächsten Vorgang übernehmen")
            cases = [h for h in client.headings("h3") if h.startswith("Vorgang HEK-")]
            if not cases and not any(NO_FREE_CASE in text for text in client.texts()):
                raise ProtocolError("neither a case nor 'no free case' shown")
        if cases and cases[0] != last_case:
            last_case = cases[0]
            rec.claims.append((username, last_case.removeprefix("Vorgang ")))


async def _user(server: Server, name: str, rec: Recorder, journey) -> None:
    client = StreamlitClient(server.base_url, timeout=ACTION_TIMEOUT_SECONDS)
    try:
        await journey(client, rec)
    except JourneyEnded:
        pass
    except Exception as error:  # one user's failure is a figure, not the end of the run
        rec.errors[f"({name}, between actions)"].append(first_line(error))
    finally:
        await client.close()


def _journeys(
    server: Server, rec: Recorder, *, members: list[str], clerks: list[str], pdf: bytes, plan: Plan
) -> list:
    return [
        _user(server, name, rec, partial(_member, username=name, pdf=pdf, plan=plan))
        for name in members
    ] + [_user(server, name, rec, partial(_clerk, username=name, plan=plan)) for name in clerks]


async def solo(server: Server, rec: Recorder, *, member: str, clerk: str, pdf: Path) -> None:
    """The baseline: one member's and then one clerk's journey with nobody else on the server."""
    await _warm_up(server)
    plan = Plan(end=time.monotonic() + 600, rounds=1)
    for journey in _journeys(
        server, rec, members=[member], clerks=[clerk], pdf=pdf.read_bytes(), plan=plan
    ):
        await journey


async def _warm_up(server: Server) -> None:
    """The first request of a fresh process imports and migrates: not what a user meets."""
    client = StreamlitClient(server.base_url, timeout=ACTION_TIMEOUT_SECONDS)
    try:
        await client.connect()
    finally:
        await client.close()


async def active(
    server: Server, rec: Recorder, *, users: int, plan: Plan, pdf: Path, memory: dict
) -> None:
    clerks = users // CLERK_SHARE
    await _warm_up(server)
    memory["before"] = memory["peak"] = server.rss_mb()  # warm: imports done
    tasks = _journeys(
        server,
        rec,
        members=[member_name(n) for n in range(users - clerks)],
        clerks=[clerk_name(n) for n in range(clerks)],
        pdf=pdf.read_bytes(),
        plan=plan,
    )
    await arrive_and_run(tasks, rec, plan.end)


async def idle(server: Server, *, sessions: int, hold_seconds: float) -> dict:
    """Sessions that open the login page and stay; afterwards each must still answer."""
    gate = asyncio.Semaphore(IDLE_OPENING_AT_ONCE)
    clients = [
        StreamlitClient(server.base_url, timeout=ACTION_TIMEOUT_SECONDS) for _ in range(sessions)
    ]
    failures: list[str] = []
    await _warm_up(server)
    await asyncio.sleep(3)
    before = server.rss_mb()

    async def shows_login(client: StreamlitClient, step) -> bool:
        async with gate:
            try:
                await step()
                return client.has_button("Anmelden")
            except Exception as error:
                failures.append(first_line(error))
                return False

    try:
        started = time.perf_counter()
        opened = sum(await asyncio.gather(*(shows_login(c, c.connect) for c in clients)))
        opening = time.perf_counter() - started
        await asyncio.sleep(hold_seconds)
        after = server.rss_mb()
        connected = [client for client in clients if client.connected]
        alive = sum(await asyncio.gather(*(shows_login(c, c.rerun) for c in connected)))
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    return {
        "sessions": sessions,
        "opened": opened,
        "alive": alive,
        "failures": failures,
        "opening_seconds": opening,
        "rss_before": before,
        "rss_after": after,
    }
