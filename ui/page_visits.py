"""Audit a look once per page opening and once per change of what it shows, not per rerun."""

import streamlit as st


def first_look(view_key: str, view: object, *, anchor_key: str) -> bool:
    """True when this run shows `view` for the first time since the page was opened.

    Streamlit drops a widget's state once a run does not draw it, so `anchor_key` (the key of
    a widget the page draws on every run, checked before that widget is drawn) is missing
    exactly on the first run after the user comes (back) to the page. `view` is remembered
    under `view_key` for the next run.
    """
    fresh = anchor_key not in st.session_state or st.session_state.get(view_key) != view
    st.session_state[view_key] = view
    return fresh
