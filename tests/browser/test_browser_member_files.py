"""In Chromium: every member file a page loads or offers (letter pages and PDF, a sent
document's preview, the certificate, the digital card and its QR code, the security key's
kit and QR code, a health document, the health export, and the clerk's previews) comes from
the portal's /files/ route, never from Streamlit's public /media/ store; it answers the
session's own cookie, and the same 404 to no cookie, to another session's cookie, and to
the old cookie after the person signed out."""

import time
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Page, expect
from sqlmodel import Session, select

from core import certificates, preferences
from core.auth import actor_for
from core.http import cookies
from core.models.accounts import UserAccount
from tests.browser.fresh_members import (
    FreshMember,
    activate_smarthealth,
    member_signed_in,
    new_member,
    open_page,
    staff_browser,
    text_pdf,
)
from tests.browser.helpers import IDLE, Portal, screenshot, wait_until_shown
from ui.theme import FAVICON

pytestmark = pytest.mark.browser

DEVICE_PASSWORD = "mein-geraete-passwort"
PHONE = {"width": 390, "height": 844}
NOT_FOUND = "Nicht gefunden."
IMAGES_LOADED = """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
    .every((image) => image.complete && image.naturalWidth > 0)"""
OFFERED = """() => ({
    links: [...document.querySelectorAll('a[href*="/files/"]')].map((link) => link.href),
    images: [...document.querySelectorAll('[data-testid="stImage"] img')].map((img) => img.src),
})"""
# Offers live five minutes after a page last showed them: a URL collected longer ago than
# this may have ended on a slow machine before the sign-out is tried.
STILL_OFFERED_SECONDS = 4 * 60


class FileWatch:
    """What one browser tab loads and offers: every request, and every file URL on its pages."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.files: dict[str, float] = {}  # URL -> when a page last offered it
        self.images: set[str] = set()  # shown in the page (inline), not offered as a download
        page.on("request", lambda request: self.requests.append(request.url))

    def collect(self, where: str, *, at_least: int = 1) -> list[str]:
        """The file URLs the page shows now, after every image has loaded in the browser."""
        self.page.wait_for_selector(IDLE)
        self.page.wait_for_function(IMAGES_LOADED)
        offered = self.page.evaluate(OFFERED)
        urls = list(dict.fromkeys(offered["links"] + offered["images"]))
        self.images.update(offered["images"])
        assert len(urls) >= at_least, f"{where}: {urls}"
        assert all(urlsplit(url).path.startswith("/files/") for url in urls), (where, urls)
        now = time.monotonic()
        self.files.update(dict.fromkeys(urls, now))
        return urls

    def recent(self) -> list[str]:
        now = time.monotonic()
        return [url for url, seen in self.files.items() if now - seen < STILL_OFFERED_SECONDS]


def _from_the_media_store(watch: FileWatch) -> list[str]:
    """What this tab fetched from Streamlit's public media store, beside the favicon (the
    page icon, the same public file for everyone)."""
    media = [url for url in watch.requests if urlsplit(url).path.startswith("/media/")]
    return [url for url in media if watch.page.request.get(url).body() != FAVICON.read_bytes()]


def _status(request: APIRequestContext, url: str) -> tuple[int, bytes]:
    response = request.get(url, max_redirects=0)
    return response.status, response.body()


def _served_only_to_its_session(watch: FileWatch, urls: list[str], outsiders) -> None:
    """200 with the tab's own cookie (uncached; images inline, the rest as downloads); the
    same 404 to each outsider (no cookie, another person's cookie)."""
    for url in urls:
        response = watch.page.request.get(url, max_redirects=0)
        assert response.status == 200, url
        assert response.headers["cache-control"] == "no-store"
        assert response.body()
        disposition = "inline;" if url in watch.images else "attachment;"
        assert response.headers["content-disposition"].startswith(disposition), url
        for outsider in outsiders:
            assert _status(outsider, url) == (404, NOT_FOUND.encode()), url


def _session_cookie(page: Page) -> dict:
    [cookie] = [c for c in page.context.cookies() if c["name"].endswith(cookies.SESSION)]
    return cookie


def _with_cookie(chromium: Browser, cookie: dict | None) -> BrowserContext:
    """A separate browser context: no cookie at all, or only the one given."""
    context = chromium.new_context()
    if cookie is not None:
        context.add_cookies([cookie])
    return context


def _actor(session: Session, member: FreshMember):
    account = session.exec(select(UserAccount).where(UserAccount.username == member.username))
    return actor_for(session, account.one())


def _wants_letters_in_the_app(portal: Portal, member: FreshMember) -> None:
    with Session(portal.engine) as session:
        preferences.set_app_communication(session, actor=_actor(session, member), enabled=True)
        session.commit()


def _asks_for_a_certificate_in_the_app(portal: Portal, member: FreshMember) -> None:
    _wants_letters_in_the_app(portal, member)
    with Session(portal.engine) as session:
        actor = _actor(session, member)
        certificates.request_certificate(
            session,
            actor=actor,
            cert_type="versicherung",
            kvnr=member.kvnr,
            idempotency_key=uuid.uuid4().hex,
        )
        session.commit()


def _choose(page: Page, label: str, option: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option", name=option).click()
    page.wait_for_selector(IDLE)


def _clerk_writes_a_letter(clerk: FileWatch, member: FreshMember) -> list[str]:
    """The clerk previews a letter to the member and sends it; the preview's pages are files
    of the clerk's session."""
    page = clerk.page
    open_page(page, "Schreiben")
    page.get_by_role("textbox", name="Versichertennummer").fill(member.kvnr)
    page.get_by_role("button", name="Mitglied suchen").click()
    wait_until_shown(page, page.get_by_text("Zustellung: ins Postfach der Service-App"))
    _choose(page, "Vorlage", "Bestätigung Mitgliedschaft")
    page.get_by_role("button", name="Vorschau", exact=True).click()
    wait_until_shown(page, page.get_by_text("Vorschau · Zustellung"))
    offered = clerk.collect("clerk's letter preview")
    page.get_by_role("button", name="Senden").click()
    wait_until_shown(page, page.get_by_text("Das Schreiben ist im Postfach des Mitglieds."))
    return offered


def _clerk_issues_the_certificate(clerk: FileWatch, member: FreshMember) -> list[str]:
    """The clerk issues the member's certificate and sees its first page and its PDF."""
    page = clerk.page
    open_page(page, "Bescheinigungen")
    page.get_by_role("combobox", name="Anforderung").click()
    page.get_by_role("option", name=f"Versicherungsbescheinigung für {member.full_name}").click()
    page.get_by_role("button", name="Bescheinigung ausstellen").click()
    wait_until_shown(page, "Sie steht dem Mitglied in der App bereit.")
    return clerk.collect("clerk's certificate preview", at_least=2)


def _member_visits_every_page_with_files(watch: FileWatch, tmp_path) -> dict[str, list[str]]:
    page, seen = watch.page, {}

    open_page(page, "Postfach")
    page.get_by_role("button", name="Öffnen").first.click()
    wait_until_shown(page, page.get_by_text("Die Signatur ist gültig"))
    expect(page.get_by_role("link", name="PDF herunterladen")).to_be_visible()
    seen["Postfach"] = watch.collect("letter", at_least=2)  # a page image and the PDF

    open_page(page, "Dokument senden")
    scan = tmp_path / "befund.pdf"
    scan.write_bytes(text_pdf("Befund fuer die Krankenkasse"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(scan))
    wait_until_shown(page, page.get_by_role("heading", name="Vorschau"))
    seen["Dokument senden"] = watch.collect("preview of the document to send")
    page.get_by_role("button", name="Senden").click()
    wait_until_shown(page, page.get_by_text("Ihre Tracking-ID:"))

    open_page(page, "Bescheinigungen anfordern")
    page.get_by_role("button", name="Anzeigen").first.click()
    wait_until_shown(page, page.get_by_role("link", name="PDF herunterladen"))
    seen["Bescheinigungen"] = watch.collect("certificate", at_least=2)

    open_page(page, "Digitaler Versicherungsausweis")
    page.get_by_role("button", name="Ausweis jetzt anfordern").click()
    wait_until_shown(page, page.get_by_text("Ihr digitaler Versicherungsausweis ist fertig."))
    seen["Ausweis"] = watch.collect("digital card and its QR code", at_least=2)

    open_page(page, "Gesundheitsakte")
    activate_smarthealth(page, DEVICE_PASSWORD)
    page.get_by_role("tab", name="Neuer Eintrag").click()
    letter = tmp_path / "arztbrief.pdf"
    letter.write_bytes(text_pdf("Arztbrief: Befund Kardiologie"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(letter))
    upload_form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Dokument speichern")
    )
    upload_form.get_by_role("textbox", name="Titel").fill("Befund Kardiologie")
    page.wait_for_selector(IDLE)
    page.get_by_role("button", name="Dokument speichern").click()
    wait_until_shown(page, "Dokument »Befund Kardiologie« verschlüsselt gespeichert.")
    page.get_by_role("tab", name="Nach Kategorie").click()
    wait_until_shown(page, page.get_by_role("link", name="Befund Kardiologie (arztbrief.pdf)"))
    seen["Gesundheitsakte"] = watch.collect("health document")

    open_page(page, "Einstellungen & Vertrag")
    page.get_by_text("Sicherheitsschlüssel anzeigen").click()
    wait_until_shown(page, page.get_by_role("link", name="Notfall-Kit (PDF) herunterladen"))
    page.get_by_role("button", name="Export erstellen").click()
    wait_until_shown(page, page.get_by_role("link", name="Export herunterladen (ZIP)"))
    seen["Einstellungen"] = watch.collect("security key kit, its QR code, export", at_least=3)
    return seen


def test_member_files_load_only_for_the_members_own_open_session(
    portal: Portal, chromium: Browser, page: Page, tmp_path
):
    member = new_member(portal, first_name="Fenja", last_name="Dateien", level="smart", eid=True)
    _asks_for_a_certificate_in_the_app(portal, member)
    clerk = FileWatch(staff_browser(chromium, portal))
    clerk_files = _clerk_writes_a_letter(clerk, member)
    clerk_files += _clerk_issues_the_certificate(clerk, member)

    watch = FileWatch(page)
    member_signed_in(page, portal, member)
    seen = _member_visits_every_page_with_files(watch, tmp_path)

    # Nothing came from Streamlit's public media store; every file the browser asked for
    # came from /files/ with the member's cookie (the images above loaded).
    assert _from_the_media_store(watch) == [] and _from_the_media_store(clerk) == []
    contexts = [
        _with_cookie(chromium, cookie)
        for cookie in (None, _session_cookie(page), _session_cookie(clerk.page))
    ]
    nobody, as_member, as_clerk = (context.request for context in contexts)
    for where, urls in seen.items():
        assert urls, where
        _served_only_to_its_session(watch, urls, outsiders=[nobody, as_clerk])
    _served_only_to_its_session(clerk, clerk_files, outsiders=[nobody, as_member])

    # After signing out, the old cookie opens none of them: the same 404.
    still_offered = watch.recent()
    assert still_offered
    assert all(_status(as_member, url)[0] == 200 for url in still_offered)
    page.get_by_role("button", name="Abmelden").click()
    wait_until_shown(page, page.get_by_role("button", name="Anmelden"))
    for url in watch.files:
        assert _status(as_member, url) == (404, NOT_FOUND.encode()), url
    for context in (*contexts, clerk.page.context):
        context.close()


def test_a_letter_with_its_page_previews_renders_on_desktop_and_phone(
    portal: Portal, chromium: Browser, page: Page
):
    member = new_member(portal, first_name="Paula", last_name="Vorschau", level="smart")
    _wants_letters_in_the_app(portal, member)
    clerk = FileWatch(staff_browser(chromium, portal))
    _clerk_writes_a_letter(clerk, member)
    clerk.page.context.close()

    watch = FileWatch(page)
    member_signed_in(page, portal, member)
    open_page(page, "Postfach")
    page.get_by_role("button", name="Öffnen").first.click()
    wait_until_shown(page, page.get_by_text("Die Signatur ist gültig"))
    watch.collect("letter", at_least=2)
    preview = page.get_by_test_id("stImage").first
    preview.scroll_into_view_if_needed()
    assert preview.locator("img").evaluate("image => image.naturalWidth") > 500
    screenshot(page, "member-files-1-letter-desktop")

    page.set_viewport_size(PHONE)
    page.wait_for_selector(IDLE)
    page.wait_for_function(IMAGES_LOADED)
    preview.scroll_into_view_if_needed()
    box = preview.bounding_box()
    assert box is not None and 0 < box["width"] <= PHONE["width"]
    screenshot(page, "member-files-2-letter-phone")
    assert _from_the_media_store(watch) == []
