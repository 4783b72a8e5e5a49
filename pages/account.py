"""Anmeldung & Sitzungen, for every signed-in account: where the account is signed in (end
the others), and the password change, which ends every session of the account."""

import streamlit as st

from core import auth, browser_sessions
from core.db import session_scope
from core.errors import DomainError
from ui.components import format_moment
from ui.session import TOKEN_KEY, current_actor, sign_out


def _end(session_id: int) -> None:
    try:
        with session_scope(write=True) as db:
            browser_sessions.end_other_session(db, actor=actor, session_id=session_id)
    except DomainError as error:
        st.session_state["account_message"] = error.message
    else:
        st.session_state["account_message"] = "Die Sitzung wurde beendet."


actor = current_actor()
st.title("Anmeldung & Sitzungen")

st.subheader("Angemeldete Sitzungen")
st.caption(
    "Hier sehen Sie, in welchen Browsern Sie angemeldet sind. Kennen Sie eine Sitzung nicht, "
    "beenden Sie sie und ändern Sie Ihr Passwort."
)
with session_scope() as db:
    open_sessions = browser_sessions.open_sessions(
        db, actor=actor, current_token=st.session_state.get(TOKEN_KEY, "")
    )
message = st.session_state.pop("account_message", None)
if message:
    st.info(message)
for listed in open_sessions:
    with st.container(border=True, key=f"account_session_{listed.id}"):
        text, action = st.columns([4, 1], vertical_alignment="center")
        label = f"{listed.browser} (diese Sitzung)" if listed.is_current else listed.browser
        text.markdown(f"**{label}**")
        text.caption(
            f"angemeldet seit {format_moment(listed.since)} · "
            f"zuletzt aktiv {format_moment(listed.last_action)}"
        )
        if not listed.is_current:
            action.button(
                "Beenden",
                key=f"account_end_{listed.id}",
                icon=":material/logout:",
                on_click=_end,
                args=(listed.id,),
            )

st.subheader("Passwort ändern")
st.caption("10 bis 64 Zeichen, keine weiteren Regeln. Danach melden Sie sich neu an.")
with st.form("change_password", clear_on_submit=True):
    current = st.text_input("Bisheriges Passwort", type="password", key="pw_current", max_chars=64)
    new = st.text_input("Neues Passwort", type="password", key="pw_new", max_chars=200)
    repeat = st.text_input(
        "Neues Passwort wiederholen", type="password", key="pw_repeat", max_chars=200
    )
    submitted = st.form_submit_button("Passwort ändern")
if submitted:
    if new != repeat:
        st.error("Die beiden neuen Passwörter stimmen nicht überein.")
    else:
        try:
            with session_scope(write=True) as db:
                auth.change_password(db, actor=actor, current=current, new=new)
        except DomainError as error:
            st.error(error.message)
        else:
            sign_out(
                "Ihr Passwort wurde geändert. Bitte melden Sie sich mit dem neuen Passwort an."
            )
            st.rerun()
