"""smarthealth Einstellungen & Vertrag: key again, reference number, export, termination."""

import streamlit as st

from core import crypto
from core.clock import today_berlin
from core.db import session_scope
from core.errors import DomainError
from core.health import export, rules, termination, unlock
from core.health.db import health_scope
from ui import files, health_gate, health_state
from ui.components import attempt
from ui.session import current_actor

actor = current_actor()
st.title("Einstellungen & Vertrag")
notice = st.session_state.pop("health_notice", None)
if notice:
    st.success(notice)
try:
    with session_scope() as db:
        link = rules.find_link(db, actor=actor)
except DomainError as refusal:
    st.error(refusal.message)
    st.stop()
if link is None or link.terminated_at is not None:
    st.info("smarthealth ist für Ihr Konto nicht freigeschaltet.")
    st.page_link(
        "pages/health_record.py", label="smarthealth freischalten", icon=":material/lock_open:"
    )
    st.stop()
unlocked = health_state.unlocked_for(actor)

st.subheader("Sicherheitsschlüssel")
if unlocked is None:
    st.info(
        "Entsperren Sie Ihre Akte, um Ihren Sicherheitsschlüssel anzuzeigen oder zu exportieren."
    )
    st.page_link("pages/health_record.py", label="Zur Gesundheitsakte", icon=":material/lock:")
elif st.toggle("Sicherheitsschlüssel anzeigen", key="health_show_key"):
    with health_scope() as health:
        text = attempt(lambda: unlock.show_security_key(health, actor=actor, unlocked=unlocked))
    if text is not None:
        health_gate.show_security_key(
            crypto.parse_security_key(text), holder=actor.display_name, key_name="settings"
        )

st.subheader("Referenznummer für KV-Connect")
st.markdown(
    "Mit dieser technischen Referenznummer kann Ihre Praxis Ihnen Arztbriefe über KV-Connect "
    "in die Akte senden. Sie öffnet nichts: Lesen können die Briefe nur Sie."
)
st.code(link.reference_number, language=None)

st.subheader("Datenexport")
st.markdown(
    "Sie erhalten eine ZIP-Datei mit Ihrer Akte im Austauschformat **HL7 FHIR** und allen "
    "Dokumenten im Original. Die Datei ist nicht verschlüsselt."
)
if unlocked is not None:
    if st.button("Export erstellen", key="health_export_start", icon=":material/archive:"):
        bar = st.progress(0.0, text="Export wird erstellt …")

        def advance(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"{done} von {total} Einträgen")

        with health_scope() as health:
            archive = attempt(
                lambda: export.export_record(
                    health,
                    actor=actor,
                    unlocked=unlocked,
                    holder=actor.display_name,
                    progress=advance,
                )
            )
        if archive is not None:
            st.session_state[health_state.EXPORT_KEY] = archive
    archive = st.session_state.get(health_state.EXPORT_KEY)
    if archive is not None:
        files.download_link(
            "Export herunterladen (ZIP)",
            archive,
            file_name=export.export_file_name(today_berlin()),
            mime="application/zip",
            key="health_export_download",
        )

st.subheader("Vertrag: smarthealth kündigen")
st.warning(
    "Mit der Kündigung werden alle Einträge, Dokumente und Schlüssel Ihrer Akte "
    "**unwiderruflich gelöscht**. Niemand kann sie danach wiederherstellen. Exportieren Sie "
    "Ihre Daten vorher, wenn Sie sie behalten möchten."
)
with st.form("health_terminate"):
    confirmation = st.text_input(
        f"Zur Bestätigung {termination.CONFIRMATION} eingeben",
        key="health_terminate_confirm",
        max_chars=20,
    )
    end = st.form_submit_button("Kündigen und alle Daten löschen", type="primary")
if end:
    with session_scope(write=True) as db, health_scope(write=True) as health:
        deleted = attempt(
            lambda: termination.terminate(db, health, actor=actor, confirmation=confirmation)
        )
    if deleted is not None:
        health_state.lock()
        st.session_state["health_notice"] = (
            f"smarthealth ist gekündigt. {deleted.entries} Einträge und alle Schlüssel wurden "
            "gelöscht."
        )
        # Back to smart: this page is for smarthealth only; the record page offers it anew.
        st.switch_page("pages/health_record.py")
