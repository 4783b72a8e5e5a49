"""Plotly figures for the product owners' KPI page (built from core.dashboard.Dashboard)."""

import plotly.graph_objects as go

from core.dashboard import Dashboard
from core.documents import DOCUMENT_TYPES

HEK_BLUE = "#00509B"
LEVEL_COLOURS = {"basic": "#9DB7D5", "smart": HEK_BLUE, "smarthealth": "#2E9E6A"}
LEVEL_ORDER = ("basic", "smart", "smarthealth")
PROCEDURE_LABELS = {"eid": "eID", "robo": "Robo-Ident"}
DELIVERY_LABELS = {"post": "per Post", "app": "in der App"}
CERTIFICATE_STATUS_LABELS = {"offen": "offen", "erstellt": "erstellt", "versandt": "versandt"}
_LAYOUT = {"height": 330, "margin": {"t": 40, "b": 20, "l": 20, "r": 20}, "separators": ",."}


def intake(data: Dashboard) -> go.Figure:
    days = list(data.intake_per_day)
    figure = go.Figure(
        [
            go.Bar(name=label, x=days, y=[data.intake_per_day[day].get(code, 0) for day in days])
            for code, label in DOCUMENT_TYPES.items()
        ]
    )
    figure.update_layout(
        barmode="stack",
        title=f"Eingang pro Tag nach Dokumentenart ({data.intake_days} Tage)",
        legend={"orientation": "h", "y": -0.15},
        xaxis={"tickformat": "%d.%m.", "hoverformat": "%d.%m.%Y"},
        **_LAYOUT,
    )
    return figure


def backlog(data: Dashboard) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=list(data.backlog_by_age),
            y=list(data.backlog_by_age.values()),
            marker_color=HEK_BLUE,
            text=list(data.backlog_by_age.values()),
        )
    )
    figure.update_layout(title="Offene Vorgänge nach Alter", **_LAYOUT)
    return figure


def open_by_type(data: Dashboard) -> go.Figure:
    codes = sorted(data.open_by_type, key=data.open_by_type.get, reverse=True)
    figure = go.Figure(
        go.Bar(
            y=[DOCUMENT_TYPES.get(code, code) for code in codes],
            x=[data.open_by_type[code] for code in codes],
            orientation="h",
            marker_color=HEK_BLUE,
        )
    )
    figure.update_layout(title="Offene Vorgänge nach Dokumentenart", **_LAYOUT)
    return figure


def adoption(data: Dashboard) -> go.Figure:
    levels = [level for level in LEVEL_ORDER if level in data.members_by_level]
    levels += sorted(set(data.members_by_level) - set(levels))
    figure = go.Figure(
        go.Pie(
            labels=levels,
            values=[data.members_by_level[level] for level in levels],
            marker={"colors": [LEVEL_COLOURS.get(level, "#cccccc") for level in levels]},
            hole=0.45,
            sort=False,
        )
    )
    figure.update_layout(title="Versicherte nach Version", **_LAYOUT)
    return figure


def counts(title: str, values: dict[str, int], labels: dict[str, str]) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=[labels.get(key, key) for key in values],
            y=list(values.values()),
            marker_color=HEK_BLUE,
            text=list(values.values()),
        )
    )
    figure.update_layout(title=title, **_LAYOUT)
    return figure
