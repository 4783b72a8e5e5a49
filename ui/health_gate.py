"""The way into the record: activation (key shown once, typed back) or unlocking."""

import streamlit as st

from core import crypto
from core.actors import Actor
from core.clock import today_berlin
from core.db import session_scope
from core.errors import DomainError
from core.health import activation, unlock
from core.health.db import health_scope
from core.health.errors import DevicePasswordLocked
from core.health.keys import MAX_DEVICE_PASSWORD, UnlockedRecord
from ui import files, health_state
from ui.components import attempt

CONSENT_LABELS = {
    "terms": "Ich akzeptiere die Nutzungsbedingungen (AGB) des Aktenanbieters.",
    "privacy": "Ich habe die Datenschutzerklärung gelesen.",
    "transfer": "Ich beauftrage die Übermittlung meiner Profildaten (Name, Versichertennummer).",
}


def show_security_key(key: crypto.SecurityKey, *, holder: str, key_name: str) -> None:
    """Key as text, QR code and the emergency kit PDF (built only when clicked)."""
    text_column, qr_column = st.columns([3, 2])
    with text_column:
        st.code(crypto.format_security_key(key), language=None)
        files.download_link(
            "Notfall-Kit (PDF) herunterladen",
            lambda: activation.emergency_kit_pdf(key=key, holder=holder, today=today_berlin()),
            file_name="smarthealth-notfall-kit.pdf",
            mime="application/pdf",
            key=f"health_kit_{key_name}",
        )
    with qr_column:
        files.image(
            crypto.security_key_qr_png(key),
            key=f"health_key_qr_{key_name}",
            width=180,
            caption="Sicherheitsschlüssel",
        )


def _activation(actor: Actor) -> None:
    st.subheader("smarthealth freischalten")
    st.markdown(health_state.PROMISE)
    try:
        with session_scope() as db:
            activation.check_activation(db, actor=actor, today=today_berlin())
    except DomainError as refusal:
        st.warning(refusal.message)
        return
    pending = st.session_state.get(health_state.PENDING_KEY)
    if pending is None:
        st.markdown(
            "Zuerst erzeugen wir Ihren **Sicherheitsschlüssel**. Er wird nur ein einziges Mal "
            "angezeigt und nirgends lesbar gespeichert: Ohne ihn kann niemand Ihre Akte auf "
            "einem neuen Gerät öffnen – auch Sie nicht, und die HEK erst recht nicht."
        )
        if st.button("Sicherheitsschlüssel erzeugen", key="health_generate", type="primary"):
            with session_scope() as db:
                key = attempt(
                    lambda: activation.start_activation(db, actor=actor, today=today_berlin())
                )
            if key is not None:
                st.session_state[health_state.PENDING_KEY] = key
                st.rerun()
        return
    st.markdown(
        "**Ihr Sicherheitsschlüssel** – schreiben Sie ihn ab, drucken Sie das Notfall-Kit aus "
        "oder fotografieren Sie den QR-Code mit einem anderen Gerät. Bewahren Sie ihn getrennt "
        "von Ihrem Gerät auf."
    )
    show_security_key(pending, holder=actor.display_name, key_name="activation")
    with st.form("health_activate", enter_to_submit=False):
        typed = st.text_input(
            "Sicherheitsschlüssel zur Bestätigung eingeben", key="health_typed_key", max_chars=64
        )
        password = st.text_input(
            "Geräte-Passwort (mindestens 8 Zeichen)",
            type="password",
            key="health_new_password",
            max_chars=MAX_DEVICE_PASSWORD,
        )
        repeated = st.text_input(
            "Geräte-Passwort wiederholen",
            type="password",
            key="health_new_password_again",
            max_chars=MAX_DEVICE_PASSWORD,
        )
        consent = {
            name: st.checkbox(label, key=f"health_consent_{name}")
            for name, label in CONSENT_LABELS.items()
        }
        submitted = st.form_submit_button("Aktivierung abschließen", type="primary")
    if not submitted:
        return
    if password != repeated:
        st.error("Die beiden Geräte-Passwörter stimmen nicht überein.")
        return
    with session_scope(write=True) as db, health_scope(write=True) as health:
        unlocked = attempt(
            lambda: activation.complete_activation(
                db,
                health,
                actor=actor,
                shown_key=pending,
                typed_key=typed,
                device_id=health_state.device_id(),
                device_password=password,
                consent=activation.Consent(**consent),
                today=today_berlin(),
            )
        )
    if unlocked is not None:
        health_state.lock()
        health_state.remember(unlocked)
        st.session_state["health_notice"] = "smarthealth ist freigeschaltet."
        st.rerun()


def _unlock_with_password(actor: Actor) -> None:
    with st.form("health_unlock", enter_to_submit=True):
        password = st.text_input(
            "Geräte-Passwort",
            type="password",
            key="health_unlock_password",
            max_chars=MAX_DEVICE_PASSWORD,
        )
        submitted = st.form_submit_button("Entsperren", type="primary")
    if submitted:
        with session_scope() as db, health_scope(write=True) as health:
            unlocked = attempt(
                lambda: unlock.unlock_with_password(
                    db,
                    health,
                    actor=actor,
                    device_id=health_state.device_id(),
                    password=password,
                    today=today_berlin(),
                )
            )
        if unlocked is not None:
            health_state.remember(unlocked)
            st.rerun()


def _unlock_with_key(actor: Actor) -> None:
    st.markdown(
        "Geben Sie Ihren Sicherheitsschlüssel aus dem Notfall-Kit ein und legen Sie ein "
        "Geräte-Passwort für dieses Gerät fest. Groß- und Kleinschreibung spielen keine Rolle; "
        "das letzte Zeichen ist ein Prüfzeichen, das Tippfehler sofort erkennt."
    )
    with st.form("health_new_device", enter_to_submit=False):
        typed = st.text_input("Sicherheitsschlüssel", key="health_device_key", max_chars=64)
        password = st.text_input(
            "Neues Geräte-Passwort (mindestens 8 Zeichen)",
            type="password",
            key="health_device_password",
            max_chars=MAX_DEVICE_PASSWORD,
        )
        submitted = st.form_submit_button("Gerät freischalten", type="primary")
    if submitted:
        with session_scope() as db, health_scope(write=True) as health:
            unlocked = attempt(
                lambda: unlock.unlock_with_security_key(
                    db,
                    health,
                    actor=actor,
                    device_id=health_state.device_id(),
                    typed_key=typed,
                    new_password=password,
                    today=today_berlin(),
                )
            )
        if unlocked is not None:
            health_state.remember(unlocked)
            st.rerun()


def unlocked_record(actor: Actor) -> UnlockedRecord:
    """The unlocked record, or render activation / unlocking and stop this run."""
    unlocked = health_state.unlocked_for(actor)
    if unlocked is not None:
        return unlocked
    try:
        with session_scope() as db, health_scope() as health:
            status = unlock.record_status(
                db, health, actor=actor, device_id=health_state.device_id(), today=today_berlin()
            )
    except DomainError as refusal:
        st.error(refusal.message)
        st.stop()
    if status.state == "not_activated":
        _activation(actor)
    elif status.state == "locked":
        st.subheader("Gesundheitsakte entsperren")
        _unlock_with_password(actor)
        with st.expander("Neues Gerät: mit Sicherheitsschlüssel freischalten"):
            _unlock_with_key(actor)
    elif status.state == "password_locked":
        st.subheader("Gesundheitsakte mit Sicherheitsschlüssel entsperren")
        st.warning(DevicePasswordLocked.default_message)
        _unlock_with_key(actor)
    else:
        st.subheader("Neues Gerät: mit Sicherheitsschlüssel freischalten")
        st.info("Auf diesem Gerät (dieser Browser-Sitzung) ist Ihre Akte noch nicht eingerichtet.")
        _unlock_with_key(actor)
    st.stop()
