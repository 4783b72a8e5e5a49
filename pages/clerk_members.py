"""Versicherte: clerks search members by KVNR or name and open one member's file (audited)."""

import streamlit as st

from core import certificate_issuing, certificates, documents, histories, members, messenger
from core import member_overview as overview
from core.bonus import EVIDENCE_LABELS
from core.db import session_scope
from ui import charts, files, history_tables
from ui.components import attempt, format_date, format_moment, format_size
from ui.page_visits import PageVisit
from ui.session import current_actor
from ui.text import plain

QUERY_KEY, OPEN_KEY = "member_query", "open_member_id"
LISTS = ("submissions", "requests", "issued", "letters", "conversations")
CHANNELS = {"app": "App", "post": "Post"}

actor = current_actor()
st.title("Versicherte")
# Both looks are audited once: a search per new query, a member's file per opening.
visit = PageVisit(anchor_key=QUERY_KEY)
new_search = visit.first_look("member_query_audited", st.session_state.get(QUERY_KEY))
new_opening = visit.first_look("member_file_audited", st.session_state.get(OPEN_KEY))
query = st.text_input("Suche nach Versichertennummer oder Name", key=QUERY_KEY, max_chars=80)
if query:
    with session_scope(write=True) as db:
        found = members.search_members(db, actor=actor, query=query, record_view=new_search)
    if not found:
        st.info("Keine Versicherten gefunden.")
    else:
        labels = {
            m.id: f"{m.last_name}, {m.first_name} · {m.kvnr} · {format_date(m.birth_date)}"
            for m in found
        }
        chosen = st.selectbox(
            "Treffer", options=list(labels), format_func=labels.get, key="member_choice"
        )
        if st.button("Versicherten öffnen", key="open_member"):
            st.session_state[OPEN_KEY] = chosen
            st.rerun()

member_id = st.session_state.get(OPEN_KEY)
if not member_id:
    st.stop()


def _page_key(name: str) -> str:
    return f"member_{name}_page_{member_id}"  # a new member starts on page 1 of every list


pages = overview.OverviewPages(**{name: st.session_state.get(_page_key(name), 1) for name in LISTS})
with session_scope(write=True) as db:
    file = attempt(
        lambda: overview.member_overview(
            db, actor=actor, member_id=member_id, pages=pages, record_view=new_opening
        )
    )
if file is None:
    st.stop()


def _pager(listing: overview.Listing, name: str, noun: str) -> None:
    """'12 Dokumente · Seite 1 von 2' and, for more than one page, the page field."""
    if listing.total == 0:
        st.caption(f"Keine {noun}.")
        return
    left, right = st.columns([3, 1])
    left.caption(f"{listing.total} {noun} · Seite {listing.page} von {listing.pages}")
    if listing.pages > 1:
        right.number_input(
            "Seite",
            min_value=1,
            max_value=listing.pages,
            key=_page_key(name),
            label_visibility="collapsed",
        )


member = file.member
st.divider()
st.header(member.full_name)
st.caption(
    f"{member.kvnr} · Version {member.service_level} · App-Kommunikation "
    + ("an" if file.app_communication else "aus")
)
(
    master_tab,
    history_tab,
    documents_tab,
    certificates_tab,
    letters_tab,
    family_tab,
    card_tab,
) = st.tabs(
    [
        "Stammdaten",
        "Versicherungszeiten & Entgelte",
        "Dokumente",
        "Bescheinigungen",
        "Schreiben & Nachrichten",
        "Familie",
        "Ausweis & Bonus",
    ]
)

with master_tab:
    st.markdown(
        f"**Versichertennummer:** {member.kvnr}  \n"
        f"**Geburtsdatum:** {format_date(member.birth_date)}  \n"
        f"**Anschrift:** {plain(member.address)}  \n"
        f"**E-Mail:** {plain(member.email or '–')}  \n"
        f"**Telefon:** {plain(member.phone or '–')}  \n"
        f"**Mitglied seit:** {format_date(member.membership_start)}"
        + (f" · **bis** {format_date(member.membership_end)}" if member.membership_end else "")
        + f"  \n**Version:** {member.service_level}"
    )

with history_tab:
    history = file.history
    if history.periods:
        st.plotly_chart(charts.periods_timeline(history), key="member_periods_chart")
        st.dataframe(history_tables.period_rows(history), hide_index=True)
    else:
        st.caption("Keine Versicherungszeiten gespeichert.")
    if history.earnings:
        st.dataframe(
            [
                {
                    "Jahr": str(year.year),
                    "Entgelt": histories.euro_text(year.total_cents),
                    "beitragspflichtig": histories.euro_text(year.contributory_cents),
                }
                for year in reversed(history.years)
            ],
            hide_index=True,
        )
    else:
        st.caption("Keine Entgeltmeldungen.")

with documents_tab:
    _pager(file.submissions, "submissions", "Dokumente")
    if file.submissions.items:
        st.dataframe(
            [
                {
                    "Eingang": format_moment(row.created_at),
                    "Tracking-ID": row.tracking_id,
                    "Art": documents.DOCUMENT_TYPES.get(row.doc_type, row.doc_type),
                    "Weg": CHANNELS.get(row.channel, row.channel),
                    "Seiten": row.page_count,
                    "Größe": format_size(row.size),
                    "Status": documents.STATUS_LABELS.get(row.status, row.status),
                }
                for row in file.submissions.items
            ],
            hide_index=True,
        )
        viewable = {row.id: row.tracking_id for row in file.submissions.items if row.has_file}
        case_choice = st.selectbox(
            "Dokument ansehen",
            options=list(viewable),
            format_func=viewable.get,
            index=None,
            placeholder="Tracking-ID wählen …",
            key="member_case_choice",
        )
        if st.button("Im Posteingang öffnen", key="member_open_case", disabled=case_choice is None):
            st.session_state["case_id"] = case_choice  # the inbox's viewer audits the view
            st.switch_page("pages/clerk_inbox.py")

with certificates_tab:
    st.subheader("Anforderungen")
    _pager(file.requests, "requests", "Anforderungen")
    if file.requests.items:
        st.dataframe(
            [
                {
                    "Angefordert am": format_moment(row.created_at),
                    "Bescheinigung": certificates.CERTIFICATE_LABELS.get(row.cert_type),
                    "Angefordert von": "selbst" if row.for_self else "anderer Person",
                    "Zustellung": certificates.DELIVERY_LABELS.get(row.delivery),
                    "Status": certificates.STATUS_LABELS.get(row.status, row.status),
                }
                for row in file.requests.items
            ],
            hide_index=True,
        )
    st.subheader("Ausgestellt")
    _pager(file.issued, "issued", "Bescheinigungen")
    for issued in file.issued.items:
        info, action = st.columns([4, 1], vertical_alignment="center")
        batch = f" · Druckstapel {format_date(issued.print_batch_date)}"
        info.text(
            f"Nr. {issued.id} · {certificates.CERTIFICATE_LABELS.get(issued.cert_type)} · "
            f"{format_moment(issued.issued_at)} · "
            f"{certificates.DELIVERY_LABELS.get(issued.delivery)}"
            + (batch if issued.print_batch_date else "")
        )

        def _pdf(certificate_id: int = issued.id) -> bytes:
            with session_scope(write=True) as db:  # each download is audited
                return certificate_issuing.issued_certificate_pdf(
                    db, actor=actor, certificate_id=certificate_id
                )

        files.download_link(
            "PDF",
            _pdf,
            file_name=f"bescheinigung-{issued.id}.pdf",
            mime="application/pdf",
            key=f"member_issued_pdf_{issued.id}",
            container=action,
        )

with letters_tab:
    st.subheader("Schreiben")
    _pager(file.letters, "letters", "Schreiben")
    if file.letters.items:
        st.dataframe(
            [
                {
                    "Datum": format_moment(row.created_at),
                    "Betreff": row.subject,
                    "Weg": CHANNELS.get(row.channel, row.channel),
                    "Gelesen": format_moment(row.read_at) if row.read_at else "–",
                    "Antworten": row.replies,
                }
                for row in file.letters.items
            ],
            hide_index=True,
        )
    st.page_link(
        "pages/clerk_letters.py", label="Schreiben lesen und verfassen", icon=":material/mail:"
    )
    st.subheader("Nachrichten")
    _pager(file.conversations, "conversations", "Unterhaltungen")
    if file.conversations.items:
        st.dataframe(
            [
                {
                    "Zuletzt": format_moment(row.updated_at),
                    "Betreff": row.subject,
                    "Status": messenger.STATUS_LABELS.get(row.status, row.status),
                    "Nachrichten": row.messages,
                    "Ungelesen": row.unread,
                }
                for row in file.conversations.items
            ],
            hide_index=True,
        )
    st.page_link("pages/clerk_messages.py", label="Nachrichten öffnen", icon=":material/chat:")

with family_tab:
    st.subheader("Im Haushalt")
    if not file.household:
        st.caption("Niemand sonst im Haushalt.")
    for person in file.household:
        info, action = st.columns([4, 1], vertical_alignment="center")
        info.text(f"{person.full_name} · {person.kvnr} · {format_date(person.birth_date)}")
        if action.button("Öffnen", key=f"member_open_household_{person.id}"):
            st.session_state[OPEN_KEY] = person.id  # a new opening, audited on the rerun
            st.rerun()
    st.subheader("Hinterlegte Familienmitglieder")
    if not file.family:
        st.caption("Keine Familienmitglieder hinterlegt.")
    for entry in file.family:
        st.text(f"{entry.full_name} · {entry.kvnr} · {entry.relation}")

with card_tab:
    st.subheader("Digitaler Versicherungsausweis")
    if not file.cards:
        st.caption("Kein digitaler Ausweis angefordert.")
    for card in file.cards:
        state = "gültig" if card.valid_today else "abgelaufen"
        st.text(f"{format_date(card.valid_from)} – {format_date(card.valid_until)} · {state}")
    st.subheader("Bonusprogramm")
    bonus = file.bonus
    if bonus.enrolment is None:
        st.caption("Nicht angemeldet.")
    else:
        evidence = ", ".join(
            f"{count} {EVIDENCE_LABELS.get(status, status)}"
            for status, count in sorted(bonus.evidence.items())
        )
        st.markdown(
            f"**Teilnahme:** {bonus.enrolment} (ab {format_date(bonus.starts_on)})  \n"
            f"**Punkte im laufenden Programmjahr:** {bonus.points_this_year}  \n"
            f"**Nachweise:** {evidence or 'keine'}"
        )
