"""The browser this script run serves: its cookies and headers, and a way to send it to a URL.

Under AppTest no browser is attached (its runtime is a stand-in, not Streamlit's Runtime):
`cookies()` answers None there, and the session falls back to the token in
st.session_state (ui/session.py).
"""

from collections.abc import Mapping

import streamlit as st
from streamlit import runtime
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.http import cookies as portal_cookies

_REDIRECT_JS = """
export default function (component) {
  const target = component.data && component.data.url;
  if (typeof target === "string" && target.startsWith("/")) {
    window.location.replace(target);
  }
}
"""
_redirect = st.components.v2.component("hek_redirect", js=_REDIRECT_JS)


def _served_by_streamlit() -> bool:
    return runtime.exists() and type(runtime.get_instance()) is Runtime


def cookies() -> Mapping[str, str] | None:
    """The cookies of the websocket handshake of the client attached now; None without
    Streamlit's runtime (AppTest), {} for a run that no client is attached to."""
    context = get_script_run_ctx()
    if context is None or not _served_by_streamlit():
        return None
    if runtime.get_instance().get_client(context.session_id) is None:
        return {}
    return st.context.cookies.to_dict()


def device_secret() -> str | None:
    """This browser's own secret (the HttpOnly browser cookie) that a registered device is
    bound to; "" for a browser without one, None outside a browser (AppTest)."""
    request_cookies = cookies()
    if request_cookies is None:
        return None
    return portal_cookies.read(request_cookies, portal_cookies.BROWSER) or ""


def user_agent() -> str | None:
    return st.context.headers.get("user-agent") if _served_by_streamlit() else None


def origin() -> str:
    """scheme://host of the page as the browser sees it (behind a balancer too)."""
    url = st.context.url or ""
    parts = url.split("/", 3)
    return "/".join(parts[:3]) if len(parts) >= 3 and parts[0].endswith(":") else ""


def send_to(path: str, *, message: str) -> None:
    """Send the browser to a path of the portal (a route that sets or clears a cookie), with
    a link for a browser that does not follow by itself; stops the run."""
    st.info(message)
    st.link_button("Weiter", path, type="primary")
    _redirect(data={"url": path}, key="hek_redirect")
    st.stop()
