"""Passwort ändern: for every signed-in account. Ends all sessions of the account."""

import streamlit as st

from core import auth
from core.db import session_scope
from core.errors import DomainError
from ui.session import current_actor, sign_out

actor = current_actor()
st.title("Passwort ändern")
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
