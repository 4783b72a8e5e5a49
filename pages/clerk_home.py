"""Back-office overview: the insured population at a glance."""

import plotly.graph_objects as go
import streamlit as st

from core import documents, inbox_kpis, members
from core.db import session_scope
from ui.session import current_actor
from ui.text import plain

actor = current_actor()
with session_scope() as db:
    total = members.count_members(db)
    by_level = members.level_counts(db)

st.title("Back-Office")
st.caption(f"Angemeldet als {plain(actor.display_name)}")
columns = st.columns(4)
columns[0].metric("Versicherte", f"{total:,}".replace(",", "."))
columns[1].metric("basic", f"{by_level.get('basic', 0):,}".replace(",", "."))
columns[2].metric("smart", f"{by_level.get('smart', 0):,}".replace(",", "."))
columns[3].metric("smarthealth", f"{by_level.get('smarthealth', 0):,}".replace(",", "."))

with session_scope() as db:
    kpis = inbox_kpis.inbox_kpis(db, actor=actor)

st.subheader("Posteingang")
cols = st.columns(2)
cols[0].metric("Offene Vorgänge", f"{kpis.open_total:,}".replace(",", "."))
median = kpis.median_handling_hours
cols[1].metric(
    "Mediane Bearbeitungszeit", "–" if median is None else f"{median:.1f} h".replace(".", ",")
)
left, right = st.columns(2)
with left:
    backlog = go.Figure(
        go.Bar(
            x=list(kpis.backlog_by_age),
            y=list(kpis.backlog_by_age.values()),
            marker_color="#00509B",
        )
    )
    backlog.update_layout(
        title="Rückstand nach Alter",
        height=380,
        margin={"t": 40, "b": 20, "l": 20, "r": 20},
        separators=",.",
    )
    if kpis.open_total:
        st.plotly_chart(backlog, width="stretch", key="backlog_chart")
    else:
        st.info("Keine offenen Vorgänge im Posteingang.")
with right:
    days = list(kpis.intake_per_day)
    intake = go.Figure(
        [
            go.Bar(name=label, x=days, y=[kpis.intake_per_day[day].get(code, 0) for day in days])
            for code, label in documents.DOCUMENT_TYPES.items()
        ]
    )
    intake.update_layout(
        barmode="stack",
        title="Eingang pro Tag (30 Tage)",
        height=380,
        margin={"t": 40, "b": 20, "l": 20, "r": 20},
        separators=",.",
        # German day labels (plotly's month names are English); the legend below the dates
        xaxis={"tickformat": "%d.%m.", "hoverformat": "%d.%m.%Y"},
        legend={"orientation": "h", "y": -0.2},
    )
    if days:
        st.plotly_chart(intake, width="stretch", key="intake_chart")
    else:
        st.info("In den letzten 30 Tagen ist nichts eingegangen.")
