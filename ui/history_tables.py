"""Table rows for insurance periods, shared by the member's own page and the clerk's file."""

from core.histories import InsuranceHistory
from ui.components import format_date


def period_rows(history: InsuranceHistory) -> list[dict[str, str]]:
    """Newest period first, in German."""
    return [
        {
            "Art": period.kind,
            "Beginn": format_date(period.start),
            "Ende": format_date(period.end) if period.end else "laufend",
            "Arbeitgeber": period.employer or "–",
        }
        for period in reversed(history.periods)
    ]
