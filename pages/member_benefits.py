"""Leistungen & Services: search the benefits catalogue, filter by life situation, A–Z."""

from itertools import groupby

import streamlit as st

from core import benefits
from core.db import session_scope
from ui.benefits import plain, render_benefit
from ui.session import current_actor

ALL = "Alle Lebenslagen"
actor = current_actor()

st.title("Leistungen & Services")
st.caption(
    "Was die HEK für Sie übernimmt, wer Anspruch hat und was Sie uns dafür senden – mit dem "
    "direkten Weg zum nächsten Schritt."
)

with session_scope() as db:
    entries = benefits.catalogue(db)

query = st.text_input(
    "Suchen",
    key="benefit_query",
    max_chars=80,
    placeholder="zum Beispiel Zahnersatz, Brille, Urlaub",
)
situation = st.selectbox("Lebenslage", [ALL, *benefits.life_situations()], key="benefit_situation")
found = benefits.search(
    entries, query=query, life_situation=None if situation == ALL else situation
)
st.caption(f"{len(found)} von {len(entries)} Leistungen")
if not found:
    st.info(
        "Keine Leistung passt zu Ihrer Suche. Versuchen Sie einen anderen Begriff oder rufen "
        f"Sie uns an: {benefits.HOTLINE}.",
        icon=":material/search_off:",
    )

for letter, group in groupby(found, key=lambda entry: benefits.first_letter(entry.title)):
    st.subheader(letter, anchor=False)
    for entry in group:
        with st.expander(plain(entry.title)):
            render_benefit(entry, actor=actor)
