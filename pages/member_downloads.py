"""Downloadcenter: search brochures, info sheets and forms; view, download, print."""

import streamlit as st

from core import downloads, previews

VIEWING = "download_view"


# The documents are public and hold no member data, so one cache for every user is fine.
@st.cache_data(show_spinner=False)
def pdf_of(item_id: str) -> bytes:
    return downloads.render_pdf(item_id)


@st.cache_data(show_spinner=False)
def pages_of(item_id: str) -> list[bytes]:
    return previews.render_pdf_pages(pdf_of(item_id), scale=1.3, count=3)


st.title("Downloadcenter")
st.caption(
    "Broschüren, Flyer, Infoblätter und Formulare der HEK zum Ansehen, Herunterladen und "
    "Drucken. Aktuell steht eine Auswahl zur Verfügung."
)
query = st.text_input(
    "Suchen",
    key="download_query",
    max_chars=100,
    placeholder="zum Beispiel Zahnersatz, Bonus, Formular",
)
found = downloads.search(query)
st.caption(f"{len(found)} von {len(downloads.catalogue())} Dokumenten")
if not found:
    st.info("Kein Dokument passt zu Ihrer Suche. Versuchen Sie einen anderen Begriff.")

for item in found:
    with st.container(border=True):
        text, actions = st.columns([4, 1])
        text.markdown(f"**{item.title}**  \n{item.category} · Stand {item.updated_label}")
        text.caption(item.description)
        actions.download_button(
            "Herunterladen",
            data=pdf_of(item.id),
            file_name=item.file_name,
            mime="application/pdf",
            key=f"download_{item.id}",
            icon=":material/download:",
            on_click="ignore",
        )
        open_now = st.session_state.get(VIEWING) == item.id
        if actions.button(
            "Schließen" if open_now else "Ansehen",
            key=f"view_{item.id}",
            icon=":material/visibility:",
        ):
            st.session_state[VIEWING] = None if open_now else item.id
            open_now = not open_now
        if open_now:
            st.caption(
                "Zum Drucken laden Sie das Dokument herunter und drucken es aus Ihrem "
                "PDF-Programm (Strg + P, auf dem Mac ⌘ + P). Die Vorschau zeigt die ersten Seiten."
            )
            for number, image in enumerate(pages_of(item.id), start=1):
                st.image(image, caption=f"Seite {number}", width="stretch")
