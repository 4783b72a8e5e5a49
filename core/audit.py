"""Append-only, keyed, hash-chained audit log.

Each entry's link is an HMAC-SHA256 under the audit key (HEK_AUDIT_KEY, never stored in the
database) over its own fields and the previous entry's link, so editing, deleting or
inserting a row breaks the chain, and someone who can write to the database but lacks the
key cannot re-link it. The head row (newest seq and link) catches a deleted tail; a signed
anchor kept outside (core.audit_anchor) catches a tail deleted together with the head.
Appends lock the head row, so concurrent writers cannot fork the chain.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlmodel import Session, select

from core import crypto
from core.actors import Actor
from core.clock import utcnow
from core.errors import DomainError, NotAllowed
from core.models.accounts import Role
from core.models.audit import AuditEntry, AuditHead
from core.settings import get_optional_secret, get_secret

GENESIS_HASH = "0" * 64


class AuditKeyringMisconfigured(DomainError):
    default_message = (
        "Die Audit-Schlüssel sind widersprüchlich konfiguriert: Zwei verschiedene Schlüssel "
        "tragen dieselbe Kennung (HEK_AUDIT_KEY, HEK_OLD_AUDIT_KEYS)."
    )


@dataclass(frozen=True)
class AuditKeyring:
    """The key new entries are linked with, and older ones entries before a rotation carry."""

    current: crypto.AuditKey
    older: tuple[crypto.AuditKey, ...] = ()

    def lookup(self, key_id: str | None) -> crypto.AuditKey | None:
        return next((key for key in (self.current, *self.older) if key.key_id == key_id), None)


@cache
def _audit_key(text: str) -> crypto.AuditKey:
    return crypto.audit_key_from_text(text)


def configured_audit_keyring() -> AuditKeyring:
    """HEK_AUDIT_KEY links new entries; the comma-separated HEK_OLD_AUDIT_KEYS verify entries
    linked before a rotation ('ak-1:base64url' each, like HEK_KEK)."""
    current = _audit_key(get_secret("audit_key"))
    older: list[crypto.AuditKey] = []
    for text in (get_optional_secret("old_audit_keys") or "").split(","):
        if text.strip():
            key = _audit_key(text.strip())
            if key == current or key in older:
                continue
            if any(known.key_id == key.key_id for known in (current, *older)):
                raise AuditKeyringMisconfigured
            older.append(key)
    return AuditKeyring(current=current, older=tuple(older))


def entry_link(entry: AuditEntry, audit_key: crypto.AuditKey) -> str:
    """The entry's link: its fields and its predecessor's link, keyed (core.crypto)."""
    fields = json.dumps(
        [
            entry.seq,
            entry.occurred_at.isoformat(),
            entry.actor,
            entry.actor_role,
            entry.action,
            entry.subject_type,
            entry.subject_id,
            entry.member_id,
            entry.details,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return crypto.audit_link(audit_key=audit_key, message=(entry.prev_hash + fields).encode())


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str | int,
    member_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry inside the caller's transaction (commit is the caller's)."""
    audit_key = _audit_key(get_secret("audit_key"))
    # The genesis row is created by the first migration; locking it serialises appends.
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    entry = AuditEntry(
        seq=head.last_seq + 1,
        occurred_at=utcnow(),
        actor=actor.username,
        actor_role=str(actor.role),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        member_id=member_id,
        details=json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
        prev_hash=head.last_hash,
    )
    entry.key_id = audit_key.key_id
    entry.entry_hash = entry_link(entry, audit_key)
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    session.add(entry)
    session.add(head)
    session.flush()
    return entry


def record_look(
    session: Session,
    *,
    actor: Actor,
    action: str,
    subject_type: str,
    member_ids: Iterable[int],
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Audit one look at a list of members' data (one entry naming every member shown), commit.

    The entry's member_id is set when the look showed exactly one member, so a member's own
    audit trail finds it; `details["members"]` always lists them all.
    """
    shown = sorted(set(member_ids))
    entry = record(
        session,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id="*",
        member_id=shown[0] if len(shown) == 1 else None,
        details={**(details or {}), "members": shown},
    )
    session.commit()
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int  # the first entry that does not verify (or is missing)
    reason: str  # a German sentence naming it


@dataclass(frozen=True)
class ChainReport:
    entries: int  # entries verified, up to the first break
    last_seq: int  # the newest entry verified
    last_link: str
    first_break: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        return self.first_break is None

    @property
    def problems(self) -> list[str]:
        return [self.first_break.reason] if self.first_break else []


def _break_at(
    entry: AuditEntry, *, expected_seq: int, expected_prev: str, keyring: AuditKeyring
) -> ChainBreak | None:
    seq = entry.seq
    if seq != expected_seq:
        if seq == expected_seq + 1:
            return ChainBreak(expected_seq, f"Eintrag {expected_seq} fehlt (gelöscht).")
        return ChainBreak(expected_seq, f"Einträge {expected_seq} bis {seq - 1} fehlen (gelöscht).")
    if entry.key_id is None:
        return ChainBreak(
            seq,
            f"Eintrag {seq}: nicht mit dem Audit-Schlüssel verkettet (eingefügt oder "
            "verändert, oder die Kette war hier schon vor der Umstellung auf den Schlüssel "
            "gebrochen).",
        )
    if entry.prev_hash != expected_prev:
        return ChainBreak(
            seq,
            f"Eintrag {seq}: Die Verkettung zum Vorgänger ist gebrochen (ein Eintrag davor "
            "wurde entfernt, ersetzt oder verändert).",
        )
    audit_key = keyring.lookup(entry.key_id)
    if audit_key is None:
        named = f"„{entry.key_id}“" if crypto.is_key_id(entry.key_id) else "(ungültig)"
        return ChainBreak(
            seq,
            f"Eintrag {seq}: mit dem Schlüssel {named} verkettet, der nicht konfiguriert "
            "ist; ältere Audit-Schlüssel gehören in HEK_OLD_AUDIT_KEYS.",
        )
    if not crypto.links_equal(entry_link(entry, audit_key), entry.entry_hash):
        return ChainBreak(
            seq,
            f"Eintrag {seq}: Inhalt oder Prüfsumme wurde verändert (die Prüfsumme passt nicht "
            f"zum Schlüssel „{audit_key.key_id}“).",
        )
    return None


def verify_chain(
    session: Session,
    *,
    keyring: AuditKeyring | None = None,
    through_seq: int | None = None,
    batch_size: int = 5000,
) -> ChainReport:
    """Walk the chain in order (up to through_seq, else to the head) and stop at the first
    entry that does not verify; without through_seq the head must match the last entry."""
    keyring = keyring or configured_audit_keyring()
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    while True:
        query = select(AuditEntry).where(AuditEntry.seq >= expected_seq)
        if through_seq is not None:
            query = query.where(AuditEntry.seq <= through_seq)
        batch = session.exec(query.order_by(AuditEntry.seq).limit(batch_size)).all()
        if not batch:
            break
        for entry in batch:
            broken = _break_at(
                entry, expected_seq=expected_seq, expected_prev=expected_prev, keyring=keyring
            )
            if broken:
                return ChainReport(count, expected_seq - 1, expected_prev, broken)
            count += 1
            expected_prev, expected_seq = entry.entry_hash, entry.seq + 1
    last_seq = expected_seq - 1
    head = session.get(AuditHead, 1) if through_seq is None else None
    if head is not None and (head.last_seq, head.last_hash) != (last_seq, expected_prev):
        first = min(head.last_seq, last_seq) + 1 if head.last_seq != last_seq else last_seq
        reason = (
            f"Das Ende der Kette passt nicht: Der Kopf nennt Eintrag {head.last_seq}, die "
            f"Kette endet bei Eintrag {last_seq} (Einträge am Ende gelöscht oder verändert)."
        )
        return ChainReport(count, last_seq, expected_prev, ChainBreak(first, reason))
    return ChainReport(count, last_seq, expected_prev)


def recent_entries(session: Session, *, limit: int = 50) -> list[AuditEntry]:
    """Newest entries first (admins only see this page)."""
    rows = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)).all()
    return [AuditEntry.model_validate(row) for row in rows]


@dataclass(frozen=True)
class AuditLine:
    """One entry as the admin's audit page shows it: who did what when, and to how many
    members, never to which (ids, search texts and other details stay in the log)."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    subject: str
    members: int


def _members_named(entry: AuditEntry) -> int:
    details = json.loads(entry.details or "{}")
    named = {entry.member_id} if entry.member_id is not None else set()
    for key in ("members", "household"):  # record_look's list; a file's household tab
        if isinstance(details.get(key), list):
            named.update(details[key])
    if entry.subject_type == "member" and entry.subject_id.isdigit():
        named.add(int(entry.subject_id))
    return len(named)


def _line(entry: AuditEntry) -> AuditLine:
    by_id = entry.subject_type != "member" and entry.subject_id != "*"
    return AuditLine(
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        actor=entry.actor,
        action=entry.action,
        subject=f"{entry.subject_type} {entry.subject_id}" if by_id else entry.subject_type,
        members=_members_named(entry),
    )


def audit_log(
    session: Session, *, actor: Actor, limit: int = 50, record_view: bool = True
) -> list[AuditLine]:
    """The newest entries for the admins' audit page. Reading the log is a look too: each one
    is audited (the entries shown, by number), and commits. A redraw passes record_view=False."""
    if actor.role != Role.ADMIN:
        raise NotAllowed()
    rows = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)).all()
    lines = [_line(row) for row in rows]
    if record_view:
        shown = [line.seq for line in lines]
        record_look(
            session,
            actor=actor,
            action="view_audit_log",
            subject_type="audit_log",
            member_ids=(),
            details={
                "entries": len(shown),
                "from": min(shown, default=None),
                "to": max(shown, default=None),
            },
        )
    return lines
