"""Letter templates (data in core/content/letter_templates.json), placeholders and the PDF.

A template is a starting point: the clerk may edit subject and text before sending. Only the
placeholders in PLACEHOLDERS are filled, from the member's master data; anything else in
braces is refused with a message, so a typo never reaches a member as "{vornme}". Values are
inserted as they are and never parsed again, so a name with braces cannot inject anything.
"""

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from core.errors import DomainError
from core.pdf import HEK_BLUE, TEXT_GREY, HekDocument, printable

TEMPLATES_FILE = Path(__file__).resolve().parent / "content" / "letter_templates.json"
PLACEHOLDERS: dict[str, str] = {
    "anrede": "Anrede mit Namen („Guten Tag Erika Beispiel“)",
    "vorname": "Vorname",
    "nachname": "Nachname",
    "kvnr": "Versichertennummer",
    "datum": "Datum des Schreibens",
    "tracking_id": "Tracking-ID einer Einreichung des Mitglieds",
}
SUBJECT_MAX_CHARS = 200
BODY_MAX_CHARS = 5000


class InvalidLetter(DomainError):
    default_message = "Das Schreiben konnte nicht erstellt werden."


class UnknownPlaceholder(InvalidLetter):
    default_message = "Das Schreiben enthält einen unbekannten Platzhalter."


@dataclass(frozen=True)
class LetterTemplate:
    key: str
    title: str
    subject: str
    body: str


@cache
def letter_templates() -> dict[str, LetterTemplate]:
    """Every template by key, in the order of the file."""
    data = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return {key: LetterTemplate(key=key, **values) for key, values in data.items()}


def get_template(key: str) -> LetterTemplate:
    try:
        return letter_templates()[key]
    except KeyError:
        raise InvalidLetter("Bitte wählen Sie eine Vorlage aus.") from None


def _allowed_list() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def _parsed(text: str) -> list[tuple[str, str | None]]:
    """(literal, placeholder or None) pairs; refuses unknown or decorated placeholders."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise InvalidLetter(
            "Eine geschweifte Klammer ist nicht geschlossen. Für eine Klammer im Text "
            "schreiben Sie bitte {{ oder }}."
        ) from None
    pairs: list[tuple[str, str | None]] = []
    for literal, field_name, format_spec, conversion in parts:
        if field_name is None:
            pairs.append((literal, None))
            continue
        if field_name not in PLACEHOLDERS or format_spec or conversion:
            shown = field_name[:40] or ""
            raise UnknownPlaceholder(
                f"Unbekannter Platzhalter {{{shown}}}. Erlaubt sind: {_allowed_list()}."
            )
        pairs.append((literal, field_name))
    return pairs


def placeholders_in(text: str) -> set[str]:
    """The placeholders a text uses (raises for unknown ones)."""
    return {name for _literal, name in _parsed(text) if name}


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each placeholder replaced by its value; values are not parsed again."""
    out: list[str] = []
    for literal, name in _parsed(text):
        out.append(literal)
        if name is not None:
            if name not in values:
                raise InvalidLetter(f"Für den Platzhalter {{{name}}} fehlt ein Wert.")
            out.append(values[name])
    return "".join(out)


def placeholder_values(
    *, first_name: str, last_name: str, kvnr: str, today: date, tracking_id: str | None
) -> dict[str, str]:
    # The member data holds no gender, so the salutation is the neutral "Guten Tag".
    values = {
        "anrede": f"Guten Tag {first_name} {last_name}",
        "vorname": first_name,
        "nachname": last_name,
        "kvnr": kvnr,
        "datum": today.strftime("%d.%m.%Y"),
    }
    if tracking_id:
        values["tracking_id"] = tracking_id
    return values


@dataclass(frozen=True)
class Addressee:
    name: str
    street: str
    postal_code: str
    city: str
    kvnr: str


def letter_pdf(*, subject: str, body: str, to: Addressee, dated: date, key_id: str) -> bytes:
    """A branded letter: address block, reference line, the text as written (no markup)."""
    document = HekDocument(title=subject, subtitle=f"Schreiben vom {dated:%d.%m.%Y}")
    document.set_font("helvetica", "", 10.5)
    document.set_text_color(*TEXT_GREY)
    for line in (to.name, to.street, f"{to.postal_code} {to.city}"):
        document.cell(0, 5.5, printable(line), new_x="LMARGIN", new_y="NEXT")
    document.ln(3)
    document.set_font("helvetica", "B", 10.5)
    document.cell(
        0, 5.5, printable(f"Versichertennummer: {to.kvnr}"), new_x="LMARGIN", new_y="NEXT"
    )
    document.ln(5)
    document.set_font("helvetica", "", 10.5)
    for paragraph in body.split("\n\n"):
        # markdown=False: the text is shown exactly as the clerk wrote it
        document.multi_cell(
            0, 5.5, printable(paragraph.strip("\n")), align="L", new_x="LMARGIN", new_y="NEXT"
        )
        document.ln(3)
    document.ln(4)
    document.set_font("helvetica", "I", 8.5)
    document.set_text_color(*HEK_BLUE)
    document.multi_cell(
        0,
        4.5,
        align="L",
        text=printable(
            "Dieses Schreiben wurde elektronisch erstellt und ist ohne Unterschrift gültig. "
            f"Seine Echtheit ist mit einer elektronischen Signatur (Schlüssel {key_id}) "
            "gesichert, die Sie im Postfach der Service-App prüfen können."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return document.to_bytes()
