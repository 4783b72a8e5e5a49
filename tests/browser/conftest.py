"""Browser fixtures: one portal server and one Chromium per session, a fresh context per test."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    Portal,
    running_portal,
)

DESKTOP = {"width": 1366, "height": 900}


def pytest_collection_modifyitems(config, items) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: apt-get install chromium")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def portal(tmp_path_factory, chromium) -> Iterator[Portal]:
    """The shared server, warmed up by one visit to its root URL.

    Until Home.py has run once in a server process, Streamlit treats `pages/` as a legacy
    multipage folder and a deep link runs the page file alone (test_browser_fresh_server.py
    shows it). One visit first keeps the other tests independent of their order.
    """
    with running_portal(tmp_path_factory.mktemp("browser-portal")) as running:
        context = chromium.new_context()
        warm_up = context.new_page()
        warm_up.goto(running.url())
        expect(warm_up.get_by_role("button", name="Anmelden")).to_be_visible(timeout=WAIT_MS)
        context.close()
        yield running


@pytest.fixture
def page(chromium) -> Iterator[Page]:
    """A new browser session: there is no login cookie, so every visit starts signed out."""
    context = chromium.new_context(viewport=DESKTOP, locale="de-DE")
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()
