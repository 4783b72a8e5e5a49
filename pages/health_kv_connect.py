"""KV-Connect (Praxis): a practice sends a PDF letter into a member's record (write-only)."""

import streamlit as st

from core.clock import today_berlin
from core.db import session_scope
from core.health import kv_connect
from core.health.db import health_scope
from core.uploads import IncomingFile
from ui.components import attempt
from ui.session import current_actor

actor = current_actor()
st.title("KV-Connect (Praxis)")
st.markdown(
    "Hier sendet eine Praxis einen Arztbrief (PDF) an die Gesundheitsakte einer versicherten "
    "Person – über die technische Referenznummer, die die Person ihrer Praxis nennt. Der Brief "
    "wird beim Eingang mit dem Schlüssel der Person verschlüsselt: Sie erhalten eine "
    "Empfangsbestätigung, können den Brief danach aber nicht mehr öffnen, und die Akte selbst "
    "bleibt Ihnen verschlossen."
)
receipt = st.session_state.pop("kv_connect_receipt", None)
if receipt:
    st.success(f"Arztbrief zugestellt. Empfangsbestätigung: {receipt}")

with st.form("kv_connect", clear_on_submit=True):
    reference = st.text_input(
        "Referenznummer der Akte",
        key="kv_reference",
        max_chars=40,
        placeholder="PSN-XXXX-XXXX-XXXX-XXXX-X",
    )
    practice = st.text_input(
        "Praxis", key="kv_practice", max_chars=120, placeholder="Praxis Dr. Muster"
    )
    title = st.text_input("Betreff", key="kv_title", value="Arztbrief", max_chars=200)
    letter = st.file_uploader("Arztbrief (PDF)", type=["pdf"], key="kv_letter")
    send = st.form_submit_button("Senden", type="primary", icon=":material/send:")
if send:
    if letter is None:
        st.error("Bitte wählen Sie den Arztbrief (PDF) aus.")
    else:
        incoming = IncomingFile(name=letter.name, data=letter.getvalue(), declared_type=letter.type)
        with session_scope(write=True) as db, health_scope(write=True) as health:
            delivery = attempt(
                lambda: kv_connect.send_letter(
                    db,
                    health,
                    actor=actor,
                    reference_number=reference,
                    practice=practice,
                    title=title,
                    letter=incoming,
                    on=today_berlin(),
                )
            )
        if delivery is not None:
            st.session_state["kv_connect_receipt"] = delivery.receipt
            st.rerun()
