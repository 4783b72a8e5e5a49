"""Member start page: greeting, version, and what this version offers."""

import streamlit as st

from core import members
from core.db import session_scope
from ui.components import format_date
from ui.session import current_actor
from ui.text import plain

actor = current_actor()
with session_scope() as db:
    me = members.own_member(db, actor=actor)

st.title(f"Hallo {plain(me.first_name)}!")
st.caption(f"Versichertennummer {me.kvnr} · Version {me.service_level}")

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader("Ihre Mitgliedschaft")
    st.write(f"Mitglied seit {format_date(me.membership_start)}")
    if me.membership_end:
        st.warning(f"Ihre Mitgliedschaft endet am {format_date(me.membership_end)}.")
with right, st.container(border=True):
    st.subheader("Ihre Version")
    if me.service_level == "basic":
        st.write(
            "Mit **basic** senden Sie Dokumente an die HEK und fordern Bescheinigungen an. "
            "Mit **smart** erhalten Sie zusätzlich Schreiben, nutzen den Messenger und sehen "
            "Ihre Versicherungszeiten."
        )
        st.page_link(
            "pages/member_identification.py",
            label="Jetzt zu smart wechseln",
            icon=":material/how_to_reg:",
        )
    else:
        st.write(
            "Sie nutzen **smart**: persönliches Postfach, Messenger, Kontakt- und Bankdaten, "
            "Versicherungszeiten und Entgeltdaten."
        )
