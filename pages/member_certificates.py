"""Bescheinigungen anfordern: pick the certificate and the person; see how it will arrive.

A smart member with App-Kommunikation on also finds their own issued certificates here.
"""

import uuid

import streamlit as st

from core import certificate_issuing, certificates, family
from core.db import session_scope
from core.previews import render_pdf_pages
from core.smart import SMART_LEVELS
from ui import files
from ui.components import attempt, domain_errors, format_moment
from ui.session import current_actor

OTHER = "other"
FORM_ID, DONE = "cert_form_id", "cert_done"
SHOWN = "cert_shown"  # (certificate id, PDF) the member opened; their own session only
actor = current_actor()
st.session_state.setdefault(FORM_ID, uuid.uuid4().hex)

st.title("Bescheinigungen anfordern")
st.caption(
    "Fordern Sie eine Bescheinigung für sich, ein Familienmitglied oder eine andere Person an. "
    "Für eine andere Person brauchen Sie deren Versichertennummer."
)

with session_scope() as db:
    people = {person.kvnr: person for person in family.people_for_forms(db, actor=actor)}
    app_communication = certificates.app_communication_on(db, actor=actor)

cert_type = st.radio(
    "Welche Bescheinigung?",
    list(certificates.CERTIFICATE_LABELS),
    format_func=certificates.CERTIFICATE_LABELS.get,
    captions=list(certificates.CERTIFICATE_HELP.values()),
    key="cert_type",
)
whom = st.selectbox(
    "Für wen?",
    [*people, OTHER],
    format_func=lambda kvnr: people[kvnr].label if kvnr in people else "Andere Person",
    key="cert_whom",
    help="Familienmitglieder hinterlegen Sie unter Profil > Familienmitglieder.",
)
kvnr = (
    st.text_input(
        "Versichertennummer der Person", key="cert_kvnr", placeholder="A123456780", max_chars=14
    )
    if whom == OTHER
    else whom
)
for_self = whom in people and people[whom].is_self
st.info(
    certificates.delivery_note(
        cert_type=cert_type,
        for_self=for_self,
        service_level=actor.service_level,
        app_communication=app_communication,
    ),
    icon=":material/local_post_office:",
)

if st.button("Bescheinigung anfordern", key="cert_submit", type="primary"):
    st.session_state.pop(DONE, None)
    key = certificates.request_key(st.session_state[FORM_ID], cert_type, kvnr)
    with session_scope(write=True) as db, domain_errors():
        filed = certificates.request_certificate(
            db, actor=actor, cert_type=cert_type, kvnr=kvnr, idempotency_key=key
        )
        st.session_state[DONE] = filed.confirmation
if done := st.session_state.get(DONE):
    st.success(done)
    if st.button("Weitere Bescheinigung anfordern", key="cert_again"):
        st.session_state[FORM_ID] = uuid.uuid4().hex  # a fresh form: a new request, not a retry
        del st.session_state[DONE]
        st.rerun()

st.subheader("Meine Anforderungen")
with session_scope() as db:
    mine = certificates.my_certificate_requests(db, actor=actor)
if not mine:
    st.caption("Sie haben noch keine Bescheinigung angefordert.")
else:
    st.dataframe(
        [
            {
                "Angefordert am": format_moment(request.created_at),
                "Bescheinigung": certificates.CERTIFICATE_LABELS[request.cert_type],
                "Für": request.subject_label,
                "Versand": certificates.DELIVERY_LABELS[request.delivery],
                "Status": certificates.STATUS_LABELS[request.status],
            }
            for request in mine
        ],
        hide_index=True,
    )


if actor.service_level in SMART_LEVELS:
    st.subheader("Meine Bescheinigungen in der App")
    with session_scope() as db:
        in_app = certificate_issuing.my_issued_certificates(db, actor=actor)
    if not in_app:
        st.caption("Hier erscheint Ihre Versicherungsbescheinigung, sobald die HEK sie ausstellt.")
    for issued in in_app:
        label, action = st.columns([4, 1], vertical_alignment="center")
        label.text(
            f"{certificates.CERTIFICATE_LABELS[issued.cert_type]} · Nr. {issued.id} · "
            f"ausgestellt am {format_moment(issued.issued_at)}"
        )
        if action.button("Anzeigen", key=f"cert_show_{issued.id}", icon=":material/visibility:"):

            def _load(certificate_id: int = issued.id) -> bytes:
                with session_scope(write=True) as db:  # opening one's certificate is audited
                    return certificate_issuing.issued_certificate_pdf(
                        db, actor=actor, certificate_id=certificate_id
                    )

            if (pdf := attempt(_load)) is not None:
                st.session_state[SHOWN] = (issued.id, pdf)
    shown = st.session_state.get(SHOWN)
    if shown is not None and shown[0] in {issued.id for issued in in_app}:
        shown_id, pdf = shown
        with st.container(border=True):
            files.image(
                render_pdf_pages(pdf, scale=1.2, count=1)[0],
                key=f"cert_page_{shown_id}",
                caption=f"Bescheinigung Nr. {shown_id}",
                width="stretch",
            )
            files.download_link(
                "PDF herunterladen",
                pdf,
                file_name=f"HEK_Versicherungsbescheinigung_{shown_id}.pdf",
                mime="application/pdf",
                key=f"cert_download_{shown_id}",
            )
