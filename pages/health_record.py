"""smarthealth Gesundheitsakte: activation or unlocking, then timeline, categories, new entries."""

from datetime import date

import streamlit as st

from core.clock import today_berlin
from core.db import session_scope
from core.errors import DomainError
from core.health import entries, hek_import, views
from core.health.billing_data import KIND_LABELS, DataKind
from core.health.db import health_scope
from core.uploads import FORMATS_TEXT, UPLOAD_EXTENSIONS, IncomingFile
from ui import files, health_charts, health_gate, health_state, health_table
from ui.components import attempt, format_date
from ui.session import current_actor
from ui.text import plain

actor = current_actor()
st.title("Gesundheitsakte")
notice = st.session_state.pop("health_notice", None)
if notice:
    st.success(notice)
unlocked = health_gate.unlocked_record(actor)  # renders activation / unlocking and stops
timeline = health_state.timeline(actor, unlocked)
try:
    with health_scope() as health:
        usage = entries.usage(health, actor=actor, unlocked=unlocked)
except DomainError as refusal:  # e.g. terminated meanwhile in another browser
    health_state.lock()
    st.error(refusal.message)
    st.stop()

meter, reload_column, lock_column = st.columns([4, 1, 1])
meter.progress(
    usage.fraction,
    text=f"Speicherplatz: {entries.megabytes(usage.used_bytes)} von 1 GB belegt",
)
if reload_column.button("Neu laden", key="health_reload", icon=":material/refresh:"):
    health_state.changed()  # e.g. a letter that arrived via KV-Connect meanwhile
    st.rerun()
if lock_column.button("Akte sperren", key="health_lock", icon=":material/lock:"):
    health_state.lock()
    st.rerun()
with st.expander("Wer kann meine Daten lesen?"):
    st.markdown(health_state.PROMISE)
if timeline.unreadable:
    st.warning(
        f"{timeline.unreadable} Eintrag/Einträge ließ(en) sich nicht entschlüsseln: Sie gehören "
        "nicht zu Ihrer Akte oder wurden verändert. Sie werden nicht angezeigt."
    )

overview, by_category, new_entry, from_hek = st.tabs(
    ["Zeitachse", "Nach Kategorie", "Neuer Eintrag", "Daten bei der HEK anfordern"]
)

with overview:
    if not timeline.entries:
        st.info("Ihre Akte ist noch leer. Legen Sie einen Eintrag an oder fordern Sie Daten an.")
    else:
        visits = views.visits_per_year(timeline.entries)
        if visits:
            st.subheader("Arzt- und Zahnarztbesuche pro Jahr")
            st.plotly_chart(health_charts.visits_per_year(visits), key="health_visits_chart")
        st.subheader(f"Alle Einträge ({len(timeline.entries)})")
        health_table.paged_entries(timeline.entries, key="health_timeline_table")

with by_category:
    labels = {None: "Alle", **entries.CATEGORY_LABELS}
    category = st.segmented_control(
        "Kategorie",
        options=list(labels),
        format_func=labels.get,
        default=None,
        key="health_category",
    )
    search_column, source_column = st.columns([2, 1])
    query = search_column.text_input(
        "Suche", key="health_search", max_chars=100, placeholder="z. B. Ibuprofen"
    )
    sources = source_column.multiselect(
        "Quelle",
        options=list(entries.SOURCE_LABELS),
        format_func=entries.SOURCE_LABELS.get,
        placeholder="Alle Quellen",
        key="health_sources",
    )
    span = views.year_span(timeline.entries)
    first_year = last_year = None
    if span and span[0] < span[1]:
        first_year, last_year = st.slider(
            "Jahre", min_value=span[0], max_value=span[1], value=span, key="health_years"
        )
    shown = views.filter_entries(
        timeline.entries,
        views.EntryFilter(category, query, first_year, last_year, frozenset(sources)),
    )
    st.caption(f"{len(shown)} von {len(timeline.entries)} Einträgen")
    health_table.paged_entries(shown, key="health_category_table")
    documents = [view for view in shown if view.document_name][:20]
    for view in documents:

        def opened(view=view) -> bytes:  # decrypted only when clicked
            with health_scope() as health:
                return entries.open_document(
                    health, actor=actor, unlocked=unlocked, entry=view
                ).data

        files.download_link(
            f"{format_date(view.on)} · {plain(view.title)} ({plain(view.document_name)})",
            opened,
            file_name=view.document_name,
            mime=view.document_mime,
            key=f"health_document_{view.id}",
            icon=":material/description:",
        )

with new_entry:
    with st.form("health_manual_entry", clear_on_submit=True):
        kinds = [c for c in entries.Category if c != entries.Category.DOCUMENT]
        chosen = st.selectbox(
            "Kategorie", kinds, format_func=entries.CATEGORY_LABELS.get, key="health_new_category"
        )
        on = st.date_input(
            "Datum",
            value=today_berlin(),
            min_value=date(1900, 1, 1),
            format="DD.MM.YYYY",
            key="health_new_date",
        )
        title = st.text_input(
            "Titel",
            key="health_new_title",
            max_chars=entries.MAX_TITLE,
            placeholder="z. B. Grippeimpfung",
        )
        note = st.text_area("Notiz (optional)", key="health_new_note", max_chars=entries.MAX_NOTE)
        add = st.form_submit_button("Eintrag speichern", type="primary")
    if add:
        with health_scope(write=True) as health:
            saved = attempt(
                lambda: entries.add_manual_entry(
                    health,
                    actor=actor,
                    unlocked=unlocked,
                    category=chosen,
                    on=on,
                    title=title,
                    note=note,
                )
            )
        if saved is not None:
            health_state.changed()
            st.session_state["health_notice"] = (
                f"Eintrag »{plain(saved.title)}« verschlüsselt gespeichert."
            )
            st.rerun()

    st.subheader("Dokument hochladen")
    with st.form("health_upload", clear_on_submit=True):
        upload = st.file_uploader(
            FORMATS_TEXT,
            type=list(UPLOAD_EXTENSIONS),
            key="health_upload_file",
        )
        doc_title = st.text_input(
            "Titel",
            key="health_upload_title",
            max_chars=entries.MAX_TITLE,
            placeholder="z. B. Arztbrief",
        )
        doc_date = st.date_input(
            "Datum", value=today_berlin(), format="DD.MM.YYYY", key="health_upload_date"
        )
        send = st.form_submit_button("Dokument speichern", type="primary")
    if send and upload is not None:
        file = IncomingFile(name=upload.name, data=upload.getvalue(), declared_type=upload.type)
        with health_scope(write=True) as health:
            saved = attempt(
                lambda: entries.add_document(
                    health, actor=actor, unlocked=unlocked, file=file, title=doc_title, on=doc_date
                )
            )
        if saved is not None:
            health_state.changed()
            st.session_state["health_notice"] = (
                f"Dokument »{plain(saved.title)}« verschlüsselt gespeichert."
            )
            st.rerun()
    elif send:
        st.error("Bitte wählen Sie eine Datei aus.")

with from_hek:
    st.markdown(
        "Die HEK übermittelt Ihre **Arztdaten (inklusive Impfdaten)**, **Zahnarztdaten** und "
        "**Medikamentendaten** in Ihre Akte; jeder Eintrag wird dabei mit Ihrem Schlüssel "
        "verschlüsselt – danach kann ihn niemand bei der HEK mehr lesen.\n\n"
        "Wegen gesetzlicher Verjährungsfristen sind das Behandlungsdaten der **letzten vier "
        "Jahre** und Medikamentendaten der **letzten sechs Jahre**.\n\n"
        "**Hinweis:** Ärztinnen, Ärzte und Apotheken rechnen quartalsweise ab. Ihre "
        "Abrechnungsdaten liegen der HEK deshalb erst **6 bis 9 Monate** nach der Behandlung "
        "vor; jüngere Behandlungen folgen bei einer späteren Anforderung."
    )
    cutoff = hek_import.billing_cutoff(today_berlin())
    st.caption(f"Derzeit liegen Abrechnungsdaten bis zum {format_date(cutoff)} vor.")
    wanted = st.multiselect(
        "Welche Daten möchten Sie anfordern?",
        options=list(DataKind),
        default=list(DataKind),
        format_func=KIND_LABELS.get,
        placeholder="Bitte mindestens eine Datenart wählen",
        key="health_request_kinds",
    )
    if st.button("Daten anfordern", key="health_request", type="primary"):
        with session_scope(write=True) as db, health_scope(write=True) as health:
            report = attempt(
                lambda: hek_import.request_hek_data(
                    db, health, actor=actor, kinds=wanted, today=today_berlin()
                )
            )
        if report is not None:
            health_state.changed()
            st.session_state["health_notice"] = (
                f"Die HEK hat {report.entries} neue Einträge (Daten bis "
                f"{format_date(report.covered_until)}) verschlüsselt in Ihre Akte übermittelt."
            )
            st.rerun()
