"""A clerk issues Lena's certificate; anyone checks a certificate on the public page."""

import uuid

import pytest
from sqlmodel import select

from core import auth, certificate_issuing, certificates
from core.certificate_seal import verify_certificate_pdf
from core.db import session_scope
from core.models.accounts import UserAccount
from core.models.audit import AuditEntry
from core.models.certificates import CertificateRequest
from core.models.issued_certificates import IssuedCertificate
from core.seed import DEMO_PERSONAS
from tests.app.helpers import (
    errors,
    file_bytes,
    file_links,
    image_urls,
    login,
    open_portal,
    shown_text,
)

CLERK_PAGE = "pages/clerk_certificates.py"
VERIFY_PAGE = "pages/verify_certificate.py"
LENA = next(p for p in DEMO_PERSONAS if p.username == "lena.basic")


def _actor(db, username):
    account = db.exec(select(UserAccount).where(UserAccount.username == username)).one()
    return auth.actor_for(db, account)


def _lena_requests_her_certificate(engine) -> int:
    with session_scope(write=True, engine=engine) as db:
        filed = certificates.request_certificate(
            db,
            actor=_actor(db, "lena.basic"),
            cert_type="versicherung",
            kvnr=LENA.kvnr,
            idempotency_key=uuid.uuid4().hex,
        )
    return filed.id


@pytest.fixture
def issued(portal_db) -> tuple[bytes, str]:
    """Lena's certificate issued by the back office: the PDF and its QR payload."""
    request_id = _lena_requests_her_certificate(portal_db)
    with session_scope(write=True, engine=portal_db) as db:
        clerk = _actor(db, "sachbearbeitung")
        done = certificate_issuing.issue_certificate(db, actor=clerk, request_id=request_id)
        pdf = certificate_issuing.issued_certificate_pdf(db, actor=clerk, certificate_id=done.id)
        payload = db.get(IssuedCertificate, done.id).payload
    return pdf, payload


def _status(engine, request_id) -> str:
    with session_scope(engine=engine) as db:
        return db.get(CertificateRequest, request_id).status


def test_clerk_issues_lenas_request_sees_the_preview_and_prints_the_batch(portal_db):
    request_id = _lena_requests_her_certificate(portal_db)
    at = login("sachbearbeitung").switch_page(CLERK_PAGE).run()
    assert "Bescheinigungen" in [title.value for title in at.title]
    choice = at.selectbox(key=f"cert_choice_{at.session_state['cert_round']}")
    assert choice.options == ["Versicherungsbescheinigung für Lena Berger · Per Post"]

    choice.set_value(request_id).run()
    at.button(key="cert_issue").click().run()

    assert not at.exception
    assert errors(at) == []
    (notice,) = [s.value for s in at.success]
    assert notice.startswith("Bescheinigung Nr. ") and "Druckstapel" in notice
    [preview] = image_urls(at)  # page 1
    assert file_bytes(at, preview).startswith(b"\x89PNG")
    issued_pdf = file_bytes(at, file_links(at)["PDF herunterladen"])
    assert issued_pdf == at.session_state["cert_issued_pdf"]
    assert verify_certificate_pdf(issued_pdf).status == "valid"
    assert _status(portal_db, request_id) == "erstellt"
    assert "Keine offenen Anforderungen." in [info.value for info in at.info]

    at.button(key="batch_build").click().run()

    assert not at.exception
    assert _status(portal_db, request_id) == "versandt"
    assert "davon 0 noch nicht als versandt markiert" in shown_text(at)
    [batch] = [url for label, url in file_links(at).items() if label.startswith("Druckstapel vom")]
    assert file_bytes(at, batch).startswith(b"%PDF")


def _queue_views(engine) -> int:
    with session_scope(engine=engine) as db:
        entries = db.exec(
            select(AuditEntry).where(AuditEntry.action == "view_certificate_queue")
        ).all()
    return len(entries)


def test_the_queue_is_audited_once_per_opening_not_on_every_click(portal_db):
    first = _lena_requests_her_certificate(portal_db)
    _lena_requests_her_certificate(portal_db)
    before = _queue_views(portal_db)
    at = login("sachbearbeitung").switch_page(CLERK_PAGE).run()
    assert _queue_views(portal_db) == before + 1

    at.selectbox(key=f"cert_choice_{at.session_state['cert_round']}").set_value(first).run()
    at.button(key="cert_issue").click().run()
    assert not at.exception
    assert _queue_views(portal_db) == before + 1  # choosing and issuing redraw the same view

    at.switch_page("pages/clerk_home.py").run()
    at.switch_page(CLERK_PAGE).run()
    assert not at.exception
    assert _queue_views(portal_db) == before + 2  # coming back is a new opening


def test_verify_page_accepts_an_issued_pdf_and_shows_only_the_certified_minimum(issued):
    pdf, _payload = issued
    at = open_portal(VERIFY_PAGE)
    assert "Bescheinigung prüfen" in [title.value for title in at.title]

    at.file_uploader(key="verify_upload").set_value(
        ("bescheinigung.pdf", pdf, "application/pdf")
    ).run()

    assert not at.exception
    assert errors(at) == []
    (result,) = [s.value for s in at.success]
    assert "Die Bescheinigung ist gültig." in result
    text = shown_text(at)
    assert "Name: Lena Berger" in text
    assert "Geburtsdatum: 17.04.1991" in text
    assert "versichert seit 01.01.2015" in text
    assert LENA.kvnr not in text and "Lindenallee" not in text


def test_verify_page_refuses_a_pasted_payload_with_a_changed_signature(issued):
    _pdf, payload = issued
    key_id, body, signature = payload.split(".")
    tampered = f"{key_id}.{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    at = open_portal(VERIFY_PAGE)

    at.text_area(key="verify_code").input(tampered)
    at.button(key="verify_check").click().run()

    assert not at.exception
    assert list(at.success) == []
    (refusal,) = errors(at)
    assert "ungültig" in refusal
    assert "Lena" not in shown_text(at)


def test_verify_page_accepts_the_pasted_payload_as_printed(issued):
    _pdf, payload = issued
    at = open_portal(VERIFY_PAGE)

    at.text_area(key="verify_code").input(f"Prüfcode: {payload[:60]}\n{payload[60:]}")
    at.button(key="verify_check").click().run()

    assert not at.exception
    assert ["gültig" in s.value for s in at.success] == [True]


def test_verify_page_rejects_a_file_that_is_no_pdf():
    at = open_portal(VERIFY_PAGE)

    at.file_uploader(key="verify_upload").set_value(
        ("bescheinigung.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "application/pdf")
    ).run()

    assert not at.exception
    assert len(errors(at)) == 1
    assert list(at.success) == []
