"""Demo-Personas: act as a demo member or clerk in one click; rebuild the demo data."""

import streamlit as st

from core import demo_reset, personas
from core.db import session_scope
from core.errors import DomainError
from ui import session
from ui.components import attempt
from ui.personas import TOUR_TICKS_KEY, switch_to
from ui.session import current_actor

THIS_PAGE = "pages/admin_personas.py"

actor = current_actor()
st.title("Demo-Personas")
st.caption(
    "Im Demo-Modus handeln Sie mit einem Klick als eine der Demo-Personas: Sie sehen das "
    "Portal genau so, wie die Persona es sieht. Über „Zurück zu meinem Konto“ oben auf jeder "
    "Seite kehren Sie zurück. Jeder Wechsel steht im Audit-Protokoll."
)
with session_scope() as db:
    people = attempt(lambda: personas.demo_personas(db, admin=actor))
if people is None:
    st.stop()

columns = st.columns(3)
for number, persona in enumerate(people):
    with columns[number % 3].container(border=True):
        st.markdown(f"**{persona.display_name}**  \n{persona.description}")
        if persona.kvnr:
            st.caption(f"KVNR {persona.kvnr} · Version {persona.service_level}")
        else:
            st.caption(f"Benutzername {persona.username}")
        if st.button(
            f"Als {persona.display_name.split()[0]} handeln",
            key=f"act_as_{persona.username}",
            icon=":material/theater_comedy:",
            width="stretch",
        ):
            switch_to(persona.username, return_page=THIS_PAGE)

st.divider()
st.subheader("Demo zurücksetzen")
st.write(
    "Löscht alle Daten – Sendungen, Bescheinigungen, Akten, Protokoll – und baut die "
    "Demo-Personas und 200 synthetische Versicherte neu auf, ohne den Server neu zu starten. "
    "Dabei enden alle Sitzungen, auch Ihre: Danach melden Sie sich neu an."
)
confirmed = st.checkbox("Ich möchte alle Demodaten löschen und neu aufbauen.", key="reset_confirm")
if st.button(
    "Demodaten neu aufbauen",
    key="reset_demo",
    type="primary",
    disabled=not confirmed,
    icon=":material/restart_alt:",
):
    bar = st.progress(0.0, text="Demodaten werden neu aufgebaut …")
    try:
        report = demo_reset.reset_live_demo(
            actor=actor, progress=lambda fraction, text: bar.progress(fraction, text=text)
        )
    except DomainError as error:
        st.error(error.message)
    else:
        st.session_state.pop(TOUR_TICKS_KEY, None)
        seconds = f"{report.seconds:.1f}".replace(".", ",")
        session.sign_out(
            f"Die Demodaten wurden in {seconds} s neu aufgebaut. Dabei wurde auch Ihre "
            "Sitzung beendet; bitte melden Sie sich erneut an."
        )
        st.rerun()
