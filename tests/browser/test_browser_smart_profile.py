"""In Chromium, a smart member's own data: contact and bank data (a bad IBAN refused in German),
the App-Kommunikation switch, a device renamed, insurance periods and earnings with charts and
their CSV export."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from core.models.accounts import UserAccount
from core.models.banking import BankAccount
from core.models.identity import RegisteredDevice
from core.models.people import Member
from core.models.preferences import MemberPreference
from tests.browser.helpers import Portal, screenshot, sidebar_nav, sign_in, wait_until_shown

pytestmark = pytest.mark.browser

GOOD_IBAN = "DE02 1203 0000 0000 2020 51"
BAD_IBAN = "DE02 1203 0000 0000 2020 52"  # one digit changed: the checksum fails


def _open(page: Page, link: str) -> None:
    sidebar_nav(page).get_by_role("link", name=link, exact=True).click()
    wait_until_shown(page, page.get_by_role("heading", name=link, level=1))


def _signed_in_jonas(portal: Portal, page: Page) -> None:
    page.goto(portal.url())
    sign_in(page, "jonas.smart")
    wait_until_shown(page, page.get_by_role("heading", name="Hallo Jonas!", level=1))


def _jonas(session: Session) -> Member:
    return session.exec(select(Member).where(Member.first_name == "Jonas")).one()


def test_smart_member_changes_phone_and_adds_a_bank_account(portal: Portal, page: Page):
    _signed_in_jonas(portal, page)
    _open(page, "Kontaktdaten")

    page.get_by_role("textbox", name="Telefon").fill("+49 40 987654")
    page.get_by_role("button", name="Kontaktdaten speichern").click()
    wait_until_shown(page, page.get_by_text("Gespeichert:", exact=False))
    with Session(portal.engine) as session:
        assert _jonas(session).phone == "+49 40 987654"

    page.get_by_role("textbox", name="IBAN").fill(BAD_IBAN)
    page.get_by_role("button", name="Bankverbindung hinzufügen").click()
    wait_until_shown(page, "Die IBAN ist ungültig: die Prüfsumme stimmt nicht.")
    with Session(portal.engine) as session:
        compact = BAD_IBAN.replace(" ", "")
        assert session.exec(select(BankAccount).where(BankAccount.iban == compact)).first() is None

    page.get_by_role("textbox", name="IBAN").fill(GOOD_IBAN)
    page.get_by_role("button", name="Bankverbindung hinzufügen").click()
    wait_until_shown(page, page.get_by_text(GOOD_IBAN, exact=False).first)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    screenshot(page, "jonas.smart-contact-and-bank")
    with Session(portal.engine) as session:
        member_id = _jonas(session).id
        ibans = session.exec(
            select(BankAccount.iban).where(BankAccount.member_id == member_id)
        ).all()
    assert GOOD_IBAN.replace(" ", "") in ibans


def test_smart_member_switches_app_communication_and_renames_a_device(portal: Portal, page: Page):
    _signed_in_jonas(portal, page)
    _open(page, "Kommunikation/Mitteilungen")
    switch = page.get_by_role("switch", name="App-Kommunikation")
    was_on = switch.is_checked()
    page.get_by_text("App-Kommunikation", exact=True).last.click()
    expected = (
        "Deaktiviert: Schreiben der HEK erhalten Sie per Post."
        if was_on
        else "Aktiviert (geändert am"
    )
    wait_until_shown(page, page.get_by_text(expected, exact=False))
    with Session(portal.engine) as session:
        member_id = _jonas(session).id
        preference = session.get(MemberPreference, member_id)
    assert preference.app_communication is (not was_on)

    _open(page, "Geräte & Sicherheit")
    page.get_by_text("Umbenennen oder entfernen").first.click()
    page.get_by_role("textbox", name="Gerätename").first.fill("Jonas' Tablet")
    page.get_by_role("button", name="Umbenennen").first.click()
    wait_until_shown(page, "Der Gerätename wurde geändert.")
    expect(page.get_by_role("heading", name="Jonas' Tablet", exact=False)).to_be_visible()
    expect(page.get_by_role("combobox", name="Gerät")).to_have_value("Jonas' Tablet")
    screenshot(page, "jonas.smart-device-renamed")
    with Session(portal.engine) as session:
        user_id = session.exec(
            select(UserAccount.id).where(UserAccount.username == "jonas.smart")
        ).one()
        names = session.exec(
            select(RegisteredDevice.name).where(RegisteredDevice.user_id == user_id)
        ).all()
    assert "Jonas' Tablet" in names


def test_smart_member_sees_periods_and_earnings_and_exports_them(portal: Portal, page: Page):
    _signed_in_jonas(portal, page)
    _open(page, "Versicherungszeiten & Entgelte")
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(2)
    expect(charts.nth(1).get_by_text("Beitragsbemessungsgrenze KV")).to_be_visible()
    screenshot(page, "jonas.smart-insurance-history")

    with page.expect_download() as info:
        page.get_by_role("link", name="Entgelte (CSV)").click()
    text = info.value.path().read_text(encoding="utf-8-sig")
    header, *years = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[0] == "Jahr" and len(years) >= 5, text[:200]
    with page.expect_download() as info:
        page.get_by_role("link", name="Alles als PDF").click()
    assert info.value.path().read_bytes().startswith(b"%PDF")
