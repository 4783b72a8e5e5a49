"""What the record page shows, computed from opened entries: filters, search, visits per year."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from core.health.entries import CATEGORY_LABELS, SOURCE_LABELS, Category, EntryView

VISIT_CATEGORIES = (Category.APPOINTMENT, Category.CHECKUP, Category.VACCINATION)


@dataclass(frozen=True)
class EntryFilter:
    category: Category | None = None
    query: str = ""
    first_year: int | None = None
    last_year: int | None = None
    sources: frozenset[str] = frozenset()  # empty: every source


def _haystack(view: EntryView) -> str:
    parts = [view.title, view.note, view.document_name or "", *view.details.values()]
    return " ".join(parts).casefold()


def filter_entries(entries: Iterable[EntryView], chosen: EntryFilter) -> list[EntryView]:
    """Entries matching every given criterion; the search looks at title, note and details."""
    words = chosen.query.casefold().split()
    return [
        view
        for view in entries
        if (chosen.category is None or view.category == chosen.category)
        and (chosen.first_year is None or view.on.year >= chosen.first_year)
        and (chosen.last_year is None or view.on.year <= chosen.last_year)
        and (not chosen.sources or view.source in chosen.sources)
        and all(word in _haystack(view) for word in words)
    ]


def visits_per_year(entries: Iterable[EntryView]) -> list[dict]:
    """Doctor and dentist visits, check-ups and vaccinations counted per year and kind."""
    counts = Counter(
        (view.on.year, view.category) for view in entries if view.category in VISIT_CATEGORIES
    )
    return [
        {"Jahr": year, "Art": CATEGORY_LABELS[category], "Besuche": count}
        for (year, category), count in sorted(counts.items())
    ]


def timeline_rows(entries: Iterable[EntryView]) -> list[dict]:
    """One table row per entry, newest first as given."""
    return [
        {
            "Datum": view.on,
            "Kategorie": view.category_label,
            "Titel": view.title,
            "Details": "; ".join(f"{key}: {value}" for key, value in view.details.items()),
            "Notiz": view.note,
            "Quelle": SOURCE_LABELS.get(view.source, view.source),
            "Dokument": view.document_name or "",
        }
        for view in entries
    ]


def year_span(entries: Iterable[EntryView]) -> tuple[int, int] | None:
    years = [view.on.year for view in entries]
    return (min(years), max(years)) if years else None
