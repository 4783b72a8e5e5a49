"""Zu smart wechseln, the device gate, Geräte & Sicherheit and Passwort vergessen in AppTest."""

import re

import streamlit as st
from sqlmodel import Session, select

from core.identity import reset_throttle
from core.kvnr import make_kvnr
from core.models.accounts import Role, UserAccount
from core.models.identity import Identification, RegisteredDevice
from core.models.people import Member
from core.models.preferences import MemberPreference
from core.seed import DEMO_APP_PIN, DEMO_PERSONAS
from tests.app.helpers import (
    errors,
    login,
    open_portal,
    pass_device_gate,
    shown_text,
    shows_device_gate,
    shows_login_form,
    submit_login,
    titles,
)
from tests.hostile_files import jpeg
from ui.registry import screens_for

CARD = ("ausweis.jpg", jpeg((640, 400)), "image/jpeg")
SELFIE = ("selfie.jpg", jpeg((480, 640)), "image/jpeg")
NEW_PIN = "480213"
NEW_PASSWORD = "ein ganz neues Passwort"
GATE_TITLE = "Gerät bestätigen"
REGISTER = "FormSubmitter:device_register-Gerät registrieren"
KVNR = {persona.username: persona.kvnr for persona in DEMO_PERSONAS}


def _start(at, key, *, procedure, kvnr, name=None, username=None):
    at.checkbox(key=f"{key}_consent").check()
    if name is not None:
        at.text_input(key=f"{key}_name").input(name)
    if username is not None:
        at.text_input(key=f"{key}_username").input(username)
    at.text_input(key=f"{key}_kvnr").input(kvnr)
    at.radio(key=f"{key}_procedure").set_value(procedure)
    return at.button(key=f"FormSubmitter:{key}_start-Identifizierung starten").click().run()


def _next(at, key):
    return at.button(key=f"{key}_next").click().run()


def _upload(at, widget, file):
    at.file_uploader(key=widget).set_value(file)
    return at.run()


def _eid_steps(at, key, pin="482915"):
    at = _next(_upload(at, f"{key}_s_front", CARD), key)
    at.checkbox(key=f"{key}_s_card1").check()
    at.text_input(key=f"{key}_s_pin").input(pin)
    at = _next(at, key)
    at.checkbox(key=f"{key}_s_card2").check()
    return _next(at, key)


def _robo_steps(at, key):
    at = _next(_upload(at, f"{key}_s_front", CARD), key)
    at = _next(_upload(at, f"{key}_s_back", CARD), key)
    words = next(m.value for m in at.markdown if m.value.startswith("### „"))
    at = _upload(at, f"{key}_s_selfie", SELFIE)
    at.text_input(key=f"{key}_s_words").input(" ".join(re.findall(r"„(\w+)“", words)))
    return _next(at, key)


def _register_this_browser(at, name="Laptop", pin=NEW_PIN):
    at.text_input(key="device_name").input(name)
    at.text_input(key="device_new_pin").input(pin)
    at.text_input(key="device_new_pin_repeat").input(pin)
    return at.button(key=REGISTER).click().run()


def _member(portal_db, username) -> Member:
    with Session(portal_db) as session:
        user = session.exec(select(UserAccount).where(UserAccount.username == username)).one()
        return session.get(Member, user.member_id)


def _devices(portal_db, username) -> list[RegisteredDevice]:
    with Session(portal_db) as session:
        user = session.exec(select(UserAccount).where(UserAccount.username == username)).one()
        return session.exec(
            select(RegisteredDevice)
            .where(RegisteredDevice.user_id == user.id, RegisteredDevice.revoked_at.is_(None))
            .order_by(RegisteredDevice.id)
        ).all()


def test_start_page_and_profile_offer_the_switch_to_smart_to_basic_members_only():
    for page in ("pages/member_home.py", "pages/member_profile.py"):
        basic = login("lena.basic").switch_page(page).run()
        smart = login("jonas.smart").switch_page(page).run()
        assert "Jetzt zu smart wechseln" in [link.label for link in basic.get("page_link")]
        assert "Jetzt zu smart wechseln" not in [link.label for link in smart.get("page_link")]


def test_lena_switches_to_smart_by_eid_and_then_sees_the_smart_pages(portal_db):
    at = login("lena.basic").switch_page("pages/member_identification.py").run()
    assert titles(at) == ["Zu smart wechseln"]

    at = _start(at, "ident", procedure="eid", kvnr=KVNR["lena.basic"], name="Max Muster")
    assert errors(at) == [
        "Name und Versichertennummer stimmen nicht mit Ihrem Konto überein. "
        "Bitte prüfen Sie Ihre Eingaben."
    ]
    at = _start(at, "ident", procedure="eid", kvnr=KVNR["lena.basic"], name="Lena Berger")
    assert "Schritt 1 von 3" in at.get("progress")[0].proto.text

    at = _next(_upload(at, "ident_s_front", CARD), "ident")
    at.checkbox(key="ident_s_card1").check()
    at.text_input(key="ident_s_pin").input("000000")
    at = _next(at, "ident")
    assert errors(at) == [
        "Die Ausweis-PIN ist falsch. Sie haben noch 2 Versuche. Nach drei falschen Eingaben "
        "wird Ihr Ausweis gesperrt. Bitte versuchen Sie es erneut."
    ]
    assert at.text_input(key="ident_s_pin").value == ""  # a refused PIN does not stay
    at.text_input(key="ident_s_pin").input("482915")
    at = _next(at, "ident")
    at.checkbox(key="ident_s_card2").check()
    at = _next(at, "ident")

    # smart now: this browser becomes the first device, with the fresh identification
    assert not at.exception
    assert titles(at) == [GATE_TITLE]
    at = _register_this_browser(at, pin="123456")
    assert errors(at) == [
        "Bitte wählen Sie keine leicht zu erratende App-PIN wie 111111 oder 123456."
    ]
    at = _register_this_browser(at)
    assert titles(at) == ["Zu smart wechseln"]
    assert "Geschafft: Sie sind mit eID identifiziert" in shown_text(at)

    at = at.button(key="ident_app_comm").click().run()
    assert "App-Kommunikation ist eingeschaltet." in [s.value for s in at.success]
    assert "Version: smart" in [caption.value for caption in at.sidebar.caption]

    at = at.switch_page("pages/member_contact.py").run()
    assert titles(at) == ["Kontaktdaten"] and errors(at) == []
    lena = _member(portal_db, "lena.basic")
    assert lena.service_level == "smart"
    with Session(portal_db) as session:
        row = session.exec(select(Identification).where(Identification.member_id == lena.id)).one()
        assert (row.procedure, row.status, row.level_reached) == (
            "eid",
            "succeeded",
            "smarthealth_ready",
        )
        assert session.get(MemberPreference, lena.id).app_communication is True
    assert [device.name for device in _devices(portal_db, "lena.basic")] == ["Laptop"]

    # a new login asks for the new device's app PIN
    again = login("lena.basic", pass_gate=False)
    assert titles(again) == [GATE_TITLE]
    assert titles(pass_device_gate(again, NEW_PIN)) == ["Hallo Lena!"]


def test_jonas_confirms_his_device_with_the_app_pin_before_seeing_anything():
    at = login("jonas.smart", page="pages/member_contact.py", pass_gate=False)

    assert titles(at) == [GATE_TITLE]
    assert "Hafenstraße" not in shown_text(at)
    assert at.sidebar.button(key="logout")
    at = pass_device_gate(at, "000000")
    assert errors(at) == [
        "Die App-PIN ist falsch. Sie haben noch 4 Versuche, danach wird das Gerät gesperrt."
    ]
    at = pass_device_gate(at, DEMO_APP_PIN)

    assert titles(at) == ["Kontaktdaten"]  # the typed URL survives the gate
    assert not shows_device_gate(at.switch_page("pages/member_home.py").run())


def test_fifth_wrong_app_pin_locks_the_device_and_asks_for_a_new_identification(portal_db):
    at = login("deniz.familie", pass_gate=False)
    for tries_left in (4, 3, 2, 1):
        at = pass_device_gate(at, "000000")
        word = "Versuch," if tries_left == 1 else "Versuche,"
        assert f"noch {tries_left} {word}" in errors(at)[0]

    at = pass_device_gate(at, "000000")

    assert errors(at)[0].startswith("Die App-PIN wurde zu oft falsch eingegeben.")
    assert "Für Ihr Konto ist kein Gerät registriert." in shown_text(at)
    assert _devices(portal_db, "deniz.familie") == []
    # the way back: a new identification (Robo-Ident) registers this browser
    at = _start(at, "gate_ident", procedure="robo", kvnr=KVNR["deniz.familie"], name="Deniz Yilmaz")
    at = _register_this_browser(_robo_steps(at, "gate_ident"), name="Neues Handy")
    assert titles(at) == ["Hallo Deniz!"]
    assert [device.name for device in _devices(portal_db, "deniz.familie")] == ["Neues Handy"]


def test_registering_another_device_needs_a_new_identification(portal_db):
    at = login("jonas.smart", pass_gate=False)
    at = at.button(key="device_new").click().run()
    assert at.button(key="FormSubmitter:gate_ident_start-Identifizierung starten")

    at = _start(at, "gate_ident", procedure="eid", kvnr=KVNR["jonas.smart"], name="Jonas Albrecht")
    at = _register_this_browser(_eid_steps(at, "gate_ident"), name="Büro-PC")

    at = at.switch_page("pages/member_devices.py").run()
    assert titles(at) == ["Geräte & Sicherheit"]
    headings = [sub.value for sub in at.subheader]
    assert "Demo-Smartphone" in headings and "Büro-PC (dieses Gerät)" in headings


def test_devices_page_renames_and_removes_and_removing_this_device_ends_the_session(portal_db):
    at = login("miriam.health").switch_page("pages/member_devices.py").run()
    [device] = _devices(portal_db, "miriam.health")

    at.text_input(key=f"device_name_{device.id}").input("Miriams Handy")
    at = at.button(key=f"device_rename_{device.id}").click().run()
    assert "Miriams Handy (dieses Gerät)" in [sub.value for sub in at.subheader]
    assert at.button(key=f"device_remove_{device.id}").disabled

    at = at.checkbox(key=f"device_sure_{device.id}").check().run()
    at = at.button(key=f"device_remove_{device.id}").click().run()

    assert "Das Gerät, mit dem diese Sitzung bestätigt wurde, ist entfernt worden." in shown_text(
        at
    )
    assert at.button(key="FormSubmitter:Login-Anmelden") is not None  # the sign-in page
    at = login("miriam.health")
    assert titles(at) == [GATE_TITLE]
    assert "Für Ihr Konto ist kein Gerät registriert." in shown_text(at)


def test_visitor_resets_a_forgotten_password_after_a_new_identification(portal_db):
    login_page = open_portal()
    assert "Passwort vergessen" in [link.label for link in login_page.get("page_link")]
    jonas_elsewhere = login("jonas.smart")

    at = open_portal("pages/password_reset.py")
    assert titles(at) == ["Passwort vergessen"]
    at = _start(at, "reset", procedure="eid", kvnr=KVNR["jonas.smart"], username="jonas.smrt")
    assert errors(at) == [
        "Benutzername und Versichertennummer passen zu keinem Konto. "
        "Bitte prüfen Sie Ihre Eingaben."
    ]
    at = _start(at, "reset", procedure="eid", kvnr=KVNR["jonas.smart"], username="jonas.smart")
    at = _eid_steps(at, "reset")
    assert "Legen Sie jetzt ein neues Passwort fest." in shown_text(at)

    at.text_input(key="reset_new").input("zu kurz")
    at.text_input(key="reset_repeat").input("zu kurz")
    at = at.button(key="FormSubmitter:reset_password-Neues Passwort speichern").click().run()
    assert errors(at) == ["Das Passwort muss mindestens 10 Zeichen lang sein."]
    at.text_input(key="reset_new").input(NEW_PASSWORD)
    at.text_input(key="reset_repeat").input(NEW_PASSWORD)
    at = at.button(key="FormSubmitter:reset_password-Neues Passwort speichern").click().run()

    assert "Ihr Passwort wurde geändert." in shown_text(at)
    assert shows_login_form(jonas_elsewhere.run())  # every session has ended
    assert errors(login("jonas.smart")) == ["Benutzername oder Passwort ist falsch."]
    signed_in = submit_login(open_portal(), "jonas.smart", NEW_PASSWORD)
    assert titles(signed_in) == ["Hallo Jonas!"]  # the seeded device and its PIN remain
    assert _member(portal_db, "jonas.smart").service_level == "smart"


def test_passwort_vergessen_is_offered_to_visitors_but_to_no_signed_in_role():
    assert "Passwort vergessen" in [link.label for link in open_portal().get("page_link")]
    for role, level in ((Role.MEMBER, "basic"), (Role.MEMBER, "smart"), (Role.CLERK, None)):
        paths = {s.path for s in screens_for(role=role, service_level=level)}
        assert "pages/password_reset.py" not in paths
        assert "pages/verify_certificate.py" in paths  # the other public page stays


def test_passwort_vergessen_refuses_the_sixth_start_within_an_hour_in_german():
    at = open_portal("pages/password_reset.py")
    for number in range(5):
        at = _start(at, "reset", procedure="eid", kvnr=KVNR["lena.basic"], username=f"lena{number}")
        assert errors(at)[0].startswith("Benutzername und Versichertennummer passen zu keinem")

    at = _start(at, "reset", procedure="eid", kvnr=KVNR["lena.basic"], username="lena.basic")

    assert not at.exception
    (refusal,) = errors(at)
    assert refusal.startswith("Zu viele Versuche:") and "Uhr wieder" in refusal


def test_passwort_vergessen_counts_the_starts_of_one_visitors_address(monkeypatch):
    monkeypatch.setattr(reset_throttle, "PER_CLIENT", 2)
    monkeypatch.setattr(type(st.context), "ip_address", property(lambda _: "84.130.17.7"))
    at = open_portal("pages/password_reset.py")
    for number in range(3):
        at = _start(
            at, "reset", procedure="eid", kvnr=make_kvnr(f"Q{number:08d}"), username=f"q{number}"
        )
        if number < 2:
            assert errors(at)[0].startswith("Benutzername und Versichertennummer passen zu keinem")

    (refusal,) = errors(at)
    assert refusal.startswith("Zu viele Versuche: Von Ihrem Internetanschluss aus")
