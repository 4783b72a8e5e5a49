"""Audit a look once per page opening and once per change of what it shows, not per rerun."""

import streamlit as st


class PageVisit:
    """One run of a page: whether the user has just come (back) to it, and which looks are new.

    Streamlit drops a widget's state once a run does not draw it, so `anchor_key` (the key of
    a widget the page draws on every run) is missing exactly on the first run after the user
    comes (back) to the page. Create the visit before that widget is drawn; ask `first_look`
    later, when what the page shows is known.
    """

    def __init__(self, anchor_key: str) -> None:
        self.opened = anchor_key not in st.session_state

    def first_look(self, view_key: str, view: object) -> bool:
        """True when this run shows `view` for the first time since the page was opened.

        `view` is remembered under `view_key` for the next run.
        """
        fresh = self.opened or st.session_state.get(view_key) != view
        st.session_state[view_key] = view
        return fresh


def first_look(view_key: str, view: object, *, anchor_key: str) -> bool:
    """PageVisit(anchor_key).first_look(view_key, view), for a view known before the anchor."""
    return PageVisit(anchor_key).first_look(view_key, view)
