"""Messenger (smart): write to the HEK, with an attachment if needed; answers arrive here."""

import uuid

import streamlit as st

from core import messenger
from core.db import session_scope
from core.errors import DomainError
from core.uploads import IncomingFile
from ui.components import format_moment
from ui.correspondence import (
    UPLOAD_LABEL,
    UPLOAD_TYPES,
    deferred,
    escape_markdown,
    message_bubble,
)
from ui.session import current_actor

actor = current_actor()
st.title("Messenger")
st.caption(
    "Schreiben Sie uns Ihr Anliegen. Wir antworten Ihnen hier; Sie sehen neue Antworten in der "
    "Liste Ihrer Unterhaltungen. Anhänge werden wie beim Dokumentversand geprüft."
)

st.session_state.setdefault("messenger_key", uuid.uuid4().hex)
nonce = st.session_state["messenger_key"]


def _attachment(upload) -> IncomingFile | None:
    if upload is None:
        return None
    return IncomingFile(name=upload.name, data=upload.getvalue(), declared_type=upload.type)


def _sent() -> None:
    st.session_state["messenger_key"] = uuid.uuid4().hex  # fresh, empty form fields
    st.rerun()


with session_scope() as db:
    conversations = messenger.my_conversations(db, actor=actor)

with st.expander("Neue Unterhaltung beginnen", expanded=not conversations):
    with st.form("new_conversation"):
        subject = st.text_input(
            "Betreff", max_chars=messenger.SUBJECT_MAX_CHARS, key=f"new_subject_{nonce}"
        )
        body = st.text_area(
            "Ihre Nachricht", max_chars=messenger.BODY_MAX_CHARS, key=f"new_body_{nonce}"
        )
        upload = st.file_uploader(UPLOAD_LABEL, type=UPLOAD_TYPES, key=f"new_file_{nonce}")
        start = st.form_submit_button("Nachricht senden", type="primary")
    if start:
        try:
            with session_scope(write=True) as db:
                started = messenger.start_conversation(
                    db,
                    actor=actor,
                    subject=subject,
                    body=body,
                    attachment=_attachment(upload),
                    idempotency_key=nonce,
                )
        except DomainError as refusal:
            st.error(f"Nicht gesendet. {refusal.message}")
        else:
            st.session_state["conversation_id"] = started.id
            _sent()

if not conversations:
    st.info("Sie haben noch keine Unterhaltung mit uns.")
    st.stop()


def _label(conversation_id: int) -> str:
    # Stable labels: Streamlit ties a selectbox's identity to its option labels, so a label
    # that changed with every new message would drop the selection on the next click.
    item = next(c for c in conversations if c.id == conversation_id)
    return f"{item.subject} (begonnen {format_moment(item.created_at)})"


ids = [c.id for c in conversations]
if st.session_state.get("conversation_id") not in ids:
    st.session_state["conversation_id"] = ids[0]
chosen = st.selectbox("Unterhaltung", options=ids, format_func=_label, key="conversation_id")
elsewhere = [c for c in conversations if c.unread and c.id != chosen]  # chosen: read below
if elsewhere:
    st.info(
        "Neue Antworten der HEK in: "
        + ", ".join(f"„{escape_markdown(c.subject)}“" for c in elsewhere),
        icon=":material/mark_chat_unread:",
    )

try:
    with session_scope(write=True) as db:
        view = messenger.open_conversation(db, actor=actor, conversation_id=chosen)
except DomainError as error:
    st.error(error.message)
    st.stop()

for message in view.messages:
    message_bubble(
        message,
        attachment=deferred(messenger.message_attachment, actor=actor, message_id=message.id),
    )

if view.conversation.status == "closed":
    st.info("Diese Unterhaltung ist abgeschlossen. Für ein neues Anliegen beginnen Sie bitte oben.")
    st.stop()

with st.form("answer"):
    text = st.text_area(
        "Antwort schreiben", max_chars=messenger.BODY_MAX_CHARS, key=f"answer_body_{nonce}"
    )
    answer_file = st.file_uploader(UPLOAD_LABEL, type=UPLOAD_TYPES, key=f"answer_file_{nonce}")
    send = st.form_submit_button("Senden", type="primary")
if send:
    try:
        with session_scope(write=True) as db:
            messenger.post_message(
                db,
                actor=actor,
                conversation_id=chosen,
                body=text,
                attachment=_attachment(answer_file),
                idempotency_key=nonce,
            )
    except DomainError as refusal:
        st.error(f"Nicht gesendet. {refusal.message}")
    else:
        _sent()
