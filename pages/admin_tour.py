"""Geführte Touren: the FAQ's scenarios step by step, each step as the right demo persona."""

import streamlit as st

from core import personas, tours
from core.db import session_scope
from core.errors import DomainError
from core.models.accounts import Role
from ui.personas import TOUR_TICKS_KEY, switch_to
from ui.registry import available_screens, may_open
from ui.session import TOKEN_KEY, current_actor

THIS_PAGE = "pages/admin_tour.py"

actor = current_actor()
st.title("Geführte Touren")
st.caption(
    "Jede Tour spielt eine Frage aus dem FAQ durch. Ein Klick wechselt in die passende "
    "Demo-Persona und öffnet die Seite; „Zurück zu meinem Konto“ bringt Sie hierher zurück. "
    "Erledigte Schritte hakt das Portal aus dem Audit-Protokoll dieser Sitzung ab; Schritte "
    "ohne Spur im Protokoll (etwas lesen, einen Schlüssel sichern) haken Sie selbst ab."
)
try:
    with session_scope() as db:
        since = personas.session_started(db, token=st.session_state[TOKEN_KEY])
        known = {p.username: p for p in personas.demo_personas(db, admin=actor)}
        done = tours.done_steps(db, admin=actor, since=since) if since else set()
except DomainError as error:
    st.error(error.message)
    st.stop()
# Kept outside the checkboxes' own state, which ends when the admin leaves this page.
manual: set[str] = st.session_state.setdefault(TOUR_TICKS_KEY, set())
screens = {screen.path: screen for screen in available_screens()}


def _toggle(step_key: str) -> None:
    manual.symmetric_difference_update({step_key})


for tour in tours.load_tours():
    finished = sum(step.key in done or step.key in manual for step in tour.steps)
    complete = finished == len(tour.steps)
    icon = ":material/check_circle:" if complete else ":material/tour:"
    with st.expander(
        f"{tour.title} · {finished}/{len(tour.steps)}", icon=icon, expanded=not complete
    ):
        st.caption(f"FAQ: {tour.faq}")
        for number, step in enumerate(tour.steps, start=1):
            widget = step.key.replace("/", "__")  # keys become CSS classes: no slashes
            persona = known.get(step.persona)
            name = persona.display_name if persona else step.persona
            tick, text, action = st.columns([1.5, 6, 3.5], vertical_alignment="center")
            if step.key in done:
                tick.markdown(":material/check_circle: **erledigt**")
            elif step.manual:
                tick.checkbox(
                    "erledigt",
                    value=step.key in manual,
                    key=f"tick_{widget}",
                    on_change=_toggle,
                    args=(step.key,),
                    help="Dieser Schritt hinterlässt keine Spur im Protokoll: selbst abhaken.",
                )
            else:
                tick.markdown(":material/radio_button_unchecked: offen")
            text.markdown(f"**{number}. Als {name}:** {step.task}")
            screen = screens.get(step.page)
            if screen is None:
                action.caption("kommt bald")
                continue
            level = persona.service_level if persona else None
            role = Role(persona.role) if persona else Role.MEMBER
            if not may_open(screen, role=role, service_level=level):
                action.caption(f"für {name} (Version {level}) noch nicht freigegeben")
                continue
            if action.button(
                f"{screen.title} öffnen",
                key=f"go_{widget}",
                icon=":material/theater_comedy:",
                width="stretch",
            ):
                switch_to(step.persona, next_page=step.page, return_page=THIS_PAGE)
        if complete:
            st.success("Tour abgeschlossen.")
