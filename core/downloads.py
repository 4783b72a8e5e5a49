"""The Downloadcenter: a catalogue of public brochures, info sheets and forms, as PDFs.

The catalogue and the texts are data (core/content/downloads.json and downloads/<id>.md);
PDFs are generated on demand. They hold no member data, so callers may cache them.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core import pdf
from core.errors import DomainError
from core.text_search import fold

CONTENT_DIR = Path(__file__).resolve().parent / "content"
CATALOGUE_FILE = CONTENT_DIR / "downloads.json"


class DownloadNotFound(DomainError):
    default_message = "Dieses Dokument gibt es im Downloadcenter nicht."


@dataclass(frozen=True)
class DownloadItem:
    id: str
    title: str
    category: str  # Broschüre, Flyer, Infoblatt, Formular
    description: str
    keywords: tuple[str, ...]
    updated: str  # YYYY-MM

    @property
    def file_name(self) -> str:
        return f"HEK_{self.id}.pdf"

    @property
    def updated_label(self) -> str:
        year, month = self.updated.split("-")
        return f"{month}/{year}"

    def _haystack(self) -> str:
        return fold(" ".join((self.title, self.category, self.description, *self.keywords)))


@cache
def catalogue() -> tuple[DownloadItem, ...]:
    """Every item, in the catalogue's order."""
    raw = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return tuple(
        DownloadItem(
            id=entry["id"],
            title=entry["title"],
            category=entry["category"],
            description=entry["description"],
            keywords=tuple(entry.get("keywords", ())),
            updated=entry["updated"],
        )
        for entry in raw["items"]
    )


def search(query: str) -> list[DownloadItem]:
    """Items whose title, category, description or keywords contain every word of `query`."""
    words = [fold(word) for word in re.split(r"\s+", (query or "").strip()) if word]
    return [item for item in catalogue() if all(word in item._haystack() for word in words)]


def item(item_id: str) -> DownloadItem:
    found = next((entry for entry in catalogue() if entry.id == item_id), None)
    if found is None:
        raise DownloadNotFound()
    return found


def render_pdf(item_id: str) -> bytes:
    """The item as a branded PDF (public content, safe to cache)."""
    entry = item(item_id)
    body = (CONTENT_DIR / "downloads" / f"{entry.id}.md").read_text(encoding="utf-8")
    subtitle = f"{entry.category} · Stand {entry.updated_label}"
    return pdf.markdown_pdf(title=entry.title, subtitle=subtitle, body=body)
