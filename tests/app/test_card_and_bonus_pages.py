"""Digitaler Versicherungsausweis and Bonusprogramm as jonas.smart uses them; lena.basic is
refused; a clerk confirms the enrolment and accepts evidence in the back-office."""

from urllib.parse import unquote

import pytest
from sqlmodel import Session, select

from core.clock import today_berlin
from core.models.audit import AuditEntry
from tests.app.helpers import (
    audit_looks,
    errors,
    fetch_file,
    file_bytes,
    file_links,
    image_urls,
    infos,
    leave_and_come_back,
    login,
    shown_text,
    titles,
)
from tests.service.test_documents import pdf_bytes
from ui.registry import screens_for

CARD_PAGE, BONUS_PAGE, CLERK_PAGE = (
    "pages/member_digital_card.py",
    "pages/member_bonus.py",
    "pages/clerk_bonus.py",
)
REFUSAL = "Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."


def _open(page: str, username: str = "jonas.smart"):
    return login(username).switch_page(page).run()


def _warnings(at) -> list[str]:
    return [warning.value for warning in at.warning]


def _successes(at) -> list[str]:
    return [success.value for success in at.success]


def test_jonas_requests_a_card_and_sees_validity_counter_download_and_send():
    year = today_berlin().year
    at = _open(CARD_PAGE)
    assert titles(at) == ["Digitaler Versicherungsausweis"]
    assert "Sie haben zurzeit keinen gültigen digitalen Versicherungsausweis." in infos(at)
    assert f"**Noch 4 von 4 in {year}**" in shown_text(at)
    assert file_links(at) == {}

    at = at.button(key="card_request").click().run()

    assert not at.exception and errors(at) == []
    [notice] = _successes(at)
    assert notice.startswith("Ihr digitaler Versicherungsausweis ist fertig. Er gilt bis")
    text = shown_text(at)
    assert f"**Noch 3 von 4 in {year}**" in text
    assert "bis einschließlich" in text and "noch 14 Tage" in text
    [(label, url)] = file_links(at).items()
    assert label == "Herunterladen (PDF)"
    card = fetch_file(at, url)
    assert card.file_name.startswith("HEK_Versicherungsausweis_")
    assert card.produce().startswith(b"%PDF")
    [send] = [button for button in at.get("link_button") if button.proto.url.startswith("mailto:")]
    assert send.proto.label == "Per E-Mail senden"
    assert send.proto.url.startswith("mailto:?subject=")
    assert "PDF-Datei anh" in unquote(send.proto.url)
    assert "das Portal verschickt nichts" in text
    [qr_code] = image_urls(at)
    assert file_bytes(at, qr_code).startswith(b"\x89PNG")
    assert list(at.table[0].value["Status"]) == ["gültig"]


def test_after_the_fourth_card_the_page_refuses_and_names_the_hotline():
    at = _open(CARD_PAGE)
    while not at.button(key="card_request").disabled:
        at = at.button(key="card_request").click().run()
        assert not at.exception and errors(at) == []

    [warning] = _warnings(at)
    assert f"in {today_berlin().year} bereits 4 digitale Versicherungsausweise" in warning
    assert "Hotline 0800 0213213" in warning
    assert f"**Noch 0 von 4 in {today_berlin().year}**" in shown_text(at)
    assert len(at.table[0].value) == 4


@pytest.mark.parametrize("page", [CARD_PAGE, BONUS_PAGE])
def test_a_basic_member_neither_sees_nor_opens_the_smart_service_pages(portal_db, page):
    basic_paths = {screen.path for screen in screens_for(role="member", service_level="basic")}
    assert page not in basic_paths

    at = login("lena.basic", page=page)

    assert errors(at) == [REFUSAL]
    assert titles(at) == []
    with Session(portal_db) as session:
        latest = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (latest.actor, latest.action) == ("lena.basic", "access_denied")


def test_bonus_enrolment_and_evidence_from_application_to_points():
    # jonas downloads the form and sends it back signed
    at = _open(BONUS_PAGE)
    assert titles(at) == ["Bonusprogramm"]
    assert [b.proto.label for b in at.get("download_button")] == ["Antrag herunterladen (PDF)"]
    assert at.button(key="bonus_apply").disabled
    at.session_state["bonus_apply_key"] = "apply-once"
    at = at.run()
    at.file_uploader(key="bonus_form_apply-once").set_value(
        ("antrag.pdf", pdf_bytes(1, "Antrag Vorsorgeplus"), "application/pdf")
    ).run()
    at = at.button(key="bonus_apply").click().run()
    assert not at.exception and errors(at) == []
    assert _successes(at)[0].startswith("Ihr Antrag ist eingegangen.")
    assert any("wird geprüft" in info for info in infos(at))

    # a clerk confirms it in the back-office
    clerk = _open(CLERK_PAGE, "sachbearbeitung")
    assert titles(clerk) == ["Bonusnachweise"]
    confirm = [b for b in clerk.button if (b.key or "").startswith("enrol_confirm_")]
    assert len(confirm) == 1
    clerk = confirm[0].click().run()
    assert not clerk.exception
    assert _successes(clerk) == ["Anmeldung von Albrecht, Jonas bestätigt."]

    # jonas is now taking part and sends evidence
    at = _open(BONUS_PAGE)
    assert _successes(at)[0].startswith("Sie nehmen am Bonusprogramm teil. Programmjahr 1:")
    assert {m.label: m.value for m in at.metric}["Punkte im Programmjahr 1"] == "0"
    assert any(e.label.startswith("Zahnvorsorge · 200 Punkte") for e in at.expander)
    at.session_state["bonus_evidence_key"] = "evidence-once"
    at = at.run()
    at.selectbox(key="bonus_category").set_value("checkup")
    at.file_uploader(key="bonus_files_evidence-once").set_value(
        ("checkup.pdf", pdf_bytes(1, "Check-up"), "application/pdf")
    ).run()
    at = at.button(key="bonus_submit").click().run()
    assert not at.exception and errors(at) == []
    assert _successes(at)[0] == (
        "Ihr Nachweis „Gesundheits-Check-up“ ist eingegangen und wird geprüft."
    )
    assert list(at.table[0].value["Status"]) == ["eingereicht"]

    # the clerk opens and accepts it; the points show on jonas's page
    clerk = _open(CLERK_PAGE, "sachbearbeitung")
    [view] = [b for b in clerk.button if (b.key or "").startswith("evidence_view_")]
    clerk = view.click().run()
    [page] = image_urls(clerk)
    assert file_bytes(clerk, page).startswith(b"\x89PNG")
    [accept] = [b for b in clerk.button if (b.key or "").startswith("evidence_accept_")]
    clerk = accept.click().run()
    assert _successes(clerk) == ["Gesundheits-Check-up für Albrecht, Jonas anerkannt (300 Punkte)."]
    at = _open(BONUS_PAGE)
    assert {m.label: m.value for m in at.metric}["Punkte im Programmjahr 1"] == "300"
    assert list(at.table[0].value["Status"]) == ["anerkannt"]


def test_a_clerk_must_give_a_reason_to_reject():
    at = _open(BONUS_PAGE, "deniz.familie")
    at.session_state["bonus_apply_key"] = "deniz-apply"
    at = at.run()
    at.file_uploader(key="bonus_form_deniz-apply").set_value(
        ("antrag.pdf", pdf_bytes(1, "Antrag"), "application/pdf")
    ).run()
    at.button(key="bonus_apply").click().run()

    clerk = _open(CLERK_PAGE, "sachbearbeitung")
    [reject] = [b for b in clerk.button if (b.key or "").startswith("enrol_reject_")]
    clerk = reject.click().run()
    assert errors(clerk) == ["Bitte geben Sie einen Grund für die Ablehnung an."]

    [reason] = [t for t in clerk.text_input if (t.key or "").startswith("enrol_reason_")]
    reason.input("Die Unterschrift fehlt.")
    [reject] = [b for b in clerk.button if (b.key or "").startswith("enrol_reject_")]
    clerk = reject.click().run()
    assert _successes(clerk) == ["Anmeldung von Yilmaz, Deniz abgelehnt."]

    at = _open(BONUS_PAGE, "deniz.familie")
    assert _warnings(at) == [
        "Ihr Antrag wurde abgelehnt: Die Unterschrift fehlt. Sie können ihn erneut senden."
    ]


def test_the_review_queues_are_audited_once_per_visit_not_on_every_click():
    def counts() -> tuple[int, int]:
        return len(audit_looks("view_bonus_enrolments")), len(audit_looks("view_bonus_evidence"))

    before = counts()
    clerk = _open(CLERK_PAGE, "sachbearbeitung")
    clerk = clerk.button(key="bonus_refresh").click().run()

    assert not clerk.exception and titles(clerk) == ["Bonusnachweise"]
    assert counts() == (before[0] + 1, before[1] + 1)
    assert audit_looks("view_bonus_evidence")[-1].actor == "sachbearbeitung"

    clerk = leave_and_come_back(clerk, CLERK_PAGE)

    assert counts() == (before[0] + 2, before[1] + 2)
