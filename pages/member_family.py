"""Familienmitglieder: the member's own list (FAQ: for certificates and sick notes)."""

import streamlit as st

from core import family
from core.db import session_scope
from ui.components import domain_errors
from ui.session import current_actor
from ui.text import plain

NOTICE = "family_notice"
actor = current_actor()


def person_form(key: str, entry=None) -> dict | None:
    """Name, KVNR and relation; returns the values once the form is sent."""
    with st.form(key, border=entry is None):
        first, last = st.columns(2)
        values = {
            "first_name": first.text_input(
                "Vorname", value=entry.first_name if entry else "", max_chars=80, key=f"{key}_first"
            ),
            "last_name": last.text_input(
                "Nachname", value=entry.last_name if entry else "", max_chars=80, key=f"{key}_last"
            ),
            "kvnr": st.text_input(
                "Versichertennummer",
                value=entry.kvnr if entry else "",
                placeholder="A123456780",
                max_chars=14,
                key=f"{key}_kvnr",
            ),
            "relation": st.selectbox(
                "Beziehung",
                family.RELATIONS,
                index=family.RELATIONS.index(entry.relation) if entry else 0,
                key=f"{key}_relation",
            ),
        }
        sent = st.form_submit_button("Speichern" if entry else "Hinzufügen", type="primary")
    return values if sent else None


def saved(action, message: str, **values) -> bool:
    """Run one family service call; False (with the reason shown) when it was refused."""
    with session_scope(write=True) as db, domain_errors():
        action(db, actor=actor, **values)
        st.session_state[NOTICE] = message
        return True
    return False


st.title("Familienmitglieder")
st.caption(
    "Hinterlegen Sie Ihre Familienmitglieder, um für sie Bescheinigungen anzufordern oder "
    "eine Arbeitsunfähigkeitsbescheinigung einzureichen. Die Versichertennummer finden Sie "
    "auf der Gesundheitskarte."
)
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)

with session_scope() as db:
    entries = family.list_family(db, actor=actor)

if not entries:
    st.info("Sie haben noch keine Familienmitglieder hinterlegt.")
for entry in entries:
    with st.container(border=True):
        text, remove = st.columns([5, 1])
        text.markdown(
            f"**{plain(entry.full_name)}** · {entry.relation}  \nVersichertennummer {entry.kvnr}"
        )
        clicked = remove.button("Entfernen", key=f"remove_{entry.id}", icon=":material/delete:")
        if clicked and saved(
            family.remove_family_member,
            f"{plain(entry.full_name)} wurde entfernt.",
            family_member_id=entry.id,
        ):
            st.rerun()
        with st.expander("Bearbeiten"):
            changed = person_form(f"family_edit_{entry.id}", entry)
            if changed and saved(
                family.edit_family_member,
                "Die Änderung wurde gespeichert.",
                family_member_id=entry.id,
                **changed,
            ):
                st.rerun()

st.subheader("Familienmitglied hinzufügen")
# A fresh form key after each addition empties the form; after a refusal the input stays.
generation = st.session_state.setdefault("family_add_generation", 0)
added = person_form(f"family_add_{generation}")
if added and saved(family.add_family_member, "Das Familienmitglied wurde hinzugefügt.", **added):
    st.session_state["family_add_generation"] = generation + 1
    st.rerun()
