"""Zu smart wechseln (FAQ "Wie kann ich mich für smart und smarthealth identifizieren?"):
consent, name and KVNR, then Robo-Ident or eID through the (simulated) Nect Wallet."""

import streamlit as st

from core import identity
from core.db import session_scope
from core.models.people import ServiceLevel
from core.smart import SMART_LEVELS
from ui import identification_wizard as wizard
from ui.components import attempt
from ui.session import current_actor

KEY = "ident"

actor = current_actor()
with session_scope() as db:
    overview = identity.identity_overview(db, actor=actor)


def _start(db, request):
    return identity.start_identification(db, actor=actor, request=request)


def _offer_app_communication() -> None:
    st.subheader("App-Kommunikation")
    st.write(
        "Möchten Sie persönliche Schreiben der HEK direkt in Ihr Postfach in der App erhalten, "
        "statt per Post? Sie können das jederzeit unter „Kommunikation/Mitteilungen“ ändern."
    )
    try:
        from core.preferences import set_app_communication
    except ImportError:  # owned by the communication feature; link only without it
        set_app_communication = None
    if set_app_communication is not None and st.button(
        "App-Kommunikation einschalten", key="ident_app_comm", icon=":material/notifications:"
    ):

        def _switch_on():
            with session_scope(write=True) as db:
                return set_app_communication(db, actor=actor, enabled=True)

        if attempt(_switch_on) is not None:
            st.success("App-Kommunikation ist eingeschaltet.")
    st.page_link(
        "pages/member_communication.py",
        label="Kommunikation/Mitteilungen öffnen",
        icon=":material/arrow_forward:",
    )


def _success(done: identity.IdentificationRead) -> None:
    if done.procedure == "eid":
        st.success(
            "Geschafft: Sie sind mit eID identifiziert und nutzen smart. Damit können Sie "
            "zusätzlich smarthealth freischalten."
        )
    else:
        st.success(
            "Geschafft: Sie sind mit Robo-Ident identifiziert und nutzen jetzt smart. Für "
            "smarthealth ist später eine Identifizierung mit eID nötig."
        )
    if actor.service_level in SMART_LEVELS:
        _offer_app_communication()
    st.caption(
        "Die smart-Funktionen stehen sofort in der Navigation. Sollten sie fehlen, melden Sie "
        "sich bitte einmal ab und wieder an."
    )
    st.button("Fertig", key="ident_done", on_click=wizard.forget, args=(KEY,))


st.title("Zu smart wechseln")
running = wizard.attempt_of(KEY) is not None
if overview.eid_verified and not running:
    if overview.service_level == ServiceLevel.SMARTHEALTH:
        st.success("Sie nutzen smarthealth und sind mit eID identifiziert.")
    else:
        st.success(
            "Sie nutzen smart und sind mit eID identifiziert: smarthealth kann freigeschaltet "
            "werden."
        )
        st.page_link(
            "pages/health_record.py",
            label="smarthealth jetzt freischalten",
            icon=":material/health_metrics:",
        )
elif overview.service_level in SMART_LEVELS and not running:
    st.info(
        "Sie nutzen bereits smart (Robo-Ident). Für smarthealth ist eine Identifizierung mit "
        "eID nötig: Personalausweis mit Online-Ausweisfunktion, 6-stellige Ausweis-PIN und ein "
        "NFC-fähiges Smartphone."
    )
    done = wizard.render(wizard.Wizard(key=KEY, start=_start, procedures=("eid",)))
    if done is not None:
        _success(done)
else:
    if not running:
        st.write(
            "Mit **smart** erhalten Sie Schreiben der HEK in Ihr Postfach, nutzen den Messenger, "
            "verwalten Kontakt- und Bankdaten und sehen Ihre Versicherungszeiten. Dafür "
            "identifizieren Sie sich einmal über unseren Partner Nect Wallet."
        )
        st.markdown(
            "- **Robo-Ident** (nur für smart): Ausweis filmen und fotografieren, Selfie-Video.\n"
            "- **eID** (für smart und smarthealth): Personalausweis mit Online-Ausweisfunktion "
            "und 6-stelliger Ausweis-PIN."
        )
    done = wizard.render(wizard.Wizard(key=KEY, start=_start))
    if done is not None:
        _success(done)
