"""Posteingang: the queue of submitted documents, a case viewer and the decision."""

import streamlit as st

from core import documents, inbox, saved_views
from core.db import session_scope
from core.errors import DomainError
from core.previews import pdf_page_count, render_pdf_pages
from ui import files
from ui.components import format_moment, format_size
from ui.page_visits import PageVisit
from ui.session import current_actor
from ui.text import plain

actor = current_actor()
st.title("Posteingang")
# Looks are audited once: a list page per opening, filter or page turn; a case per opening.
visit = PageVisit(anchor_key="inbox_search")

DEFAULT_VIEW = "Alle offenen"
presets = saved_views.presets(actor)
with session_scope() as db:
    saved = {view.name: view for view in saved_views.my_views(db, actor=actor)}
views = {**presets, **{name: view.criteria for name, view in saved.items()}}
if st.session_state.get("inbox_view") not in views:
    st.session_state["inbox_view"] = DEFAULT_VIEW


def _open_saved_view() -> None:
    """A saved view brings back its type filter, search and sorting as well."""
    chosen = saved.get(st.session_state.get("inbox_view"))
    if chosen is not None:
        st.session_state["inbox_types"] = list(chosen.criteria.doc_types)
        st.session_state["inbox_search"] = chosen.criteria.search
        st.session_state["inbox_sort"] = chosen.sort


def _save_view(criteria: inbox.InboxFilter, sort: str) -> None:
    try:
        with session_scope(write=True) as db:
            stored = saved_views.save_view(
                db,
                actor=actor,
                name=st.session_state.get("inbox_view_name", ""),
                criteria=criteria,
                sort=sort,
            )
    except DomainError as error:
        st.session_state["inbox_view_error"] = error.message
    else:
        st.session_state["inbox_view"], st.session_state["inbox_view_name"] = stored.name, ""
        st.session_state["inbox_view_saved"] = stored.name


def _delete_view(view_id: int) -> None:
    try:
        with session_scope(write=True) as db:
            saved_views.delete_view(db, actor=actor, view_id=view_id)
    except DomainError as error:
        st.session_state["inbox_view_error"] = error.message
    else:
        st.session_state["inbox_view"] = DEFAULT_VIEW


view = (
    st.segmented_control(
        "Ansicht", options=list(views), key="inbox_view", on_change=_open_saved_view
    )
    or DEFAULT_VIEW
)
if "inbox_view_error" in st.session_state:
    st.error(st.session_state.pop("inbox_view_error"))
if "inbox_view_saved" in st.session_state:
    st.success(f"Ansicht „{st.session_state.pop('inbox_view_saved')}“ gespeichert.")
with st.expander("Filter und Suche", expanded=False):
    search = st.text_input(
        "Suche: Tracking-ID, Versichertennummer oder Name", key="inbox_search", max_chars=60
    )
    types = st.multiselect(
        "Dokumentenart",
        list(documents.DOCUMENT_TYPES),
        format_func=documents.DOCUMENT_TYPES.get,
        placeholder="Alle Dokumentenarten",
        key="inbox_types",
    )
    sort = st.radio(
        "Sortierung",
        ["oldest", "newest"],
        format_func={"oldest": "älteste zuerst", "newest": "neueste zuerst"}.get,
        horizontal=True,
        key="inbox_sort",
    )
    base = views[view]
    criteria = inbox.InboxFilter(
        doc_types=tuple(types),
        statuses=base.statuses,
        older_than_days=base.older_than_days,
        clerk_id=base.clerk_id,
        unassigned_only=base.unassigned_only,
        search=search or "",
    )
    name_field, save_button = st.columns([3, 1], vertical_alignment="bottom")
    name_field.text_input(
        "Diese Filter als eigene Ansicht speichern",
        key="inbox_view_name",
        max_chars=saved_views.MAX_NAME,
        placeholder="Name der Ansicht",
    )
    save_button.button(
        "Ansicht speichern", key="save_view", on_click=_save_view, args=(criteria, sort)
    )
    if view in saved:
        st.button(
            f"Ansicht „{view}“ löschen",
            key="delete_view",
            icon=":material/delete:",
            on_click=_delete_view,
            args=(saved[view].id,),
        )
# Keyset pagination: the cursors of the pages before this one; a new filter starts over.
query = (criteria, sort)
if st.session_state.get("inbox_query") != query:
    st.session_state["inbox_query"], st.session_state["inbox_cursors"] = query, []
cursors = st.session_state["inbox_cursors"]
list_look = visit.first_look("inbox_list_audited", (query, len(cursors)))
with session_scope(write=list_look) as db:  # a redraw writes nothing, so it takes no lock
    result = inbox.list_inbox(
        db,
        actor=actor,
        criteria=criteria,
        sort=sort,
        after=cursors[-1] if cursors else None,
        record_view=list_look,
    )


def _next_page() -> None:
    st.session_state["inbox_cursors"] = [*cursors, result.next_cursor]


def _previous_page() -> None:
    st.session_state["inbox_cursors"] = cursors[:-1]


found = (f"mehr als {inbox.COUNT_LIMIT:,}" if result.total_capped else f"{result.total:,}").replace(
    ",", "."
)
left, back, forward = st.columns([4, 1, 1])
left.caption(f"{found} Vorgänge · Seite {len(cursors) + 1}")
back.button(
    "Zurück", key="inbox_previous", disabled=not cursors, on_click=_previous_page, width="stretch"
)
forward.button(
    "Weiter",
    key="inbox_next",
    disabled=result.next_cursor is None,
    on_click=_next_page,
    width="stretch",
)
if st.button(
    "Nächsten Vorgang übernehmen",
    key="claim_next",
    icon=":material/playlist_add_check:",
    help="Übernimmt den ältesten offenen Vorgang, den noch niemand bearbeitet, unter den Treffern "
    "von Suche, Dokumentenart und Alter – auch aus „Erledigt“ oder „Meine Vorgänge“ heraus.",
):
    try:
        with session_scope(write=True) as db:
            claimed = inbox.claim_next(db, actor=actor, criteria=criteria)
    except DomainError as error:
        st.error(error.message)
    else:
        if claimed is None:
            st.info("Zurzeit gibt es keinen offenen Vorgang, den noch niemand bearbeitet.")
        else:
            st.session_state["case_id"] = claimed
            st.rerun()

if result.items:
    st.dataframe(
        [
            {
                "Überfällig": "⚠ überfällig" if item.overdue else "",
                "Eingang": format_moment(item.created_at),
                "Art": documents.DOCUMENT_TYPES.get(item.doc_type, item.doc_type),
                "Versicherte/r": f"{item.member_name} ({item.kvnr})",
                "Status": documents.STATUS_LABELS.get(item.status, item.status),
                "Bearbeitung": item.assigned_clerk or "–",
                "Tracking-ID": item.tracking_id,
            }
            for item in result.items
        ],
        hide_index=True,
        width="stretch",
    )
    labels = {item.id: f"{item.tracking_id} · {item.member_name}" for item in result.items}
    chosen = st.selectbox(
        "Vorgang öffnen",
        options=list(labels),
        format_func=labels.get,
        index=None,
        placeholder="Vorgang wählen …",
        key="inbox_choice",
    )
    if chosen is not None and chosen != st.session_state.get("case_choice_seen"):
        st.session_state["case_choice_seen"] = chosen
        st.session_state["case_id"] = chosen
else:
    st.info("Keine Vorgänge in dieser Ansicht.")

case_id = st.session_state.get("case_id")
if case_id:
    first_view = visit.first_look("case_audited", case_id)
    with session_scope(write=True) as db:
        case = inbox.open_case(db, actor=actor, submission_id=case_id, record_view=first_view)
        # the decrypted file stays in this clerk's session only, never in a shared cache
        if first_view:
            try:
                st.session_state["case_pdf"] = inbox.case_pdf(
                    db, actor=actor, submission_id=case_id
                )
            except documents.NoStoredFile:  # historic demo rows have no file
                st.session_state["case_pdf"] = None
    pdf = st.session_state["case_pdf"]
    item = case.item
    st.divider()
    st.subheader(f"Vorgang {item.tracking_id}")
    if item.overdue:
        st.warning(f"Überfällig seit {format_moment(item.due_at)}.")
    viewer, context = st.columns([3, 2])
    with viewer:
        if pdf is None:
            st.info(documents.NoStoredFile.default_message)
        else:
            pages = pdf_page_count(pdf)
            controls = st.columns(2)
            shown = controls[0].number_input(
                "Seite", min_value=1, max_value=pages, key=f"view_page_{case_id}"
            )
            zoom = controls[1].slider(
                "Zoom", min_value=50, max_value=200, value=100, step=25, key="view_zoom"
            )
            files.image(
                render_pdf_pages(pdf, scale=zoom / 100, first=shown - 1, count=1)[0],
                key=f"case_page_{case_id}",
                caption=f"Seite {shown} von {pages}",
            )
    with context:
        st.markdown(
            f"**{case.member.full_name}** · {case.member.kvnr}  \n"
            f"{case.member.address}  \nGeboren {case.member.birth_date:%d.%m.%Y}"
        )
        kind = documents.DOCUMENT_TYPES.get(item.doc_type)
        status = documents.STATUS_LABELS.get(item.status)
        st.markdown(
            f"**Art:** {kind} · **Eingang:** {format_moment(item.created_at)}  \n"
            f"{item.page_count} Seiten, {format_size(item.size)} · **Kanal:** {item.channel}  \n"
            f"**Status:** {status} · **Bearbeitung:** {item.assigned_clerk or '–'}"
        )
        if item.note:
            st.markdown("**Notiz des Mitglieds:**")
            st.text(item.note)
        if case.earlier:
            st.markdown("**Frühere Einsendungen**")
            st.table(
                [
                    {
                        "Eingang": format_moment(e.created_at),
                        "Art": documents.DOCUMENT_TYPES.get(e.doc_type),
                        "Status": documents.STATUS_LABELS.get(e.status),
                    }
                    for e in case.earlier
                ]
            )
        mine = item.assigned_clerk_id == actor.user_id
        open_item = item.status in inbox.OPEN_STATUSES
        try:
            if (
                open_item
                and item.assigned_clerk_id is None
                and st.button("Übernehmen", key="claim", type="primary")
            ):
                with session_scope(write=True) as db:
                    inbox.claim(db, actor=actor, submission_id=item.id)
                st.rerun()
            if open_item and mine and st.button("Freigeben", key="release"):
                with session_scope(write=True) as db:
                    inbox.release(db, actor=actor, submission_id=item.id)
                st.rerun()
        except DomainError as error:
            st.error(error.message)
        if open_item and mine:
            with st.form("decision"):
                labels = {
                    "accept": "Annehmen und weiterleiten",
                    "query": "Rückfrage an das Mitglied",
                    "reject": "Ablehnen",
                }
                decision = st.radio(
                    "Entscheidung", list(labels), format_func=labels.get, key="decision"
                )
                department = st.selectbox("Fachabteilung", inbox.DEPARTMENTS, key="department")
                message = st.text_area(
                    "Nachricht an das Mitglied (bei Rückfrage oder Ablehnung)",
                    max_chars=1000,
                    key="member_message",
                )
                note = st.text_area(
                    "Interne Notiz (nur für Mitarbeitende)", max_chars=2000, key="internal_note"
                )
                if st.form_submit_button("Entscheidung speichern"):
                    try:
                        with session_scope(write=True) as db:
                            inbox.decide(
                                db,
                                actor=actor,
                                submission_id=item.id,
                                decision=inbox.Decision(decision),
                                department=department,
                                member_message=message,
                                internal_note=note,
                            )
                    except DomainError as error:
                        st.error(error.message)
                    else:
                        st.session_state["decision_saved"] = item.tracking_id
                        st.rerun()
        if item.internal_note:
            st.caption(f"Interne Notiz: {plain(item.internal_note)}")
        if item.member_message:
            st.caption(f"Nachricht an das Mitglied: {plain(item.member_message)}")
if st.session_state.get("decision_saved"):
    st.success(f"Entscheidung zu {st.session_state.pop('decision_saved')} gespeichert.")
