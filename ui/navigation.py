"""Builds the st.navigation pages for an actor, and the refusal shown for the rest."""

from collections import defaultdict

import streamlit as st

from core import audit
from core.actors import Actor
from core.db import session_scope
from core.models.accounts import Role
from ui import session
from ui.registry import (
    Screen,
    available_screens,
    default_screen,
    may_open,
    public_screens,
)
from ui.text import plain

ROLE_LABELS = {Role.MEMBER: "Mitglied", Role.CLERK: "Sachbearbeitung", Role.ADMIN: "Admin"}
LEVEL_LABELS = {"basic": "basic", "smart": "smart", "smarthealth": "smarthealth"}


def _login_page() -> None:
    st.title("HEK Service-Portal")
    st.caption("Ihre Service-App im Browser: Dokumente senden, Bescheinigungen anfordern und mehr.")
    session.render_login()
    for screen in public_screens():
        st.page_link(screen.path, label=screen.title, icon=screen.icon)


def login_page_link(label: str = "Zur Anmeldung") -> None:
    """A link back to the login screen, for public screens a visitor reached from it."""
    login = st.Page(_login_page, title="Anmeldung", url_path="login")
    st.page_link(login, label=label, icon=":material/login:")


def _refusal(screen: Screen, actor: Actor | None):
    def render() -> None:
        if actor is None:
            _login_page()
            return
        st.error("Kein Zugriff: Diese Seite ist für Ihr Konto nicht freigegeben.")
        with session_scope(write=True) as db:
            audit.record(
                db,
                actor=actor,
                action="access_denied",
                subject_type="page",
                subject_id=screen.url_path,
            )
            db.commit()

    render.__name__ = f"refused_{screen.url_path}"
    return render


def pages_for(actor: Actor | None) -> dict[str, list[st.Page]] | list[st.Page]:
    """Visible pages of the actor's role and level; every other screen hidden and refused."""
    if actor is None:
        login = st.Page(_login_page, title="Anmeldung", url_path="login", default=True)
        others = [
            st.Page(s.path, title=s.title, icon=s.icon, url_path=s.url_path)
            if s.public
            else st.Page(_refusal(s, None), title=s.title, url_path=s.url_path, visibility="hidden")
            for s in available_screens()
        ]
        return [login, *others]
    home = default_screen(role=actor.role)
    sections: dict[str, list[st.Page]] = defaultdict(list)
    hidden: list[st.Page] = []
    for screen in available_screens():
        if may_open(screen, role=actor.role, service_level=actor.service_level):
            sections[screen.section].append(
                st.Page(
                    screen.path,
                    title=screen.title,
                    icon=screen.icon,
                    url_path=screen.url_path,
                    default=screen is home,
                )
            )
        else:
            hidden.append(
                st.Page(
                    _refusal(screen, actor),
                    title=screen.title,
                    url_path=screen.url_path,
                    visibility="hidden",
                )
            )
    return {"": hidden, **sections} if hidden else dict(sections)


def render_sidebar(actor: Actor) -> None:
    with st.sidebar:
        st.markdown(f"**{plain(actor.display_name)}**  \n{ROLE_LABELS[actor.role]}")
        if actor.role == Role.MEMBER and actor.service_level:
            st.caption(f"Version: {LEVEL_LABELS.get(actor.service_level, actor.service_level)}")
        if st.button("Abmelden", key="logout", icon=":material/logout:", width="stretch"):
            session.sign_out("Sie wurden abgemeldet.")
            st.rerun()
