"""`python -m core lifecycle`: records that the FAQ's time limits say must go.

- Membership ended: one month of smarthealth after the last day of membership, then the
  record is deleted (the app itself stays three months; that is the accounts' rule).
- Twelve months without access: the record is kept twelve more months, then deleted.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlmodel import Session, select

from core.actors import SYSTEM
from core.clock import to_berlin
from core.health.models import RecordAccount
from core.health.rules import (
    DELETE_AFTER_MONTHS,
    DORMANT_AFTER_MONTHS,
    add_months,
    smarthealth_access_until,
)
from core.health.termination import delete_record, end_link
from core.models.health_link import HealthLink
from core.models.people import Member

Action = Literal["delete", "dormant"]


@dataclass(frozen=True)
class Decision:
    member_id: int
    reference_number: str
    action: Action
    reason: str
    due: date  # the day the record is (or was) due for deletion


@dataclass(frozen=True)
class LifecycleReport:
    decisions: list[Decision]
    deleted: int
    dry_run: bool


def decide(
    *, membership_end: date | None, last_access: date, today: date
) -> tuple[Action, str, date] | None:
    """The rule for one record; None while nothing is due."""
    if membership_end is not None:
        until = smarthealth_access_until(membership_end)
        if today > until:
            return (
                "delete",
                f"Mitgliedschaft endete am {membership_end:%d.%m.%Y}, Zugang bis {until:%d.%m.%Y}",
                until + timedelta(days=1),
            )
    keep_until = add_months(last_access, DELETE_AFTER_MONTHS)
    if today > keep_until:
        return (
            "delete",
            f"kein Zugriff seit {last_access:%d.%m.%Y} (über {DELETE_AFTER_MONTHS} Monate)",
            keep_until + timedelta(days=1),
        )
    if today > add_months(last_access, DORMANT_AFTER_MONTHS):
        return (
            "dormant",
            f"kein Zugriff seit {last_access:%d.%m.%Y}; Löschung nach {keep_until:%d.%m.%Y}",
            keep_until + timedelta(days=1),
        )
    return None


def plan(session: Session, health: Session, *, today: date) -> list[Decision]:
    links = session.exec(
        select(HealthLink, Member.membership_end)
        .join(Member, Member.id == HealthLink.member_id)
        .where(HealthLink.terminated_at.is_(None))
        .order_by(HealthLink.member_id)
    ).all()
    last_access = dict(
        health.exec(select(RecordAccount.reference_number, RecordAccount.last_access_at)).all()
    )
    decisions = []
    for link, membership_end in links:
        accessed = last_access.get(link.reference_number)
        if accessed is None:
            continue  # nothing stored at the provider for this link
        verdict = decide(
            membership_end=membership_end, last_access=to_berlin(accessed).date(), today=today
        )
        if verdict is not None:
            action, reason, due = verdict
            decisions.append(Decision(link.member_id, link.reference_number, action, reason, due))
    return decisions


def run(session: Session, health: Session, *, today: date, dry_run: bool) -> LifecycleReport:
    """Delete what is due (unless dry_run); dormant records are only reported."""
    decisions = plan(session, health, today=today)
    deleted = 0
    if not dry_run:
        for decision in decisions:
            if decision.action != "delete":
                continue
            delete_record(health, reference=decision.reference_number)
            link = session.get(HealthLink, decision.member_id)
            end_link(
                session,
                link=link,
                actor=SYSTEM,
                action="smarthealth_deleted",
                reason=decision.reason,
            )
            deleted += 1
    return LifecycleReport(decisions=decisions, deleted=deleted, dry_run=dry_run)
