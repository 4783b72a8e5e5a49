"""The smart pages: contact and bank data, App-Kommunikation, insurance periods and earnings."""

import json

import pytest
from sqlmodel import Session, select

from core.models.audit import AuditEntry
from core.models.people import ServiceLevel
from tests.app.helpers import errors, file_bytes, file_links, login, shown_text, titles
from ui.registry import SCREENS, screens_for

SMART_SCREENS = [screen for screen in SCREENS if screen.min_level == ServiceLevel.SMART]
REFUSAL = "Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."
CONTACT_SAVE = "FormSubmitter:contact-Kontaktdaten speichern"
BANK_ADD = "FormSubmitter:bank_account-Bankverbindung hinzufügen"


def _open(page: str, username: str = "jonas.smart"):
    return login(username).switch_page(page).run()


def _plotly_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def infos_text(at) -> str:
    return "\n".join(info.value for info in at.info)


def test_smart_screens_are_registered_for_smart_and_above_only():
    assert {s.url_path for s in SMART_SCREENS} >= {
        "member_contact",
        "member_communication",
        "member_insurance_history",
        "member_digital_card",
        "member_bonus",
        "member_postbox",
        "member_messenger",
    }
    basic = screens_for(role="member", service_level="basic")
    smart = screens_for(role="member", service_level="smart")
    health = screens_for(role="member", service_level="smarthealth")
    assert not set(SMART_SCREENS) & set(basic)
    assert set(SMART_SCREENS) <= set(smart) and set(SMART_SCREENS) <= set(health)


@pytest.mark.parametrize("screen", SMART_SCREENS, ids=lambda s: s.url_path)
def test_basic_member_typing_a_smart_url_is_refused_and_audited(portal_db, screen):
    at = login("lena.basic", page=screen.path)

    assert not at.exception
    assert errors(at) == [REFUSAL]
    assert screen.title not in titles(at)
    with Session(portal_db) as session:
        latest = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (latest.actor, latest.action, latest.subject_id) == (
        "lena.basic",
        "access_denied",
        screen.url_path,
    )


@pytest.mark.parametrize("screen", SMART_SCREENS, ids=lambda s: s.url_path)
def test_smart_member_opens_each_smart_page(screen):
    at = _open(screen.path)

    assert not at.exception
    assert titles(at) == [screen.title]
    assert errors(at) == []


def test_contact_page_shows_the_stored_address_and_refuses_a_four_digit_postal_code():
    at = _open("pages/member_contact.py")
    assert at.text_input(key="contact_street").value == "Hafenstraße 41"

    at.text_input(key="contact_postal_code").input("2009")
    at = at.button(key=CONTACT_SAVE).click().run()

    assert errors(at) == ["Die Postleitzahl muss aus genau 5 Ziffern bestehen."]


def test_contact_change_is_saved_and_confirmed():
    at = _open("pages/member_contact.py")

    at.text_input(key="contact_phone").input("040 7654321")
    at = at.button(key=CONTACT_SAVE).click().run()

    assert [s.value for s in at.success] == ["Gespeichert: Telefon."]
    assert at.text_input(key="contact_phone").value == "040 7654321"


def test_bank_accounts_a_bad_checksum_is_refused_and_the_newest_account_is_highlighted():
    at = _open("pages/member_contact.py")
    assert "Sie haben noch keine Bankverbindung hinterlegt." in shown_text(at)

    at.text_input(key="bank_iban").input("DE89 3704 0044 0532 0130 01")
    at = at.button(key=BANK_ADD).click().run()
    assert errors(at) == ["Die IBAN ist ungültig: die Prüfsumme stimmt nicht."]

    for iban in ("DE89 3704 0044 0532 0130 00", "DE02 1203 0000 0000 2020 51"):
        at.text_input(key="bank_iban").input(iban)
        at = at.button(key=BANK_ADD).click().run()
        assert not at.exception and errors(at) == []

    highlighted = [s.value for s in at.success if "Aktuell gültig" in s.value]
    assert len(highlighted) == 1 and "DE02 1203 0000 0000 2020 51" in highlighted[0]
    assert "DE89 3704 0044 0532 0130 00" in shown_text(at)  # the old one stays listed
    assert "Ersetzt, bevor sie gültig wurde" in [caption.value for caption in at.caption]


def test_app_communication_can_be_switched_on_and_off():
    at = _open("pages/member_communication.py")
    assert at.toggle(key="app_comm").value is False
    assert "Deaktiviert" in infos_text(at)

    at = at.toggle(key="app_comm").set_value(True).run()
    assert [s.value.split(" (")[0] for s in at.success] == ["Aktiviert"]

    at = at.toggle(key="app_comm").set_value(False).run()
    assert not at.success
    assert "Deaktiviert" in infos_text(at)


def test_history_page_shows_a_timeline_and_earnings_beside_the_ceiling():
    at = _open("pages/member_insurance_history.py")

    timeline, earnings = _plotly_specs(at)
    assert {trace["type"] for trace in timeline["data"]} == {"bar"}
    kinds = {trace["name"] for trace in timeline["data"]}
    assert {"Studium", "Beschäftigung", "Arbeitslosigkeit"} <= kinds
    bars = [trace for trace in earnings["data"] if trace["type"] == "bar"]
    [ceiling] = [trace for trace in earnings["data"] if trace["type"] == "scatter"]
    assert len(bars) >= 3  # one trace per employer
    assert ceiling["name"] == "Beitragsbemessungsgrenze KV"
    assert dict(zip(ceiling["x"], ceiling["y"], strict=True))[2024] == 62_100
    links = file_links(at)
    assert list(links) == ["Versicherungszeiten (CSV)", "Entgelte (CSV)", "Alles als PDF"]
    assert file_bytes(at, links["Entgelte (CSV)"]).decode("utf-8-sig").startswith("Jahr;")
    assert file_bytes(at, links["Alles als PDF"]).startswith(b"%PDF")
