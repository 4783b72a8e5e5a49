"""Schreiben: a letter from a template to a member (Postfach or post), and members' replies."""

import uuid

import streamlit as st

from core import letters
from core.db import session_scope
from core.errors import DomainError
from core.letter_templates import BODY_MAX_CHARS, PLACEHOLDERS, SUBJECT_MAX_CHARS, letter_templates
from core.previews import render_pdf_pages
from ui import files
from ui.components import format_moment
from ui.correspondence import HEK_AVATAR, MEMBER_AVATAR, deferred, escape_markdown
from ui.page_visits import PageVisit
from ui.session import current_actor

actor = current_actor()
st.title("Schreiben")
# Every look is audited once per visit: the replies, the member's letters, an opened letter.
visit = PageVisit(anchor_key="letter_kvnr")
CHANNELS = {
    "app": "ins Postfach der Service-App (App-Kommunikation ist eingeschaltet)",
    "post": "per Post („postalisch“): keine smart-Version oder App-Kommunikation aus",
}


def _open_thread(letter_id: int) -> None:
    st.session_state["letter_thread"] = letter_id
    st.session_state["letter_thread_audited"] = None


# --- Replies waiting for a clerk -----------------------------------------------------------
replies_look = visit.first_look("letter_replies_audited", True)
with session_scope(write=replies_look) as db:
    waiting = letters.unanswered_replies(db, actor=actor, record_view=replies_look)
with st.expander(f"Neue Antworten von Mitgliedern ({len(waiting)})", expanded=bool(waiting)):
    if not waiting:
        st.caption("Keine ungelesenen Antworten.")
    for reply in waiting:
        info, action = st.columns([5, 1], vertical_alignment="center")
        info.text(
            f"{reply.member_name} ({reply.kvnr}) · {format_moment(reply.summary.created_at)} · "
            f"zu „{reply.letter_subject}“"
        )
        if action.button("Öffnen", key=f"open_reply_{reply.summary.id}"):
            _open_thread(reply.summary.reply_to_letter_id)
            st.rerun()

# --- Recipient ------------------------------------------------------------------------------
st.subheader("Empfänger")
with st.form("letter_recipient"):
    kvnr = st.text_input("Versichertennummer", max_chars=12, key="letter_kvnr")
    find = st.form_submit_button("Mitglied suchen")
if find:
    try:
        with session_scope(write=True) as db:
            st.session_state["letter_to"] = letters.find_recipient(db, actor=actor, kvnr=kvnr)
        st.session_state["letter_list_audited"] = None
    except DomainError as error:
        st.session_state.pop("letter_to", None)
        st.error(error.message)
recipient = st.session_state.get("letter_to")

# --- Compose, preview, send -----------------------------------------------------------------
if recipient is not None:
    st.markdown(
        f"**{escape_markdown(recipient.name)}** · {recipient.kvnr} · "
        f"Version {recipient.service_level}  \n{escape_markdown(recipient.address)}"
    )
    st.caption(f"Zustellung: {CHANNELS[recipient.channel]}")
    st.subheader("Schreiben verfassen")
    templates = letter_templates()
    template_key = st.selectbox(
        "Vorlage",
        options=list(templates),
        format_func=lambda key: templates[key].title,
        key="letter_template",
    )
    template = templates[template_key]
    subject = st.text_input(
        "Betreff",
        value=template.subject,
        max_chars=SUBJECT_MAX_CHARS,
        key=f"letter_subject_{template_key}",
    )
    body = st.text_area(
        "Text",
        value=template.body,
        height=320,
        max_chars=BODY_MAX_CHARS,
        key=f"letter_body_{template_key}",
    )
    st.caption(
        "Platzhalter: "
        + " · ".join(f"`{{{name}}}` {label}" for name, label in PLACEHOLDERS.items())
    )
    tracking_id = None
    if "{tracking_id}" in subject + body:
        tracking_id = st.text_input(
            "Tracking-ID der Einreichung", max_chars=30, key="letter_tracking_id"
        )
    st.session_state.setdefault("letter_key", uuid.uuid4().hex)
    preview_column, send_column = st.columns(2)
    preview = preview_column.button("Vorschau", key="letter_preview", icon=":material/visibility:")
    send = send_column.button("Senden", key="letter_send", type="primary", icon=":material/send:")
    letter_input = {
        "member_id": recipient.member_id,
        "template_key": template_key,
        "subject": subject,
        "body": body,
        "tracking_id": tracking_id,
    }
    if preview:
        try:
            with session_scope(write=True) as db:  # each preview is audited
                shown = letters.preview_letter(db, actor=actor, **letter_input)
        except DomainError as error:
            st.error(error.message)
        else:
            st.caption(f"Vorschau · Zustellung: {CHANNELS[shown.channel]}")
            for number, image in enumerate(render_pdf_pages(shown.pdf, scale=1.0), start=1):
                files.image(image, key=f"letter_preview_page_{number}", width="stretch")
    if send:
        try:
            with session_scope(write=True) as db:
                sent = letters.send_letter(
                    db, actor=actor, idempotency_key=st.session_state["letter_key"], **letter_input
                )
        except DomainError as error:
            st.error(error.message)
        else:
            st.session_state["letter_key"] = uuid.uuid4().hex
            st.session_state["letter_sent"] = sent.channel
            st.session_state["letter_list_audited"] = None
            st.rerun()
    if st.session_state.get("letter_sent"):
        where = st.session_state.pop("letter_sent")
        st.success(
            "Das Schreiben ist im Postfach des Mitglieds."
            if where == "app"
            else "Das Schreiben wird per Post versendet (postalisch)."
        )

    # --- Letters to this member ------------------------------------------------------------
    st.subheader("Schreiben an dieses Mitglied")
    first_list = visit.first_look("letter_list_audited", recipient.member_id)
    with session_scope(write=True) as db:
        sent_letters = letters.letters_of_member(
            db, actor=actor, member_id=recipient.member_id, record_view=first_list
        )
    if not sent_letters:
        st.caption("Noch keine Schreiben.")
    for item in sent_letters:
        info, action = st.columns([5, 1], vertical_alignment="center")
        answers = f" · {item.replies} Antwort(en)" if item.replies else ""
        new = f", {item.unread_replies} neu" if item.unread_replies else ""
        info.text(
            f"{format_moment(item.created_at)} · {item.subject} · {item.status_label}{answers}{new}"
        )
        if action.button("Öffnen", key=f"open_letter_{item.id}"):
            _open_thread(item.id)
            st.rerun()

# --- One letter with its replies ------------------------------------------------------------
thread_id = st.session_state.get("letter_thread")
if thread_id is not None:
    first_view = visit.first_look("letter_thread_audited", thread_id)
    try:
        with session_scope(write=True) as db:
            thread = letters.open_letter(
                db, actor=actor, letter_id=thread_id, record_view=first_view
            )
    except DomainError as error:
        st.error(error.message)
        st.stop()
    letter = thread.letter
    st.divider()
    st.subheader("Schreiben und Antworten")
    with st.chat_message("assistant", avatar=HEK_AVATAR):
        st.caption(
            f"{escape_markdown(letter.author_name)} · {format_moment(letter.created_at)} · "
            f"{letter.status_label}"
        )
        st.text(letter.subject)
        st.text(thread.text)

        def _signed_pdf(letter_id: int = letter.id) -> bytes:
            with session_scope(write=True) as db:
                return letters.letter_document(db, actor=actor, letter_id=letter_id).pdf

        files.download_link(
            "Signiertes PDF herunterladen",
            _signed_pdf,
            file_name=f"HEK_Schreiben_{letter.id}.pdf",
            mime="application/pdf",
            key=f"clerk_letter_pdf_{letter.id}",
            icon=None,
        )
    if not thread.replies:
        st.caption("Noch keine Antwort des Mitglieds.")
    for reply in thread.replies:
        with st.chat_message("user", avatar=MEMBER_AVATAR):
            st.caption(
                f"Antwort von {escape_markdown(reply.summary.author_name)} · "
                f"{format_moment(reply.summary.created_at)}"
            )
            st.text(reply.text)  # member text: plain, never Markdown or HTML
            if reply.summary.attachment_name:
                files.download_link(
                    "Anhang herunterladen",
                    deferred(letters.reply_attachment, actor=actor, reply_id=reply.summary.id),
                    file_name=reply.summary.attachment_name,
                    mime="application/octet-stream",
                    key=f"clerk_reply_attachment_{reply.summary.id}",
                    icon=":material/attach_file:",
                )
