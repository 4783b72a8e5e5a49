"""The member's sealed timeline index: one box to open at unlock instead of one per entry.

Opening an entry is one HPKE open (an X25519 agreement, about 0.15 ms on an idle core), so a
six-year record of 5,000 entries took over a second to show, every unlock. After the member's
session has opened entries one by one, it seals their payloads together, to the record's own
public key, as one box (`RecordIndex`). The next unlock opens that box and only the entries
added since (by the HEK's import, KV-Connect or another device) one by one.

The promise holds: the index is ciphertext only the member's key opens, like every entry.
It adds no trust either: anyone able to write it (the operator) could already replace any
entry's ciphertext, since sealing needs only the public key.
"""

from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from core import crypto
from core.clock import utcnow
from core.health import keys
from core.health.models import RecordEntry, RecordIndex

INDEX_VERSION = 1
FETCH_CHUNK = 500  # entries fetched per query when opening them one by one


def index_context(reference: str) -> crypto.SealContext:
    return crypto.SealContext(reference, "timeline-index", keys.FORMAT_VERSION)


def read_index(
    health: Session, *, reference: str, keypair: crypto.MemberKeyPair
) -> dict[str, dict]:
    """Entry id -> payload from the stored index; empty if there is none or it does not open."""
    row = health.get(RecordIndex, reference)
    if row is None:
        return {}
    try:
        stored = keys.open_json(row.sealed, keypair=keypair, context=index_context(reference))
    except (crypto.DecryptionFailed, ValueError):
        return {}
    if stored.get("v") != INDEX_VERSION or not isinstance(stored.get("entries"), dict):
        return {}
    return stored["entries"]


def open_one_by_one(
    health: Session, *, reference: str, keypair: crypto.MemberKeyPair, entry_ids: list[str]
) -> tuple[dict[str, dict], int]:
    """Payloads of the given entries, fetched in chunks; and how many did not open."""
    opened: dict[str, dict] = {}
    unreadable = 0
    for start in range(0, len(entry_ids), FETCH_CHUNK):
        chunk = entry_ids[start : start + FETCH_CHUNK]
        rows = health.exec(
            select(RecordEntry.id, RecordEntry.sealed).where(
                RecordEntry.reference_number == reference, col(RecordEntry.id).in_(chunk)
            )
        ).all()
        for entry_id, sealed in rows:
            try:
                opened[entry_id] = keys.open_json(
                    sealed, keypair=keypair, context=keys.entry_context(reference, entry_id)
                )
            except (crypto.DecryptionFailed, ValueError):
                unreadable += 1
    return opened, unreadable


def save_index(
    health: Session, *, reference: str, public_key: bytes, payloads: dict[str, dict]
) -> None:
    """Seal the opened payloads as the record's new index and commit.

    The index is a cache: if another session of the member writes it at the same moment,
    this write gives way and the next unlock fills in whatever is missing.
    """
    sealed = keys.seal_json(
        {"v": INDEX_VERSION, "entries": payloads},
        public_key=public_key,
        context=index_context(reference),
    )
    row = health.get(RecordIndex, reference) or RecordIndex(
        reference_number=reference, sealed=b"", entries=0, updated_at=utcnow()
    )
    row.sealed, row.entries, row.updated_at = sealed, len(payloads), utcnow()
    health.add(row)
    try:
        health.commit()
    except (IntegrityError, OperationalError):
        health.rollback()


def index_is_current(indexed: Iterable[str], present: set[str], opened_now: int) -> bool:
    """Nothing newly opened and no entry indexed that is gone: no need to write."""
    return opened_now == 0 and set(indexed) <= present
