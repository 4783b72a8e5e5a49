"""Who is signed in, for this browser session.

streamlit-authenticator draws the login form; its credential check and its JWT cookie are
replaced by core.auth (database users, lockout, no enumeration) and a server-side session.

In the browser the session's token lives only in the HttpOnly session cookie: a sign-in
sends the browser through GET /auth/session (core/http/routes.py), which sets it, and every
run reads it from the request of the client attached now. A Streamlit session remembers
which cookie it served (BOUND_KEY); a client that presents it without that cookie (a stolen
Streamlit session ID, a replayed tab) finds the session emptied and signed out. A reload is
a new Streamlit session on the same cookie, so it stays signed in.

Under AppTest there is no browser and no cookie: the token stays in st.session_state.
"""

import logging
import secrets
from urllib.parse import quote, urlsplit

import streamlit as st
import streamlit_authenticator as stauth

from core import audit, auth, browser_sessions
from core.actors import SYSTEM, Actor
from core.db import session_scope
from core.errors import LoginRefused, SessionEnded
from core.http import cookies as portal_cookies
from core.http import file_offers
from ui import browser

TOKEN_KEY = "hek_token"  # noqa: S105  (a session_state key, not a secret)
ACTOR_KEY = "hek_actor"
NOTICE_KEY = "hek_notice"
LOGIN_ERROR_KEY = "hek_login_error"
ROUTED_KEY = "hek_routed"
BOUND_KEY = "hek_bound_cookie"  # fingerprint of the session cookie this session served
HANDOFF_KEY = "hek_handoff"  # the /auth/session URL after a successful sign-in
REFUSED_KEY = "hek_cookie_refused"  # a dead or forged cookie was audited once already
ADMIN_TOKEN_KEY = "hek_admin_token"  # noqa: S105  (the admin's own while acting as a persona)
# Sessions a person ends on purpose need no notice when their cookie shows up again.
_QUIET_ENDINGS = ("logout", "password_changed")
TAKEN_OVER = (
    "Sie wurden abgemeldet: Diese Sitzung wurde von einem anderen Browser aufgerufen. "
    "Bitte melden Sie sich erneut an."
)
COOKIE_REFUSED = "Ihre Anmeldung ist nicht mehr gültig. Bitte melden Sie sich erneut an."
log = logging.getLogger(__name__)
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
        in_browser = browser.cookies() is not None
        try:
            with session_scope() as session:  # bcrypt runs here, holding no write lock
                check = auth.check_password(session, username=username, password=password or "")
            with session_scope(write=True) as session:
                signed_in = auth.record_login(session, check=check, user_agent=browser.user_agent())
                code = None
                if in_browser:
                    code = browser_sessions.begin_handoff(session, token=signed_in.token)
                    session.commit()
        except LoginRefused as refusal:
            st.session_state[LOGIN_ERROR_KEY] = refusal.message
            st.session_state["authentication_status"] = False
            return False
        if code is None:
            _remember(signed_in.token, signed_in.actor)
        else:  # the cookie is set by the route; this Streamlit session is left behind
            st.session_state[HANDOFF_KEY] = f"/auth/session?code={code}&weiter={_this_page()}"
        return True

    def logout(self, _callback=None) -> None:
        sign_out()


def _this_page() -> str:
    """The path of the page the browser signed in on, to come back to it (a deep link)."""
    path = urlsplit(st.context.url or "").path or "/"
    return quote(path if path.startswith("/") else "/", safe="/")


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


def _token_for_this_run() -> str | None:
    """The session token this run acts under: the cookie's in the browser (or, while an
    admin acts as a persona, the persona's, kept beside the admin's cookie)."""
    request_cookies = browser.cookies()
    if request_cookies is None:  # AppTest: no browser, no cookie
        return st.session_state.get(TOKEN_KEY)
    token = portal_cookies.read(request_cookies, portal_cookies.SESSION)
    fingerprint = browser_sessions.token_fingerprint(token) if token else None
    bound = st.session_state.get(BOUND_KEY)
    if bound is not None and bound != fingerprint:
        log.warning("a script session was joined by a client with another session cookie")
        st.session_state.clear()  # nothing of the previous session stays
        if fingerprint is None:
            st.session_state[NOTICE_KEY] = TAKEN_OVER
    st.session_state[BOUND_KEY] = fingerprint
    if fingerprint is not None and st.session_state.get(REFUSED_KEY) == fingerprint:
        return None  # refused on an earlier run of this session: already told and audited
    if token and st.session_state.get(ADMIN_TOKEN_KEY) == token:
        return st.session_state.get(TOKEN_KEY)  # the persona the admin acts as
    return token


def _refuse_cookie(token: str, ended: SessionEnded, *, fresh: bool) -> None:
    """A cookie whose session is over, or never was: the sign-in page with a German notice,
    audited once per browser session (later runs of it skip the cookie)."""
    if browser.cookies() is None:
        st.session_state[NOTICE_KEY] = ended.message
        return
    st.session_state[REFUSED_KEY] = browser_sessions.token_fingerprint(token)
    if fresh and ended.reason in _QUIET_ENDINGS:
        return  # signed out on purpose earlier: a later visit is simply signed out
    st.session_state[NOTICE_KEY] = COOKIE_REFUSED if fresh else ended.message
    with session_scope(write=True) as session:
        audit.record(
            session,
            actor=SYSTEM,
            action="session_cookie_refused",
            subject_type="browser_session",
            subject_id="-",
            details={"reason": ended.reason or "unknown"},
        )
        session.commit()


def resolve_actor() -> Actor | None:
    """Check the session against the database on every rerun (revocation, idle timeout)."""
    fresh = st.session_state.get(ACTOR_KEY) is None
    token = _token_for_this_run()
    if not token:
        st.session_state.pop(ACTOR_KEY, None)
        return None
    try:
        with session_scope() as session:  # most reruns only read
            actor = auth.resume(session, token=token, read_only=True)
        if actor is None:  # a touch of last_seen (or the session's end) is due
            with session_scope(write=True) as session:
                actor = auth.resume(session, token=token)
    except SessionEnded as ended:
        _forget()
        _refuse_cookie(token, ended, fresh=fresh)
        return None
    st.session_state[TOKEN_KEY] = token
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
        file_offers.withdraw_session(browser_sessions.token_fingerprint(token))
    _forget()
    if reason:
        st.session_state[NOTICE_KEY] = reason


def render_login() -> None:
    """The login form with our messages above it."""
    handoff = st.session_state.pop(HANDOFF_KEY, None)
    if handoff:
        browser.send_to(handoff, message="Sie werden angemeldet …")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice)
    st.session_state.pop(LOGIN_ERROR_KEY, None)
    LoginForm().login(location="main", fields=LOGIN_FIELDS, key="Login")
    error = st.session_state.get(LOGIN_ERROR_KEY)
    if error and not st.session_state.get(TOKEN_KEY):
        st.error(error)
    if st.session_state.get(TOKEN_KEY) or st.session_state.get(HANDOFF_KEY):
        st.rerun()
