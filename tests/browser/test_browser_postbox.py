"""In Chromium: a clerk writes a letter to jonas.smart, he reads it in his Postfach and
answers; he writes in the Messenger with an attachment, the clerk sees his text literally,
files the attachment into the inbox and answers; the clerk reads the letter's reply."""

import pytest
from fpdf import FPDF
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, func, select

from core.models.documents import Submission
from core.seed import DEMO_PERSONAS
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

HOSTILE = "<script>alert(1)</script>**fett**"
JONAS_KVNR = next(p.kvnr for p in DEMO_PERSONAS if p.username == "jonas.smart")
REPLY = "Vielen Dank, ich reiche die Bestätigung bei meinem Arbeitgeber ein."


def _invoice(path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=20)
    document.cell(text="Rechnung Physiotherapie")
    path.write_bytes(bytes(document.output()))


def _open(browser: Browser, portal: Portal, username: str, dialogs: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(portal.url())
    sign_in(page, username)
    return page


def _go(page: Page, title: str) -> None:
    sidebar_nav(page).get_by_role("link", name=title).click()
    wait_until_shown(page, page.get_by_role("heading", name=title, level=1))


def _choose(page: Page, label: str, option: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option", name=option).click()
    page.wait_for_selector(IDLE)


def test_letter_reply_and_messenger_round_trip(portal: Portal, chromium: Browser, tmp_path):
    dialogs: list[str] = []
    invoice = tmp_path / "rechnung.pdf"
    _invoice(invoice)

    # jonas switches App-Kommunikation on: letters then reach his Postfach
    jonas = _open(chromium, portal, "jonas.smart", dialogs)
    _go(jonas, "Kommunikation/Mitteilungen")
    jonas.get_by_test_id("stWidgetLabel").get_by_text("App-Kommunikation").click()
    wait_until_shown(jonas, jonas.get_by_text("Aktiviert (geändert am"))

    # the clerk writes from a template, previews and sends
    clerk = _open(chromium, portal, "sachbearbeitung", dialogs)
    _go(clerk, "Schreiben")
    clerk.get_by_role("textbox", name="Versichertennummer").fill(JONAS_KVNR)
    clerk.get_by_role("button", name="Mitglied suchen").click()
    wait_until_shown(clerk, clerk.get_by_text("Zustellung: ins Postfach der Service-App"))
    _choose(clerk, "Vorlage", "Bestätigung Mitgliedschaft")
    subject = clerk.get_by_role("textbox", name="Betreff")
    expect(subject).to_have_value("Bestätigung Ihrer Mitgliedschaft")
    clerk.wait_for_selector(IDLE)
    clerk.get_by_role("button", name="Vorschau", exact=True).click()
    wait_until_shown(clerk, clerk.get_by_text("Vorschau · Zustellung"))
    screenshot(clerk, "postbox-1-clerk-preview")
    clerk.get_by_role("button", name="Senden").click()
    wait_until_shown(clerk, clerk.get_by_text("Das Schreiben ist im Postfach des Mitglieds."))

    # jonas opens it, reads the rendered pages and answers
    _go(jonas, "Postfach")
    expect(jonas.get_by_text("Bestätigung Ihrer Mitgliedschaft")).to_be_visible()
    jonas.get_by_role("button", name="Öffnen").click()
    wait_until_shown(jonas, jonas.get_by_text("Die Signatur ist gültig"))
    expect(jonas.get_by_role("link", name="PDF herunterladen")).to_be_visible()
    expect(jonas.get_by_alt_text("Seite 1").or_(jonas.get_by_text("Seite 1"))).to_be_visible()
    screenshot(jonas, "postbox-2-member-letter")
    jonas.get_by_role("button", name="antworten").click()
    wait_until_shown(jonas, jonas.get_by_role("textbox", name="Ihre Antwort"))
    jonas.get_by_role("textbox", name="Ihre Antwort").fill(REPLY)
    jonas.get_by_role("button", name="Antwort senden").click()
    wait_until_shown(jonas, jonas.get_by_text("Ihre Antwort ist bei der HEK eingegangen."))
    screenshot(jonas, "postbox-3-member-replied")

    # jonas writes in the Messenger with an attachment
    _go(jonas, "Messenger")
    jonas.get_by_role("textbox", name="Betreff").fill("Rechnung Physiotherapie")
    jonas.get_by_role("textbox", name="Ihre Nachricht").fill(HOSTILE)
    jonas.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(invoice)
    )
    jonas.wait_for_selector(IDLE)
    jonas.get_by_role("button", name="Nachricht senden").click()
    wait_until_shown(jonas, jonas.get_by_test_id("stChatMessage").get_by_text(HOSTILE))
    screenshot(jonas, "postbox-4-member-messenger")

    # the clerk sees the text literally (no script ran, nothing bold), files and answers
    _go(clerk, "Nachrichten")
    _choose(clerk, "Unterhaltung öffnen", "Jonas Albrecht")
    wait_until_shown(clerk, clerk.get_by_text(HOSTILE, exact=True))
    expect(clerk.locator("strong", has_text="fett")).to_have_count(0)
    clerk.get_by_role("button", name="In den Posteingang übernehmen").click()
    wait_until_shown(clerk, clerk.get_by_text("In den Posteingang übernommen. Tracking-ID"))
    clerk.get_by_role("textbox", name="Antwort an das Mitglied").fill(
        "Danke, wir erstatten die Rechnung."
    )
    clerk.get_by_role("button", name="Antwort senden").click()
    answer = clerk.get_by_test_id("stChatMessage").filter(has_text="wir erstatten die Rechnung")
    wait_until_shown(clerk, answer)
    screenshot(clerk, "postbox-5-clerk-messages")
    with Session(portal.engine) as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() >= 1

    # the clerk reads jonas's reply to the letter
    _go(clerk, "Schreiben")
    expect(clerk.get_by_text("Neue Antworten von Mitgliedern (1)")).to_be_visible()  # open
    clerk.get_by_role("button", name="Öffnen").first.click()
    wait_until_shown(clerk, clerk.get_by_text(REPLY))
    screenshot(clerk, "postbox-6-clerk-reads-reply")

    # jonas sees the answer in the Messenger
    _go(jonas, "Messenger")
    answer = jonas.get_by_test_id("stChatMessage").filter(has_text="wir erstatten die Rechnung")
    wait_until_shown(jonas, answer)
    screenshot(jonas, "postbox-7-member-answer")

    assert dialogs == []  # no alert() ever ran in either browser
    jonas.context.close()
    clerk.context.close()
