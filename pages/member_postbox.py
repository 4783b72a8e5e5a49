"""Postfach (smart): letters from the HEK with "antworten", and what the member sent (FAQ)."""

import uuid

import streamlit as st

from core import documents, letters, preferences
from core.db import session_scope
from core.errors import DomainError
from core.previews import render_pdf_pages
from core.uploads import IncomingFile
from ui import files
from ui.components import format_moment, format_size
from ui.correspondence import (
    MEMBER_AVATAR,
    UPLOAD_LABEL,
    UPLOAD_TYPES,
    deferred,
    escape_markdown,
)
from ui.session import current_actor

actor = current_actor()
st.title("Postfach")

opened, opened_document, opening_error = None, None, None
if st.session_state.get("postbox_letter") is not None:
    try:
        with session_scope(write=True) as db:  # the first opening marks the letter read
            opened = letters.open_letter(
                db, actor=actor, letter_id=st.session_state["postbox_letter"]
            )
            opened_document = letters.letter_document(db, actor=actor, letter_id=opened.letter.id)
    except DomainError as error:
        opening_error = error.message
with session_scope() as db:
    received = letters.postbox(db, actor=actor)
    app_communication = preferences.communication_settings(db, actor=actor).app_communication
if not app_communication:
    st.info(
        "Ihre App-Kommunikation ist ausgeschaltet: Neue Schreiben der HEK erhalten Sie per Post. "
        "Sie können sie jederzeit unter „Kommunikation/Mitteilungen“ einschalten."
    )
    st.page_link(
        "pages/member_communication.py",
        label="Kommunikation/Mitteilungen",
        icon=":material/notifications:",
    )

st.session_state.setdefault("reply_key", uuid.uuid4().hex)


def _reply_form(letter_id: int) -> None:
    """FAQ: open the letter and click "antworten" at the bottom."""
    nonce = st.session_state["reply_key"]
    with st.form(f"reply_{letter_id}"):
        text = st.text_area(
            "Ihre Antwort", max_chars=letters.REPLY_MAX_CHARS, key=f"reply_text_{nonce}"
        )
        upload = st.file_uploader(UPLOAD_LABEL, type=UPLOAD_TYPES, key=f"reply_file_{nonce}")
        sent = st.form_submit_button("Antwort senden", type="primary")
    if not sent:
        return
    attachment = (
        IncomingFile(name=upload.name, data=upload.getvalue(), declared_type=upload.type)
        if upload is not None
        else None
    )
    try:
        with session_scope(write=True) as db:
            letters.reply_to_letter(
                db,
                actor=actor,
                letter_id=letter_id,
                text=text,
                attachment=attachment,
                idempotency_key=nonce,
            )
    except DomainError as refusal:
        st.error(f"Nicht gesendet. {refusal.message}")
        return
    st.session_state["reply_key"] = uuid.uuid4().hex
    st.session_state["reply_open"] = None
    st.session_state["reply_sent"] = True
    st.rerun()


def _show_letter(thread: letters.LetterThread, document: letters.SignedLetter) -> None:
    letter = thread.letter
    with st.container(border=True):
        st.subheader(escape_markdown(letter.subject))
        st.caption(f"Von Ihrer HEK · {format_moment(letter.created_at)}")
        if document.signature_status == "valid":
            st.success(
                f"Elektronisch signiert von der HEK (Schlüssel {document.key_id}): "
                "Die Signatur ist gültig, das Schreiben ist unverändert.",
                icon=":material/verified:",
            )
        else:
            st.error(
                "Die Signatur dieses Schreibens konnte nicht bestätigt werden. Bitte wenden Sie "
                "sich an die HEK: 08000213213."
            )
        for number, image in enumerate(render_pdf_pages(document.pdf, scale=1.2), start=1):
            files.image(
                image,
                key=f"letter_page_{letter.id}_{number}",
                caption=f"Seite {number}",
                width="stretch",
            )
        files.download_link(
            "PDF herunterladen",
            document.pdf,
            file_name=document.file_name,
            mime="application/pdf",
            key=f"letter_pdf_{letter.id}",
        )
        if thread.replies:
            st.markdown("**Ihre Antworten**")
            for reply in thread.replies:
                with st.chat_message("user", avatar=MEMBER_AVATAR):
                    st.caption(f"Sie · {format_moment(reply.summary.created_at)}")
                    st.text(reply.text)
                    if reply.summary.attachment_name:
                        st.caption("Anhang:")
                        st.text(reply.summary.attachment_name)
        if st.session_state.get("reply_open") == letter.id:
            _reply_form(letter.id)
        elif st.button("antworten", key="reply", icon=":material/reply:"):
            st.session_state["reply_open"] = letter.id
            st.rerun()


inbox_tab, sent_tab = st.tabs(["Posteingang", "Gesendet"])
with inbox_tab:
    if st.session_state.pop("reply_sent", False):
        st.success("Ihre Antwort ist bei der HEK eingegangen.")
    if not received:
        st.caption("Ihr Postfach ist leer.")
    for item in received:
        with st.container(border=True):
            text, when, action = st.columns([6, 3, 2], vertical_alignment="center")
            badge = "" if item.read_at else " · **neu**"
            text.markdown(f"{escape_markdown(item.subject)}{badge}")
            replies = f" · {item.replies} Antwort(en)" if item.replies else ""
            when.caption(f"{format_moment(item.created_at)}{replies}")
            if action.button("Öffnen", key=f"open_letter_{item.id}"):
                st.session_state["postbox_letter"] = item.id
                st.session_state["reply_open"] = None
                st.rerun()
    if opening_error:
        st.error(opening_error)
    if opened is not None:
        _show_letter(opened, opened_document)

with sent_tab:
    with session_scope() as db:
        history = documents.send_history(db, actor=actor)
        replies = letters.my_replies(db, actor=actor)
    st.subheader("Gesendete Dokumente")
    if not history:
        st.caption("Noch keine Dokumente gesendet.")
    else:
        st.dataframe(
            [
                {
                    "Datum": format_moment(entry.created_at),
                    "Dokumentenart": documents.DOCUMENT_TYPES.get(entry.doc_type, entry.doc_type),
                    "Seiten": entry.page_count,
                    "Größe": format_size(entry.size),
                    "Status": documents.STATUS_LABELS.get(entry.status, entry.status),
                    "Tracking-ID": entry.tracking_id,
                }
                for entry in history
            ],
            hide_index=True,
            width="stretch",
        )
    st.subheader("Ihre Antworten auf Schreiben")
    if not replies:
        st.caption("Noch keine Antworten gesendet.")
    for reply in replies:
        with st.container(border=True):
            st.caption(
                f"{format_moment(reply.summary.created_at)} · "
                f"{escape_markdown(reply.summary.subject)}"
            )
            st.text(reply.text)
            if reply.summary.attachment_name:
                files.download_link(
                    "Anhang herunterladen",
                    deferred(letters.reply_attachment, actor=actor, reply_id=reply.summary.id),
                    file_name=reply.summary.attachment_name,
                    mime="application/octet-stream",
                    key=f"reply_attachment_{reply.summary.id}",
                    icon=":material/attach_file:",
                )
