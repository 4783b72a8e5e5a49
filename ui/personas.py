"""Acting as a demo persona in the browser: the switch, the banner and the way back.

While an admin acts as a persona, `st.session_state` holds two tokens: the persona's in
the usual place (so every page sees the persona) and the admin's own under ADMIN_TOKEN_KEY.
Home.py calls `follow_impersonation` after resolving the actor and `render_persona_banner`
before running the page.
"""

import streamlit as st

from core import personas
from core.actors import Actor
from core.db import session_scope
from core.errors import DomainError, SessionEnded
from core.seed import DEMO_PERSONAS
from ui import session
from ui.registry import default_screen, screens_for
from ui.text import plain

ADMIN_TOKEN_KEY = session.ADMIN_TOKEN_KEY
RETURN_PAGE_KEY = "hek_persona_return_page"
NEXT_PAGE_KEY = "hek_next_page"
TOUR_TICKS_KEY = "hek_tour_ticks"  # tour steps ticked by hand; a demo reset clears them
DESCRIPTIONS = {persona.username: persona.description for persona in DEMO_PERSONAS}


def acting_as_persona() -> bool:
    return bool(st.session_state.get(ADMIN_TOKEN_KEY))


def switch_to(username: str, *, next_page: str | None = None, return_page: str) -> None:
    """Act as `username` now; open `next_page` as the persona, come back to `return_page`."""
    admin = session.current_actor()
    try:
        with session_scope(write=True) as db:
            signed_in = personas.act_as(db, admin=admin, username=username)
    except DomainError as error:
        st.error(error.message)
        return
    st.session_state[ADMIN_TOKEN_KEY] = st.session_state[session.TOKEN_KEY]
    st.session_state[RETURN_PAGE_KEY] = return_page
    session._remember(signed_in.token, signed_in.actor)
    # The admin's page is refused to the persona: open the asked-for page or the start page.
    st.session_state[NEXT_PAGE_KEY] = next_page or default_screen(role=signed_in.actor.role).path
    st.rerun()


def _forget_admin() -> str | None:
    st.session_state.pop(RETURN_PAGE_KEY, None)
    return st.session_state.pop(ADMIN_TOKEN_KEY, None)


def follow_impersonation(actor: Actor | None) -> Actor | None:
    """Keep the admin's own session alive while acting; end both when either one ends."""
    admin_token = st.session_state.get(ADMIN_TOKEN_KEY)
    if not admin_token:
        return actor
    if actor is None:  # the persona signed out or timed out: so does the admin behind it
        with session_scope(write=True) as db:
            personas.end_both(db, admin_token=admin_token, persona_token=None)
        _forget_admin()
        return None
    try:
        with session_scope(write=True) as db:
            personas.check_admin_session(db, admin_token=admin_token)
    except SessionEnded as ended:
        _forget_admin()
        session.sign_out(ended.message)
        return None
    return actor


def _go_back() -> None:
    admin_token = st.session_state.get(ADMIN_TOKEN_KEY)
    persona_token = st.session_state.get(session.TOKEN_KEY)
    return_page = st.session_state.get(RETURN_PAGE_KEY)
    try:
        with session_scope(write=True) as db:
            admin = personas.return_to_admin(
                db, admin_token=admin_token, persona_token=persona_token
            )
    except SessionEnded as ended:
        _forget_admin()
        session.sign_out(ended.message)
        st.rerun()
    _forget_admin()
    session._forget()  # the persona's session ends here: its smarthealth key goes with it
    session._remember(admin_token, admin)
    if return_page:
        st.session_state[NEXT_PAGE_KEY] = return_page
    st.rerun()


def _may_open(path: str, actor: Actor) -> bool:
    return any(
        screen.path == path
        for screen in screens_for(role=actor.role, service_level=actor.service_level)
    )


def render_persona_banner(actor: Actor) -> None:
    """Open a page asked for by the last switch, and show who the admin is acting as."""
    next_page = st.session_state.pop(NEXT_PAGE_KEY, None)
    if next_page and _may_open(next_page, actor):
        st.switch_page(next_page)
    if not acting_as_persona():
        return
    with st.container(border=True, key="persona_banner"):
        text, button = st.columns([3, 1], vertical_alignment="center")
        text.markdown(
            f":material/theater_comedy: **Demo: Sie handeln als {plain(actor.display_name)}** "
            f"({DESCRIPTIONS.get(actor.username, actor.role)}). Ihr Admin-Konto bleibt "
            "angemeldet."
        )
        if button.button(
            "Zurück zu meinem Konto", key="persona_back", icon=":material/undo:", type="primary"
        ):
            _go_back()
