"""In Chromium: jonas.smart requests a digital insurance card, sees its validity and the
yearly counter, and downloads the PDF; lena.basic neither sees nor opens the page."""

import hashlib
import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from core.clock import today_berlin
from core.models.digital_cards import DigitalCard
from tests.browser.helpers import Portal, screenshot, sidebar_nav, sign_in, wait_until_shown

pytestmark = pytest.mark.browser

TITLE = "Digitaler Versicherungsausweis"
REFUSAL = "Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."


def test_smart_member_requests_a_card_sees_validity_and_counter_and_downloads_it(
    portal: Portal, page: Page
):
    year = today_berlin().year
    page.goto(portal.url())
    sign_in(page, "jonas.smart")
    wait_until_shown(page, sidebar_nav(page).get_by_role("link", name=TITLE))
    sidebar_nav(page).get_by_role("link", name=TITLE).click()
    wait_until_shown(page, page.get_by_role("heading", name=TITLE, level=1))
    expect(page.get_by_text(f"Noch 4 von 4 in {year}")).to_be_visible()

    page.get_by_role("button", name="Ausweis jetzt anfordern").click()

    wait_until_shown(page, page.get_by_text("Ihr digitaler Versicherungsausweis ist fertig."))
    expect(page.get_by_role("heading", name="Ihr gültiger Ausweis")).to_be_visible()
    expect(page.get_by_text(f"Noch 3 von 4 in {year}")).to_be_visible()
    expect(page.get_by_text("noch 14 Tage")).to_be_visible()
    send = page.get_by_role("link", name="Per E-Mail senden")
    assert send.get_attribute("href").startswith("mailto:?subject=")
    screenshot(page, "jonas.smart-digital-card")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Herunterladen (PDF)").click()
    download = download_info.value
    data = download.path().read_bytes()
    assert download.suggested_filename.startswith("HEK_Versicherungsausweis_")
    assert data.startswith(b"%PDF")
    with Session(portal.engine) as session:
        card = session.exec(select(DigitalCard).order_by(DigitalCard.id.desc())).first()
    assert hashlib.sha256(data).hexdigest() == card.pdf_sha256


def test_basic_member_has_no_card_link_and_a_typed_url_is_refused(portal: Portal, page: Page):
    page.goto(portal.url("member_digital_card"))
    sign_in(page, "lena.basic")

    wait_until_shown(page, REFUSAL)
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_have_count(0)
    expect(page.get_by_role("button", name="Ausweis jetzt anfordern")).to_have_count(0)
    more = sidebar_nav(page).get_by_text(re.compile(r"^View \d+ more$"))
    if more.count():
        more.click()  # the collapsed rest of the navigation, so every link is in the DOM
    expect(sidebar_nav(page).get_by_role("link", name="Datenschutz")).to_be_visible()
    expect(sidebar_nav(page).get_by_role("link", name=TITLE)).to_have_count(0)
    expect(sidebar_nav(page).get_by_role("link", name="Bonusprogramm")).to_have_count(0)
    screenshot(page, "lena.basic-digital-card-refused")


def test_smart_member_finds_the_bonus_programme_with_its_application_form(
    portal: Portal, page: Page
):
    page.goto(portal.url())
    sign_in(page, "jonas.smart")
    wait_until_shown(page, sidebar_nav(page).get_by_role("link", name="Bonusprogramm"))
    sidebar_nav(page).get_by_role("link", name="Bonusprogramm").click()

    wait_until_shown(page, page.get_by_role("heading", name="Bonusprogramm", level=1))
    expect(page.get_by_role("button", name="Antrag herunterladen (PDF)")).to_be_visible()
    expect(page.get_by_role("button", name="Antrag senden")).to_be_disabled()
    screenshot(page, "jonas.smart-bonus")
