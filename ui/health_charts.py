"""Plotly figures for the health record (built from core.health.views rows)."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from core.health.entries import CATEGORY_LABELS
from core.health.views import VISIT_CATEGORIES


def visits_per_year(rows: list[dict]) -> go.Figure:
    """Stacked bars: doctor and dentist visits, check-ups and vaccinations per year."""
    frame = pd.DataFrame(rows, columns=["Jahr", "Art", "Besuche"])
    figure = px.bar(
        frame,
        x="Jahr",
        y="Besuche",
        color="Art",
        category_orders={"Art": [CATEGORY_LABELS[c] for c in VISIT_CATEGORIES]},
    )
    figure.update_layout(
        barmode="stack",
        xaxis={"dtick": 1, "title": None},
        yaxis_title="Besuche",
        legend={"orientation": "h", "y": -0.2, "title": None},
        height=340,
    )
    return figure
