"""Digitaler Versicherungsausweis (smart): request one, see its validity and the yearly
counter, download, print or send it."""

import uuid

import streamlit as st

from core import digital_cards
from core.db import session_scope
from ui import files
from ui.components import attempt, format_date, format_moment
from ui.session import current_actor

FORM_KEY, NOTICE = "card_form_key", "card_notice"
actor = current_actor()
st.session_state.setdefault(FORM_KEY, uuid.uuid4().hex)

st.title("Digitaler Versicherungsausweis")
st.caption(
    "Gesundheitskarte verloren oder defekt, und Sie müssen dringend zum Arzt? Fordern Sie hier "
    "Ihren digitalen Versicherungsausweis an. Er ist ab dem Anforderungstag 14 Tage gültig; "
    f"Sie können ihn {digital_cards.CARDS_PER_YEAR}-mal im Kalenderjahr anfordern."
)
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice, icon=":material/check_circle:")

with session_scope() as db:
    overview = digital_cards.card_overview(db, actor=actor)
current = overview.current


def _load_pdf() -> bytes:
    with session_scope() as db:
        return digital_cards.card_pdf(db, actor=actor, card_id=current.id)


pdf = attempt(_load_pdf) if current else None

if current is not None:
    with st.container(border=True):
        st.subheader("Ihr gültiger Ausweis")
        details, code = st.columns([3, 2])
        days = current.days_left(overview.today)
        details.markdown(
            f"Gültig vom **{format_date(current.valid_from)}** bis einschließlich "
            f"**{format_date(current.valid_until)}** · noch {days} "
            f"{'Tag' if days == 1 else 'Tage'}  \nAusweis-Nr. {current.id}"
        )
        files.download_link(
            "Herunterladen (PDF)",
            pdf or b"",
            disabled=pdf is None,
            file_name=digital_cards.card_file_name(current),
            mime="application/pdf",
            key=f"card_download_{current.id}",
            container=details,
            type="primary",
        )
        details.link_button(
            "Per E-Mail senden", digital_cards.share_link(current), icon=":material/mail:"
        )
        details.caption(
            "**Drucken:** Laden Sie den Ausweis herunter und drucken Sie ihn aus Ihrem "
            "PDF-Programm (Strg + P, auf dem Mac ⌘ + P).  \n**Senden:** „Per E-Mail senden“ "
            "öffnet Ihr E-Mail-Programm mit einem Textentwurf. Die heruntergeladene PDF-Datei "
            "hängen Sie selbst an – das Portal verschickt nichts."
        )
        files.image(
            digital_cards.card_qr_png(current.payload),
            key=f"card_qr_{current.id}",
            caption="QR-Code: Die Praxis kann damit die Echtheit prüfen.",
            width=220,
            container=code,
        )
else:
    st.info("Sie haben zurzeit keinen gültigen digitalen Versicherungsausweis.")

st.subheader("Ausweis anfordern")
st.markdown(f"**{overview.counter_label}**")
if overview.remaining == 0:
    st.warning(digital_cards.limit_message(overview.year), icon=":material/call:")
elif current is not None:
    st.caption(
        "Ihr Ausweis ist noch gültig. Ein neuer zählt als weitere Anforderung in diesem Jahr."
    )
if st.button(
    "Ausweis jetzt anfordern",
    key="card_request",
    type="secondary" if current else "primary",
    icon=":material/badge:",
    disabled=overview.remaining == 0,
):

    def _request():
        with st.spinner("Ihr Ausweis wird erstellt …"), session_scope(write=True) as db:
            return digital_cards.request_card(
                db, actor=actor, idempotency_key=st.session_state[FORM_KEY]
            )

    if issued := attempt(_request):
        st.session_state[FORM_KEY] = uuid.uuid4().hex  # the next click is a new request
        st.session_state[NOTICE] = (
            "Ihr digitaler Versicherungsausweis ist fertig. Er gilt bis einschließlich "
            f"{format_date(issued.valid_until)}."
        )
        st.rerun()
st.caption(
    "Der Ausweis ist nur ein Ersatz. Bitte beantragen Sie gleich eine neue Gesundheitskarte: "
    f"Hotline {digital_cards.HOTLINE} (kostenfrei)."
)

if overview.cards:
    st.subheader("Ihre Ausweise")
    st.table(
        [
            {
                "Angefordert am": format_moment(card.requested_at),
                "Gültig vom": format_date(card.valid_from),
                "Gültig bis": format_date(card.valid_until),
                "Status": "gültig" if card.is_valid_on(overview.today) else "abgelaufen",
            }
            for card in overview.cards
        ]
    )
