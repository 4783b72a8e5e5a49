"""What a person sees in Chromium: each role's screens, refusals, wrong passwords, a phone."""

import time

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from core.models.accounts import LoginThrottle
from core.seed import DEMO_PERSONAS
from tests.browser.helpers import Portal, screenshot, sidebar_nav, sign_in, wait_until_shown
from ui.registry import SCREENS, Screen, screens_for

pytestmark = pytest.mark.browser

WRONG = "Benutzername oder Passwort ist falsch."
LOCKED = "Zu viele Fehlversuche"
REFUSAL = "Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."
PHONE = {"width": 390, "height": 844}

LEVELS = {"lena.basic": "basic"}  # core/seed.py
START_HEADINGS = {"member_home": "Hallo Lena!", "clerk_home": "Back-Office"}


def _expected_heading(screen: Screen) -> str:
    return START_HEADINGS.get(screen.url_path, screen.title)


def _heading(page: Page, text: str):
    return page.get_by_role("heading", name=text, level=1)


def _nav_titles(page: Page) -> list[str]:
    return [link.inner_text().strip() for link in sidebar_nav(page).get_by_role("link").all()]


@pytest.mark.parametrize("username", ["lena.basic", "sachbearbeitung", "admin"])
def test_each_role_visits_every_screen_through_the_sidebar(portal: Portal, page: Page, username):
    persona = next(p for p in DEMO_PERSONAS if p.username == username)
    screens = screens_for(role=persona.role, service_level=LEVELS.get(username))

    page.goto(portal.url())
    sign_in(page, username)
    wait_until_shown(page, _heading(page, _expected_heading(screens[0])))

    shown = _nav_titles(page)
    for screen in SCREENS:
        listed = any(title.endswith(screen.title) for title in shown)
        assert listed == (screen in screens), f"{screen.title} in {shown}"
    for screen in screens:
        sidebar_nav(page).get_by_role("link", name=screen.title).click()
        wait_until_shown(page, _heading(page, _expected_heading(screen)))
        expect(page.get_by_text(REFUSAL)).to_have_count(0)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        screenshot(page, f"{username}-{screen.url_path}")


def test_member_opening_a_clerk_url_directly_is_refused(portal: Portal, page: Page):
    page.goto(portal.url("clerk_members"))
    sign_in(page, "lena.basic")

    wait_until_shown(page, REFUSAL)
    screenshot(page, "lena.basic-clerk_members-refused")
    expect(_heading(page, "Versicherte")).to_have_count(0)
    expect(page.get_by_test_id("stTextInput")).to_have_count(0)
    assert not any(title.endswith("Versicherte") for title in _nav_titles(page))


def test_wrong_password_shows_the_general_message(portal: Portal, page: Page):
    page.goto(portal.url())
    sign_in(page, "lena.basic", "falsches-passwort")

    wait_until_shown(page, WRONG)
    screenshot(page, "login-wrong-password")
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()


def _failures(portal: Portal, username: str) -> tuple[int, bool]:
    with Session(portal.engine) as session:
        throttle = session.get(LoginThrottle, username)
    if throttle is None:
        return 0, False
    return throttle.failures, throttle.locked_until is not None


def _wait_until(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_five_wrong_attempts_lock_a_fresh_username(portal: Portal, page: Page):
    username = "browser.gesperrt"
    page.goto(portal.url())
    for attempt in range(1, 5):
        sign_in(page, username, "falsches-passwort")
        # The same message stands from the attempt before: wait for the database instead.
        _wait_until(lambda n=attempt: _failures(portal, username) == (n, False))
        wait_until_shown(page, WRONG)

    sign_in(page, username, "falsches-passwort")
    wait_until_shown(page, LOCKED)
    screenshot(page, "login-locked")
    assert _failures(portal, username) == (0, True)
    expect(page.get_by_text(WRONG)).to_have_count(0)


def test_member_start_page_fits_a_phone(portal: Portal, chromium: Browser):
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="de-DE"
    )
    try:
        page = context.new_page()
        page.goto(portal.url())
        sign_in(page, "lena.basic")
        wait_until_shown(page, _heading(page, "Hallo Lena!"))
        screenshot(page, "phone-lena.basic-member_home")

        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"] + 1
    finally:
        context.close()
