"""In Chromium, smarthealth from start to end for a smart member identified by eID: activation
raises the level, a practice's letter arrives by KV-Connect, the HEK delivers billing data,
the export is a ZIP with bundle.json, and termination deletes the record. Each test brings
its own member: jonas.smart stays smart for the other browser tests."""

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlmodel import Session

from core.models.health_link import HealthLink
from core.models.people import Member
from tests.browser.fresh_members import (
    FreshMember,
    activate_smarthealth,
    download,
    member_signed_in,
    new_member,
    open_page,
    staff_browser,
    text_pdf,
)
from tests.browser.helpers import IDLE, Portal, screenshot, sidebar_nav, wait_until_shown

pytestmark = pytest.mark.browser

DEVICE_PASSWORD = "mein-geraete-passwort"
SETTINGS = "Einstellungen & Vertrag"


def _member_with_record(portal: Portal, page: Page, first_name: str) -> FreshMember:
    """A fresh smart member with eID, signed in, who has just activated smarthealth."""
    member = new_member(portal, first_name=first_name, last_name="Akte", level="smart", eid=True)
    member_signed_in(page, portal, member)
    open_page(page, "Gesundheitsakte")
    activate_smarthealth(page, DEVICE_PASSWORD)
    return member


def test_smart_member_with_eid_activates_smarthealth_and_gets_its_settings(
    portal: Portal, page: Page
):
    member = new_member(portal, first_name="Ida", last_name="Akte", level="smart", eid=True)
    member_signed_in(page, portal, member)
    settings_link = sidebar_nav(page).get_by_role("link", name=SETTINGS)
    expect(settings_link).to_have_count(0)
    open_page(page, "Gesundheitsakte")
    expect(page.get_by_role("heading", name="smarthealth freischalten")).to_be_visible()

    activate_smarthealth(page, DEVICE_PASSWORD)
    expect(page.get_by_text("Ihre Akte ist noch leer.")).to_be_visible()
    expect(settings_link).to_be_visible()
    screenshot(page, "smarthealth-lifecycle-1-activated")
    with Session(portal.engine) as session:
        assert session.get(Member, member.member_id).service_level == "smarthealth"
        link = session.get(HealthLink, member.member_id)
    assert link is not None and link.terminated_at is None

    open_page(page, SETTINGS)
    expect(page.get_by_test_id("stCode")).to_have_text(link.reference_number)
    screenshot(page, "smarthealth-lifecycle-2-settings")


def test_a_practice_sends_a_letter_by_kv_connect_and_it_appears_after_reloading(
    portal: Portal, chromium: Browser, page: Page, tmp_path
):
    _member_with_record(portal, page, "Karl")
    open_page(page, SETTINGS)
    reference = page.get_by_test_id("stCode").inner_text().strip()
    letter = tmp_path / "arztbrief.pdf"
    letter.write_bytes(text_pdf("Arztbrief: Befund Kardiologie"))

    practice = staff_browser(chromium, portal)
    open_page(practice, "KV-Connect (Praxis)")
    practice.get_by_role("textbox", name="Referenznummer der Akte").fill(reference)
    practice.get_by_role("textbox", name="Praxis").fill("Praxis Dr. Herzog")
    practice.get_by_role("textbox", name="Betreff").fill("Befund Kardiologie")
    practice.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        str(letter)
    )
    practice.wait_for_selector(IDLE)
    practice.get_by_role("button", name="Senden").click()
    wait_until_shown(practice, "Arztbrief zugestellt. Empfangsbestätigung:")
    screenshot(practice, "smarthealth-lifecycle-3-kv-connect-sent")
    practice.context.close()

    open_page(page, "Gesundheitsakte")
    expect(page.get_by_text("Ihre Akte ist noch leer.")).to_be_visible()  # opened before
    page.get_by_role("button", name="Neu laden").click()
    wait_until_shown(page, "Alle Einträge (1)")
    page.get_by_role("tab", name="Nach Kategorie").click()
    document = page.get_by_role("link", name="Befund Kardiologie (arztbrief.pdf)")
    wait_until_shown(page, document)
    screenshot(page, "smarthealth-lifecycle-4-letter-in-record")
    # stored as the checked, re-written PDF (issue #17): the same pages and text, not the bytes
    stored = PdfReader(io.BytesIO(download(page, "Befund Kardiologie (arztbrief.pdf)")))
    assert len(stored.pages) == len(PdfReader(letter).pages)
    assert "Arztbrief: Befund Kardiologie" in stored.pages[0].extract_text()


def test_member_requests_hek_data_exports_the_record_and_terminates(portal: Portal, page: Page):
    member = _member_with_record(portal, page, "Ulla")
    page.get_by_role("tab", name="Daten bei der HEK anfordern").click()
    page.get_by_role("button", name="Daten anfordern").click()
    delivered = page.get_by_text(re.compile(r"Die HEK hat \d+ neue Einträge"))
    wait_until_shown(page, delivered)
    entries = int(re.search(r"hat (\d+) neue", delivered.inner_text()).group(1))
    assert entries > 0
    page.get_by_role("tab", name="Zeitachse").click()
    expect(page.get_by_text(f"Alle Einträge ({entries})")).to_be_visible()
    expect(page.get_by_text("Arzt- und Zahnarztbesuche pro Jahr")).to_be_visible()
    screenshot(page, "smarthealth-lifecycle-5-hek-data")

    open_page(page, SETTINGS)
    page.get_by_role("button", name="Export erstellen").click()
    wait_until_shown(page, page.get_by_role("link", name="Export herunterladen (ZIP)"))
    archive = zipfile.ZipFile(io.BytesIO(download(page, "Export herunterladen (ZIP)")))
    bundle = json.loads(archive.read("bundle.json"))
    assert bundle["resourceType"] == "Bundle" and len(bundle["entry"]) >= entries

    page.get_by_role("textbox", name="Zur Bestätigung KÜNDIGEN eingeben").fill("KÜNDIGEN")
    page.get_by_role("button", name="Kündigen und alle Daten löschen").click()
    wait_until_shown(page, f"smarthealth ist gekündigt. {entries} Einträge und alle Schlüssel")
    # Back at smart on the record page, which offers smarthealth anew; no settings link left.
    expect(page.get_by_role("heading", name="Gesundheitsakte", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Sicherheitsschlüssel erzeugen")).to_be_visible()
    expect(page.get_by_text("Alle Einträge")).to_have_count(0)
    expect(sidebar_nav(page).get_by_role("link", name="Einstellungen & Vertrag")).to_have_count(0)
    screenshot(page, "smarthealth-lifecycle-6-terminated")
    with Session(portal.engine) as session:
        assert session.get(HealthLink, member.member_id).terminated_at is not None


def test_record_filters_speak_german(portal: Portal, page: Page):
    _member_with_record(portal, page, "Vera")
    page.get_by_role("tab", name="Nach Kategorie").click()
    wait_until_shown(page, page.get_by_text("Quelle", exact=True))
    english = page.get_by_text("Choose options").or_(page.get_by_placeholder("Choose options"))
    expect(english).to_have_count(0)
