"""Members created for one browser test, so a flow that changes a member (smarthealth on and
off, a bonus enrolment) leaves the shared demo personas as other tests expect them; and the
steps the back-office and smarthealth flows share (a clerk's second browser, a download)."""

import itertools
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from playwright.sync_api import Browser, Page
from sqlmodel import Session

from core.clock import utcnow
from core.identity import devices
from core.models.identity import Identification
from core.seed import DEMO_APP_PIN
from tests.browser.helpers import (
    WAIT_MS,
    Portal,
    confirm_device,
    screenshot,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)
from tests.factories import PASSWORD, make_account, make_member

_numbers = itertools.count(1)


@dataclass(frozen=True)
class FreshMember:
    username: str
    password: str
    member_id: int
    kvnr: str
    full_name: str
    level: str


def new_member(
    portal: Portal, *, first_name: str, last_name: str, level: str = "basic", eid: bool = False
) -> FreshMember:
    """A member with an account; a smart one also has a device with the demo app PIN, and
    `eid=True` adds the eID identification that smarthealth requires."""
    username = f"{first_name}.{last_name}{next(_numbers)}".lower()
    with Session(portal.engine) as session:
        member = make_member(
            session, first_name=first_name, last_name=last_name, service_level=level
        )
        actor = make_account(session, username=username, member=member)
        if level != "basic":
            pin_hash = devices.hash_app_pin(DEMO_APP_PIN)
            devices.add_device(session, user_id=actor.user_id, name="Testgerät", pin_hash=pin_hash)
        if eid:
            now = utcnow()
            session.add(
                Identification(
                    member_id=member.id,
                    procedure="eid",
                    purpose="upgrade",
                    status="succeeded",
                    level_reached="smarthealth_ready",
                    steps_done=3,
                    started_at=now,
                    completed_at=now,
                    used_at=now,
                )
            )
        session.commit()
        return FreshMember(
            username=username,
            password=PASSWORD,
            member_id=member.id,
            kvnr=member.kvnr,
            full_name=f"{first_name} {last_name}",
            level=level,
        )


def member_signed_in(page: Page, portal: Portal, member: FreshMember) -> None:
    """Sign the member in; a smart one confirms the device with the demo app PIN."""
    page.goto(portal.url())
    sign_in(page, member.username, member.password)
    if member.level != "basic":
        confirm_device(page)
    wait_until_shown(page, page.get_by_role("heading", name="Hallo", level=1))


def staff_browser(chromium: Browser, portal: Portal, username: str = "sachbearbeitung") -> Page:
    """A second browser, signed in as clerk or admin, next to the member's."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(portal.url())
    sign_in(page, username)
    wait_until_shown(page, page.get_by_role("heading", name="Back-Office", level=1))
    return page


def open_page(page: Page, title: str) -> None:
    """Follow the navigation link `title` to the page whose heading it is."""
    sidebar_nav(page).get_by_role("link", name=title, exact=True).click()
    wait_until_shown(page, page.get_by_role("heading", name=title, level=1))


def download(page: Page, link: str) -> bytes:
    """Click a member file's download link (ui.files: /files/…, a new tab that becomes a
    download of the opener page) and return what arrived."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    return Path(info.value.path()).read_bytes()


def text_pdf(text: str) -> bytes:
    """A one-page PDF showing `text`: a signed form, a doctor's letter."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=16)
    document.cell(text=text)
    return bytes(document.output())


def activate_smarthealth(page: Page, device_password: str, key_screenshot: str = "") -> str:
    """On the Gesundheitsakte's activation: generate the key, type it back, set the device
    password, give the three consents. Returns the security key as shown."""
    page.get_by_role("button", name="Sicherheitsschlüssel erzeugen").click()
    code = page.get_by_test_id("stCode").first
    wait_until_shown(page, code)
    key_text = code.inner_text().strip()
    if key_screenshot:
        screenshot(page, key_screenshot)
    page.get_by_role("textbox", name="Sicherheitsschlüssel zur Bestätigung eingeben").fill(key_text)
    page.get_by_role("textbox", name="Geräte-Passwort (mindestens 8 Zeichen)").fill(device_password)
    page.get_by_role("textbox", name="Geräte-Passwort wiederholen").fill(device_password)
    for label in ("Nutzungsbedingungen", "Datenschutzerklärung", "Übermittlung meiner Profildaten"):
        page.get_by_text(label).click()
    page.get_by_role("button", name="Aktivierung abschließen").click()
    wait_until_shown(page, "smarthealth ist freigeschaltet.")
    return key_text
