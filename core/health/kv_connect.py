"""KV-Connect (demo): a practice sends a PDF letter into a record by its reference number.

The letter is sealed to the record's public key on arrival; the sender gets a receipt, never
a way back in. In this portal staff accounts stand in for the practice software.
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from core import audit
from core.actors import Actor
from core.errors import NotAllowed
from core.health.entries import Category, entry_payload, locked_account, store_entry
from core.health.errors import RecordNotActive, RecordNotFound
from core.identifiers import PSEUDONYM_PREFIX, InvalidIdentifier, parse_identifier
from core.uploads import IncomingFile, UploadLimits, check_file

LETTER_LIMITS_KINDS = frozenset({"pdf"})
MAX_PRACTICE = 120


@dataclass(frozen=True)
class Delivery:
    receipt: str  # the entry id: proves delivery, opens nothing
    size: int


def send_letter(
    session: Session,
    health: Session,
    *,
    actor: Actor,
    reference_number: str,
    practice: str,
    title: str,
    letter: IncomingFile,
    on: date,
) -> Delivery:
    """Seal a doctor's letter into the record `reference_number` (a typo fails its check)."""
    if not actor.is_staff:
        raise NotAllowed("KV-Connect steht nur Praxen zur Verfügung.")
    practice, title = (practice or "").strip(), (title or "").strip() or "Arztbrief"
    if not practice or len(practice) > MAX_PRACTICE:
        raise NotAllowed("Bitte geben Sie den Namen der Praxis an (höchstens 120 Zeichen).")
    try:
        reference = parse_identifier(reference_number, prefix=PSEUDONYM_PREFIX)
    except InvalidIdentifier:
        raise InvalidIdentifier(
            "Die Referenznummer ist nicht korrekt eingegeben. Bitte prüfen Sie jede Stelle."
        ) from None
    checked = check_file(letter, limits=UploadLimits(allowed_kinds=LETTER_LIMITS_KINDS))
    try:
        account = locked_account(health, reference)
    except RecordNotActive:
        raise RecordNotFound() from None
    payload = entry_payload(
        Category.DOCUMENT,
        on,
        title[:200],
        "",
        "kv_connect",
        details={"Absender": practice},
        document={"name": checked.name, "mime": checked.mime, "size": checked.size},
    )
    entry = store_entry(health, account=account, payload=payload, document=checked.data)
    health.commit()
    # The insurer learns that a letter went out, not to whom: the entry id means nothing here.
    audit.record(
        session,
        actor=actor,
        action="kv_connect_letter_sent",
        subject_type="record_entry",
        subject_id=entry.id,
    )
    session.commit()
    return Delivery(receipt=entry.id, size=entry.size)
