"""Accessibility in Chromium: axe-core finds no serious or critical violation on the login page
or on any screen of the personas' roles, and a member signs in and sends a document by
keyboard alone.

The screens come from ui.registry at collection time, so a newly registered page is checked
without touching this file.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from fpdf import FPDF
from playwright.sync_api import Browser, FileChooser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlmodel import Session, select

from core.models.documents import Submission
from core.seed import DEMO_PASSWORD, DEMO_PERSONAS, DemoPersona
from tests.browser.helpers import (
    WAIT_MS,
    Portal,
    confirm_device,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)
from ui.registry import Screen, screens_for

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
DESKTOP = {"width": 1366, "height": 900}
# One persona per role and member level that has screens of its own (core/seed.py).
PERSONA_LEVELS = {
    "lena.basic": "basic",
    "jonas.smart": "smart",
    "sachbearbeitung": None,
    "admin": None,
}
# A screen's heading is its navigation title, except on the start pages (as in tests/app).
START_HEADINGS = {
    "member_home": lambda persona: f"Hallo {persona.display_name.split()[0]}!",
    "clerk_home": lambda persona: "Back-Office",
}
TAB_LIMIT = 80  # presses of Tab before we call an element unreachable by keyboard


@dataclass(frozen=True)
class StreamlitIssue:
    """A violation in Streamlit's own markup that no app code can change: one rule, only
    inside one Streamlit element. Everything else still fails the test."""

    rule: str
    inside: str  # CSS selector of the Streamlit element the offending node must sit in
    why: str


STREAMLIT_ISSUES = (
    # Streamlit 1.67 frontend (SidebarNav): with st.navigation sections, every section is a
    # <div> (header + links) placed directly inside <ul data-testid="stSidebarNavItems">.
    StreamlitIssue(
        "list",
        '[data-testid="stSidebarNavItems"]',
        "sidebar navigation: section <div>s are direct children of the <ul>",
    ),
    StreamlitIssue(
        "listitem",
        '[data-testid="stSidebarNavItems"]',
        "sidebar navigation: the <li>s sit in those section <div>s, not in the <ul>",
    ),
)

_INSIDE = """([selector, container]) => {
    const node = document.querySelector(selector);
    return Boolean(node && node.closest(container));
}"""


def _persona(username: str) -> DemoPersona:
    return next(persona for persona in DEMO_PERSONAS if persona.username == username)


def _heading(screen: Screen, persona: DemoPersona) -> str:
    start = START_HEADINGS.get(screen.url_path)
    return start(persona) if start else screen.title


def _screen_cases() -> list:
    return [
        pytest.param(username, screen, id=f"{username}-{screen.url_path}")
        for username, level in PERSONA_LEVELS.items()
        for screen in screens_for(role=_persona(username).role, service_level=level)
    ]


def _is_streamlits(page: Page, rule: str, target: list) -> bool:
    if len(target) != 1 or not isinstance(target[0], str):  # iframe or shadow DOM path
        return False
    return any(
        issue.rule == rule and page.evaluate(_INSIDE, [target[0], issue.inside])
        for issue in STREAMLIT_ISSUES
    )


def blocking_violations(page: Page) -> list[str]:
    """Serious and critical axe-core findings on what `page` shows, less Streamlit's own."""
    results = Axe().run(page).response
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            if _is_streamlits(page, violation["id"], node["target"]):
                continue
            found.append(
                f"{violation['id']} ({violation['impact']}): {node['target']} "
                f"{node['html'][:160]}\n    {node.get('failureSummary', '')[:300]}\n"
                f"    {violation['helpUrl']}"
            )
    return found


def open_screen(page: Page, screen: Screen, persona: DemoPersona) -> None:
    """Follow the sidebar link; a long menu hides its tail behind "View N more"."""
    link = sidebar_nav(page).get_by_role("link", name=screen.title, exact=True)
    if link.count() == 0:
        page.get_by_test_id("stSidebarNavViewButton").click()
    link.click()
    wait_until_shown(page, page.get_by_role("heading", name=_heading(screen, persona), level=1))


@dataclass(frozen=True)
class SignedIn:
    persona: DemoPersona
    page: Page


@pytest.fixture(scope="module")
def signed_in(request, portal: Portal, chromium: Browser) -> Iterator[SignedIn]:
    """One signed-in browser session per persona, shared by that persona's screens."""
    context = chromium.new_context(viewport=DESKTOP, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(portal.url())
    sign_in(page, request.param)
    expect(sidebar_nav(page)).to_be_visible(timeout=WAIT_MS)
    yield SignedIn(_persona(request.param), page)
    context.close()


def test_login_page_has_no_serious_accessibility_violations(portal: Portal, page: Page):
    page.goto(portal.url())
    wait_until_shown(page, page.get_by_role("button", name="Anmelden"))

    assert blocking_violations(page) == []


def test_device_gate_has_no_serious_accessibility_violations(portal: Portal, page: Page):
    page.goto(portal.url())
    wait_until_shown(page, page.get_by_role("button", name="Anmelden"))
    page.get_by_role("textbox", name="Benutzername").fill("jonas.smart")
    page.get_by_role("textbox", name="Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    wait_until_shown(page, page.get_by_role("heading", name="Gerät bestätigen", level=1))

    assert blocking_violations(page) == []
    confirm_device(page)


@pytest.mark.parametrize(("signed_in", "screen"), _screen_cases(), indirect=["signed_in"])
def test_screen_has_no_serious_accessibility_violations(signed_in: SignedIn, screen: Screen):
    open_screen(signed_in.page, screen, signed_in.persona)

    assert blocking_violations(signed_in.page) == []


def _is_focused(locator: Locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the keyboard focus, as a keyboard user would."""
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if _is_focused(target):
            return
    raise AssertionError(f"{target} is not reachable with Tab")


def _choose_file_with_enter(page: Page, button: Locator) -> FileChooser:
    """Enter on the focused upload button opens the file dialog. On a busy machine the first
    press can come before the freshly drawn button listens, or a redraw takes the focus away;
    a keyboard user tabs back to the button if need be and presses again."""
    for attempt in (1, 2, 3):
        if not _is_focused(button):
            tab_to(page, button)
        try:
            with page.expect_file_chooser(timeout=WAIT_MS // 3) as chooser:
                page.keyboard.press("Enter")
            return chooser.value
        except PlaywrightTimeoutError:
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


def _one_page_pdf(path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=24)
    document.cell(text="Arbeitsunfaehigkeitsbescheinigung")
    path.write_bytes(bytes(document.output()))


def test_member_signs_in_and_sends_a_document_with_the_keyboard_only(
    portal: Portal, page: Page, tmp_path
):
    pdf = tmp_path / "au.pdf"
    _one_page_pdf(pdf)
    page.goto(portal.url())
    wait_until_shown(page, page.get_by_role("button", name="Anmelden"))

    tab_to(page, page.get_by_role("textbox", name="Benutzername"))
    page.keyboard.type("lena.basic")
    tab_to(page, page.get_by_role("textbox", name="Passwort"))
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")  # Enter in a form field submits the form
    wait_until_shown(page, page.get_by_role("heading", name="Hallo Lena!", level=1))

    tab_to(page, sidebar_nav(page).get_by_role("link", name="Dokument senden", exact=True))
    page.keyboard.press("Enter")
    wait_until_shown(page, page.get_by_role("heading", name="Dokument senden", level=1))

    # Enter on the focused upload button opens the operating system's file dialog. That
    # dialog is outside the page (and keyboard-operable on every desktop), so Playwright
    # answers it: the chooser event proves the keyboard opened it, set_files picks the file.
    upload = page.get_by_test_id("stFileUploaderDropzone").locator("button")
    tab_to(page, upload)
    _choose_file_with_enter(page, upload).set_files(str(pdf))
    wait_until_shown(page, page.get_by_role("heading", name="Vorschau"))

    tab_to(page, page.get_by_role("button", name="Senden", exact=True))
    page.keyboard.press("Enter")
    wait_until_shown(page, page.get_by_text("Ihre Tracking-ID:"))
    tracking_id = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    with Session(portal.engine) as session:
        stored = session.exec(select(Submission).where(Submission.tracking_id == tracking_id))
        assert len(stored.all()) == 1
