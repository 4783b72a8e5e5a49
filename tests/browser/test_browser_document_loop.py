"""The whole loop in Chromium: a member sends a document, a clerk claims and decides,
the member sees the new status in the send history."""

import pytest
from fpdf import FPDF
from playwright.sync_api import Browser, expect

from tests.browser.helpers import (
    IDLE,
    WAIT_MS,
    Portal,
    screenshot,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)

pytestmark = pytest.mark.browser


def _sick_note(path) -> None:
    document = FPDF()
    for number in (1, 2):
        document.add_page()
        document.set_font("helvetica", size=24)
        document.cell(text=f"Arbeitsunfaehigkeitsbescheinigung Seite {number}")
    path.write_bytes(bytes(document.output()))


def test_member_submits_clerk_decides_member_sees_the_status(
    portal: Portal, chromium: Browser, tmp_path
):
    pdf = tmp_path / "au.pdf"
    _sick_note(pdf)
    member_context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    member = member_context.new_page()
    member.set_default_timeout(WAIT_MS)
    member.goto(portal.url())
    sign_in(member, "lena.basic")
    sidebar_nav(member).get_by_role("link", name="Dokument senden").click()
    wait_until_shown(member, member.get_by_role("heading", name="Dokument senden", level=1))
    member.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(pdf))
    wait_until_shown(member, member.get_by_role("heading", name="Vorschau"))
    screenshot(member, "loop-1-member-preview")
    member.get_by_role("button", name="Senden").click()
    wait_until_shown(member, member.get_by_text("Ihre Tracking-ID:"))
    tracking_id = member.locator('[data-testid="stCode"] code').first.inner_text().strip()
    assert tracking_id.startswith("HEK-")
    history = member.get_by_role("table")
    expect(history.get_by_text(tracking_id)).to_be_visible()
    expect(
        history.get_by_role("row").filter(has_text=tracking_id).get_by_text("eingegangen")
    ).to_be_visible()
    screenshot(member, "loop-2-member-sent")

    clerk_context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    clerk = clerk_context.new_page()
    clerk.set_default_timeout(WAIT_MS)
    clerk.goto(portal.url())
    sign_in(clerk, "sachbearbeitung")
    sidebar_nav(clerk).get_by_role("link", name="Posteingang").click()
    wait_until_shown(clerk, clerk.get_by_role("heading", name="Posteingang", level=1))
    clerk.get_by_text("Filter und Suche").click()
    clerk.get_by_label("Suche: Tracking-ID, Versichertennummer oder Name").fill(tracking_id)
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector(IDLE)
    clerk.get_by_role("button", name="Nächsten Vorgang übernehmen").click()
    wait_until_shown(clerk, clerk.get_by_role("heading", name=f"Vorgang {tracking_id}"))
    expect(clerk.get_by_text("Seite 1 von 2")).to_be_visible()
    clerk.get_by_text("Rückfrage an das Mitglied").click()
    clerk.get_by_label("Nachricht an das Mitglied (bei Rückfrage oder Ablehnung)").fill(
        "Bitte senden Sie auch die Rückseite."
    )
    screenshot(clerk, "loop-3-clerk-case")
    clerk.get_by_role("button", name="Entscheidung speichern").click()
    wait_until_shown(clerk, clerk.get_by_text(f"Entscheidung zu {tracking_id} gespeichert."))
    screenshot(clerk, "loop-4-clerk-decided")

    member.reload()  # the session cookie keeps her signed in
    sidebar_nav(member).get_by_role("link", name="Dokument senden").click()
    wait_until_shown(member, member.get_by_role("heading", name="Versandhistorie"))
    row = member.get_by_role("table").get_by_role("row").filter(has_text=tracking_id)
    expect(row.get_by_text("Rückfrage")).to_be_visible()
    expect(row.get_by_text("Bitte senden Sie auch die Rückseite.")).to_be_visible()
    screenshot(member, "loop-5-member-sees-status")
    member_context.close()
    clerk_context.close()
