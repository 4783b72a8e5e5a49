"""Every member screen on a phone (390 x 844): no sideways scrolling, a screenshot to look at."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from core import benefits
from core.actors import SYSTEM
from core.db import session_scope
from core.models.accounts import Role
from core.seed import DEMO_PERSONAS
from tests.browser.helpers import Portal, screenshot, sidebar_nav, sign_in, wait_until_shown
from ui.registry import SCREENS, Screen, screens_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MAX_SHOT = 6000  # px: longer pages are cut off in the screenshot (not in the width check)
LEVELS = {"lena.basic": "basic", "jonas.smart": "smart"}  # core/seed.py
REFUSAL = "Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."
TRACKING_ID = re.compile(r"^HEK(-[0-9A-Z]{4}){4}-[0-9A-Z]$")


def _first_name(username: str) -> str:
    persona = next(p for p in DEMO_PERSONAS if p.username == username)
    return persona.display_name.split()[0]


def _heading(page: Page, screen: Screen, username: str):
    text = f"Hallo {_first_name(username)}!" if screen.url_path == "member_home" else screen.title
    return page.get_by_role("heading", name=text, level=1)


def _sidebar_collapsed(page: Page) -> bool:
    return page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true"


def _open_from_the_menu(page: Page, screen: Screen) -> None:
    """On a phone the menu is folded away: unfold it, tap the screen's entry (behind
    "View more" if the list is long), and fold the menu again to see the page."""
    if _sidebar_collapsed(page):
        page.get_by_test_id("stExpandSidebarButton").click()
    link = sidebar_nav(page).get_by_role("link", name=screen.title, exact=True)
    if link.count() == 0:
        page.get_by_test_id("stSidebarNavViewButton").click()
    link.click()


def _fold_the_menu(page: Page) -> None:
    if not _sidebar_collapsed(page):
        page.get_by_test_id("stSidebarCollapseButton").get_by_role("button").click()
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    # The flag flips at once; the menu then slides out: wait until it has left the screen.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebar\"]')"
        ".getBoundingClientRect().right <= 0"
    )


def _widths(page: Page) -> tuple[int, int]:
    """How wide the document and Streamlit's scrolling main area really are."""
    return tuple(
        page.evaluate(
            "[document.documentElement.scrollWidth,"
            " document.querySelector('[data-testid=\"stMain\"]').scrollWidth]"
        )
    )


def _whole_screen_shot(page: Page, name: str) -> None:
    """Streamlit scrolls inside its main area, so a full-page screenshot shows one screen
    only: stretch the viewport to the content's height (same width) for the picture."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size(
        {"width": PHONE["width"], "height": min(max(height, PHONE["height"]), MAX_SHOT)}
    )
    try:
        screenshot(page, name)
    finally:
        page.set_viewport_size(PHONE)


def _phone_page(chromium: Browser):
    return chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="de-DE"
    )


def _edit_summary(portal: Portal, slug: str, summary: str) -> None:
    with session_scope(write=True, engine=portal.engine) as db:
        entry = next(e for e in benefits.catalogue(db) if e.slug == slug)
        values = {name: getattr(entry, name) for name in benefits.FIELD_LABELS}
        edit = benefits.BenefitEdit(**{**values, "summary": summary})
        benefits.update_benefit(db, actor=SYSTEM, benefit_id=entry.id, edit=edit)


@pytest.mark.parametrize("username", sorted(LEVELS))
def test_every_member_screen_fits_a_phone_without_sideways_scrolling(
    portal: Portal, chromium: Browser, username: str
):
    screens = screens_for(role=Role.MEMBER, service_level=LEVELS[username])
    context = _phone_page(chromium)
    try:
        page = context.new_page()
        page.goto(portal.url())
        sign_in(page, username)
        wait_until_shown(page, _heading(page, screens[0], username))

        too_wide: dict[str, tuple[int, int]] = {}
        for screen in screens:
            _open_from_the_menu(page, screen)
            wait_until_shown(page, _heading(page, screen, username))
            _fold_the_menu(page)
            expect(page.get_by_text(REFUSAL)).to_have_count(0)
            expect(page.get_by_test_id("stException")).to_have_count(0)
            if max(widths := _widths(page)) > PHONE["width"] + 1:
                too_wide[screen.url_path] = widths
            _whole_screen_shot(page, f"phone-{username}-{screen.url_path}")
        assert too_wide == {}, f"wider than {PHONE['width']} px: {too_wide}"
    finally:
        context.close()


def test_on_a_phone_a_member_finds_a_benefit_sends_for_it_and_requests_a_card(
    portal: Portal, chromium: Browser
):
    markup = 'Bis zu 40 Euro je Sitzung. <b>fett</b><img src="x"> [Link](https://example.org)'
    _edit_summary(portal, "osteopathie", markup)
    context = _phone_page(chromium)
    try:
        page = context.new_page()
        page.goto(portal.url())
        sign_in(page, "lena.basic")
        wait_until_shown(page, page.get_by_role("heading", name="Hallo Lena!", level=1))
        benefits_screen, card_screen = (
            next(s for s in SCREENS if s.path == path)
            for path in ("pages/member_benefits.py", "pages/member_health_card.py")
        )

        # Staff-edited text is shown as typed: no bold, no image, no link.
        _open_from_the_menu(page, benefits_screen)
        _fold_the_menu(page)
        search = page.get_by_role("textbox", name="Suchen")
        search.fill("osteopathie")
        search.press("Enter")
        # Only once the narrowed list is drawn: a tap during the redraw can miss the entry.
        wait_until_shown(page, page.get_by_text(re.compile(r"^1 von \d+ Leistungen$")))
        page.get_by_text("Osteopathie", exact=True).click()
        wait_until_shown(page, page.get_by_text(markup, exact=True))
        expander = page.get_by_test_id("stExpander")
        expect(expander.locator("b, img, a")).to_have_count(0)

        # A benefit's button opens "Dokument senden" with its document type chosen.
        search.fill("Zahnspange")
        search.press("Enter")
        wait_until_shown(page, page.get_by_text(re.compile(r"^1 von \d+ Leistungen$")))
        page.get_by_text("Kieferorthopädie für Kinder und Jugendliche", exact=True).click()
        wait_until_shown(page, "Den kieferorthopädischen Behandlungsplan vor Beginn")
        assert max(_widths(page)) <= PHONE["width"] + 1
        _whole_screen_shot(page, "phone-lena.basic-benefit-open")
        page.get_by_role("button", name="Dokument senden: Antrag").click()
        wait_until_shown(page, page.get_by_role("heading", name="Dokument senden", level=1))
        expect(page.get_by_role("combobox", name="Dokumentenart")).to_have_value("Antrag")
        # The uploader states the portal's limits in German, not Streamlit's "20MB per file".
        hint = page.get_by_test_id("stFileUploaderDropzoneInstructions")
        expect(hint.get_by_text("per file")).to_be_hidden()
        shown = hint.evaluate("e => getComputedStyle(e, '::after').content")
        assert "Höchstens 10 MB je Datei, 20 MB je Sendung" in shown, shown

        # A new health card: the tracking ID is shown and the request is listed.
        _open_from_the_menu(page, card_screen)
        wait_until_shown(page, page.get_by_role("heading", name="Gesundheitskarte", level=1))
        _fold_the_menu(page)
        page.get_by_text("Karte defekt", exact=True).click()
        page.get_by_role("button", name="Neue Gesundheitskarte beantragen").click()
        wait_until_shown(page, "Ihre Tracking-ID:")
        tracking_id = page.get_by_test_id("stCode").inner_text().strip()
        assert TRACKING_ID.match(tracking_id), tracking_id
        expect(page.get_by_text(f"Tracking-ID: {tracking_id}")).to_be_visible()
        assert max(_widths(page)) <= PHONE["width"] + 1
        _whole_screen_shot(page, "phone-lena.basic-health-card-requested")
    finally:
        context.close()
