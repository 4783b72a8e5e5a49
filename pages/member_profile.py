"""Meine Daten: the member's master data and the people in their household."""

import streamlit as st

from core import members
from core.db import session_scope
from ui.components import format_date
from ui.session import current_actor
from ui.text import plain

actor = current_actor()
with session_scope() as db:
    me = members.own_member(db, actor=actor)
    household = members.household_of(db, member=me)

st.title("Meine Daten")
with st.container(border=True):
    st.subheader("Stammdaten")
    st.markdown(
        f"**Name:** {plain(me.full_name)}  \n"
        f"**Geburtsdatum:** {format_date(me.birth_date)}  \n"
        f"**Versichertennummer:** {me.kvnr}  \n"
        f"**Anschrift:** {plain(me.address)}"
    )
    if me.service_level == "basic":  # FAQ: "Jetzt zu smart wechseln" also from the profile
        st.page_link(
            "pages/member_identification.py",
            label="Jetzt zu smart wechseln",
            icon=":material/how_to_reg:",
        )
if household:
    st.subheader("Im selben Haushalt versichert")
    st.dataframe(
        [
            {"Name": person.full_name, "Geburtsdatum": format_date(person.birth_date)}
            for person in household
        ],
        hide_index=True,
    )
