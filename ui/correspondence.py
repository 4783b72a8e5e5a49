"""Rendering shared by Postfach, Messenger and the back-office.

Text a member typed is shown with st.text only: it never goes through Markdown or HTML, so
"<script>" or "**fett**" appear exactly as typed, in the member's and in a clerk's browser.
Member text never goes into button labels, radio options or expander titles either
(those render Markdown); selectbox options and dataframe cells are plain.
"""

from collections.abc import Callable

import streamlit as st

from core.correspondence import Attachment
from core.db import session_scope
from core.messenger import MessageView
from core.uploads import FORMATS_TEXT, UPLOAD_EXTENSIONS
from ui import files
from ui.components import format_moment, format_size
from ui.text import plain

UPLOAD_TYPES = list(UPLOAD_EXTENSIONS)
UPLOAD_LABEL = f"Anhang (optional): {FORMATS_TEXT}"
HEK_AVATAR = ":material/support_agent:"
MEMBER_AVATAR = ":material/person:"
# Kept for callers that import it from here; ui.text.plain is the one escaping helper.
escape_markdown = plain


def deferred(fetch: Callable[..., Attachment], **arguments) -> Callable[[], bytes]:
    """Bytes for files.download_link, decrypted only when the person fetches them (and audited
    then)."""

    def load() -> bytes:
        with session_scope(write=True) as db:
            return fetch(db, **arguments).data

    return load


def attachment_line(
    *, name: str, size: int | None, mime: str | None, data: Callable[[], bytes], key: str
) -> None:
    files.download_link(
        f"Anhang herunterladen ({format_size(size or 0)})",
        data,
        file_name=name,
        mime=mime or "application/octet-stream",
        key=key,
        icon=":material/attach_file:",
    )
    st.text(name)


def message_bubble(
    message: MessageView,
    *,
    attachment: Callable[[], bytes] | None = None,
    extra: Callable[[MessageView], None] | None = None,
) -> None:
    """One chat message: author and time as caption, the body as plain text."""
    from_hek = message.direction == "out"
    with st.chat_message(
        "assistant" if from_hek else "user", avatar=HEK_AVATAR if from_hek else MEMBER_AVATAR
    ):
        st.caption(f"{escape_markdown(message.author_name)} · {format_moment(message.created_at)}")
        if message.body:
            st.text(message.body)
        if message.attachment_name and attachment is not None:
            attachment_line(
                name=message.attachment_name,
                size=message.attachment_size,
                mime=message.attachment_mime,
                data=attachment,
                key=f"attachment_{message.id}",
            )
        if message.filed_tracking_id:
            st.caption("In den Posteingang übernommen, Tracking-ID:")
            st.code(message.filed_tracking_id, language=None)
        if extra is not None:
            extra(message)
