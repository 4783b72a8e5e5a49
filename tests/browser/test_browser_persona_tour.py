"""In Chromium: an admin acts as a persona in one click and comes back; one guided tour
("Krankmeldung senden und per Tracking-ID verfolgen") played through to its last tick."""

import pytest
from fpdf import FPDF
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    IDLE,
    Portal,
    screenshot,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)

pytestmark = pytest.mark.browser
TOUR = "Krankmeldung senden und per Tracking-ID verfolgen"


def _banner(page: Page):
    return page.locator(".st-key-persona_banner")


def _back_to_admin(page: Page, heading: str) -> None:
    _banner(page).get_by_role("button", name="Zurück zu meinem Konto").click()
    wait_until_shown(page, page.get_by_role("heading", name=heading, level=1))
    expect(_banner(page)).to_have_count(0)


def _tour(page: Page):
    return page.get_by_test_id("stExpander").filter(has_text=TOUR)


def _step_button(page: Page, step: str):
    return page.locator(f".st-key-go_sick-note__{step} button")


def test_admin_switches_to_lena_sees_the_banner_and_goes_back(portal: Portal, page: Page):
    page.goto(portal.url())
    sign_in(page, "admin")
    sidebar_nav(page).get_by_role("link", name="Demo-Personas").click()
    wait_until_shown(page, page.get_by_role("heading", name="Demo-Personas", level=1))

    page.get_by_role("button", name="Als Lena handeln").click()

    wait_until_shown(page, page.get_by_role("heading", name="Hallo Lena!", level=1))
    expect(_banner(page)).to_contain_text("Demo: Sie handeln als Lena Berger")
    expect(sidebar_nav(page).get_by_role("link", name="Demo-Personas")).to_have_count(0)
    sidebar_nav(page).get_by_role("link", name="Meine Daten").click()
    wait_until_shown(page, page.get_by_role("heading", name="Meine Daten", level=1))
    expect(_banner(page)).to_be_visible()
    screenshot(page, "persona-1-acting-as-lena")

    _back_to_admin(page, "Demo-Personas")

    expect(sidebar_nav(page).get_by_role("link", name="Demo-Personas")).to_be_visible()
    screenshot(page, "persona-2-back-as-admin")


def _sick_note(path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=24)
    document.cell(text="Arbeitsunfaehigkeitsbescheinigung")
    path.write_bytes(bytes(document.output()))


def test_sick_note_tour_end_to_end_ticks_each_step(portal: Portal, page: Page, tmp_path):
    pdf = tmp_path / "au.pdf"
    _sick_note(pdf)
    page.goto(portal.url())
    sign_in(page, "admin")
    sidebar_nav(page).get_by_role("link", name="Geführte Touren").click()
    wait_until_shown(page, page.get_by_role("heading", name="Geführte Touren", level=1))
    expect(_tour(page)).to_contain_text(f"{TOUR} · 0/3")

    # 1. Lena sends a sick note and gets a tracking ID.
    _step_button(page, "send").click()
    wait_until_shown(page, page.get_by_role("heading", name="Dokument senden", level=1))
    expect(_banner(page)).to_contain_text("Lena Berger")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(pdf))
    wait_until_shown(page, page.get_by_role("heading", name="Vorschau"))
    page.get_by_role("button", name="Senden").click()
    wait_until_shown(page, page.get_by_text("Ihre Tracking-ID:"))
    tracking_id = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    assert tracking_id.startswith("HEK-")
    _back_to_admin(page, "Geführte Touren")
    expect(_tour(page)).to_contain_text(f"{TOUR} · 1/3")
    screenshot(page, "tour-1-first-step-ticked")

    # 2. The clerk finds it by its tracking ID and asks for the back page.
    _step_button(page, "decide").click()
    wait_until_shown(page, page.get_by_role("heading", name="Posteingang", level=1))
    page.get_by_text("Filter und Suche").click()
    page.get_by_label("Suche: Tracking-ID, Versichertennummer oder Name").fill(tracking_id)
    page.keyboard.press("Enter")
    page.wait_for_selector(IDLE)
    page.get_by_role("button", name="Nächsten Vorgang übernehmen").click()
    wait_until_shown(page, page.get_by_role("heading", name=f"Vorgang {tracking_id}"))
    page.get_by_text("Rückfrage an das Mitglied").click()
    page.get_by_label("Nachricht an das Mitglied (bei Rückfrage oder Ablehnung)").fill(
        "Bitte senden Sie auch die Rückseite."
    )
    page.get_by_role("button", name="Entscheidung speichern").click()
    wait_until_shown(page, page.get_by_text(f"Entscheidung zu {tracking_id} gespeichert."))
    _back_to_admin(page, "Geführte Touren")
    expect(_tour(page)).to_contain_text(f"{TOUR} · 2/3")

    # 3. Lena follows it by its tracking ID in the send history; the admin ticks it by hand.
    _step_button(page, "follow").click()
    wait_until_shown(page, page.get_by_role("heading", name="Versandhistorie"))
    row = page.get_by_role("table").get_by_role("row").filter(has_text=tracking_id)
    expect(row.get_by_text("Rückfrage")).to_be_visible()
    _back_to_admin(page, "Geführte Touren")
    page.locator(".st-key-tick_sick-note__follow").get_by_text("erledigt").click()
    page.wait_for_selector(IDLE)

    expect(_tour(page)).to_contain_text(f"{TOUR} · 3/3")
    expect(_tour(page)).to_contain_text("Tour abgeschlossen.")
    screenshot(page, "tour-2-sick-note-complete")
