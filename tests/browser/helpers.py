"""A real `streamlit run Home.py` on a seeded database, and small Playwright steps for it.

Playwright's sync API is used directly (pytest-playwright is not installed). Never
`playwright install`: the Debian chromium at /usr/bin/chromium is launched instead.
"""

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import Engine

from core.db import make_engine
from core.seed import DEMO_APP_PIN, DEMO_IDENTIFICATIONS, DEMO_PASSWORD, seed_demo
from tests.conftest import fresh_sqlite_url
from tests.portal_process import portal_environment, portal_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STARTUP_SECONDS = 90
WAIT_MS = 45_000  # generous: a loaded 2-core CI machine renders slowly


@dataclass(frozen=True)
class Portal:
    """A running portal: its address and the database behind it."""

    base_url: str
    engine: Engine

    def url(self, path: str = "") -> str:
        return f"{self.base_url}/{path}"


@contextlib.contextmanager
def running_portal(workdir: Path) -> Iterator[Portal]:
    """Seed a fresh database, serve the app on a free port in its own process group, stop it."""
    database_url = fresh_sqlite_url()
    engine = make_engine(database_url)
    seed_demo(engine, members=20)
    env = portal_environment(database_url=database_url, data_dir=workdir)
    try:
        with portal_process(
            env, workdir / "streamlit.log", startup_seconds=STARTUP_SECONDS
        ) as process:
            yield Portal(process.base_url, engine)
    finally:
        engine.dispose()


def wait_until_shown(page: Page, target: str | Locator) -> None:
    """Wait for a text (or element) only the target page shows, the run's end, and every
    lazily loaded element (dataframes, uploaders draw a skeleton first)."""
    locator = page.get_by_text(target).first if isinstance(target, str) else target
    expect(locator).to_be_visible(timeout=WAIT_MS)
    page.wait_for_selector(IDLE, timeout=WAIT_MS)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=WAIT_MS)


def confirm_device(page: Page, pin: str = DEMO_APP_PIN) -> None:
    """The device gate after a smart member's login: prove the (first) device's app PIN."""
    wait_until_shown(page, page.get_by_role("heading", name="Gerät bestätigen", level=1))
    page.locator('input[type="password"]').fill(pin)
    page.get_by_role("button", name="Bestätigen").click()


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in and send the login form that `page` shows; a smart persona then confirms its
    seeded device with the demo app PIN."""
    sidebar_nav(page)  # from here on a folded navigation unfolds itself
    wait_until_shown(page, page.get_by_role("button", name="Anmelden"))
    page.get_by_role("textbox", name="Benutzername").fill(username)
    page.get_by_role("textbox", name="Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    if username in DEMO_IDENTIFICATIONS and password == DEMO_PASSWORD:
        confirm_device(page)


def _unfold(fold: Locator) -> None:
    """Click "View N more" unless the sidebar is folded away (a phone before its menu opens)."""
    if fold.page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true":
        return
    with contextlib.suppress(PlaywrightTimeoutError):
        fold.click(timeout=2_000)


def sidebar_nav(page: Page) -> Locator:
    """The sidebar navigation. Streamlit folds more than twelve pages behind "View N more":
    a locator handler unfolds it whenever it shows while Playwright waits or acts."""
    if not getattr(page, "_hek_unfolds_nav", False):
        more = page.get_by_test_id("stSidebarNav").get_by_text(re.compile(r"^View \d+ more$"))
        page.add_locator_handler(more, _unfold, no_wait_after=True)
        page._hek_unfolds_nav = True
    return page.get_by_test_id("stSidebarNav")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
