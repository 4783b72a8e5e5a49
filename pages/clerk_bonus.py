"""Bonusnachweise (back-office): confirm Vorsorgeplus enrolments and review evidence.

Every decision is audited and mirrored onto the inbox item, so the member's send history
shows it too. Opening a document is audited once, when it is opened.
"""

import streamlit as st

from core import bonus
from core.clock import to_berlin
from core.db import session_scope
from core.previews import render_pdf_pages
from ui import files
from ui.components import attempt, format_count, format_date, format_moment
from ui.correspondence import escape_markdown
from ui.page_visits import PageVisit
from ui.session import current_actor
from ui.text import plain

VIEW, NOTICE = "bonus_review_view", "bonus_review_notice"
actor = current_actor()

st.title("Bonusnachweise")
st.caption(
    "Bonusprogramm Vorsorgeplus: schriftliche Anmeldungen bestätigen und eingereichte Nachweise "
    "anerkennen oder ablehnen. Jede Entscheidung wird protokolliert."
)
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)

# The queues are audited when the clerk opens the page, not on every click on it.
new_look = PageVisit(anchor_key="bonus_refresh").first_look("bonus_queues_audited", True)
st.button("Aktualisieren", key="bonus_refresh", icon=":material/refresh:")
with session_scope(write=new_look) as db:
    enrolments = bonus.enrolment_queue(db, actor=actor, record_view=new_look)
    evidence = bonus.evidence_queue(db, actor=actor, record_view=new_look)
    waiting_enrolments, waiting_evidence = bonus.waiting_counts(db, actor=actor)


def _decide(action, message: str) -> None:
    def run():
        with session_scope(write=True) as db:
            action(db)
        return True

    if attempt(run):
        st.session_state[NOTICE] = message
        st.session_state.pop(VIEW, None)
        st.rerun()


def _document(submission_id: int, key: str) -> None:
    """A button that opens the uploaded file below it (decrypted once, kept in this session)."""
    shown = st.session_state.get(VIEW)
    if st.button("Dokument ansehen", key=key, icon=":material/visibility:"):

        def load():
            with session_scope(write=True) as db:
                return bonus.review_document(db, actor=actor, submission_id=submission_id)

        if (pdf := attempt(load)) is not None:
            shown = (submission_id, render_pdf_pages(pdf, scale=0.9, count=3))
            st.session_state[VIEW] = shown
    if shown and shown[0] == submission_id:
        for number, image in enumerate(shown[1], start=1):
            files.image(
                image,
                key=f"bonus_page_{submission_id}_{number}",
                caption=f"Seite {number}",
                width=520,
            )


def _open_query(query: bonus.InboxQuery | None) -> None:
    """An item sent back from the Posteingang with "Rückfrage" still waits here: say so."""
    if query is not None:
        st.warning(
            f"**Rückfrage gestellt am {format_date(to_berlin(query.asked_at))}** "
            f"(im Posteingang): „{escape_markdown(query.question)}“  \n"
            "Ihre Entscheidung hier ersetzt die Rückfrage im Sendeverlauf des Mitglieds.",
            icon=":material/help:",
        )


def _oldest_first(shown: int, waiting: int, what: str) -> None:
    if waiting > shown:
        st.caption(
            f"Die ältesten {shown} von {format_count(waiting)} wartenden {what}; nach Ihren "
            "Entscheidungen rücken die nächsten nach."
        )


enrolment_tab, evidence_tab = st.tabs(
    [
        f"Anmeldungen ({format_count(waiting_enrolments)})",
        f"Nachweise ({format_count(waiting_evidence)})",
    ]
)
with enrolment_tab:
    _oldest_first(len(enrolments), waiting_enrolments, "Anmeldungen")
    if not enrolments:
        st.info("Keine offenen Anmeldungen.")
    for item in enrolments:
        with st.container(border=True):
            st.markdown(
                f"**{plain(item.member_name)}** · {item.kvnr} · "
                f"geboren {format_date(item.birth_date)}  \n"
                f"Antrag eingegangen {format_moment(item.applied_at)} · {item.tracking_id}"
            )
            _open_query(item.query)
            _document(item.submission_id, f"enrol_view_{item.member_id}")
            confirm, reject = st.columns(2)
            if confirm.button(
                "Anmeldung bestätigen", key=f"enrol_confirm_{item.member_id}", type="primary"
            ):
                _decide(
                    lambda db, item=item: bonus.confirm_enrolment(
                        db, actor=actor, member_id=item.member_id
                    ),
                    f"Anmeldung von {plain(item.member_name)} bestätigt.",
                )
            reason = reject.text_input(
                "Grund einer Ablehnung (sieht das Mitglied)",
                max_chars=1000,
                key=f"enrol_reason_{item.member_id}",
            )
            if reject.button("Ablehnen", key=f"enrol_reject_{item.member_id}"):
                _decide(
                    lambda db, item=item, reason=reason: bonus.reject_enrolment(
                        db, actor=actor, member_id=item.member_id, reason=reason
                    ),
                    f"Anmeldung von {plain(item.member_name)} abgelehnt.",
                )

with evidence_tab:
    _oldest_first(len(evidence), waiting_evidence, "Nachweisen")
    if not evidence:
        st.info("Keine offenen Nachweise.")
    for item in evidence:
        with st.container(border=True):
            st.markdown(
                f"**{item.category_title}** · {item.points} Punkte · vom "
                f"{format_date(item.evidence_date)}  \n{plain(item.member_name)} · {item.kvnr} · "
                f"eingereicht am {format_date(item.submitted_on)} · {item.tracking_id}"
            )
            _open_query(item.query)
            _document(item.submission_id, f"evidence_view_{item.id}")
            accept, reject = st.columns(2)
            if accept.button("Anerkennen", key=f"evidence_accept_{item.id}", type="primary"):
                _decide(
                    lambda db, item=item: bonus.accept_evidence(
                        db, actor=actor, evidence_id=item.id
                    ),
                    f"{item.category_title} für {plain(item.member_name)} anerkannt "
                    f"({item.points} Punkte).",
                )
            reason = reject.text_input(
                "Grund einer Ablehnung (sieht das Mitglied)",
                max_chars=1000,
                key=f"evidence_reason_{item.id}",
            )
            if reject.button("Ablehnen", key=f"evidence_reject_{item.id}"):
                _decide(
                    lambda db, item=item, reason=reason: bonus.reject_evidence(
                        db, actor=actor, evidence_id=item.id, reason=reason
                    ),
                    f"{item.category_title} für {plain(item.member_name)} abgelehnt.",
                )
