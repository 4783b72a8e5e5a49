"""Append-only, hash-chained audit log.

Each entry's hash covers its own fields and the previous entry's hash, so editing or
deleting any row breaks the chain; the head row (newest seq and hash) catches a deleted
tail. Appends lock the head row, so concurrent writers cannot fork the chain.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from core.actors import Actor
from core.clock import utcnow
from core.errors import NotAllowed
from core.models.accounts import Role
from core.models.audit import AuditEntry, AuditHead

GENESIS_HASH = "0" * 64


def _entry_hash(entry: AuditEntry) -> str:
    payload = json.dumps(
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
    return hashlib.sha256((entry.prev_hash + payload).encode()).hexdigest()


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
    entry.entry_hash = _entry_hash(entry)
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
class ChainReport:
    entries: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(session: Session, *, batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order and report every break (German)."""
    problems: list[str] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    last_seq = 0
    while True:
        batch = session.exec(
            select(AuditEntry)
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch_size)
        ).all()
        if not batch:
            break
        for entry in batch:
            count += 1
            if entry.seq != expected_seq:
                problems.append(f"Eintrag {expected_seq} bis {entry.seq - 1} fehlt (gelöscht).")
            if entry.prev_hash != expected_prev:
                problems.append(f"Eintrag {entry.seq}: Verkettung zum Vorgänger ist gebrochen.")
            if _entry_hash(entry) != entry.entry_hash:
                problems.append(f"Eintrag {entry.seq}: Inhalt wurde verändert.")
            expected_prev = entry.entry_hash
            expected_seq = entry.seq + 1
            last_seq = entry.seq
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != last_seq or head.last_hash != expected_prev):
        problems.append(
            f"Das Ende der Kette passt nicht: erwartet Eintrag {head.last_seq}, "
            f"gefunden {last_seq} (Einträge am Ende gelöscht oder verändert)."
        )
    return ChainReport(entries=count, problems=problems)


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
