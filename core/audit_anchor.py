"""Signed anchors of the audit chain, kept outside the database on write-once storage.

An anchor is the newest entry's seq and link at one moment, signed. Whoever deletes the
newest entries and sets the head back leaves a chain that verifies; against an anchor the
missing entry shows. Because every link covers all entries before it, an anchored link also
proves that nothing up to that entry was changed, even by someone who holds the audit key.

Signed with the portal's Ed25519 key (HEK_SIGNING_KEY) under a domain of its own (see
core.crypto), so one key serves certificates and anchors and neither passes as the other.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from core import crypto
from core.audit import AuditKeyring, ChainReport, verify_chain
from core.clock import to_berlin, utcnow
from core.errors import DomainError
from core.models.audit import AuditEntry, AuditHead
from core.settings import get_secret

_LINK = re.compile(r"[0-9a-f]{64}")


class NothingToAnchor(DomainError):
    default_message = "Das Audit-Protokoll ist leer; es gibt noch nichts zu verankern."


class ChainNotAnchored(DomainError):
    default_message = "Die Kette ist beschädigt; ein Anker würde sie beglaubigen."


class InvalidAnchor(DomainError):
    default_message = (
        "Der Anker ist ungültig: Die Signatur passt nicht zum Inhalt (verändert oder gefälscht)."
    )


@dataclass(frozen=True)
class Anchor:
    seq: int
    link: str
    anchored_at: datetime
    signed_by: str  # the signing key's id

    def describe(self) -> str:
        return f"Eintrag {self.seq} (verankert am {to_berlin(self.anchored_at):%d.%m.%Y %H:%M})"


@dataclass(frozen=True)
class AnchorCheck:
    anchor: Anchor
    confirmed: bool
    message: str  # German, for the operator


def _signing_key() -> crypto.SigningKey:
    return crypto.signing_key_from_text(get_secret("signing_key"))


def verification_keys() -> dict[str, bytes]:
    """Key id -> public key of every key an anchor may carry; the configured one for now."""
    key = _signing_key()
    return {key.key_id: key.public_bytes}


def create_anchor(
    session: Session,
    *,
    signing_key: crypto.SigningKey | None = None,
    keyring: AuditKeyring | None = None,
) -> tuple[Anchor, str]:
    """Verify the chain up to the head, then sign the head: (anchor, text for the file).

    The head is read first and the walk stops there, so appends meanwhile change nothing.
    """
    head = session.get(AuditHead, 1)
    if head is None or head.last_seq == 0:
        raise NothingToAnchor
    chain = verify_chain(session, keyring=keyring, through_seq=head.last_seq)
    if chain.first_break is not None:
        raise ChainNotAnchored(f"Kein Anker erstellt: {chain.first_break.reason}")
    if (chain.last_seq, chain.last_link) != (head.last_seq, head.last_hash):
        raise ChainNotAnchored(
            f"Kein Anker erstellt: Der Kopf nennt Eintrag {head.last_seq}, die Kette endet "
            f"bei Eintrag {chain.last_seq}."
        )
    signing_key = signing_key or _signing_key()
    anchored_at = utcnow().replace(microsecond=0)
    text = crypto.sign_audit_anchor(
        fields={"seq": head.last_seq, "link": head.last_hash, "at": anchored_at.isoformat()},
        signing_key=signing_key,
    )
    return Anchor(head.last_seq, head.last_hash, anchored_at, signing_key.key_id), text


def read_anchor(text: str, *, public_keys: dict[str, bytes] | None = None) -> Anchor:
    """The anchor a file holds; raises InvalidAnchor for a changed or foreign one."""
    checked = crypto.verify_audit_anchor(
        anchor=text.strip(), public_keys=public_keys or verification_keys()
    )
    if checked.status == "unknown_key":
        raise InvalidAnchor(
            f"Der Anker ist mit dem Schlüssel „{checked.key_id}“ signiert, den dieses Portal "
            "nicht kennt; er kann nicht bestätigt werden."
        )
    fields = checked.fields or {}
    seq, link, at = fields.get("seq"), fields.get("link"), fields.get("at")
    if checked.status != "valid" or not isinstance(seq, int) or seq < 1:
        raise InvalidAnchor
    if not isinstance(link, str) or not _LINK.fullmatch(link) or not isinstance(at, str):
        raise InvalidAnchor
    try:
        anchored_at = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidAnchor from None
    return Anchor(seq, link, anchored_at, checked.key_id or "")


def confirm_anchor(session: Session, *, anchor: Anchor, chain: ChainReport) -> AnchorCheck:
    """Whether the chain (as verify_chain reported it) still holds the anchored entry."""
    refused = f"Anker über {anchor.describe()} NICHT bestätigt: "
    broken = chain.first_break
    if broken is not None and broken.seq <= anchor.seq:
        return AnchorCheck(anchor, False, refused + broken.reason)
    entry = session.get(AuditEntry, anchor.seq) if chain.last_seq >= anchor.seq else None
    if entry is None:
        return AnchorCheck(
            anchor,
            False,
            refused + f"Eintrag {anchor.seq} fehlt, die Kette endet bei Eintrag "
            f"{chain.last_seq}: Einträge am Ende wurden gelöscht.",
        )
    if not crypto.links_equal(entry.entry_hash, anchor.link):
        return AnchorCheck(
            anchor,
            False,
            refused + f"Eintrag {anchor.seq} trägt nicht mehr die verankerte Prüfsumme: "
            f"Einträge bis {anchor.seq} wurden ersetzt oder verändert.",
        )
    return AnchorCheck(
        anchor,
        True,
        f"Anker bestätigt: Bis {anchor.describe()} wurde nichts entfernt oder verändert.",
    )
