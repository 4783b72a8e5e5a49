"""Back-office overview: the insured population at a glance."""

import streamlit as st

from core import members
from core.db import session_scope
from ui.session import current_actor

actor = current_actor()
with session_scope() as db:
    total = members.count_members(db)
    by_level = members.level_counts(db)

st.title("Back-Office")
st.caption(f"Angemeldet als {actor.display_name}")
columns = st.columns(4)
columns[0].metric("Versicherte", f"{total:,}".replace(",", "."))
columns[1].metric("basic", f"{by_level.get('basic', 0):,}".replace(",", "."))
columns[2].metric("smart", f"{by_level.get('smart', 0):,}".replace(",", "."))
columns[3].metric("smarthealth", f"{by_level.get('smarthealth', 0):,}".replace(",", "."))
