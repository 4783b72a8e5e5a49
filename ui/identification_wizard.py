"""The identification wizard (simulated Nect Wallet) shared by three screens: "Zu smart
wechseln", "Passwort vergessen" and the device gate's "Neues Gerät registrieren".

Only the attempt's id lives in st.session_state. Which step comes next, and whether a step
passed, core.identity decides on every submission; the steps are submitted in callbacks so a
refused card PIN is cleared from the field before the page is drawn again.
"""

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from sqlmodel import Session

from core import identity
from core.db import session_scope
from core.errors import DomainError
from core.identity import (
    PROCEDURE_LABELS,
    STEP_TITLES,
    Evidence,
    IdentificationFailed,
    IdentificationRead,
    StartRequest,
    Step,
)

StartAttempt = Callable[[Session, StartRequest], IdentificationRead]

IMAGE_TYPES = ["jpg", "jpeg", "png", "heic"]
SELFIE_TYPES = ["mp4", "mov", "webm", *IMAGE_TYPES]
SIMULATION_NOTE = (
    "**Simulation der Partner-App Nect Wallet.** In der Service-App führt Nect Wallet auf Ihrem "
    "Smartphone durch diese Schritte. Hier im Portal werden sie nachgestellt: Statt zu filmen "
    "laden Sie Bilder hoch, der Ausweis-Scan wird bestätigt statt per NFC gelesen. Bilder, "
    "Videos und PINs werden nicht gespeichert – nur das Ergebnis."
)


@dataclass(frozen=True)
class Wizard:
    key: str  # prefix of every session_state key and widget key of this wizard
    start: StartAttempt
    procedures: tuple[str, ...] = ("robo", "eid")
    ask_name: bool = True
    ask_username: bool = False


@dataclass(frozen=True)
class Attempt:
    id: int
    member_id: int
    username: str = ""


def attempt_of(key: str) -> Attempt | None:
    return st.session_state.get(f"{key}_attempt")


def forget(key: str) -> None:
    """Drop the attempt and every input of this wizard (a new attempt starts empty)."""
    for name in list(st.session_state.keys()):
        if str(name).startswith(f"{key}_s_") or name in (f"{key}_attempt", f"{key}_message"):
            del st.session_state[name]


def _say(key: str, message: str | None) -> None:
    if message:
        st.session_state[f"{key}_message"] = message
    else:
        st.session_state.pop(f"{key}_message", None)


def _start(wizard: Wizard) -> None:
    state = st.session_state
    request = StartRequest(
        procedure=state.get(f"{wizard.key}_procedure") or "",
        consent=bool(state.get(f"{wizard.key}_consent")),
        kvnr=state.get(f"{wizard.key}_kvnr") or "",
        name=state.get(f"{wizard.key}_name") or "",
        username=state.get(f"{wizard.key}_username") or "",
    )
    try:
        with session_scope(write=True) as db:
            started = wizard.start(db, request)
    except DomainError as error:
        _say(wizard.key, error.message)
        return
    forget(wizard.key)
    state[f"{wizard.key}_attempt"] = Attempt(started.id, started.member_id, request.username)


def _upload(widget_key: str):
    from core.uploads import IncomingFile  # Pillow and fpdf: only when a step is submitted

    uploaded = st.session_state.get(widget_key)
    if uploaded is None:
        return None
    return IncomingFile(name=uploaded.name, data=uploaded.getvalue(), declared_type=uploaded.type)


def _evidence(key: str, step: Step) -> Evidence:
    state = st.session_state
    if step == Step.ID_FRONT:
        return Evidence(upload=_upload(f"{key}_s_front"))
    if step == Step.ID_BACK:
        return Evidence(upload=_upload(f"{key}_s_back"))
    if step == Step.SELFIE:
        return Evidence(
            upload=_upload(f"{key}_s_selfie"), words_read=state.get(f"{key}_s_words", "")
        )
    if step == Step.EID_PIN:
        return Evidence(
            card_held=bool(state.get(f"{key}_s_card1")), pin=state.get(f"{key}_s_pin", "")
        )
    return Evidence(card_held=bool(state.get(f"{key}_s_card2")))


def _submit(key: str, step: Step) -> None:
    attempt = attempt_of(key)
    if attempt is None:
        return
    evidence = _evidence(key, step)
    st.session_state[f"{key}_s_pin"] = ""  # a card PIN never stays in a field
    try:
        with session_scope(write=True) as db:
            identity.submit_step(
                db,
                identification_id=attempt.id,
                member_id=attempt.member_id,
                step=step,
                evidence=evidence,
            )
    except IdentificationFailed:
        _say(key, None)  # the failed attempt shows its reason itself
    except DomainError as error:
        _say(key, error.message)
    else:
        _say(key, None)


def _cancel(key: str) -> None:
    attempt = attempt_of(key)
    if attempt is not None:
        with session_scope(write=True) as db:
            identity.cancel_identification(
                db, identification_id=attempt.id, member_id=attempt.member_id
            )
    forget(key)


def _start_form(wizard: Wizard) -> None:
    from core import privacy  # imports the PDF library: only when the form is drawn

    key = wizard.key
    with st.expander("Datenschutzerklärung lesen"):
        st.markdown(privacy.privacy_text())
    with st.form(f"{key}_start"):
        st.checkbox(
            "Ich habe die Datenschutzerklärung gelesen und stimme der Identifizierung über "
            "unseren Partner Nect Wallet zu.",
            key=f"{key}_consent",
        )
        if wizard.ask_name:
            st.text_input("Vor- und Nachname", key=f"{key}_name", max_chars=160)
        if wizard.ask_username:
            st.text_input("Benutzername", key=f"{key}_username", max_chars=64)
        st.text_input(
            "Versichertennummer", key=f"{key}_kvnr", max_chars=12, placeholder="A123456780"
        )
        st.radio(
            "Verfahren",
            wizard.procedures,
            index=None if len(wizard.procedures) > 1 else 0,
            format_func=PROCEDURE_LABELS.get,
            key=f"{key}_procedure",
            captions=[_procedure_caption(p) for p in wizard.procedures],
        )
        st.form_submit_button(
            "Identifizierung starten", type="primary", on_click=_start, args=(wizard,)
        )


def _procedure_caption(procedure: str) -> str:
    if procedure == "robo":
        return "Ausweis oder Reisepass und ein Selfie-Video, in dem Sie zwei Wörter ablesen."
    return "Personalausweis mit Online-Ausweisfunktion, Ihre 6-stellige Ausweis-PIN und NFC."


def _step_inputs(key: str, state: IdentificationRead, step: Step) -> None:
    if step in (Step.ID_FRONT, Step.ID_BACK):
        side = "Vorderseite" if step == Step.ID_FRONT else "Rückseite"
        st.write(
            f"Legen Sie Ihren Ausweis auf eine dunkle, ruhige Fläche und nehmen Sie die {side} "
            "formatfüllend und ohne Spiegelungen auf. Simulation: Laden Sie ein Foto hoch."
        )
        widget = f"{key}_s_front" if step == Step.ID_FRONT else f"{key}_s_back"
        st.file_uploader(f"Foto der {side} (JPEG, PNG oder HEIC)", type=IMAGE_TYPES, key=widget)
    elif step == Step.SELFIE:
        first, second = state.challenge_words or ("", "")
        st.write(
            "Nehmen Sie ein kurzes Selfie-Video auf und lesen Sie dabei diese zwei Wörter vor:"
        )
        st.markdown(f"### „{first}“ · „{second}“")
        st.file_uploader(
            "Selfie-Video (MP4, MOV, WebM) oder ersatzweise ein Foto",
            type=SELFIE_TYPES,
            key=f"{key}_s_selfie",
        )
        st.text_input(
            "Welche Wörter haben Sie vorgelesen? (Simulation: statt Spracherkennung tippen "
            "Sie sie ein)",
            key=f"{key}_s_words",
            max_chars=80,
        )
    elif step == Step.EID_PIN:
        st.write(
            "Halten Sie Ihren Personalausweis an die Rückseite Ihres NFC-fähigen Smartphones und "
            "geben Sie anschließend Ihre 6-stellige Ausweis-PIN ein."
        )
        st.checkbox("Ausweis liegt am Smartphone (Scan simuliert)", key=f"{key}_s_card1")
        st.text_input("Ausweis-PIN (6 Ziffern)", type="password", max_chars=6, key=f"{key}_s_pin")
        st.caption(
            f"Simulation: Geben Sie hier niemals Ihre echte Ausweis-PIN ein. Jede 6-stellige Zahl "
            f"gilt als richtig, außer {identity.SIMULATED_WRONG_PIN} (eine falsche PIN). "
            f"Noch {state.pin_tries_left} von {identity.EID_PIN_TRIES} Versuchen, danach ist "
            "der Ausweis gesperrt."
        )
    elif step == Step.EID_RESCAN:
        st.write("Zur Verifizierung scannen Sie Ihren Personalausweis ein zweites Mal.")
        st.checkbox("Ausweis liegt erneut am Smartphone (Scan simuliert)", key=f"{key}_s_card2")


def _running(wizard: Wizard, state: IdentificationRead) -> None:
    key = wizard.key
    step = state.current_step
    total = len(state.steps)
    st.info(SIMULATION_NOTE)
    st.progress(
        state.steps_done / total,
        text=f"Schritt {state.steps_done + 1} von {total}: {STEP_TITLES[step]}",
    )
    for number, each in enumerate(state.steps, start=1):
        if number <= state.steps_done:
            mark = ":green[:material/check_circle:]"
        elif each == step:
            mark = ":blue[:material/arrow_circle_right:]"
        else:
            mark = ":gray[:material/radio_button_unchecked:]"
        st.markdown(f"{mark} Schritt {number}: {STEP_TITLES[each]}")
    with st.container(border=True):
        st.subheader(STEP_TITLES[step])
        _step_inputs(key, state, step)
        message = st.session_state.pop(f"{key}_message", None)
        if message:
            st.error(message + " Bitte versuchen Sie es erneut.")
        left, right = st.columns(2)
        left.button("Weiter", key=f"{key}_next", type="primary", on_click=_submit, args=(key, step))
        right.button("Abbrechen", key=f"{key}_cancel", on_click=_cancel, args=(key,))


def render(wizard: Wizard) -> IdentificationRead | None:
    """Draw the wizard's current state; returns the identification once it has succeeded."""
    attempt = attempt_of(wizard.key)
    if attempt is None:
        message = st.session_state.pop(f"{wizard.key}_message", None)
        _start_form(wizard)
        if message:
            st.error(message)
        return None
    with session_scope() as db:
        state = identity.identification_state(
            db, identification_id=attempt.id, member_id=attempt.member_id
        )
    if state.succeeded:
        return state
    if state.failed:
        st.error(state.failure_message or "Die Identifizierung ist fehlgeschlagen.")
        st.button(
            "Neuen Versuch starten",
            key=f"{wizard.key}_restart",
            on_click=forget,
            args=(wizard.key,),
        )
        return None
    _running(wizard, state)
    return None
