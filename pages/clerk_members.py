"""Versicherte: clerks search members by KVNR or name and open one (audited)."""

import streamlit as st

from core import members
from core.db import session_scope
from ui.components import attempt, format_date
from ui.session import current_actor

actor = current_actor()
st.title("Versicherte")
query = st.text_input("Suche nach Versichertennummer oder Name", key="member_query", max_chars=80)
if query:
    with session_scope(write=True) as db:
        found = members.search_members(db, actor=actor, query=query)
    if not found:
        st.info("Keine Versicherten gefunden.")
    else:
        labels = {
            m.id: f"{m.last_name}, {m.first_name} · {m.kvnr} · {format_date(m.birth_date)}"
            for m in found
        }
        chosen = st.selectbox(
            "Treffer", options=list(labels), format_func=labels.get, key="member_choice"
        )
        if st.button("Versicherten öffnen", key="open_member"):
            st.session_state["open_member_id"] = chosen

member_id = st.session_state.get("open_member_id")
if member_id:
    with session_scope(write=True) as db:
        member = attempt(lambda: members.open_member(db, actor=actor, member_id=member_id))
    if member:
        with st.container(border=True):
            st.subheader(member.full_name)
            st.markdown(
                f"**Versichertennummer:** {member.kvnr}  \n"
                f"**Geburtsdatum:** {format_date(member.birth_date)}  \n"
                f"**Anschrift:** {member.address}  \n"
                f"**Mitglied seit:** {format_date(member.membership_start)}"
                + (
                    f" · **bis** {format_date(member.membership_end)}"
                    if member.membership_end
                    else ""
                )
                + f"  \n**Version:** {member.service_level}"
            )
