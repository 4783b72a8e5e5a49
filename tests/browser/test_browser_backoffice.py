"""In Chromium, the back office at work: a postal certificate issued, printed in the day's batch
and found valid on the public page; a letter by post; a member's file opened (audited); a
Vorsorgeplus application confirmed. Each test brings its own member (see fresh_members)."""

import io

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlmodel import Session, select

from core.models.audit import AuditEntry
from core.models.certificates import CertificateRequest, CertificateStatus, Delivery
from core.models.letters import Letter
from tests.browser.fresh_members import (
    download,
    member_signed_in,
    new_member,
    open_page,
    staff_browser,
    text_pdf,
)
from tests.browser.helpers import IDLE, Portal, screenshot, wait_until_shown

pytestmark = pytest.mark.browser

BATCH_BUTTON = "Druckstapel erstellen und als versandt markieren"


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _print_batch(clerk: Page) -> int:
    """Build today's batch, download it and return its page count (0 if nothing to print)."""
    build = clerk.get_by_role("button", name=BATCH_BUTTON)
    if build.is_disabled():
        return 0
    build.click()
    wait_until_shown(clerk, clerk.get_by_role("link", name="Druckstapel vom"))
    return _pages(download(clerk, "Druckstapel vom"))


def test_clerk_issues_a_postal_certificate_prints_it_and_the_public_page_finds_it_valid(
    portal: Portal, chromium: Browser, page: Page, tmp_path
):
    greta = new_member(portal, first_name="Greta", last_name="Postweg")
    member_signed_in(page, portal, greta)
    open_page(page, "Bescheinigungen anfordern")
    expect(
        page.get_by_text("Die Bescheinigung kommt per Post an Ihre hinterlegte Anschrift.")
    ).to_be_visible()
    page.get_by_role("button", name="Bescheinigung anfordern").click()
    wait_until_shown(page, "Ihre Versicherungsbescheinigung für")
    screenshot(page, "backoffice-1-member-requests-certificate")

    clerk = staff_browser(chromium, portal)
    open_page(clerk, "Bescheinigungen")
    pages_before = _print_batch(clerk)
    option = f"Versicherungsbescheinigung für {greta.full_name} · Per Post"
    clerk.get_by_role("combobox", name="Anforderung").click()
    clerk.get_by_role("option", name=option).click()
    clerk.wait_for_selector(IDLE)
    clerk.get_by_role("button", name="Bescheinigung ausstellen").click()
    wait_until_shown(clerk, clerk.get_by_text("ist ausgestellt. Sie liegt im Druckstapel vom"))
    expect(clerk.get_by_test_id("stImage")).to_have_count(1)  # the preview of page 1
    screenshot(clerk, "backoffice-2-clerk-issued-certificate")
    certificate = download(clerk, "PDF herunterladen")
    reader = PdfReader(io.BytesIO(certificate))
    assert greta.full_name in reader.pages[0].extract_text()

    pages_after = _print_batch(clerk)
    assert pages_after == pages_before + len(reader.pages)
    screenshot(clerk, "backoffice-3-clerk-print-batch")
    with Session(portal.engine) as session:
        request = session.exec(
            select(CertificateRequest).where(
                CertificateRequest.subject_member_id == greta.member_id
            )
        ).one()
    assert (request.delivery, request.status) == (Delivery.POST, CertificateStatus.SENT)
    clerk.context.close()

    upload = tmp_path / "bescheinigung.pdf"
    upload.write_bytes(certificate)
    page.goto(portal.url("verify_certificate"))
    wait_until_shown(page, page.get_by_role("heading", name="Bescheinigung prüfen", level=1))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    wait_until_shown(page, "Die Bescheinigung ist gültig.")
    expect(page.get_by_text(f"Name: {greta.full_name}")).to_be_visible()
    screenshot(page, "backoffice-4-certificate-verified")


def test_clerk_writes_a_letter_by_post_to_a_basic_member_and_downloads_it_signed(
    portal: Portal, chromium: Browser
):
    bruno = new_member(portal, first_name="Bruno", last_name="Briefkasten")
    clerk = staff_browser(chromium, portal)
    open_page(clerk, "Schreiben")
    clerk.get_by_role("textbox", name="Versichertennummer").fill(bruno.kvnr)
    clerk.get_by_role("button", name="Mitglied suchen").click()
    wait_until_shown(clerk, clerk.get_by_text("Zustellung: per Post („postalisch“)"))
    clerk.get_by_label("Vorlage").click()
    clerk.get_by_role("option", name="Bestätigung Mitgliedschaft").click()
    clerk.wait_for_selector(IDLE)
    expect(clerk.get_by_role("textbox", name="Betreff")).to_have_value(
        "Bestätigung Ihrer Mitgliedschaft"
    )
    clerk.get_by_role("button", name="Senden").click()
    wait_until_shown(clerk, "Das Schreiben wird per Post versendet (postalisch).")
    clerk.get_by_role("button", name="Öffnen").first.click()
    wait_until_shown(clerk, clerk.get_by_role("heading", name="Schreiben und Antworten"))
    screenshot(clerk, "backoffice-5-clerk-letter-by-post")
    letter = download(clerk, "Signiertes PDF herunterladen")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(letter)).pages)
    assert "Bestätigung Ihrer Mitgliedschaft" in text and bruno.full_name in text
    with Session(portal.engine) as session:
        letters = session.exec(select(Letter).where(Letter.member_id == bruno.member_id)).all()
    assert [(row.channel, row.subject) for row in letters] == [
        ("post", "Bestätigung Ihrer Mitgliedschaft")
    ]
    clerk.context.close()


def test_clerk_opens_a_member_found_by_name_and_the_opening_is_audited(
    portal: Portal, chromium: Browser
):
    olga = new_member(portal, first_name="Olga", last_name="Aktenzeichen")
    clerk = staff_browser(chromium, portal)
    open_page(clerk, "Versicherte")
    clerk.get_by_role("textbox", name="Suche nach Versichertennummer oder Name").fill(
        "aktenzeichen"
    )
    clerk.keyboard.press("Enter")
    hit = clerk.get_by_role("combobox", name="Treffer")
    wait_until_shown(clerk, hit)
    expect(hit).to_have_value(f"Aktenzeichen, Olga · {olga.kvnr} · 17.05.1980")
    clerk.get_by_role("button", name="Versicherten öffnen").click()
    wait_until_shown(clerk, clerk.get_by_role("heading", name=olga.full_name))
    expect(clerk.get_by_text(f"Versichertennummer: {olga.kvnr}")).to_be_visible()
    clerk.get_by_role("tab", name="Ausweis & Bonus").click()
    expect(clerk.get_by_text("Nicht angemeldet.")).to_be_visible()
    screenshot(clerk, "backoffice-6-clerk-member-file")
    with Session(portal.engine) as session:
        openings = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "view_member", AuditEntry.member_id == olga.member_id
            )
        ).all()
    assert [(row.actor, '"overview"' in row.details) for row in openings] == [
        ("sachbearbeitung", True)
    ]
    clerk.context.close()


def test_smart_member_applies_for_vorsorgeplus_and_a_clerk_confirms_it(
    portal: Portal, chromium: Browser, page: Page, tmp_path
):
    svenja = new_member(portal, first_name="Svenja", last_name="Vorsorge", level="smart")
    application = tmp_path / "antrag.pdf"
    application.write_bytes(text_pdf("Antrag Vorsorgeplus - unterschrieben"))
    member_signed_in(page, portal, svenja)
    open_page(page, "Bonusprogramm")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        str(application)
    )
    page.wait_for_selector(IDLE)
    page.get_by_role("button", name="Antrag senden").click()
    wait_until_shown(page, "Ihr Antrag ist eingegangen.")
    expect(page.get_by_text("und wird geprüft")).to_be_visible()
    screenshot(page, "backoffice-7-member-applied-bonus")

    clerk = staff_browser(chromium, portal)
    open_page(clerk, "Bonusnachweise")
    # the innermost block holding her application: its bordered container
    application_card = (
        clerk.get_by_test_id("stVerticalBlock")
        .filter(has_text=svenja.kvnr)
        .filter(has=clerk.get_by_role("button", name="Anmeldung bestätigen"))
        .last
    )
    application_card.get_by_role("button", name="Dokument ansehen").click()
    wait_until_shown(clerk, application_card.get_by_test_id("stImage").first)
    screenshot(clerk, "backoffice-8-clerk-bonus-review")
    application_card.get_by_role("button", name="Anmeldung bestätigen").click()
    wait_until_shown(clerk, "Anmeldung von Vorsorge, Svenja bestätigt.")
    expect(clerk.get_by_text(svenja.kvnr)).to_have_count(0)
    clerk.context.close()

    open_page(page, "Kontaktdaten")
    open_page(page, "Bonusprogramm")
    expect(page.get_by_text("Sie nehmen am Bonusprogramm teil.")).to_be_visible()
    expect(page.get_by_role("button", name="Antrag senden")).to_have_count(0)
    screenshot(page, "backoffice-9-member-enrolled")
