"""Who is signed in, for this browser session.

streamlit-authenticator draws the login form; its credential check and its cookie are
replaced by core.auth (database users, lockout, no enumeration) and a server-side session
whose token lives only in st.session_state. A JWT cookie cannot be revoked, so none is set.
"""

import secrets

import streamlit as st
import streamlit_authenticator as stauth

from core import auth
from core.actors import Actor
from core.db import session_scope
from core.errors import LoginRefused, SessionEnded

TOKEN_KEY = "hek_token"  # noqa: S105  (a session_state key, not a secret)
ACTOR_KEY = "hek_actor"
NOTICE_KEY = "hek_notice"
LOGIN_ERROR_KEY = "hek_login_error"
ROUTED_KEY = "hek_routed"
HEALTH_PREFIX = "health_"  # every smarthealth session key; cleared with the session
LOGIN_FIELDS = {
    "Form name": "Anmeldung",
    "Username": "Benutzername",
    "Password": "Passwort",
    "Login": "Anmelden",
}
# streamlit-authenticator's keys that must follow our session
_AUTHENTICATOR_KEYS = ("authentication_status", "name", "username", "roles", "email")


class _NoCookie:
    """Stands in for the library's re-authentication cookie: we keep sessions server-side."""

    def get_cookie(self) -> None:
        return None

    def set_cookie(self) -> None:
        return None

    def delete_cookie(self) -> None:
        return None


class _DatabaseCredentials:
    """Stands in for the library's credential check: delegates to core.auth.login."""

    def login(
        self, username: str | None = None, password: str | None = None, *_args, **kwargs
    ) -> bool | None:
        if kwargs.get("token") is not None or username is None:
            return None
        try:
            with session_scope() as session:  # bcrypt runs here, holding no write lock
                check = auth.check_password(session, username=username, password=password or "")
            with session_scope(write=True) as session:
                signed_in = auth.record_login(session, check=check)
        except LoginRefused as refusal:
            st.session_state[LOGIN_ERROR_KEY] = refusal.message
            st.session_state["authentication_status"] = False
            return False
        _remember(signed_in.token, signed_in.actor)
        return True

    def logout(self, _callback=None) -> None:
        sign_out()


class LoginForm(stauth.Authenticate):
    """The library's login widget wired to our credential check (no YAML, no cookie)."""

    def __init__(self) -> None:  # deliberately not calling the library's __init__ (no cookie)
        self.attrs = {"login_sleep_time": 0}
        self.secret_key = secrets.token_urlsafe(16)
        self.path = None
        self.api_key = None
        self.cookie_controller = _NoCookie()
        self.authentication_controller = _DatabaseCredentials()


def _remember(token: str, actor: Actor) -> None:
    st.session_state[TOKEN_KEY] = token
    st.session_state[ACTOR_KEY] = actor
    st.session_state["authentication_status"] = True
    st.session_state["name"] = actor.display_name
    st.session_state["username"] = actor.username
    st.session_state["roles"] = [str(actor.role)]
    st.session_state.pop(LOGIN_ERROR_KEY, None)


def _forget() -> None:
    for key in (TOKEN_KEY, ACTOR_KEY, *_AUTHENTICATOR_KEYS):
        st.session_state.pop(key, None)
    # smarthealth: keys, typed secrets and opened entries live only in the signed-in session
    for key in [key for key in st.session_state if str(key).startswith(HEALTH_PREFIX)]:
        st.session_state.pop(key, None)


def resolve_actor() -> Actor | None:
    """Check the session against the database on every rerun (revocation, idle timeout)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return None
    try:
        with session_scope() as session:  # most reruns only read
            actor = auth.resume(session, token=token, read_only=True)
        if actor is None:  # a touch of last_seen (or the session's end) is due
            with session_scope(write=True) as session:
                actor = auth.resume(session, token=token)
    except SessionEnded as ended:
        _forget()
        st.session_state[NOTICE_KEY] = ended.message
        return None
    st.session_state[ACTOR_KEY] = actor
    return actor


def mark_routed() -> None:
    """Home.py calls this on every run before it hands over to a page."""
    st.session_state[ROUTED_KEY] = True


def optional_actor() -> Actor | None:
    """For public screens: the signed-in actor, or None for a visitor."""
    if not st.session_state.get(ROUTED_KEY):
        st.switch_page("Home.py")
    return st.session_state.get(ACTOR_KEY)


def current_actor() -> Actor:
    """The actor Home.py resolved for this run; pages are only routed when signed in.

    Until Home.py has run once in a server process, Streamlit treats pages/ as a legacy
    multipage folder, so a bookmarked deep link would run a page file on its own: send such
    a run through the gatekeeper first.
    """
    if not st.session_state.get(ROUTED_KEY):
        st.switch_page("Home.py")
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        st.error("Bitte melden Sie sich an.")
        st.stop()
    return actor


def sign_out(reason: str | None = None) -> None:
    token = st.session_state.get(TOKEN_KEY)
    if token:
        with session_scope(write=True) as session:
            auth.logout(session, token=token)
    _forget()
    if reason:
        st.session_state[NOTICE_KEY] = reason


def render_login() -> None:
    """The login form with our messages above it."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice)
    st.session_state.pop(LOGIN_ERROR_KEY, None)
    LoginForm().login(location="main", fields=LOGIN_FIELDS, key="Login")
    error = st.session_state.get(LOGIN_ERROR_KEY)
    if error and not st.session_state.get(TOKEN_KEY):
        st.error(error)
    if st.session_state.get(TOKEN_KEY):
        st.rerun()
