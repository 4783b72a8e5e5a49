"""The Leistungs- und Serviceüberblick (FAQ: "ein großer Leistungs- und Serviceüberblick").

The catalogue is data in the table `benefit`. Its first text comes from
core/content/benefits.json through one function, `seed_catalogue`, which only inserts
entries whose slug is missing and never overwrites an edited row. It runs from
core.seed.seed_demo and, for databases that were never seeded, on the first catalogue
access while the table is empty. After that the back-office owns the text: staff edit
rows (validated, length-limited, audited); nobody edits the JSON of a running portal.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from core import audit
from core.actors import SYSTEM, Actor
from core.clock import utcnow
from core.documents import DOCUMENT_TYPES
from core.errors import DomainError, NotAllowed
from core.models.benefits import (
    KEYWORDS_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Benefit,
    BenefitRead,
)
from core.text_search import fold

CONTENT_FILE = Path(__file__).resolve().parent / "content" / "benefits.json"
DOCUMENT_ACTION = "document:"
CERTIFICATE_ACTION = "certificate"
CONTACT_ACTION = "contact"
HEALTH_CARD_ACTION = "health_card"
# FAQ: "wir empfehlen Ihnen, gleich eine neue Gesundheitskarte bei uns zu beantragen: 08000213213"
HOTLINE = "0800 0213213"
FIELD_LABELS = {
    "title": "Titel",
    "life_situation": "Lebenslage",
    "summary": "Kurzbeschreibung",
    "eligibility": "Wer hat Anspruch?",
    "what_to_send": "Was senden Sie uns?",
    "action": "Aktion",
    "keywords": "Suchbegriffe",
}
FIELD_LIMITS = {
    "title": TITLE_MAX,
    "summary": TEXT_MAX,
    "eligibility": TEXT_MAX,
    "what_to_send": TEXT_MAX,
    "keywords": KEYWORDS_MAX,
}
# Control characters (PostgreSQL refuses NUL in text) except tab and line feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class InvalidBenefit(DomainError):
    default_message = "Der Eintrag konnte nicht gespeichert werden."


class BenefitNotFound(DomainError):
    default_message = "Diesen Eintrag gibt es im Leistungsüberblick nicht."


class BenefitChanged(DomainError):
    default_message = (
        "Der Eintrag wurde inzwischen von jemand anderem geändert. Bitte prüfen Sie die "
        "aktuelle Fassung und speichern Sie erneut."
    )


@dataclass(frozen=True)
class BenefitAction:
    """What the member can do next: send a document of a type, request a certificate, call."""

    kind: str  # document | certificate | contact | health_card
    doc_type: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "document":
            return f"Dokument senden: {DOCUMENT_TYPES[self.doc_type]}"
        return {
            CERTIFICATE_ACTION: "Bescheinigung anfordern",
            CONTACT_ACTION: "Nachricht an die HEK",
            HEALTH_CARD_ACTION: "Neue Gesundheitskarte beantragen",
        }[self.kind]


@dataclass(frozen=True)
class BenefitEdit:
    """The editable fields of one entry, as a clerk submits them."""

    title: str
    life_situation: str
    summary: str
    eligibility: str
    what_to_send: str
    action: str
    keywords: str


def parse_action(action: str) -> BenefitAction:
    """'document:rechnung' → BenefitAction('document', 'rechnung'); InvalidBenefit otherwise."""
    if action.startswith(DOCUMENT_ACTION):
        doc_type = action.removeprefix(DOCUMENT_ACTION)
        if doc_type in DOCUMENT_TYPES:
            return BenefitAction("document", doc_type)
    elif action in (CERTIFICATE_ACTION, CONTACT_ACTION, HEALTH_CARD_ACTION):
        return BenefitAction(action)
    raise InvalidBenefit("Diese Aktion gibt es nicht.")


def action_choices() -> dict[str, str]:
    """Every action a clerk may pick, with its label."""
    values = [f"{DOCUMENT_ACTION}{doc_type}" for doc_type in DOCUMENT_TYPES]
    values += [CERTIFICATE_ACTION, HEALTH_CARD_ACTION, CONTACT_ACTION]
    return {value: parse_action(value).label for value in values}


@cache
def _content() -> dict:
    return json.loads(CONTENT_FILE.read_text(encoding="utf-8"))


def life_situations() -> tuple[str, ...]:
    """The life situations in the catalogue's order (Vorsorge, Schwangerschaft & Familie, …)."""
    return tuple(_content()["life_situations"])


def sort_key(title: str) -> str:
    """Dictionary order (DIN 5007-1): Ä sorts as A, so 'Ärztliche …' follows 'Arbeits…'."""
    decomposed = unicodedata.normalize("NFKD", title.casefold().replace("ß", "ss"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def first_letter(title: str) -> str:
    """The A–Z heading a title is listed under ('Ärztliche …' under A)."""
    letter = sort_key(title.strip()[:1]).upper()[:1]
    return letter if letter.isalpha() else "#"


def _clean(text: str) -> str:
    return _CONTROL.sub("", text or "").strip()


def _keywords(text: str) -> str:
    """Comma-separated, trimmed, each once: 'Ohr,  HNO ,, Ohr' → 'Ohr, HNO'."""
    words = (_clean(word) for word in text.split(","))
    return ", ".join(dict.fromkeys(word for word in words if word))


def _validated(edit: BenefitEdit) -> dict[str, str]:
    values = {field.name: _clean(getattr(edit, field.name)) for field in fields(edit)}
    values["keywords"] = _keywords(values["keywords"])
    for name, value in values.items():
        if not value and name != "keywords":
            raise InvalidBenefit(f"Bitte füllen Sie „{FIELD_LABELS[name]}“ aus.")
        limit = FIELD_LIMITS.get(name)
        if limit is not None and len(value) > limit:
            raise InvalidBenefit(f"„{FIELD_LABELS[name]}“ ist zu lang (höchstens {limit} Zeichen).")
    if values["life_situation"] not in life_situations():
        raise InvalidBenefit("Bitte wählen Sie eine der vorgegebenen Lebenslagen.")
    parse_action(values["action"])
    return values


def seed_catalogue(session: Session) -> int:
    """Insert the JSON entries whose slug is missing; returns how many were inserted.

    Never overwrites a row (staff edits stand). Two first visitors racing both try to
    insert; the loser's unique slug fails and it rolls back: the winner's rows are there.
    """
    existing = set(session.exec(select(Benefit.slug)).all())
    now = utcnow()
    added = 0
    for entry in _content()["benefits"]:
        if entry["slug"] in existing:
            continue
        values = _validated(
            BenefitEdit(
                **{name: entry[name] for name in FIELD_LABELS if name != "keywords"},
                keywords=", ".join(entry.get("keywords", ())),
            )
        )
        session.add(
            Benefit(slug=entry["slug"], updated_at=now, updated_by=SYSTEM.username, **values)
        )
        added += 1
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    return added


def _sorted(rows) -> list[BenefitRead]:
    return sorted(
        (BenefitRead.model_validate(row) for row in rows), key=lambda b: (sort_key(b.title), b.id)
    )


def catalogue(session: Session) -> list[BenefitRead]:
    """Every entry, A–Z; fills an empty table from the JSON first (never-seeded databases)."""
    rows = session.exec(select(Benefit)).all()
    if not rows:
        session.rollback()  # end the read; the seed is its own short write
        seed_catalogue(session)
        rows = session.exec(select(Benefit)).all()
    return _sorted(rows)


def _haystack(entry: BenefitRead) -> str:
    return fold(
        " ".join(
            (
                entry.title,
                entry.life_situation,
                entry.summary,
                entry.eligibility,
                entry.what_to_send,
                entry.keywords,
            )
        )
    )


def search(
    entries: list[BenefitRead], *, query: str = "", life_situation: str | None = None
) -> list[BenefitRead]:
    """Entries of the life situation (or all) whose text contains every word of `query`.

    A word matches anywhere in the text, case- and umlaut-insensitively: 'zahn' finds
    'Zahnersatz', 'Ruecken' finds 'Rückenschule'.
    """
    words = [fold(word) for word in re.split(r"[\s,]+", (query or "").strip()) if word]
    return [
        entry
        for entry in entries
        if (not life_situation or entry.life_situation == life_situation)
        and all(word in _haystack(entry) for word in words)
    ]


def get_benefit(session: Session, *, benefit_id: int) -> BenefitRead:
    row = session.get(Benefit, benefit_id)
    if row is None:
        raise BenefitNotFound()
    return BenefitRead.model_validate(row)


def update_benefit(
    session: Session,
    *,
    actor: Actor,
    benefit_id: int,
    edit: BenefitEdit,
    expected_updated_at: datetime | None = None,
) -> BenefitRead:
    """Staff change an entry's text; audited with the changed fields.

    `expected_updated_at` is the version the clerk started from: if someone saved in
    between, BenefitChanged is raised instead of silently overwriting their edit.
    """
    if not actor.is_staff:
        raise NotAllowed("Den Leistungsüberblick bearbeiten nur Sachbearbeitung und Admins.")
    values = _validated(edit)
    row = session.exec(select(Benefit).where(Benefit.id == benefit_id).with_for_update()).first()
    if row is None:
        raise BenefitNotFound()
    if expected_updated_at is not None and row.updated_at != expected_updated_at:
        session.rollback()
        raise BenefitChanged()
    changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
    if not changed:
        session.rollback()
        return BenefitRead.model_validate(row)
    for name in changed:
        setattr(row, name, values[name])
    row.updated_at = utcnow()
    row.updated_by = actor.username
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="benefit_updated",
        subject_type="benefit",
        subject_id=row.slug,
        details={"fields": changed},
    )
    session.commit()
    return BenefitRead.model_validate(row)


def count_benefits(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Benefit)).one()
