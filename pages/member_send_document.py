"""Dokument senden: photos or files → preview, order, note → tracking ID; the send history below."""

import uuid

import streamlit as st

from core import documents, family
from core.db import session_scope
from core.errors import DomainError
from core.previews import render_pdf_pages
from core.uploads import UPLOAD_EXTENSIONS, IncomingFile, check_file
from ui import files
from ui.components import format_moment, format_size
from ui.session import current_actor
from ui.text import plain

actor = current_actor()
st.title("Dokument senden")
st.caption(
    "Senden Sie Unterlagen als Foto, Bild (JPEG, PNG, HEIC, WebP, TIFF, GIF, AVIF, BMP) oder PDF. "
    "Nach dem Versand erhalten "
    "Sie eine Tracking-ID; Sie finden sie immer in der Versandhistorie unten."
)

if "send_key" not in st.session_state:
    st.session_state["send_key"] = uuid.uuid4().hex  # idempotency key of this form instance
st.session_state.setdefault("photos", [])

with session_scope() as db:
    people_for = family.people_for_forms(db, actor=actor)  # self, household, family list

doc_type = st.selectbox(
    "Dokumentenart",
    options=list(documents.DOCUMENT_TYPES),
    format_func=documents.DOCUMENT_TYPES.get,
    key="doc_type",
)
people = {person.kvnr: person.label for person in people_for}
people["other"] = "Andere Versichertennummer"
person = st.radio(
    "Für wen?", options=list(people), format_func=people.get, key="doc_person", horizontal=True
)
kvnr = (
    st.text_input(
        "Versichertennummer", key="doc_kvnr", max_chars=12, placeholder="z. B. A123456780"
    )
    if person == "other"
    else person
)

st.subheader("Dokument hinzufügen")
uploads = st.file_uploader(
    "Dateien hochladen (PDF, JPEG, PNG, HEIC)",
    type=list(UPLOAD_EXTENSIONS),
    accept_multiple_files=True,
    key=f"doc_files_{st.session_state['send_key']}",
)
if st.toggle("Mit der Kamera fotografieren", key="use_camera"):
    photo = st.camera_input("Seite fotografieren", key=f"camera_{len(st.session_state['photos'])}")
    if photo is not None:
        st.session_state["photos"].append(
            (f"Foto {len(st.session_state['photos']) + 1}.jpg", photo.getvalue())
        )
        st.rerun()

incoming = [
    IncomingFile(name=f.name, data=f.getvalue(), declared_type=f.type) for f in uploads or []
]
incoming += [
    IncomingFile(name=name, data=data, declared_type="image/jpeg")
    for name, data in st.session_state["photos"]
]

checked = []
for item in incoming:
    try:
        checked.append(check_file(item))
    except DomainError as refusal:
        st.error(f"{plain(item.name)}: {refusal.message}")

order: list[int] = []
if checked:
    st.subheader("Vorschau")
    labels = {index: f"Seite {index + 1}: {c.name}" for index, c in enumerate(checked)}
    order = st.multiselect(
        "Reihenfolge (abwählen zum Weglassen, in gewünschter Reihenfolge wieder auswählen)",
        options=list(labels),
        default=list(labels),
        format_func=labels.get,
        placeholder="Keine Seite gewählt: bitte mindestens eine Seite auswählen",
        key=f"doc_order_{len(checked)}",
    )
    columns = st.columns(min(max(len(order), 1), 4))
    for position, index in enumerate(order):
        item = checked[index]
        with columns[position % len(columns)]:
            images = (
                [item.data] if item.is_image else render_pdf_pages(item.data, scale=0.8, count=4)
            )
            for number, image in enumerate(images, start=1):
                files.image(
                    image,
                    key=f"doc_preview_{index}_{number}",
                    caption=f"{position + 1}. {item.name}",
                    width="stretch",
                    mime=item.mime if item.is_image else "image/png",
                )
            if not item.is_image and item.page_count > 4:
                st.caption(f"… und {item.page_count - 4} weitere Seiten")
    if st.session_state["photos"] and st.button("Fotos verwerfen", key="clear_photos"):
        st.session_state["photos"] = []
        st.rerun()

note = None
if doc_type in documents.TYPES_WITH_NOTE:
    note = st.text_area(
        "Notiz hinzufügen (optional)", key="doc_note", max_chars=documents.NOTE_MAX_CHARS
    )

clicked = st.button(
    "Senden", type="primary", key="send_document", disabled=not checked or not order
)
# A second click that arrives after the form was reset (double click) finds no files: no-op.
if clicked and checked and order:
    request = documents.DocumentRequest(
        kvnr=kvnr or "",
        doc_type=doc_type,
        files=[IncomingFile(name=c.name, data=c.data, declared_type=c.mime) for c in checked],
        note=note,
        order=order,
        idempotency_key=st.session_state["send_key"],
    )
    try:
        with session_scope(write=True) as db:
            sent = documents.submit_document(db, actor=actor, request=request)
    except DomainError as refusal:
        st.error(f"Nicht gesendet – Sie haben keine Tracking-ID erhalten. {refusal.message}")
    except Exception:
        st.error(
            "Nicht gesendet – Sie haben keine Tracking-ID erhalten. Ein technischer Fehler ist "
            "aufgetreten; bitte versuchen Sie es erneut."
        )
    else:
        st.session_state["last_sent"] = sent.tracking_id
        st.session_state["send_key"] = uuid.uuid4().hex
        st.session_state["photos"] = []
        st.rerun()

if st.session_state.get("last_sent"):
    st.success("Ihr Dokument ist bei der HEK eingegangen. Ihre Tracking-ID:")
    st.code(st.session_state["last_sent"], language=None)

st.info(
    "Bitte bewahren Sie den Originalbeleg mindestens 2 Monate auf. Ein Original müssen Sie "
    "nicht zusätzlich per Post senden."
)

st.subheader("Versandhistorie")
with session_scope() as db:
    history = documents.send_history(db, actor=actor)
if not history:
    st.caption("Noch keine Sendungen.")
else:
    st.table(
        [
            {
                "Datum": format_moment(entry.created_at),
                "Dokumentenart": documents.DOCUMENT_TYPES.get(entry.doc_type, entry.doc_type),
                "Seiten": entry.page_count,
                "Größe": format_size(entry.size),
                "Status": documents.STATUS_LABELS.get(entry.status, entry.status),
                "Tracking-ID": entry.tracking_id,
                "Hinweis der HEK": entry.member_message or "",
            }
            for entry in history
        ],
    )
