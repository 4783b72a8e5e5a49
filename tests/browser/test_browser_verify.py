"""An anonymous visitor checks a certificate's Prüfcode and a digital insurance card on the
public page, without logging in; a smart member opens the certificate a clerk issued."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from core import auth, certificate_issuing, certificates, digital_cards, preferences
from core.certificate_seal import verify_certificate_pdf
from core.crypto import generate_signing_key, signing_key_to_text
from core.db import session_scope
from core.models.accounts import UserAccount
from core.models.issued_certificates import IssuedCertificate
from core.seed import DEMO_PERSONAS
from tests.browser.helpers import (
    WAIT_MS,
    Portal,
    running_portal,
    screenshot,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)

pytestmark = pytest.mark.browser

LENA = next(p for p in DEMO_PERSONAS if p.username == "lena.basic")
JONAS = next(p for p in DEMO_PERSONAS if p.username == "jonas.smart")
DENIZ = next(p for p in DEMO_PERSONAS if p.username == "deniz.familie")
SIGNING_KEY = generate_signing_key("sig-browser")


@pytest.fixture(scope="module")
def portal(tmp_path_factory, chromium: Browser) -> Iterator[Portal]:
    """A server whose signing key this test knows (demo mode reads it from its data folder)."""
    workdir = tmp_path_factory.mktemp("verify-portal")
    (workdir / "demo-secrets.toml").write_text(
        f'signing_key = "{signing_key_to_text(SIGNING_KEY)}"\n', encoding="utf-8"
    )
    with running_portal(workdir) as running:
        context = chromium.new_context()  # one visit, so deep links go through Home.py
        warm_up = context.new_page()
        warm_up.goto(running.url())
        # The first run imports and prepares everything: allow for a busy machine.
        expect(warm_up.get_by_role("button", name="Anmelden")).to_be_visible(timeout=4 * WAIT_MS)
        context.close()
        yield running


def _actor(db, username):
    account = db.exec(select(UserAccount).where(UserAccount.username == username)).one()
    return auth.actor_for(db, account)


def _issued_payload(portal: Portal) -> str:
    with session_scope(write=True, engine=portal.engine) as db:
        filed = certificates.request_certificate(
            db,
            actor=_actor(db, "lena.basic"),
            cert_type="versicherung",
            kvnr=LENA.kvnr,
            idempotency_key=uuid.uuid4().hex,
        )
        issued = certificate_issuing.issue_certificate(
            db, actor=_actor(db, "sachbearbeitung"), request_id=filed.id, signing_key=SIGNING_KEY
        )
        return db.get(IssuedCertificate, issued.id).payload


def test_anonymous_visitor_checks_a_payload_on_the_verify_page(portal: Portal, page: Page):
    payload = _issued_payload(portal)

    page.goto(portal.url("verify_certificate"))
    wait_until_shown(page, page.get_by_role("heading", name="Bescheinigung prüfen", level=1))
    expect(page.get_by_role("button", name="Anmelden")).to_have_count(0)
    page.get_by_role("tab", name="Prüfcode eingeben").click()
    page.get_by_role("textbox", name="Prüfcode").fill(payload)
    page.get_by_role("button", name="Prüfen", exact=True).click()

    wait_until_shown(page, "Die Bescheinigung ist gültig.")
    screenshot(page, "anonymous-verify-certificate")
    expect(page.get_by_text("Name: Lena Berger")).to_be_visible()
    expect(page.get_by_text("Geburtsdatum: 17.04.1991")).to_be_visible()
    expect(page.get_by_text(LENA.kvnr)).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _jonas_card(portal: Portal) -> tuple[bytes, str]:
    with session_scope(write=True, engine=portal.engine) as db:
        jonas = _actor(db, "jonas.smart")
        card = digital_cards.request_card(db, actor=jonas, signing_key=SIGNING_KEY)
        return digital_cards.card_pdf(db, actor=jonas, card_id=card.id), card.payload


def test_anonymous_visitor_checks_a_digital_insurance_card_file_and_a_changed_copy(
    portal: Portal, page: Page, tmp_path
):
    pdf, _payload = _jonas_card(portal)
    genuine, changed = tmp_path / "versicherungsausweis.pdf", tmp_path / "veraendert.pdf"
    genuine.write_bytes(pdf)
    middle = len(pdf) // 2
    changed.write_bytes(pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :])

    page.goto(portal.url("verify_certificate"))
    wait_until_shown(page, page.get_by_role("heading", name="Bescheinigung prüfen", level=1))
    upload = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    upload.set_input_files(str(genuine))

    wait_until_shown(page, "Der digitale Versicherungsausweis ist gültig.")
    screenshot(page, "anonymous-verify-digital-card")
    expect(page.get_by_text("Name: Jonas Albrecht")).to_be_visible()
    expect(page.get_by_text(JONAS.kvnr)).to_have_count(0)

    upload.set_input_files(str(changed))
    wait_until_shown(page, "weder eine unveränderte Bescheinigung noch")
    expect(page.get_by_text("Der digitale Versicherungsausweis ist gültig.")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _deniz_asks_for_his_certificate_in_the_app(portal: Portal) -> None:
    with session_scope(write=True, engine=portal.engine) as db:
        deniz = _actor(db, DENIZ.username)
        preferences.set_app_communication(db, actor=deniz, enabled=True)
        certificates.request_certificate(
            db,
            actor=deniz,
            cert_type="versicherung",
            kvnr=DENIZ.kvnr,
            idempotency_key=uuid.uuid4().hex,
        )


def test_clerk_issues_and_the_smart_member_opens_the_certificate_in_the_app(
    portal: Portal, chromium: Browser, page: Page
):
    _deniz_asks_for_his_certificate_in_the_app(portal)
    clerk_context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    clerk = clerk_context.new_page()
    clerk.set_default_timeout(WAIT_MS)
    clerk.goto(portal.url())
    sign_in(clerk, "sachbearbeitung")
    sidebar_nav(clerk).get_by_role("link", name="Bescheinigungen").click()
    wait_until_shown(clerk, clerk.get_by_role("heading", name="Offene Anforderungen"))
    clerk.get_by_role("combobox", name="Anforderung").click()
    clerk.get_by_role("option", name="Versicherungsbescheinigung für Deniz Yilmaz").click()
    clerk.get_by_role("button", name="Bescheinigung ausstellen").click()
    wait_until_shown(clerk, "Sie steht dem Mitglied in der App bereit.")
    clerk_context.close()

    page.goto(portal.url())
    sign_in(page, DENIZ.username)
    sidebar_nav(page).get_by_role("link", name="Bescheinigungen anfordern").click()
    wait_until_shown(page, page.get_by_role("heading", name="Meine Bescheinigungen in der App"))
    page.get_by_role("button", name="Anzeigen").first.click()
    wait_until_shown(page, page.get_by_role("link", name="PDF herunterladen"))
    expect(page.get_by_test_id("stImage")).to_have_count(1)
    page.get_by_test_id("stImage").scroll_into_view_if_needed()
    screenshot(page, "smart-member-certificate-in-app")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF herunterladen").click()
    pdf = Path(download.value.path()).read_bytes()

    check = verify_certificate_pdf(pdf, public_keys={SIGNING_KEY.key_id: SIGNING_KEY.public_bytes})
    assert check.status == "valid" and check.fields.name == "Deniz Yilmaz"
    expect(page.get_by_test_id("stException")).to_have_count(0)
