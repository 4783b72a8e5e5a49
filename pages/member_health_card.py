"""Gesundheitskarte: request a new card (lost, broken, new name, new photo); see your requests."""

import uuid

import streamlit as st

from core import health_cards
from core.benefits import HOTLINE
from core.db import session_scope
from core.smart import SMART_LEVELS
from ui.benefits import DIGITAL_CARD_PAGE, SEND_PAGE, SEND_PAGE_TYPE_KEY, reachable
from ui.components import domain_errors, format_moment
from ui.session import current_actor

FORM_ID, DONE = "health_card_form_id", "health_card_done"
IDENTIFICATION_PAGE = "pages/member_identification.py"  # "Zu smart wechseln"
actor = current_actor()
st.session_state.setdefault(FORM_ID, uuid.uuid4().hex)

st.title("Gesundheitskarte")
st.caption(
    "Karte verloren oder defekt, neuer Name oder neues Foto: Beantragen Sie hier eine neue "
    "Gesundheitskarte. Sie kommt per Post an Ihre hinterlegte Anschrift."
)

# FAQ: "Was kann ich machen, wenn meine Gesundheitskarte verloren gegangen oder defekt ist,
# ich aber dringend zum Arzt muss?" and "Wie lange ist der digitale Ersatz … gültig?"
with st.container(border=True):
    st.markdown("**Sie müssen dringend zum Arzt?**")
    if actor.service_level in SMART_LEVELS:
        st.markdown(
            "Als smart-Nutzer können Sie als Soforthilfe Ihren **digitalen "
            "Versicherungsausweis** anfordern: Er gilt ab dem Anforderungstag 14 Tage, und Sie "
            "können ihn 4-mal im Jahr anfordern."
        )
        if reachable(actor, DIGITAL_CARD_PAGE):
            st.page_link(
                DIGITAL_CARD_PAGE,
                label="Digitalen Versicherungsausweis anfordern",
                icon=":material/badge:",
            )
        else:
            st.caption("Im Portal steht er in Kürze bereit.")
    else:
        st.markdown(
            "Mit der smart-Version können Sie als Soforthilfe Ihren **digitalen "
            "Versicherungsausweis** anfordern (14 Tage gültig, 4-mal im Jahr)."
        )
        if reachable(actor, IDENTIFICATION_PAGE):
            st.page_link(IDENTIFICATION_PAGE, label="Zu smart wechseln", icon=":material/badge:")
    st.markdown(
        "Er gilt nur als Ersatz und wir empfehlen Ihnen, gleich eine neue Gesundheitskarte "
        f"bei uns zu beantragen: hier unten oder telefonisch unter **{HOTLINE}** (kostenfrei)."
    )

with session_scope() as db:
    mine = health_cards.my_health_card_requests(db, actor=actor)
pending = next((r for r in mine if r.status in health_cards.OPEN_STATUSES), None)

st.subheader("Neue Karte beantragen", anchor=False)
if tracking_id := st.session_state.get(DONE):
    st.success("Ihr Antrag auf eine neue Gesundheitskarte ist eingegangen. Ihre Tracking-ID:")
    st.code(tracking_id, language=None)
if pending is not None:
    st.info(
        f"Ihre neue Karte ist beantragt (Status: {health_cards.STATUS_LABELS[pending.status]}). "
        f"Möchten Sie etwas ändern, rufen Sie uns bitte an: {HOTLINE}.",
        icon=":material/hourglass_top:",
    )
    if pending.reason in health_cards.NEEDS_DOCUMENT:
        st.caption(health_cards.REASON_HINTS[pending.reason])
        if st.button(
            "Dokument senden: Sonstiges", key="health_card_send", icon=":material/upload_file:"
        ):
            st.session_state[SEND_PAGE_TYPE_KEY] = "sonstiges"
            st.switch_page(SEND_PAGE)
else:
    reason = st.radio(
        "Warum brauchen Sie eine neue Karte?",
        list(health_cards.REASON_LABELS),
        format_func=health_cards.REASON_LABELS.get,
        key="health_card_reason",
    )
    st.caption(health_cards.REASON_HINTS[reason])
    if st.button("Neue Gesundheitskarte beantragen", key="health_card_submit", type="primary"):
        key = health_cards.request_key(st.session_state[FORM_ID], reason)
        filed = None
        with session_scope(write=True) as db, domain_errors():
            filed = health_cards.request_health_card(
                db, actor=actor, reason=reason, idempotency_key=key
            )
        if filed is not None:
            st.session_state[DONE] = filed.tracking_id
            st.session_state[FORM_ID] = uuid.uuid4().hex  # the next request is a new one
            st.rerun()  # list it, and hide the form while it is open

st.subheader("Meine Anträge", anchor=False)
if not mine:
    st.caption("Sie haben noch keine neue Gesundheitskarte beantragt.")
for request in mine:
    with st.container(border=True):
        st.markdown(
            f"**{health_cards.REASON_LABELS[request.reason]}** · "
            f"{health_cards.STATUS_LABELS[request.status]}  \n"
            f"Beantragt am {format_moment(request.created_at)}  \n"
            f"Tracking-ID: `{request.tracking_id}`"
        )
