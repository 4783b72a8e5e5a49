"""Bescheinigungen: the queue of requested certificates, issuing one, the day's print batch."""

import streamlit as st

from core import certificate_issuing as issuing
from core import certificates
from core.clock import today_berlin
from core.db import session_scope
from core.models.certificates import Delivery
from core.previews import render_pdf_pages
from ui import files
from ui.components import attempt, format_date, format_moment
from ui.page_visits import PageVisit
from ui.session import current_actor

PAGE_SIZE = 25
PAGE_KEY, ROUND_KEY, AUDITED_KEY = "cert_queue_page", "cert_round", "cert_queue_audited"
ISSUED_KEY, ISSUED_PDF_KEY, NOTICE_KEY = "cert_issued_id", "cert_issued_pdf", "cert_notice"
UNMATCHED_KEY = "cert_unmatched_audited"
BATCH_KEY = "cert_batch"  # (day, pdf bytes) of the batch this clerk built last

actor = current_actor()
# A fresh selectbox after each issue, so the widget never shows a request that is gone.
choice_key = f"cert_choice_{st.session_state.setdefault(ROUND_KEY, 0)}"
st.title("Bescheinigungen")
st.caption(
    "Angeforderte Bescheinigungen ausstellen: Sie werden signiert, in der App bereitgestellt "
    "oder für den Postversand in den Druckstapel des Tages gelegt."
)

# --- The queue ----------------------------------------------------------------------------
st.subheader("Offene Anforderungen")
visit = PageVisit(anchor_key=PAGE_KEY)  # before the pager (its anchor) is drawn
with session_scope(write=True) as db:
    total = issuing.count_open_requests(db, actor=actor)
    pages = max(1, -(-total // PAGE_SIZE))
    if st.session_state.get(PAGE_KEY, 1) > pages:
        st.session_state[PAGE_KEY] = pages
    page = st.session_state.get(PAGE_KEY, 1)
    queue = certificates.open_certificate_requests(
        db,
        actor=actor,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        # audited when the clerk opens the page or turns the page, not on every click
        record_view=visit.first_look(AUDITED_KEY, page),
    )

left, right = st.columns([3, 1])
plural = "" if total == 1 else "en"
left.caption(f"{total:,} offene Anforderung{plural} · Seite {page} von {pages}".replace(",", "."))
right.number_input(
    "Seite", min_value=1, max_value=pages, key=PAGE_KEY, label_visibility="collapsed"
)
if not queue:
    st.info("Keine offenen Anforderungen.")
else:
    st.dataframe(
        [
            {
                "Eingang": format_moment(item.created_at),
                "Bescheinigung": certificates.CERTIFICATE_LABELS.get(item.cert_type),
                "Für": f"{item.subject_name} ({item.subject_kvnr})",
                "Angefordert von": item.requester_name,
                "Zustellung": certificates.DELIVERY_LABELS.get(item.delivery),
                "Notiz": item.note or "",
            }
            for item in queue
        ],
        hide_index=True,
        width="stretch",
    )
    labels = {
        item.id: f"{certificates.CERTIFICATE_LABELS.get(item.cert_type)} für "
        f"{item.subject_name} · {certificates.DELIVERY_LABELS.get(item.delivery)}"
        for item in queue
    }
    chosen = st.selectbox(
        "Anforderung",
        options=list(labels),
        format_func=labels.get,
        index=None,
        placeholder="Anforderung wählen …",
        key=choice_key,
    )
    if st.button(
        "Bescheinigung ausstellen",
        key="cert_issue",
        type="primary",
        icon=":material/approval:",
        disabled=chosen is None,
    ):
        with session_scope(write=True) as db:
            issued = attempt(lambda: issuing.issue_certificate(db, actor=actor, request_id=chosen))
            if issued is not None:
                st.session_state[ISSUED_PDF_KEY] = issuing.issued_certificate_pdf(
                    db, actor=actor, certificate_id=issued.id
                )
        if issued is not None:
            st.session_state[ISSUED_KEY] = issued.id
            where = (
                "Sie steht dem Mitglied in der App bereit."
                if issued.delivery == Delivery.APP
                else f"Sie liegt im Druckstapel vom {format_date(issued.print_batch_date)}."
            )
            st.session_state[NOTICE_KEY] = f"Bescheinigung Nr. {issued.id} ist ausgestellt. {where}"
            st.session_state[ROUND_KEY] += 1
            st.rerun()

# --- Numbers that matched no member -------------------------------------------------------
with session_scope(write=True) as db:
    unmatched = certificates.unmatched_certificate_requests(
        db, actor=actor, record_view=visit.first_look(UNMATCHED_KEY, 1)
    )
if unmatched:
    st.subheader("Versichertennummer unbekannt – prüfen")
    st.dataframe(
        [
            {
                "Eingang": format_moment(item.created_at),
                "Bescheinigung": certificates.CERTIFICATE_LABELS.get(item.cert_type),
                "Versichertennummer": item.subject_kvnr,
                "Angefordert von": item.requester_name,
                "Status": item.subject_name,
            }
            for item in unmatched
        ],
        hide_index=True,
        width="stretch",
    )

# --- The certificate just issued ---------------------------------------------------------
if notice := st.session_state.get(NOTICE_KEY):
    st.success(notice)
if (issued_id := st.session_state.get(ISSUED_KEY)) and ISSUED_PDF_KEY in st.session_state:
    pdf = st.session_state[ISSUED_PDF_KEY]  # this clerk's session only, never a shared cache
    preview, actions = st.columns([3, 2])
    files.image(
        render_pdf_pages(pdf, scale=1.0, count=1)[0],
        key=f"cert_preview_{issued_id}",
        caption="Vorschau, Seite 1",
        container=preview,
    )
    files.download_link(
        "PDF herunterladen",
        pdf,
        file_name=f"bescheinigung-{issued_id}.pdf",
        mime="application/pdf",
        key=f"cert_download_{issued_id}",
        container=actions,
    )
    if actions.button("Vorschau schließen", key="cert_close"):
        for key in (ISSUED_KEY, ISSUED_PDF_KEY, NOTICE_KEY):
            st.session_state.pop(key, None)
        st.rerun()

# --- The mail room's print batch -----------------------------------------------------------
st.subheader("Druckstapel für die Poststelle")
day = st.date_input("Tag", value=today_berlin(), key="batch_day", format="DD.MM.YYYY")
with session_scope() as db:
    batch = issuing.print_batch(db, actor=actor, day=day)
st.caption(
    f"{batch.certificates} Bescheinigung(en) für den Postversand am {format_date(day)}, "
    f"davon {batch.unsent} noch nicht als versandt markiert."
)
if st.button(
    "Druckstapel erstellen und als versandt markieren",
    key="batch_build",
    icon=":material/print:",
    disabled=batch.certificates == 0,
):
    with session_scope(write=True) as db:
        merged = attempt(lambda: issuing.print_batch_pdf(db, actor=actor, day=day))
    if merged is not None:
        st.session_state[BATCH_KEY] = (day, merged)
        st.rerun()
built = st.session_state.get(BATCH_KEY)
if built is not None and built[0] == day:
    files.download_link(
        f"Druckstapel vom {format_date(day)} herunterladen",
        built[1],
        file_name=f"druckstapel-{day:%Y-%m-%d}.pdf",
        mime="application/pdf",
        key=f"batch_download_{day:%Y-%m-%d}",
    )
