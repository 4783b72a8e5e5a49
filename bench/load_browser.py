"""The load journeys in real browsers: one Chromium, one context per user (Playwright).

Closest to a person, but 20 Chromium renderers on the machine that also runs the portal
measure the machine more than the portal; bench/load_protocol.py is the light client.
"""

import asyncio
import time
from functools import partial
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright, expect

from bench.load_support import (
    ACTION_TIMEOUT_SECONDS,
    CLERK_SHARE,
    MEMBER_FIRST_NAME,
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
from core.seed import DEMO_PASSWORD
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, IDLE

ACTION_TIMEOUT_MS = int(ACTION_TIMEOUT_SECONDS * 1000)
IDLE_OPENING_AT_ONCE = 10
IDLE_TABS_PER_CONTEXT = 20
_NEW_CASE = """previous => {
    const heading = [...document.querySelectorAll("h3")]
        .map(h => h.textContent.trim())
        .find(text => text.startsWith("Vorgang HEK-"));
    if (heading && heading !== previous) return heading;
    if (document.body.innerText.includes("keinen offenen Vorgang")) return "none";
    return false;
}"""
_NEW_TRACKING_ID = """previous => {
    const code = document.querySelector('[data-testid="stCode"] code');
    const text = code ? code.textContent.trim() : "";
    return text.startsWith("HEK-") && text !== previous ? text : false;
}"""


def _no_exception(page: Page):
    async def check() -> None:
        if await page.get_by_test_id("stException").count():
            raise RuntimeError("the page shows an exception")

    return check


async def _shown(page: Page, locator) -> None:
    """The target is visible, the script run has ended, no skeleton is left."""
    await expect(locator.first).to_be_visible(timeout=ACTION_TIMEOUT_MS)
    await page.wait_for_selector(IDLE, timeout=ACTION_TIMEOUT_MS)
    await expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=ACTION_TIMEOUT_MS)


async def _open_nav(page: Page, title: str, heading: str) -> None:
    nav = page.get_by_test_id("stSidebarNav")
    link = nav.get_by_role("link", name=title, exact=True)
    if await link.count() == 0:  # a long menu hides its tail behind "View N more"
        await page.get_by_test_id("stSidebarNavViewButton").click()
    await link.click()
    await _shown(page, page.get_by_role("heading", name=heading, level=1))


async def _sign_in(page: Page, base_url: str, username: str, landing: str, rec: Recorder):
    checked = _no_exception(page)
    async with rec.timed("Anmeldeseite laden", checked):
        await page.goto(base_url)
        await _shown(page, page.get_by_role("button", name="Anmelden"))
    await think()
    await page.get_by_role("textbox", name="Benutzername").fill(username)
    await page.get_by_role("textbox", name="Passwort").fill(DEMO_PASSWORD)
    async with rec.timed("Anmelden", checked):
        await page.get_by_role("button", name="Anmelden").click()
        await _shown(page, page.get_by_role("heading", name=landing, level=1))


async def _member(
    page: Page, rec: Recorder, *, username: str, base_url: str, pdf: Path, plan: Plan
) -> None:
    checked = _no_exception(page)
    await _sign_in(page, base_url, username, f"Hallo {MEMBER_FIRST_NAME}!", rec)
    last_id, done = "", 0
    while plan.another_round(done):
        done += 1
        for title in browse_titles():
            await think()
            async with rec.timed("Seite öffnen", checked):
                await _open_nav(page, title, title)
        await think()
        async with rec.timed("Dokument senden öffnen", checked):
            await _open_nav(page, "Dokument senden", "Dokument senden")
        uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
        async with rec.timed("PDF hochladen (Vorschau)", checked):
            await uploader.set_input_files(str(pdf))
            await _shown(page, page.get_by_role("heading", name="Vorschau"))
        await think()
        async with rec.timed("Senden (Tracking-ID)", checked):
            await page.get_by_role("button", name="Senden", exact=True).click()
            shown = await page.wait_for_function(
                _NEW_TRACKING_ID, arg=last_id, timeout=ACTION_TIMEOUT_MS
            )
            await page.wait_for_selector(IDLE, timeout=ACTION_TIMEOUT_MS)
        last_id = await shown.json_value()
        rec.tracking_ids.append((username, last_id))


async def _clerk(page: Page, rec: Recorder, *, username: str, base_url: str, plan: Plan) -> None:
    checked = _no_exception(page)
    await _sign_in(page, base_url, username, "Back-Office", rec)
    last_case, done = "", 0
    while plan.another_round(done):
        done += 1
        await think()
        async with rec.timed("Übersicht öffnen", checked):
            await _open_nav(page, "Übersicht", "Back-Office")
        await think()
        async with rec.timed("Posteingang öffnen", checked):
            await _open_nav(page, "Posteingang", "Posteingang")
        await think()
        async with rec.timed("Nächsten Vorgang übernehmen", checked):
            await page.get_by_role("button", name="Nächsten Vorgang übernehmen").click()
            case = await page.wait_for_function(_NEW_CASE, arg=last_case, timeout=ACTION_TIMEOUT_MS)
            await page.wait_for_selector(IDLE, timeout=ACTION_TIMEOUT_MS)
        shown = await case.json_value()
        if shown != "none":
            last_case = shown
            rec.claims.append((username, shown.removeprefix("Vorgang ")))


async def _user(browser: Browser, name: str, rec: Recorder, journey) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = await context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        await journey(page, rec)
    except JourneyEnded:
        pass
    except Exception as error:  # one user's failure is a figure, not the end of the run
        rec.errors[f"({name}, between actions)"].append(first_line(error))
    finally:
        await context.close()


async def _warm_up(browser: Browser, server: Server) -> None:
    """The first request of a fresh process imports and migrates: not what a user meets."""
    page = await browser.new_page()
    await page.goto(server.base_url)
    await _shown(page, page.get_by_role("button", name="Anmelden"))
    await page.close()


def _journeys(
    browser: Browser, server: Server, rec: Recorder, *, members, clerks, pdf: Path, plan: Plan
) -> list:
    base_url = server.base_url
    return [
        _user(
            browser,
            name,
            rec,
            partial(_member, username=name, base_url=base_url, pdf=pdf, plan=plan),
        )
        for name in members
    ] + [
        _user(browser, name, rec, partial(_clerk, username=name, base_url=base_url, plan=plan))
        for name in clerks
    ]


async def solo(server: Server, rec: Recorder, *, member: str, clerk: str, pdf: Path) -> None:
    """The baseline: one member's and then one clerk's journey with nobody else on the server."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        await _warm_up(browser, server)
        plan = Plan(end=time.monotonic() + 600, rounds=1)
        for journey in _journeys(
            browser, server, rec, members=[member], clerks=[clerk], pdf=pdf, plan=plan
        ):
            await journey
        await browser.close()


async def active(
    server: Server, rec: Recorder, *, users: int, plan: Plan, pdf: Path, memory: dict
) -> None:
    clerks = users // CLERK_SHARE
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        await _warm_up(browser, server)
        memory["before"] = memory["peak"] = server.rss_mb()  # warm: imports done
        tasks = _journeys(
            browser,
            server,
            rec,
            members=[member_name(n) for n in range(users - clerks)],
            clerks=[clerk_name(n) for n in range(clerks)],
            pdf=pdf,
            plan=plan,
        )
        await arrive_and_run(tasks, rec, plan.end)
        await browser.close()


async def idle(server: Server, *, sessions: int, hold_seconds: float) -> dict:
    opened, failures = 0, []
    gate = asyncio.Semaphore(IDLE_OPENING_AT_ONCE)
    async with async_playwright() as playwright:
        # Tabs share renderer processes: 200 tabs would otherwise start 200 renderers.
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--renderer-process-limit=8"]
        )
        await _warm_up(browser, server)
        await asyncio.sleep(3)
        before = server.rss_mb()
        contexts = [
            await browser.new_context()
            for _ in range(-(-sessions // IDLE_TABS_PER_CONTEXT))  # ceiling division
        ]

        async def open_one(number: int) -> None:
            nonlocal opened
            async with gate:
                try:
                    page = await contexts[number // IDLE_TABS_PER_CONTEXT].new_page()
                    await page.goto(server.base_url, timeout=ACTION_TIMEOUT_MS)
                    await _shown(page, page.get_by_role("button", name="Anmelden"))
                    opened += 1
                except Exception as error:
                    failures.append(first_line(error))

        started = time.perf_counter()
        await asyncio.gather(*(open_one(number) for number in range(sessions)))
        opening = time.perf_counter() - started
        await asyncio.sleep(hold_seconds)
        after = server.rss_mb()
        alive = sum(
            [await page.locator(IDLE).count() for context in contexts for page in context.pages]
        )
        await browser.close()
    return {
        "sessions": sessions,
        "opened": opened,
        "alive": alive,
        "failures": failures,
        "opening_seconds": opening,
        "rss_before": before,
        "rss_after": after,
    }
