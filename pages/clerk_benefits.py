"""Leistungskatalog: staff edit the texts of the members' Leistungs- und Serviceüberblick."""

import streamlit as st

from core import benefits
from core.db import session_scope
from core.errors import DomainError
from core.models.benefits import KEYWORDS_MAX, TEXT_MAX, TITLE_MAX, BenefitRead
from ui.benefits import plain, render_benefit
from ui.components import format_moment
from ui.session import current_actor

SNAPSHOTS = "benefit_edit_snapshots"  # {id: the version the open form started from}
FLASH = "benefit_edit_flash"
FIELDS = ("title", "life_situation", "summary", "eligibility", "what_to_send", "action", "keywords")
actor = current_actor()


def _widget_key(entry_id: int, field: str) -> str:
    return f"benefit_edit_{entry_id}_{field}"


def _reset_form(entry_id: int) -> None:
    """Forget the form's state: the next run fills it from the current database row."""
    st.session_state[SNAPSHOTS].pop(entry_id, None)
    for field in FIELDS:
        st.session_state.pop(_widget_key(entry_id, field), None)


st.title("Leistungskatalog")
st.caption(
    "Die Texte des Leistungs- und Serviceüberblicks, den Versicherte unter „Leistungen & "
    "Services“ sehen. Änderungen gelten sofort und werden protokolliert. Texte erscheinen "
    "genau so, wie Sie sie eingeben: Formatierungen und HTML werden nicht ausgeführt."
)
st.session_state.setdefault(SNAPSHOTS, {})
if flash := st.session_state.pop(FLASH, None):
    kind, message = flash
    if kind == "success":
        st.success(message)
    else:
        st.error(message)

with session_scope() as db:
    entries = benefits.catalogue(db)
query = st.text_input("Eintrag suchen", key="benefit_edit_query", max_chars=80)
found = benefits.search(entries, query=query)
if not found:
    st.info("Kein Eintrag passt zu Ihrer Suche.")
    st.stop()
labels = {entry.id: f"{entry.title} · {entry.life_situation}" for entry in found}
chosen = st.selectbox("Eintrag", list(labels), format_func=labels.get, key="benefit_edit_choice")
current = next(entry for entry in found if entry.id == chosen)
snapshot: BenefitRead = st.session_state[SNAPSHOTS].setdefault(current.id, current)

st.caption(
    f"Zuletzt geändert am {format_moment(current.updated_at)} von {plain(current.updated_by)} · "
    f"Kennung {plain(current.slug)}"
)
if current.updated_at != snapshot.updated_at:
    st.warning(
        "Dieser Eintrag wurde geändert, während Sie ihn bearbeiten. Beim Speichern werden Sie "
        "gebeten, die neue Fassung zu prüfen."
    )

situations = list(benefits.life_situations())
if snapshot.life_situation not in situations:
    situations.insert(0, snapshot.life_situation)
choices = benefits.action_choices()
with st.form("benefit_edit_form"):
    title = st.text_input(
        "Titel", snapshot.title, max_chars=TITLE_MAX, key=_widget_key(current.id, "title")
    )
    life_situation = st.selectbox(
        "Lebenslage",
        situations,
        index=situations.index(snapshot.life_situation),
        key=_widget_key(current.id, "life_situation"),
    )
    summary = st.text_area(
        "Kurzbeschreibung",
        snapshot.summary,
        max_chars=TEXT_MAX,
        key=_widget_key(current.id, "summary"),
    )
    eligibility = st.text_area(
        "Wer hat Anspruch?",
        snapshot.eligibility,
        max_chars=TEXT_MAX,
        key=_widget_key(current.id, "eligibility"),
    )
    what_to_send = st.text_area(
        "Was senden Sie uns?",
        snapshot.what_to_send,
        max_chars=TEXT_MAX,
        key=_widget_key(current.id, "what_to_send"),
    )
    action = st.selectbox(
        "Aktion",
        list(choices),
        index=list(choices).index(snapshot.action) if snapshot.action in choices else 0,
        format_func=choices.get,
        key=_widget_key(current.id, "action"),
        help="„Nachricht an die HEK“ zeigt die Hotline, solange es den Messenger nicht gibt.",
    )
    keywords = st.text_input(
        "Suchbegriffe",
        snapshot.keywords,
        max_chars=KEYWORDS_MAX,
        key=_widget_key(current.id, "keywords"),
        help="Durch Kommas getrennt; die Suche findet auch jedes Wort aus den Texten.",
    )
    submitted = st.form_submit_button("Speichern", type="primary")

if submitted:
    edit = benefits.BenefitEdit(
        title=title,
        life_situation=life_situation,
        summary=summary,
        eligibility=eligibility,
        what_to_send=what_to_send,
        action=action,
        keywords=keywords,
    )
    try:
        with session_scope(write=True) as db:
            saved = benefits.update_benefit(
                db,
                actor=actor,
                benefit_id=current.id,
                edit=edit,
                expected_updated_at=snapshot.updated_at,
            )
    except benefits.BenefitChanged as changed:
        _reset_form(current.id)  # show the other person's version to start from
        st.session_state[FLASH] = ("error", changed.message)
        st.rerun()
    except DomainError as refusal:
        st.error(refusal.message)
    else:
        _reset_form(current.id)
        st.session_state[FLASH] = ("success", f"„{plain(saved.title)}“ ist gespeichert.")
        st.rerun()

st.subheader("Vorschau für Versicherte", anchor=False)
with st.expander(plain(current.title), expanded=True):
    render_benefit(current)
    st.caption(f"Aktion: {choices.get(current.action, current.action)}")
