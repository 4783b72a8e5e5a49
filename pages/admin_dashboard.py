"""Kennzahlen: intake, backlog, handling time, certificates and adoption at a glance."""

import time

import streamlit as st

from core import dashboard
from core.db import session_scope
from ui import kpi_charts
from ui.components import attempt, format_moment
from ui.session import current_actor


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


actor = current_actor()
st.title("Kennzahlen")
days = st.segmented_control(
    "Zeitraum für den Eingang",
    options=[7, 30, 90],
    default=30,
    format_func=lambda value: f"{value} Tage",
    key="kpi_days",
)
started = time.perf_counter()
with session_scope() as db:
    data = attempt(lambda: dashboard.dashboard(db, actor=actor, days=days or 30))
if data is None:
    st.stop()
seconds = time.perf_counter() - started

share = {
    level: count / data.members_total if data.members_total else 0.0
    for level, count in data.members_by_level.items()
}
columns = st.columns(5)
columns[0].metric("Versicherte", _number(data.members_total))
columns[1].metric("Dokumente gesamt", _number(data.submissions_total))
columns[2].metric("Offene Vorgänge", _number(data.open_total))
median = data.median_handling_hours
columns[3].metric(
    "Mediane Bearbeitungszeit", "–" if median is None else f"{median:.1f} h".replace(".", ",")
)
smart_share = share.get("smart", 0.0) + share.get("smarthealth", 0.0)
columns[4].metric("smart oder smarthealth", f"{smart_share:.1%}".replace(".", ","))
if data.oldest_open_at is not None:
    st.caption(f"Ältester offener Vorgang: Eingang {format_moment(data.oldest_open_at)}")

st.plotly_chart(kpi_charts.intake(data), width="stretch", key="kpi_intake")
left, right = st.columns(2)
left.plotly_chart(kpi_charts.backlog(data), width="stretch", key="kpi_backlog")
right.plotly_chart(kpi_charts.open_by_type(data), width="stretch", key="kpi_open")

left, middle, right = st.columns(3)
left.plotly_chart(kpi_charts.adoption(data), width="stretch", key="kpi_adoption")
with middle:
    if data.certificates_issued is None and data.certificates_requested is None:
        st.info("Bescheinigungen: noch nicht verfügbar.")
    elif data.certificates_issued:
        st.plotly_chart(
            kpi_charts.counts(
                "Ausgestellte Bescheinigungen", data.certificates_issued, kpi_charts.DELIVERY_LABELS
            ),
            width="stretch",
            key="kpi_certificates",
        )
    elif data.certificates_requested:
        st.plotly_chart(
            kpi_charts.counts(
                "Angeforderte Bescheinigungen",
                data.certificates_requested,
                kpi_charts.CERTIFICATE_STATUS_LABELS,
            ),
            width="stretch",
            key="kpi_certificates",
        )
    else:
        st.info("Bescheinigungen: noch keine angefordert.")
with right:
    if data.identifications is None:
        st.info("Identifizierungen: noch nicht verfügbar.")
    elif data.identifications:
        st.plotly_chart(
            kpi_charts.counts(
                "Identifizierungen nach Verfahren",
                data.identifications,
                kpi_charts.PROCEDURE_LABELS,
            ),
            width="stretch",
            key="kpi_identifications",
        )
    else:
        st.info("Identifizierungen: noch keine erfolgreich abgeschlossen.")
left, right = st.columns(2)
with left:
    if data.digital_cards_per_year is None:
        st.info("Digitale Versicherungsausweise: noch nicht verfügbar.")
    elif data.digital_cards_per_year:
        st.plotly_chart(
            kpi_charts.counts(
                "Digitale Versicherungsausweise je Jahr", data.digital_cards_per_year, {}
            ),
            width="stretch",
            key="kpi_digital_cards",
        )
    else:
        st.info("Digitale Versicherungsausweise: noch keine ausgestellt.")
with right:
    if data.certificates_issued and data.certificates_requested:
        st.plotly_chart(
            kpi_charts.counts(
                "Anträge auf Bescheinigungen nach Stand",
                data.certificates_requested,
                kpi_charts.CERTIFICATE_STATUS_LABELS,
            ),
            width="stretch",
            key="kpi_certificate_requests",
        )
elapsed = f"{seconds:.2f}".replace(".", ",")
st.caption(f"Alle Kennzahlen in der Datenbank berechnet in {elapsed} s.")
