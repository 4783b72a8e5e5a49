"""Streamlit-side helpers shared by Home.py and pages/: login, navigation, rendering.

Kept apart from core/ (which never imports streamlit) and from pages/ (one file per screen).
"""
