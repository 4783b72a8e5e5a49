"""Passwort vergessen (FAQ): no new password is sent out; a new identification through the
(simulated) Nect Wallet lets the member set one. Every session ends; smart data stays."""

import streamlit as st

from core import identity
from core.db import session_scope
from core.errors import DomainError
from ui import identification_wizard as wizard
from ui import navigation
from ui.session import optional_actor

KEY = "reset"
DONE_KEY = "reset_done"
FORM = "reset_password"


def _start(db, request):
    # The address limits how often one visitor may start; None in local development.
    return identity.start_password_reset(db, request=request, client=st.context.ip_address)


def _save_password() -> None:
    state = st.session_state
    attempt = wizard.attempt_of(KEY)
    new, repeat = state.get("reset_new", ""), state.get("reset_repeat", "")
    state["reset_new"] = state["reset_repeat"] = ""
    if attempt is None:
        return
    if new != repeat:
        state["reset_message"] = "Die beiden Passwörter stimmen nicht überein."
        return
    try:
        with session_scope(write=True) as db:
            identity.reset_password(
                db, identification_id=attempt.id, username=attempt.username, new_password=new
            )
    except DomainError as error:
        state["reset_message"] = error.message
        return
    wizard.forget(KEY)
    state[DONE_KEY] = True


actor = optional_actor()
st.title("Passwort vergessen")
if actor is not None:
    st.info(
        "Sie sind angemeldet. Ihr Passwort ändern Sie unter „Passwort ändern“; dafür brauchen "
        "Sie keine neue Identifizierung."
    )
elif st.session_state.pop(DONE_KEY, False):
    st.success(
        "Ihr Passwort wurde geändert. Alle bisherigen Sitzungen wurden beendet. Ihre Daten im "
        "smart-Bereich (Schreiben, Familienangehörige, Dokumente) sind erhalten geblieben."
    )
    navigation.login_page_link("Jetzt mit dem neuen Passwort anmelden")
else:
    st.write(
        "Aus Sicherheitsgründen können wir Ihnen kein neues Passwort ausstellen. Identifizieren "
        "Sie sich erneut über unseren Partner Nect Wallet; danach legen Sie ein neues Passwort "
        "fest. Ihre Daten im smart-Bereich gehen dabei nicht verloren."
    )
    done = wizard.render(wizard.Wizard(key=KEY, start=_start, ask_name=False, ask_username=True))
    if done is not None:
        st.success("Ihre Identifizierung war erfolgreich. Legen Sie jetzt ein neues Passwort fest.")
        with st.form(FORM):
            st.caption("10 bis 64 Zeichen, keine weiteren Regeln.")
            st.text_input("Neues Passwort", type="password", key="reset_new", max_chars=200)
            st.text_input(
                "Neues Passwort wiederholen", type="password", key="reset_repeat", max_chars=200
            )
            st.form_submit_button(
                "Neues Passwort speichern", type="primary", on_click=_save_password
            )
        message = st.session_state.pop("reset_message", None)
        if message:
            st.error(message)
    navigation.login_page_link("Zurück zur Anmeldung")
