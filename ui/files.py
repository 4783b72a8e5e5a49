"""Member files on a page: links and images served by the portal's own /files/ route.

Nothing with member data goes through Streamlit's media store (public /media/ URLs, no
cookie, minutes after the tab is gone). A page offers the bytes, or a function that reads
them when the person asks (so a decryption and its audit entry happen only then), for the
signed-in session; core/http/file_offers.py keeps the offer five minutes after the page last
showed it, and the route answers only that session's cookie.
"""

import hashlib
import mimetypes
from collections.abc import Callable

import streamlit as st

from core import browser_sessions
from core.http import file_offers
from ui import browser, session

FileData = bytes | Callable[[], bytes]


def _session_fingerprint() -> str:
    """The session cookie this browser sends (an admin acting as a persona sends their own);
    under AppTest, the session token kept in session state."""
    bound = st.session_state.get(session.BOUND_KEY)
    if bound:
        return bound
    token = st.session_state.get(session.TOKEN_KEY)
    if not token:
        raise RuntimeError("member files are offered to signed-in sessions only")
    return browser_sessions.token_fingerprint(token)


def file_url(data: FileData, *, key: str, file_name: str, mime: str, inline: bool = False) -> str:
    """An absolute URL of the portal (st.image needs one) for this session's file."""
    if callable(data):
        produce, content_id = data, f"{key}:{file_name}"
    else:
        produce = (lambda content: lambda: content)(data)
        content_id = hashlib.sha256(data).hexdigest()
    path = file_offers.offer(
        session_fingerprint=_session_fingerprint(),
        slot=key,
        file_name=file_name,
        media_type=mime,
        produce=produce,
        content_id=content_id,
        inline=inline,
    )
    return f"{browser.origin() or 'http://localhost'}{path}"


def download_link(
    label: str,
    data: FileData,
    *,
    file_name: str,
    mime: str,
    key: str,
    container=None,
    icon: str | None = ":material/download:",
    help: str | None = None,
    type: str = "secondary",
    width: str | int = "content",
    disabled: bool = False,
) -> None:
    """A button that downloads the file (a link to /files/…, opened in a new tab)."""
    url = file_url(data, key=key, file_name=file_name, mime=mime)
    (container or st).link_button(
        label, url, icon=icon, help=help, type=type, width=width, disabled=disabled
    )


def image(
    data: bytes,
    *,
    key: str,
    caption: str | None = None,
    width: str | int = "content",
    mime: str = "image/png",
    container=None,
) -> None:
    """An image (a page preview, a QR code) loaded from /files/… with the session cookie."""
    extension = mimetypes.guess_extension(mime) or ".png"
    url = file_url(data, key=key, file_name=f"{key}{extension}", mime=mime, inline=True)
    (container or st).image(url, caption=caption, width=width)
