"""Entries of the record: sealed on the way in, opened only with the member's private key.

Every writer (the member, the HEK's import job, a practice via KV-Connect) seals to the
record's public key through `store_entry`, which also keeps the 1 GB quota.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, select

from core import crypto
from core.actors import Actor
from core.clock import utcnow
from core.health import keys, timeline_index
from core.health.errors import EntryNotFound, InvalidEntry, QuotaExceeded, RecordNotActive
from core.health.models import RecordAccount, RecordDocument, RecordEntry
from core.health.rules import QUOTA_BYTES
from core.health.unlock import require_owner
from core.uploads import IncomingFile, UploadLimits, check_file


class Category(StrEnum):
    VACCINATION = "vaccination"
    CHECKUP = "checkup"
    APPOINTMENT = "appointment"
    MEDICATION = "medication"
    DOCUMENT = "document"
    BILLING = "billing"


CATEGORY_LABELS = {
    Category.VACCINATION: "Impfungen",
    Category.CHECKUP: "Vorsorge",
    Category.APPOINTMENT: "Arzt-/Zahnarzttermine",
    Category.MEDICATION: "Medikamente",
    Category.DOCUMENT: "Dokumente",
    Category.BILLING: "Abrechnungsdaten",
}
SOURCE_LABELS = {"manual": "selbst erfasst", "hek": "von der HEK", "kv_connect": "KV-Connect"}
MAX_TITLE, MAX_NOTE = 200, 5000


@dataclass(frozen=True, slots=True)
class EntryView:
    """One opened entry, as the member's session shows it."""

    id: str
    category: Category
    on: date
    title: str
    note: str
    source: str
    created_at: datetime
    size: int
    details: dict[str, str] = field(default_factory=dict)
    document_name: str | None = None
    document_mime: str | None = None

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]


@dataclass(frozen=True)
class Timeline:
    entries: list[EntryView]  # newest first
    unreadable: int  # entries whose seal did not open (moved, changed or foreign)


@dataclass(frozen=True)
class Usage:
    used_bytes: int
    quota_bytes: int = QUOTA_BYTES

    @property
    def fraction(self) -> float:
        return min(self.used_bytes / self.quota_bytes, 1.0)

    @property
    def free_bytes(self) -> int:
        return max(self.quota_bytes - self.used_bytes, 0)


@dataclass(frozen=True)
class DocumentFile:
    name: str
    mime: str
    data: bytes = field(repr=False)


def megabytes(size: int) -> str:
    return f"{size / 1024**2:.1f} MB".replace(".", ",")


def entry_payload(category, on, title, note, source, details=None, document=None) -> dict:
    """What is sealed for one entry (JSON)."""
    return {
        "category": str(category),
        "date": on.isoformat(),
        "title": title,
        "note": note,
        "source": source,
        "details": details or {},
        "document": document,
    }


def locked_account(health: Session, reference: str) -> RecordAccount:
    account = health.exec(
        select(RecordAccount).where(RecordAccount.reference_number == reference).with_for_update()
    ).first()
    if account is None:
        raise RecordNotActive()
    return account


def store_entry(
    health: Session,
    *,
    account: RecordAccount,
    payload: dict,
    document: bytes | None = None,
) -> RecordEntry:
    """Seal an entry (and its file) to the record's public key, within the quota; no commit."""
    reference, entry_id = account.reference_number, keys.new_entry_id()
    sealed = keys.seal_json(
        payload,
        public_key=account.public_key,
        context=keys.entry_context(reference, entry_id),
    )
    sealed_document = None
    if document is not None:
        sealed_document = crypto.seal_for_member(
            plaintext=document,
            recipient_public_key=account.public_key,
            context=keys.document_context(reference, entry_id),
        )
    size = len(sealed) + len(sealed_document or b"")
    if account.used_bytes + size > QUOTA_BYTES:
        free = max(QUOTA_BYTES - account.used_bytes, 0)
        raise QuotaExceeded(
            "Der Speicherplatz Ihrer Gesundheitsakte (1 GB) reicht dafür nicht aus: frei sind "
            f"noch {megabytes(free)}, benötigt werden {megabytes(size)}. Der Eintrag wurde "
            "nicht gespeichert."
        )
    account.used_bytes += size
    entry = RecordEntry(
        id=entry_id,
        reference_number=reference,
        category=payload["category"],
        sealed=sealed,
        size=size,
        created_at=utcnow(),
    )
    health.add(entry)
    health.flush()  # the entry row must exist before its document row (foreign key)
    if sealed_document is not None:
        health.add(
            RecordDocument(entry_id=entry_id, reference_number=reference, sealed=sealed_document)
        )
    health.add(account)
    return entry


def _check_text(title: str, note: str) -> tuple[str, str]:
    title, note = (title or "").strip(), (note or "").strip()
    if not title:
        raise InvalidEntry("Bitte geben Sie einen Titel ein.")
    if len(title) > MAX_TITLE or len(note) > MAX_NOTE:
        raise InvalidEntry(
            f"Titel höchstens {MAX_TITLE} Zeichen, Notiz höchstens {MAX_NOTE} Zeichen."
        )
    return title, note


def _view(entry_id, payload: dict, created_at, size) -> EntryView:
    document = payload.get("document") or {}
    return EntryView(
        id=entry_id,
        category=Category(payload["category"]),
        on=date.fromisoformat(payload["date"]),
        title=payload["title"],
        note=payload.get("note") or "",
        source=payload.get("source") or "manual",
        created_at=created_at,
        size=size,
        details=payload.get("details") or {},
        document_name=document.get("name"),
        document_mime=document.get("mime"),
    )


def add_manual_entry(
    health: Session,
    *,
    actor: Actor,
    unlocked: keys.UnlockedRecord,
    category: Category,
    on: date,
    title: str,
    note: str = "",
    details: dict[str, str] | None = None,
) -> EntryView:
    """A member's own entry (Impfung, Termin, Medikament …), sealed like every other."""
    reference = require_owner(health, actor, unlocked)
    title, note = _check_text(title, note)
    payload = entry_payload(Category(category), on, title, note, "manual", details)
    entry = store_entry(health, account=locked_account(health, reference), payload=payload)
    health.commit()
    return _view(entry.id, payload, entry.created_at, entry.size)


def add_document(
    health: Session,
    *,
    actor: Actor,
    unlocked: keys.UnlockedRecord,
    file: IncomingFile,
    title: str,
    on: date,
    note: str = "",
) -> EntryView:
    """An uploaded document, checked like every upload of the portal (core.uploads)."""
    reference = require_owner(health, actor, unlocked)
    title, note = _check_text(title or file.name, note)
    checked = check_file(file, limits=UploadLimits())
    document = {"name": checked.name, "mime": checked.mime, "size": checked.size}
    payload = entry_payload(Category.DOCUMENT, on, title, note, "manual", document=document)
    account = locked_account(health, reference)
    entry = store_entry(health, account=account, payload=payload, document=checked.data)
    health.commit()
    return _view(entry.id, payload, entry.created_at, entry.size)


def load_timeline(health: Session, *, actor: Actor, unlocked: keys.UnlockedRecord) -> Timeline:
    """Open every entry of the record (documents stay sealed until opened one by one).

    Entries come from the member's sealed index (core.health.timeline_index) where it has
    them; only the others are opened one by one, after which the index is sealed anew.
    """
    reference = require_owner(health, actor, unlocked)
    rows = health.exec(
        select(RecordEntry.id, RecordEntry.created_at, RecordEntry.size).where(
            RecordEntry.reference_number == reference
        )
    ).all()
    indexed = timeline_index.read_index(health, reference=reference, keypair=unlocked.keypair)
    present = {entry_id for entry_id, _, _ in rows}
    missing = [entry_id for entry_id in present if entry_id not in indexed]
    opened_now, unreadable = timeline_index.open_one_by_one(
        health, reference=reference, keypair=unlocked.keypair, entry_ids=missing
    )
    payloads = {**{key: indexed[key] for key in present & indexed.keys()}, **opened_now}
    opened: list[EntryView] = []
    for entry_id, created_at, size in rows:
        if entry_id not in payloads:
            continue
        try:
            opened.append(_view(entry_id, payloads[entry_id], created_at, size))
        except (ValueError, KeyError, TypeError):
            payloads.pop(entry_id)
            unreadable += 1
    if unreadable or not timeline_index.index_is_current(indexed, present, len(opened_now)):
        timeline_index.save_index(
            health, reference=reference, public_key=unlocked.keypair.public_bytes, payloads=payloads
        )
    opened.sort(key=lambda view: (view.on, view.created_at), reverse=True)
    return Timeline(entries=opened, unreadable=unreadable)


def open_document(
    health: Session, *, actor: Actor, unlocked: keys.UnlockedRecord, entry: EntryView
) -> DocumentFile:
    """The original file of a document entry, opened in the member's session."""
    reference = require_owner(health, actor, unlocked)
    row = health.exec(
        select(RecordDocument).where(
            RecordDocument.entry_id == entry.id, RecordDocument.reference_number == reference
        )
    ).first()
    if row is None or entry.document_name is None:
        raise EntryNotFound()
    data = crypto.open_sealed(
        sealed=row.sealed,
        private_key=unlocked.keypair,
        context=keys.document_context(reference, entry.id),
    )
    return DocumentFile(name=entry.document_name, mime=entry.document_mime or "", data=data)


def usage(health: Session, *, actor: Actor, unlocked: keys.UnlockedRecord) -> Usage:
    reference = require_owner(health, actor, unlocked)
    used = health.exec(
        select(RecordAccount.used_bytes).where(RecordAccount.reference_number == reference)
    ).first()
    if used is None:
        raise RecordNotActive()
    return Usage(used_bytes=used)
