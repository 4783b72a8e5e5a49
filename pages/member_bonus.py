"""Bonusprogramm Vorsorgeplus (smart): apply in writing, then submit evidence and see points."""

import uuid

import streamlit as st

from core import bonus
from core.db import session_scope
from core.uploads import FORMATS_TEXT, UPLOAD_EXTENSIONS, IncomingFile
from ui.components import attempt, format_date, format_moment
from ui.session import current_actor

APPLY_KEY, EVIDENCE_KEY, NOTICE = "bonus_apply_key", "bonus_evidence_key", "bonus_notice"
FILE_TYPES = list(UPLOAD_EXTENSIONS)
actor = current_actor()
st.session_state.setdefault(APPLY_KEY, uuid.uuid4().hex)
st.session_state.setdefault(EVIDENCE_KEY, uuid.uuid4().hex)


# The blank form is public content without member data: one cache for everyone is fine.
@st.cache_data(show_spinner=False)
def application_form() -> bytes:
    return bonus.application_form_pdf()


def _incoming(uploads) -> list[IncomingFile]:
    return [IncomingFile(name=f.name, data=f.getvalue(), declared_type=f.type) for f in uploads]


st.title("Bonusprogramm")
st.caption(
    "Mit Vorsorgeplus belohnt die HEK Vorsorge, Impfungen, Gesundheitskurse und Sport. "
    "Teilnehmen können Versicherte ab 18 Jahren."
)
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice, icon=":material/check_circle:")

with session_scope() as db:
    overview = bonus.bonus_overview(db, actor=actor)

if not overview.eligible:
    st.info(
        "Am Bonusprogramm können Sie ab 18 Jahren teilnehmen – bei Ihnen ab dem "
        f"{format_date(overview.adult_from)}."
    )
elif overview.status in (None, "abgelehnt"):
    if overview.status == "abgelehnt":
        st.warning(
            f"Ihr Antrag wurde abgelehnt: {overview.application_message or 'ohne Angabe'} "
            "Sie können ihn erneut senden."
        )
    st.subheader("Anmelden")
    st.markdown(
        "Die Erstanmeldung erfolgt schriftlich über einen Antrag:\n"
        "1. Antrag herunterladen und ausdrucken,\n"
        "2. ausfüllen und unterschreiben,\n"
        "3. fotografieren oder scannen und hier hochladen."
    )
    st.download_button(
        "Antrag herunterladen (PDF)",
        data=application_form(),
        file_name="HEK_Antrag_Vorsorgeplus.pdf",
        mime="application/pdf",
        key="bonus_form_download",
        icon=":material/download:",
        on_click="ignore",
    )
    form_files = st.file_uploader(
        f"Unterschriebenen Antrag hochladen ({FORMATS_TEXT})",
        type=FILE_TYPES,
        accept_multiple_files=True,
        key=f"bonus_form_{st.session_state[APPLY_KEY]}",
    )
    if st.button("Antrag senden", key="bonus_apply", type="primary", disabled=not form_files):
        files = _incoming(form_files)

        def _apply():
            with session_scope(write=True) as db:
                return bonus.apply_for_enrolment(
                    db, actor=actor, files=files, idempotency_key=st.session_state[APPLY_KEY]
                )

        if attempt(_apply):
            st.session_state[APPLY_KEY] = uuid.uuid4().hex
            st.session_state[NOTICE] = (
                "Ihr Antrag ist eingegangen. Sobald wir ihn bestätigt haben, können Sie hier "
                "Nachweise einreichen."
            )
            st.rerun()
elif overview.status == "beantragt":
    st.info(
        f"Ihr Antrag ist am {format_moment(overview.enrolment.applied_at)} eingegangen "
        f"(Tracking-ID {overview.application_tracking_id}) und wird geprüft. Sobald wir Ihre "
        "Anmeldung bestätigt haben, reichen Sie hier Ihre Nachweise ein.",
        icon=":material/hourglass_top:",
    )
else:
    year = overview.current_year
    st.success(
        f"Sie nehmen am Bonusprogramm teil. Programmjahr {year.number}: {year.label()}. "
        f"Nachweise aus diesem Programmjahr nehmen wir bis zum {format_date(year.deadline)} an "
        "(12 Monate und 6 Wochen Karenzzeit).",
        icon=":material/verified:",
    )
    for earlier in overview.years_open[1:]:
        st.info(
            f"Für das Programmjahr {earlier.number} ({earlier.label()}) können Sie noch bis "
            f"zum {format_date(earlier.deadline)} Nachweise einreichen."
        )
    points, pending = st.columns(2)
    points.metric(f"Punkte im Programmjahr {year.number}", overview.points(year.number))
    pending.metric("In Prüfung", overview.points(year.number, status="eingereicht"), help="Punkte")

    st.subheader("Nachweiskategorien")
    for entry in bonus.categories():
        used = overview.used(entry.id, year.number)
        with st.expander(
            f"{entry.title} · {entry.points} Punkte · {used} von {entry.per_year} eingereicht"
        ):
            st.markdown(entry.description)
            st.markdown(f"**So weisen Sie es nach:** {entry.proof}")

    st.subheader("Nachweis einreichen")
    titles = {entry.id: f"{entry.title} ({entry.points} Punkte)" for entry in bonus.categories()}
    chosen = st.selectbox(
        "Kategorie", options=list(titles), format_func=titles.get, key="bonus_category"
    )
    evidence_date = st.date_input(
        "Datum des Nachweises (Untersuchung, Impfung, Kurs …)",
        value=overview.today,
        min_value=overview.years_open[-1].first,
        max_value=overview.today,
        format="DD.MM.YYYY",
        key="bonus_evidence_date",
    )
    evidence_files = st.file_uploader(
        f"Nachweis hochladen ({FORMATS_TEXT})",
        type=FILE_TYPES,
        accept_multiple_files=True,
        key=f"bonus_files_{st.session_state[EVIDENCE_KEY]}",
    )
    if st.button(
        "Nachweis senden", key="bonus_submit", type="primary", disabled=not evidence_files
    ):
        files = _incoming(evidence_files)

        def _submit():
            with session_scope(write=True) as db:
                return bonus.submit_evidence(
                    db,
                    actor=actor,
                    category_id=chosen,
                    evidence_date=evidence_date,
                    files=files,
                    idempotency_key=st.session_state[EVIDENCE_KEY],
                )

        if attempt(_submit):
            st.session_state[EVIDENCE_KEY] = uuid.uuid4().hex
            st.session_state[NOTICE] = (
                f"Ihr Nachweis „{bonus.category(chosen).title}“ ist eingegangen und wird geprüft."
            )
            st.rerun()
    st.caption(
        "Bitte bewahren Sie die Originale mindestens 2 Monate auf. Folgeeinschreibungen "
        "reichen Sie per Post, Chat, Mail, Telefon oder im Team Direkt ein."
    )

if overview.evidence:
    st.subheader("Ihre Nachweise")
    st.table(
        [
            {
                "Kategorie": view.category_title,
                "Datum": format_date(view.evidence.evidence_date),
                "Programmjahr": view.programme_year,
                "Punkte": view.evidence.points,
                "Status": view.status_label,
                "Hinweis der HEK": view.hek_message or "",
                "Tracking-ID": view.tracking_id,
            }
            for view in overview.evidence
        ]
    )
