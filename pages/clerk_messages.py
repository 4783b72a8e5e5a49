"""Nachrichten: members' messenger conversations; answer, close, file attachments."""

import uuid

import streamlit as st

from core import documents, messenger
from core.db import session_scope
from core.errors import DomainError
from core.messenger import MessageView
from core.uploads import IncomingFile
from ui.components import format_moment
from ui.correspondence import (
    UPLOAD_LABEL,
    UPLOAD_TYPES,
    deferred,
    escape_markdown,
    message_bubble,
)
from ui.page_visits import PageVisit
from ui.session import current_actor

actor = current_actor()
st.title("Nachrichten")
# Audited once per visit: each list (view and search) and each opened conversation.
visit = PageVisit(anchor_key="messages_search")

VIEWS = {"Offen": "open", "Abgeschlossen": "closed", "Alle": None}
view_name = (
    st.segmented_control("Ansicht", options=list(VIEWS), default="Offen", key="messages_view")
    or "Offen"
)
search = st.text_input("Suche: Versichertennummer oder Name", key="messages_search", max_chars=60)
list_look = visit.first_look("messages_list_audited", (view_name, search))
with session_scope(write=list_look) as db:
    items = messenger.list_conversations(
        db, actor=actor, status=VIEWS[view_name], search=search or "", record_view=list_look
    )

if not items:
    st.info("Keine Unterhaltungen in dieser Ansicht.")
    st.stop()

# Dataframe cells are plain text: member subjects cannot render as Markdown or HTML there.
st.dataframe(
    [
        {
            "Neu": item.unread or "",
            "Versicherte/r": f"{item.member_name} ({item.kvnr})",
            "Betreff": item.subject,
            "Status": item.status_label,
            "Nachrichten": item.messages,
            "Letzte Aktivität": format_moment(item.updated_at),
        }
        for item in items
    ],
    hide_index=True,
    width="stretch",
)
# Stable labels (no unread count): Streamlit ties a selectbox's identity to its labels.
labels = {item.id: f"{item.member_name} ({item.kvnr}) · {item.subject}" for item in items}
chosen = st.selectbox(
    "Unterhaltung öffnen",
    options=list(labels),
    format_func=labels.get,
    index=None,
    placeholder="Unterhaltung wählen …",
    key="messages_choice",
)
if chosen is None:
    st.stop()

first_view = visit.first_look("messages_audited", chosen)
with session_scope(write=True) as db:
    view = messenger.open_conversation(
        db, actor=actor, conversation_id=chosen, record_view=first_view
    )
conversation = view.conversation

st.divider()
st.subheader("Unterhaltung")
st.text(conversation.subject)
st.caption(
    f"{escape_markdown(conversation.member_name)} · {conversation.kvnr} · "
    f"begonnen {format_moment(conversation.created_at)} · Status: {conversation.status_label}"
)

if st.session_state.get("filed"):
    st.success(f"In den Posteingang übernommen. Tracking-ID: {st.session_state.pop('filed')}")


def _filing(message: MessageView) -> None:
    """One click files a member's attachment into the document inbox."""
    if message.direction != "in" or not message.attachment_name or message.filed_tracking_id:
        return
    doc_type = st.selectbox(
        "Dokumentenart",
        options=list(documents.DOCUMENT_TYPES),
        index=list(documents.DOCUMENT_TYPES).index("sonstiges"),
        format_func=documents.DOCUMENT_TYPES.get,
        key=f"file_type_{message.id}",
    )
    if st.button(
        "In den Posteingang übernehmen", key=f"file_{message.id}", icon=":material/move_to_inbox:"
    ):
        try:
            with session_scope(write=True) as db:
                filed = messenger.file_into_inbox(
                    db, actor=actor, message_id=message.id, doc_type=doc_type
                )
        except DomainError as error:
            st.error(error.message)
        else:
            st.session_state["filed"] = filed.tracking_id
            st.rerun()


for message in view.messages:
    message_bubble(
        message,
        attachment=deferred(messenger.message_attachment, actor=actor, message_id=message.id),
        extra=_filing,
    )

st.session_state.setdefault("clerk_answer_key", uuid.uuid4().hex)
nonce = st.session_state["clerk_answer_key"]
if conversation.status == "open":
    with st.form("clerk_answer"):
        text = st.text_area(
            "Antwort an das Mitglied",
            max_chars=messenger.BODY_MAX_CHARS,
            key=f"clerk_answer_body_{nonce}",
        )
        upload = st.file_uploader(UPLOAD_LABEL, type=UPLOAD_TYPES, key=f"clerk_answer_file_{nonce}")
        send = st.form_submit_button("Antwort senden", type="primary")
    if send:
        attachment = (
            IncomingFile(name=upload.name, data=upload.getvalue(), declared_type=upload.type)
            if upload is not None
            else None
        )
        try:
            with session_scope(write=True) as db:
                messenger.post_message(
                    db,
                    actor=actor,
                    conversation_id=conversation.id,
                    body=text,
                    attachment=attachment,
                    idempotency_key=nonce,
                )
        except DomainError as refusal:
            st.error(f"Nicht gesendet. {refusal.message}")
        else:
            st.session_state["clerk_answer_key"] = uuid.uuid4().hex
            st.rerun()
    closing = st.button("Unterhaltung abschließen", key="close_conversation")
    new_status = messenger.ConversationStatus.CLOSED if closing else None
else:
    reopening = st.button("Unterhaltung wieder öffnen", key="reopen_conversation")
    new_status = messenger.ConversationStatus.OPEN if reopening else None
if new_status is not None:
    with session_scope(write=True) as db:
        messenger.set_status(db, actor=actor, conversation_id=conversation.id, status=new_status)
    st.rerun()
