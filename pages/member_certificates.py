"""Bescheinigungen anfordern: pick the certificate and the person; see how it will arrive."""

import uuid

import streamlit as st

from core import certificates, family
from core.db import session_scope
from ui.components import domain_errors, format_moment
from ui.session import current_actor

OTHER = "other"
FORM_ID, DONE = "cert_form_id", "cert_done"
actor = current_actor()
st.session_state.setdefault(FORM_ID, uuid.uuid4().hex)

st.title("Bescheinigungen anfordern")
st.caption(
    "Fordern Sie eine Bescheinigung für sich, ein Familienmitglied oder eine andere Person an. "
    "Für eine andere Person brauchen Sie deren Versichertennummer."
)

with session_scope() as db:
    people = {person.kvnr: person for person in family.people_for_forms(db, actor=actor)}

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
    st.text_input("Versichertennummer der Person", key="cert_kvnr", placeholder="A123456780")
    if whom == OTHER
    else whom
)
for_self = whom in people and people[whom].is_self
st.info(
    certificates.delivery_note(
        cert_type=cert_type, for_self=for_self, service_level=actor.service_level
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
        st.session_state[DONE] = (
            f"Ihre {certificates.CERTIFICATE_LABELS[filed.cert_type]} für "
            f"„{filed.subject_label}“ ist angefordert."
        )
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
