"""Plotly figures for the insurance history page (built from core read models)."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from core.histories import InsuranceHistory
from core.models.histories import InsuranceKind

CEILING_NAME = "Beitragsbemessungsgrenze KV"
KIND_ORDER = [str(kind) for kind in InsuranceKind]


def periods_timeline(history: InsuranceHistory) -> go.Figure:
    """One bar per period on a time axis, a row per kind; open periods run to today."""
    frame = pd.DataFrame(
        [
            {
                "Art": period.kind,
                "Beginn": pd.Timestamp(period.start),
                "Ende": pd.Timestamp(period.end or history.as_of),
                "Arbeitgeber": period.employer or "–",
                "bis": period.end.strftime("%d.%m.%Y") if period.end else "laufend",
            }
            for period in history.periods
        ]
    )
    figure = px.timeline(
        frame,
        x_start="Beginn",
        x_end="Ende",
        y="Art",
        color="Art",
        hover_data={"Arbeitgeber": True, "bis": True, "Art": False},
        category_orders={"Art": KIND_ORDER},
    )
    figure.update_layout(showlegend=False, xaxis_title=None, yaxis_title=None, height=320)
    return figure


def earnings_chart(history: InsuranceHistory) -> go.Figure:
    """Earnings per year stacked by employer, with the yearly contribution ceiling as a line."""
    frame = pd.DataFrame(
        [
            {"Jahr": e.year, "Arbeitgeber": e.employer, "Entgelt (€)": e.amount_cents / 100}
            for e in history.earnings
        ]
    )
    figure = px.bar(frame, x="Jahr", y="Entgelt (€)", color="Arbeitgeber")
    ceilings = [y for y in history.years if y.ceiling_cents is not None]
    figure.add_scatter(
        x=[y.year for y in ceilings],
        y=[y.ceiling_cents / 100 for y in ceilings],
        name=CEILING_NAME,
        mode="lines+markers",
        line={"color": "black", "dash": "dash", "shape": "hvh"},
    )
    figure.update_layout(
        barmode="stack",
        separators=",.",
        yaxis_tickformat=",.0f",
        xaxis={"dtick": 1, "title": None},
        legend={"orientation": "h", "y": -0.2},
        height=420,
    )
    return figure
