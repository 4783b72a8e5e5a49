"""smarthealth pages under AppTest: activation, a new entry, logout, unlock, new device, staff."""

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core import crypto
from core.auth import actor_for
from core.clock import today_berlin, utcnow
from core.health import activation, entries, termination
from core.health import migrate as health_migrate
from core.health.db import get_health_engine
from core.health.entries import Category
from core.models.accounts import UserAccount, UserSession
from core.models.health_link import HealthLink
from core.models.people import Member
from core.settings import get_settings
from tests.app.helpers import (
    errors,
    file_bytes,
    file_links,
    image_urls,
    login,
    shown_text,
    submit_login,
    titles,
)
from tests.service.health_world import fresh_provider_url, letter_pdf

RECORD = "pages/health_record.py"
SETTINGS = "pages/health_settings.py"
KV_CONNECT = "pages/health_kv_connect.py"
PASSWORD = "mein-geraete-passwort"
REFUSAL = "Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben."


@pytest.fixture(scope="module", autouse=True)
def provider_db() -> Iterator[None]:
    """A fresh provider database for this module (the app reads HEALTH_DATABASE_URL)."""
    previous = os.environ.get("HEALTH_DATABASE_URL")
    os.environ["HEALTH_DATABASE_URL"] = fresh_provider_url()
    get_settings.cache_clear()
    get_health_engine.cache_clear()
    yield
    get_health_engine().dispose()
    if previous is None:
        os.environ.pop("HEALTH_DATABASE_URL", None)
    else:
        os.environ["HEALTH_DATABASE_URL"] = previous
    get_settings.cache_clear()
    get_health_engine.cache_clear()
    # Start-up migrates once per process (cached): leave the default database migrated too.
    health_migrate.upgrade(get_health_engine())


def _miriam(portal_db):
    with Session(portal_db) as session:
        account = session.exec(select(UserAccount).where(UserAccount.username == "miriam.health"))
        return actor_for(session, account.one())


def _fresh_record(portal_db) -> str:
    """Miriam's record started afresh through the services; returns her security key text."""
    actor = _miriam(portal_db)
    with Session(portal_db) as session, Session(get_health_engine()) as health:
        link = session.get(HealthLink, actor.member_id)
        if link is not None and link.terminated_at is None:
            termination.terminate(session, health, actor=actor, confirmation="KÜNDIGEN")
        key = crypto.new_security_key()
        activation.complete_activation(
            session,
            health,
            actor=actor,
            shown_key=key,
            typed_key=crypto.format_security_key(key),
            device_id="another-browser",
            device_password=PASSWORD,
            consent=activation.Consent(True, True, True),
            today=today_berlin(),
        )
    return crypto.format_security_key(key)


def _table_titles(at) -> list[str]:
    return list(at.dataframe[0].value["Titel"]) if at.dataframe else []


def _successes(at) -> list[str]:
    return [element.value for element in at.success]


def _activate(at, *, typed):
    """Generate the key, type it back (as `typed` spells it), set the device password, consent."""
    at = at.button(key="health_generate").click().run()
    key_text = at.code[0].value
    assert crypto.parse_security_key(key_text)
    at.text_input(key="health_typed_key").input(typed(key_text))
    at.text_input(key="health_new_password").input(PASSWORD)
    at.text_input(key="health_new_password_again").input(PASSWORD)
    for name in ("terms", "privacy", "transfer"):
        at.checkbox(key=f"health_consent_{name}").check()
    return at.button(key="FormSubmitter:health_activate-Aktivierung abschließen").click().run()


def test_miriam_activates_adds_an_entry_logs_out_and_unlocks_again_with_her_password(portal_db):
    with Session(portal_db) as session, Session(get_health_engine()) as health:
        link = session.get(HealthLink, _miriam(portal_db).member_id)
        if link is not None and link.terminated_at is None:
            termination.terminate(
                session, health, actor=_miriam(portal_db), confirmation="KÜNDIGEN"
            )
    at = login("miriam.health").switch_page(RECORD).run()
    assert titles(at) == ["Gesundheitsakte"]
    assert "Nur Sie können Ihre Gesundheitsdaten lesen." in shown_text(at)

    at = _activate(at, typed=lambda key_text: key_text.lower().replace("-", " "))
    assert not at.exception
    assert "smarthealth ist freigeschaltet." in _successes(at)

    at.selectbox(key="health_new_category").set_value(Category.VACCINATION)
    at.text_input(key="health_new_title").input("Grippeimpfung Herbst")
    at = at.button(key="FormSubmitter:health_manual_entry-Eintrag speichern").click().run()
    assert "Eintrag »Grippeimpfung Herbst« verschlüsselt gespeichert." in _successes(at)
    assert _table_titles(at) == ["Grippeimpfung Herbst"]

    assert "health_unlocked" in at.session_state
    at = at.button(key="logout").click().run()
    assert [key for key in at.session_state if str(key).startswith("health_")] == []

    at = submit_login(at, "miriam.health").switch_page(RECORD).run()
    assert "Gesundheitsakte entsperren" in shown_text(at)
    at.text_input(key="health_unlock_password").input("falsches-passwort")
    at = at.button(key="FormSubmitter:health_unlock-Entsperren").click().run()
    assert errors(at) == [
        "Das Geräte-Passwort ist nicht richtig. Sie haben noch 4 Versuche; danach lässt sich "
        "die Akte auf diesem Gerät nur noch mit dem Sicherheitsschlüssel entsperren."
    ]
    at.text_input(key="health_unlock_password").input(PASSWORD)
    at = at.button(key="FormSubmitter:health_unlock-Entsperren").click().run()
    assert not at.exception
    assert _table_titles(at) == ["Grippeimpfung Herbst"]
    assert "health_unlock_password" not in at.session_state  # the typed password is dropped


def test_a_new_browser_needs_the_security_key_and_catches_a_typo(portal_db):
    key_text = _fresh_record(portal_db)
    at = login("miriam.health").switch_page(RECORD).run()
    assert "Neues Gerät: mit Sicherheitsschlüssel freischalten" in shown_text(at)
    typo = ("1" if key_text[0] != "1" else "2") + key_text[1:]
    at.text_input(key="health_device_key").input(typo)
    at.text_input(key="health_device_password").input(PASSWORD)
    at = at.button(key="FormSubmitter:health_new_device-Gerät freischalten").click().run()
    assert errors(at) == [crypto.InvalidSecurityKeyFormat.default_message]
    at.text_input(key="health_device_key").input(key_text)
    at.text_input(key="health_device_password").input(PASSWORD)
    at = at.button(key="FormSubmitter:health_new_device-Gerät freischalten").click().run()
    assert not at.exception and errors(at) == []
    assert "Ihre Akte ist noch leer." in shown_text(at)


def test_settings_show_the_key_again_and_export_while_unlocked(portal_db):
    key_text = _fresh_record(portal_db)
    at = login("miriam.health").switch_page(RECORD).run()
    at.text_input(key="health_device_key").input(key_text)
    at.text_input(key="health_device_password").input(PASSWORD)
    at = at.button(key="FormSubmitter:health_new_device-Gerät freischalten").click().run()
    at = at.switch_page(SETTINGS).run()
    assert titles(at) == ["Einstellungen & Vertrag"]
    at = at.toggle(key="health_show_key").set_value(True).run()
    assert key_text in [code.value for code in at.code]
    assert file_bytes(at, file_links(at)["Notfall-Kit (PDF) herunterladen"]).startswith(b"%PDF")
    [qr_code] = image_urls(at)
    assert file_bytes(at, qr_code).startswith(b"\x89PNG")
    at = at.button(key="health_export_start").click().run()
    assert not at.exception and errors(at) == []
    assert at.session_state["health_export"][:2] == b"PK"
    archive = file_bytes(at, file_links(at)["Export herunterladen (ZIP)"])
    assert archive == at.session_state["health_export"]


def test_termination_on_the_settings_page_deletes_the_record(portal_db):
    _fresh_record(portal_db)
    at = login("miriam.health").switch_page(SETTINGS).run()
    at.text_input(key="health_terminate_confirm").input("KÜNDIGEN")
    at = at.button(key="FormSubmitter:health_terminate-Kündigen und alle Daten löschen").click()
    at = at.run()
    assert any("smarthealth ist gekündigt." in text for text in _successes(at))
    assert titles(at) == ["Gesundheitsakte"]  # back at smart: the record page offers it anew
    assert "smarthealth freischalten" in shown_text(at)
    assert at.session_state["hek_actor"].service_level == "smart"


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("sachbearbeitung", RECORD),
        ("sachbearbeitung", SETTINGS),
        ("admin", RECORD),
        ("admin", SETTINGS),
        ("jonas.smart", SETTINGS),  # smart, not yet smarthealth: the record's settings
        ("lena.basic", RECORD),
    ],
)
def test_staff_basic_and_smart_members_are_refused_the_record_pages(username, page):
    at = login(username, page=page)
    assert errors(at) == [REFUSAL]
    assert "Gesundheitsakte" not in titles(at)


def test_a_smart_member_identified_by_robo_ident_is_told_to_identify_with_eid():
    at = login("deniz.familie", page=RECORD)
    assert titles(at) == ["Gesundheitsakte"]
    assert any("Identifizierung mit eID" in text for text in (w.value for w in at.warning))
    assert "health_generate" not in [button.key for button in at.button]  # no key before eID


def test_a_practice_sends_a_letter_by_reference_number(portal_db):
    _fresh_record(portal_db)
    with Session(portal_db) as session:
        reference = session.get(HealthLink, _miriam(portal_db).member_id).reference_number
    at = login("sachbearbeitung").switch_page(KV_CONNECT).run()
    assert titles(at) == ["KV-Connect (Praxis)"]
    at.text_input(key="kv_reference").input(reference)
    at.text_input(key="kv_practice").input("Praxis Dr. Kaya")
    at.file_uploader(key="kv_letter").set_value(
        ("brief.pdf", letter_pdf("Arztbrief"), "application/pdf")
    )
    at = at.button(key="FormSubmitter:kv_connect-Senden").click().run()
    assert not at.exception
    assert any(text.startswith("Arztbrief zugestellt.") for text in _successes(at))


def test_members_are_refused_the_practice_page():
    at = login("miriam.health", page=KV_CONNECT)
    assert errors(at) == [REFUSAL]


def test_the_idle_timeout_clears_the_key_and_the_opened_entries(portal_db):
    key_text = _fresh_record(portal_db)
    at = login("miriam.health").switch_page(RECORD).run()
    at.text_input(key="health_device_key").input(key_text)
    at.text_input(key="health_device_password").input(PASSWORD)
    at = at.button(key="FormSubmitter:health_new_device-Gerät freischalten").click().run()
    assert {"health_unlocked", "health_timeline"} <= set(at.session_state)
    with Session(portal_db) as session:  # 16 minutes without a request
        for row in session.exec(select(UserSession).where(UserSession.ended_at.is_(None))):
            row.last_seen_at = utcnow() - timedelta(minutes=16)
            session.add(row)
        session.commit()
    at = at.run()
    assert [key for key in at.session_state if str(key).startswith("health_")] == []
    assert "Ihre Sitzung ist wegen Inaktivität abgelaufen." in shown_text(at)


def test_after_five_wrong_device_passwords_only_the_security_key_opens_the_record(portal_db):
    key_text = _fresh_record(portal_db)
    at = login("miriam.health")
    at.session_state["hek_device_id"] = "another-browser"  # the browser that activated
    at = at.switch_page(RECORD).run()
    for _ in range(5):
        at.text_input(key="health_unlock_password").input("falsches-passwort")
        at = at.button(key="FormSubmitter:health_unlock-Entsperren").click().run()
    assert "zu oft falsch eingegeben" in errors(at)[0]

    at = at.run()
    assert "Gesundheitsakte mit Sicherheitsschlüssel entsperren" in shown_text(at)
    assert not any(field.key == "health_unlock_password" for field in at.text_input)
    at.text_input(key="health_device_key").input(key_text)
    at.text_input(key="health_device_password").input("ein-neues-passwort")
    at = at.button(key="FormSubmitter:health_new_device-Gerät freischalten").click().run()
    assert not at.exception and "health_unlocked" in at.session_state


def _with_checkups(portal_db, count: int) -> None:
    """`count` check-ups sealed into Miriam's record, one a day, the newest yesterday."""
    with Session(portal_db) as session, Session(get_health_engine()) as health:
        reference = session.get(HealthLink, _miriam(portal_db).member_id).reference_number
        account = entries.locked_account(health, reference)
        for number in range(count):
            on = today_berlin() - timedelta(days=count - number)
            payload = entries.entry_payload(Category.CHECKUP, on, f"Vorsorge {number}", "", "hek")
            entries.store_entry(health, account=account, payload=payload)
        health.commit()


def test_a_long_record_is_shown_a_hundred_entries_per_page(portal_db):
    _fresh_record(portal_db)
    _with_checkups(portal_db, 130)
    at = login("miriam.health")
    at.session_state["hek_device_id"] = "another-browser"
    at = at.switch_page(RECORD).run()
    at.text_input(key="health_unlock_password").input(PASSWORD)
    at = at.button(key="FormSubmitter:health_unlock-Entsperren").click().run()

    titles_shown = _table_titles(at)
    assert len(titles_shown) == 100 and titles_shown[0] == "Vorsorge 129"
    assert "Einträge 1–100 von 130, neueste zuerst" in shown_text(at)
    at = at.number_input(key="health_timeline_table_page").set_value(2).run()
    assert _table_titles(at)[-1] == "Vorsorge 0" and len(_table_titles(at)) == 30

    at = at.number_input(key="health_category_table_page").set_value(2).run()
    at = at.text_input(key="health_search").input("Vorsorge 12").run()  # 12, 112, 120 … 129
    assert not at.exception  # page 2 of the narrowed list does not exist: back to one page
    assert "12 von 130 Einträgen" in shown_text(at)
    assert len(at.dataframe[1].value) == 12


def test_a_smart_member_identified_by_eid_activates_smarthealth_and_reaches_its_level(portal_db):
    """Last in this module: jonas.smart leaves it at level smarthealth."""
    at = login("jonas.smart", page=RECORD)
    assert titles(at) == ["Gesundheitsakte"]
    at = _activate(at, typed=lambda key_text: key_text)

    assert not at.exception
    assert "smarthealth ist freigeschaltet." in _successes(at)
    with Session(portal_db) as session:
        jonas = session.exec(select(UserAccount).where(UserAccount.username == "jonas.smart")).one()
        assert session.get(Member, jonas.member_id).service_level == "smarthealth"
    at = at.switch_page(SETTINGS).run()
    assert errors(at) == []
    assert "Einstellungen & Vertrag" in titles(at)
