"""HEK Service-Portal: router and gatekeeper.

Page config, start-up checks, login, then st.navigation with the signed-in role's pages.
Pages of other roles stay registered but hidden and render a refusal, so a typed URL is
refused (and audited) rather than silently redirected.

pandas is imported here, in every session's thread before any page runs: plotly looks pandas
up lazily in sys.modules, and under load a second session's chart met a half-imported pandas
("partially initialized module 'pandas' has no attribute 'Series'", found by bench/load.py).
A plain import waits for another thread's import to finish.
"""

import pandas  # noqa: F401  (whole, before any page: see the docstring)
import streamlit as st

from ui import bootstrap, device_gate, navigation, personas, session, theme

st.set_page_config(page_title="HEK Service-Portal", page_icon=str(theme.FAVICON), layout="wide")
theme.apply_portal_style()
bootstrap.ensure_ready()
session.mark_routed()

actor = personas.follow_impersonation(session.resolve_actor())
device_gate.require_device(actor)  # smart: confirm a registered device first
# expanded: every page of the role is listed; no folded "View more" (English) entry
page = st.navigation(
    navigation.pages_for(actor), position="sidebar" if actor else "hidden", expanded=True
)
if actor is not None:
    navigation.render_sidebar(actor)
    personas.render_persona_banner(actor)
page.run()
