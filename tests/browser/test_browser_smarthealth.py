"""smarthealth in Chromium: activation with the key typed back, an entry, lock and unlock."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.fresh_members import activate_smarthealth
from tests.browser.helpers import Portal, screenshot, sign_in, wait_until_shown

pytestmark = pytest.mark.browser
PASSWORD = "mein-geraete-passwort"


def test_miriam_activates_her_record_adds_an_entry_and_unlocks_it_again(portal: Portal, page: Page):
    page.goto(portal.url("health_record"))
    sign_in(page, "miriam.health")
    wait_until_shown(page, page.get_by_role("button", name="Sicherheitsschlüssel erzeugen"))
    activate_smarthealth(page, PASSWORD, key_screenshot="miriam.health-health_record-key")

    page.get_by_role("tab", name="Neuer Eintrag").click()
    page.get_by_role("textbox", name="Titel").first.fill("Grippeimpfung Herbst")
    page.get_by_role("button", name="Eintrag speichern").click()
    wait_until_shown(page, "Eintrag »Grippeimpfung Herbst« verschlüsselt gespeichert.")
    screenshot(page, "miriam.health-health_record")

    page.get_by_role("button", name="Akte sperren").click()
    wait_until_shown(page, "Gesundheitsakte entsperren")
    page.get_by_role("textbox", name="Geräte-Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Entsperren").click()
    wait_until_shown(page, "Alle Einträge (1)")
    expect(page.get_by_test_id("stException")).to_have_count(0)
