"""Datenschutz (FAQ: "mehr > Datenschutz"): the privacy statement to read and to download."""

import streamlit as st

from core import privacy


@st.cache_data(show_spinner=False)  # the same public text for everyone
def privacy_pdf() -> bytes:
    return privacy.privacy_pdf()


st.title("Datenschutz")
st.download_button(
    "Datenschutzerklärung als PDF herunterladen",
    data=privacy_pdf(),
    file_name=privacy.FILE_NAME,
    mime="application/pdf",
    key="privacy_download",
    icon=":material/download:",
    on_click="ignore",
)
st.markdown(privacy.privacy_text())
