"""Kommunikation/Mitteilungen (smart): the App-Kommunikation switch (FAQ)."""

import streamlit as st

from core import preferences
from core.db import session_scope
from ui.components import attempt, format_moment
from ui.session import current_actor

actor = current_actor()
with session_scope() as db:
    settings = preferences.communication_settings(db, actor=actor)

st.title("Kommunikation/Mitteilungen")
with st.container(border=True):
    st.subheader("App-Kommunikation")
    st.write(
        "Mit aktivierter App-Kommunikation erhalten Sie persönliche Schreiben der HEK direkt "
        "in Ihr Postfach in der App, statt per Post. Ihre eigene Versicherungsbescheinigung "
        "sehen Sie dann ebenfalls direkt in der App. Sie können die Einstellung jederzeit "
        "wieder ändern."
    )
    wanted = st.toggle("App-Kommunikation", value=settings.app_communication, key="app_comm")
    if wanted != settings.app_communication:

        def _switch():
            with session_scope(write=True) as db:
                return preferences.set_app_communication(db, actor=actor, enabled=wanted)

        settings = attempt(_switch) or settings
    if settings.app_communication:
        st.success(f"Aktiviert (geändert am {format_moment(settings.updated_at)}).")
    else:
        st.info("Deaktiviert: Schreiben der HEK erhalten Sie per Post.")
