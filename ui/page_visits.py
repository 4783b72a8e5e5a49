"""Audit a look once per page opening and once per change of what it shows, not per rerun."""

import streamlit as st


class PageVisit:
    """One run of a page: whether the user has just come (back) to it, and which looks are new.

    Streamlit drops a widget's state once a run does not draw it, so `anchor_key` (the key of
    a widget the page draws on every run) is missing exactly on the first run after the user
    comes (back) to the page. Create the visit once per run, before that widget is drawn; ask
    `first_look` when what the page shows is known.
    """

    def __init__(self, anchor_key: str) -> None:
        self._looks_key = f"{anchor_key}__looks"
        self.opened = anchor_key not in st.session_state
        if self.opened:
            # A new visit forgets every earlier look, also those this first run does not
            # reach (an item chosen again later in the visit is a new look).
            for view_key in st.session_state.pop(self._looks_key, ()):
                st.session_state.pop(view_key, None)

    def first_look(self, view_key: str, view: object) -> bool:
        """True when this run shows `view` for the first time in this visit.

        `view` is remembered under `view_key` for the next run.
        """
        fresh = self.opened or st.session_state.get(view_key) != view
        st.session_state[view_key] = view
        st.session_state[self._looks_key] = {*st.session_state.get(self._looks_key, ()), view_key}
        return fresh
