"""In Chromium: lena.basic switches to smart by eID (simulated Nect Wallet), registers this
browser as her device and then uses a smart page; jonas.smart meets the device gate.

lena's level changes, so this module runs its own portal instead of the shared one."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from core.models.accounts import UserAccount
from core.models.identity import RegisteredDevice
from core.models.people import Member
from core.seed import DEMO_APP_PIN, DEMO_PERSONAS
from tests.browser.helpers import (
    IDLE,
    WAIT_MS,
    Portal,
    running_portal,
    screenshot,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)
from tests.hostile_files import jpeg

pytestmark = pytest.mark.browser

LENA_KVNR = next(p.kvnr for p in DEMO_PERSONAS if p.username == "lena.basic")
DEVICE_PIN = "480213"


@pytest.fixture(scope="module")
def own_portal(tmp_path_factory, chromium) -> Iterator[Portal]:
    """A portal of its own, warmed up by one visit (see conftest.portal for why)."""
    with running_portal(tmp_path_factory.mktemp("identification-portal")) as running:
        context = chromium.new_context()
        warm_up = context.new_page()
        warm_up.goto(running.url())
        expect(warm_up.get_by_role("button", name="Anmelden")).to_be_visible(timeout=4 * WAIT_MS)
        context.close()
        yield running


def _heading(page: Page, text: str):
    return page.get_by_role("heading", name=text, level=1)


def _settled(page: Page) -> None:
    page.wait_for_timeout(300)  # let the rerun a widget started begin before waiting for its end
    page.wait_for_selector(IDLE, timeout=WAIT_MS)


def _open_from_sidebar(page: Page, title: str) -> None:
    sidebar_nav(page).get_by_role("link", name=title).click()


def _next(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()
    _settled(page)


def test_lena_switches_to_smart_by_eid_in_the_browser(own_portal: Portal, page: Page, tmp_path):
    card = tmp_path / "vorne.jpg"
    card.write_bytes(jpeg((640, 400), color=(40, 90, 160)))
    page.goto(own_portal.url())
    sign_in(page, "lena.basic")
    wait_until_shown(page, _heading(page, "Hallo Lena!"))

    page.get_by_role("link", name="Jetzt zu smart wechseln").first.click()
    wait_until_shown(page, _heading(page, "Zu smart wechseln"))
    page.get_by_text("Ich habe die Datenschutzerklärung gelesen").click()
    page.get_by_role("textbox", name="Vor- und Nachname").fill("Lena Berger")
    page.get_by_role("textbox", name="Versichertennummer").fill(LENA_KVNR)
    page.get_by_text("eID mit Online-Ausweisfunktion").click()
    screenshot(page, "ident-1-start")
    page.get_by_role("button", name="Identifizierung starten").click()

    wait_until_shown(page, "Schritt 1 von 3: Vorderseite des Ausweises filmen")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(card))
    wait_until_shown(page, page.get_by_text("vorne.jpg"))
    screenshot(page, "ident-2-front")
    _next(page)

    wait_until_shown(page, "Schritt 2 von 3")
    page.get_by_text("Ausweis liegt am Smartphone (Scan simuliert)").click()
    _settled(page)
    pin = page.locator('input[type="password"]')
    pin.fill("000000")
    pin.press("Enter")
    _settled(page)
    _next(page)
    wait_until_shown(page, "Die Ausweis-PIN ist falsch. Sie haben noch 2 Versuche.")
    screenshot(page, "ident-3-wrong-pin")
    expect(pin).to_have_value("")
    pin.fill("482915")
    pin.press("Enter")
    _settled(page)
    _next(page)

    wait_until_shown(page, "Schritt 3 von 3: Ausweis ein zweites Mal scannen")
    page.get_by_text("Ausweis liegt erneut am Smartphone (Scan simuliert)").click()
    _settled(page)
    _next(page)

    wait_until_shown(page, _heading(page, "Gerät bestätigen"))
    page.get_by_role("textbox", name="Gerätename").fill("Chromium")
    page.locator('input[type="password"]').nth(0).fill(DEVICE_PIN)
    page.locator('input[type="password"]').nth(1).fill(DEVICE_PIN)
    screenshot(page, "ident-4-register-device")
    page.get_by_role("button", name="Gerät registrieren").click()

    wait_until_shown(page, "Geschafft: Sie sind mit eID identifiziert")
    page.get_by_role("button", name="App-Kommunikation einschalten").click()
    wait_until_shown(page, "App-Kommunikation ist eingeschaltet.")
    expect(page.get_by_text("Version: smart")).to_be_visible()
    screenshot(page, "ident-5-success")

    _open_from_sidebar(page, "Kontaktdaten")
    wait_until_shown(page, _heading(page, "Kontaktdaten"))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "ident-6-smart-page")
    with Session(own_portal.engine) as session:
        user = session.exec(select(UserAccount).where(UserAccount.username == "lena.basic")).one()
        assert session.get(Member, user.member_id).service_level == "smart"
        names = session.exec(
            select(RegisteredDevice.name).where(RegisteredDevice.user_id == user.id)
        ).all()
        assert names == ["Chromium"]


def test_jonas_confirms_his_device_after_login(own_portal: Portal, page: Page):
    page.goto(own_portal.url())
    wait_until_shown(page, page.get_by_role("button", name="Anmelden"))
    expect(page.get_by_role("link", name="Passwort vergessen")).to_be_visible()
    page.get_by_role("textbox", name="Benutzername").fill("jonas.smart")
    page.get_by_role("textbox", name="Passwort").fill("hek-demo-2026")
    page.get_by_role("button", name="Anmelden").click()

    wait_until_shown(page, _heading(page, "Gerät bestätigen"))
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    screenshot(page, "ident-7-device-gate")
    page.locator('input[type="password"]').fill(DEMO_APP_PIN)
    page.get_by_role("button", name="Bestätigen").click()

    wait_until_shown(page, _heading(page, "Hallo Jonas!"))
    _open_from_sidebar(page, "Geräte & Sicherheit")
    wait_until_shown(page, _heading(page, "Geräte & Sicherheit"))
    expect(page.get_by_text("Demo-Smartphone (dieses Gerät)")).to_be_visible()
    screenshot(page, "ident-8-devices")
