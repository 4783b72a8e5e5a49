"""The record's entry tables, one page of rows at a time.

Streamlit sends a table's every row to the browser on every rerun: 5,000 entries cost about
250 ms and 680 KB per table and run, 100 rows about 14 ms and 15 KB. The entries themselves
stay opened in the session (ui.health_state); only what is drawn is paged.
"""

import math

import streamlit as st

from core.health import views
from core.health.entries import EntryView

PAGE_ROWS = 100


def paged_entries(entries: list[EntryView], *, key: str) -> None:
    """A table of at most PAGE_ROWS entries, with a page number when there are more."""
    pages = max(1, math.ceil(len(entries) / PAGE_ROWS))
    page_key = f"{key}_page"
    page = 1
    if pages > 1:
        # A narrower filter may leave fewer pages than the one last shown.
        st.session_state[page_key] = min(max(st.session_state.get(page_key, 1), 1), pages)
        page = st.number_input(
            f"Seite (von {pages})", min_value=1, max_value=pages, step=1, key=page_key
        )
    start = (page - 1) * PAGE_ROWS
    shown = entries[start : start + PAGE_ROWS]
    st.dataframe(
        views.timeline_rows(shown),
        hide_index=True,
        column_config={"Datum": st.column_config.DateColumn(format="DD.MM.YYYY")},
        key=key,
    )
    if pages > 1:
        st.caption(f"Einträge {start + 1}–{start + len(shown)} von {len(entries)}, neueste zuerst")
