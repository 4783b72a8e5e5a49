"""Ending a record: every ciphertext and every wrapped key of it deleted, irrevocably.

Used by the member's own termination (FAQ: "Vertrag" > kündigen, export offered first) and
by the lifecycle job. Afterwards the provider database holds no row of the record.
"""

from dataclasses import dataclass

from sqlmodel import Session, delete, func, select

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.health.errors import RecordNotActive, TerminationNotConfirmed
from core.health.models import PROVIDER_TABLES, RecordEntry
from core.health.rules import find_link
from core.models.people import Member, ServiceLevel

CONFIRMATION = "KÜNDIGEN"


@dataclass(frozen=True)
class Deletion:
    entries: int
    bytes: int


def delete_record(health: Session, *, reference: str) -> Deletion:
    """Delete every row of the record, children first; commits."""
    entries, size = health.exec(
        select(func.count(), func.coalesce(func.sum(RecordEntry.size), 0)).where(
            RecordEntry.reference_number == reference
        )
    ).one()
    for table in PROVIDER_TABLES:  # children first
        health.exec(delete(table).where(table.reference_number == reference))
    health.commit()
    return Deletion(entries=entries, bytes=size)


def terminate(session: Session, health: Session, *, actor: Actor, confirmation: str) -> Deletion:
    """The member ends smarthealth; works without unlocking (a lost key must not trap anyone)."""
    link = find_link(session, actor=actor)
    if link is None or link.terminated_at is not None:
        raise RecordNotActive()
    if (confirmation or "").strip().upper() != CONFIRMATION:
        raise TerminationNotConfirmed()
    deletion = delete_record(health, reference=link.reference_number)
    end_link(session, link=link, actor=actor, action="smarthealth_terminated")
    return deletion


def end_link(session: Session, *, link, actor: Actor, action: str, reason: str = "") -> None:
    """The record is gone: the member is back at smart (the eID stays, so they may activate
    smarthealth again later)."""
    link.terminated_at = utcnow()
    session.add(link)
    member = session.get(Member, link.member_id)
    if member is not None and member.service_level == ServiceLevel.SMARTHEALTH:
        member.service_level = ServiceLevel.SMART
        session.add(member)
    audit.record(
        session,
        actor=actor,
        action=action,
        subject_type="health_link",
        subject_id=link.member_id,
        member_id=link.member_id,
        details={"reason": reason} if reason else None,
    )
    session.commit()
