"""Versicherungszeiten & Entgelte (smart): periods on a timeline, earnings beside the ceiling."""

import streamlit as st

from core import histories, history_export
from core.db import session_scope
from ui import charts, files, history_tables
from ui.session import current_actor

actor = current_actor()
with session_scope() as db:
    history = histories.insurance_history(db, actor=actor)

st.title("Versicherungszeiten & Entgelte")
if not history.periods:
    st.info("Für Sie sind bei der HEK noch keine Versicherungszeiten gespeichert.")
    st.stop()

st.subheader("Versicherungszeiten")
st.plotly_chart(charts.periods_timeline(history), key="periods_chart")
st.dataframe(history_tables.period_rows(history), hide_index=True)

st.subheader("Entgelte")
if history.earnings:
    st.plotly_chart(charts.earnings_chart(history), key="earnings_chart")
    st.caption(
        "Die gestrichelte Linie zeigt die Beitragsbemessungsgrenze der Krankenversicherung: "
        "Für Entgelt darüber fallen keine weiteren Beiträge an. Entgelte eines Jahres meldet "
        "der Arbeitgeber im Folgejahr."
    )
    st.dataframe(
        [
            {
                "Jahr": str(year.year),
                "Entgelt": histories.euro_text(year.total_cents),
                "Grenze KV": histories.euro_text(year.ceiling_cents)
                if year.ceiling_cents is not None
                else "–",
                "beitragspflichtig": histories.euro_text(year.contributory_cents),
            }
            for year in reversed(history.years)
        ],
        hide_index=True,
    )
else:
    st.info("Für Sie liegen keine Entgeltmeldungen vor.")

st.subheader("Herunterladen")
periods_column, earnings_column, pdf_column = st.columns(3)
files.download_link(
    "Versicherungszeiten (CSV)",
    history_export.periods_csv(history),
    file_name="versicherungszeiten.csv",
    mime="text/csv",
    key="download_periods_csv",
    container=periods_column,
    icon=":material/table:",
)
files.download_link(
    "Entgelte (CSV)",
    history_export.earnings_csv(history),
    file_name="entgelte.csv",
    mime="text/csv",
    key="download_earnings_csv",
    container=earnings_column,
    icon=":material/table:",
)
files.download_link(
    "Alles als PDF",
    lambda: history_export.history_pdf(history),  # built only when fetched
    file_name="versicherungszeiten-und-entgelte.pdf",
    mime="application/pdf",
    key="download_history_pdf",
    container=pdf_column,
    icon=":material/picture_as_pdf:",
)
