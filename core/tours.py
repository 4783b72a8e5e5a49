"""Guided tours: the FAQ's scenarios as steps a demo persona plays through (tours.json).

A step is done when the audit log shows its action by its persona since the admin's own
session began (the persona sessions the admin opened act under the persona's name). Steps
that leave no trace in the audit log (reading a status, saving a key) carry no condition:
the admin ticks those by hand.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from core.actors import Actor
from core.models.accounts import UserAccount
from core.models.audit import AuditEntry
from core.personas import require_demo_admin
from core.seed import DEMO_PERSONAS

TOURS_FILE = Path(__file__).resolve().parent / "content" / "tours.json"
PERSONAS = {persona.username: persona for persona in DEMO_PERSONAS}


@dataclass(frozen=True)
class DoneWhen:
    """An audit entry by the step's persona that proves the step was done."""

    action: str | None = None
    action_prefix: str | None = None
    details: tuple[tuple[str, str], ...] = ()  # each must equal (or be in) the entry's value
    about: str | None = None  # the entry concerns this persona's member record

    def matches(self, entry: dict[str, Any], member_ids: dict[str, int | None]) -> bool:
        action = entry["action"]
        if self.action is not None and action != self.action:
            return False
        if self.action_prefix is not None and not action.startswith(self.action_prefix):
            return False
        if self.about is not None and entry["member_id"] != member_ids.get(self.about):
            return False
        return all(_detail_matches(entry["details"].get(k), v) for k, v in self.details)


def _detail_matches(actual: Any, expected: str) -> bool:
    if isinstance(actual, list):
        return expected in [str(item) for item in actual]
    return actual is not None and str(actual) == expected


@dataclass(frozen=True)
class TourStep:
    key: str  # "tour/step", unique over all tours
    persona: str
    page: str  # file under pages/; the page may not exist yet ("kommt bald")
    task: str
    done_when: DoneWhen | None  # None: ticked by hand

    @property
    def manual(self) -> bool:
        return self.done_when is None


@dataclass(frozen=True)
class Tour:
    key: str
    title: str
    faq: str
    steps: tuple[TourStep, ...]


def _done_when(raw: dict | None) -> DoneWhen | None:
    if raw is None:
        return None
    return DoneWhen(
        action=raw.get("action"),
        action_prefix=raw.get("action_prefix"),
        details=tuple(sorted((key, str(value)) for key, value in raw.get("details", {}).items())),
        about=raw.get("about"),
    )


@cache
def load_tours(path: Path = TOURS_FILE) -> tuple[Tour, ...]:
    """The tours of tours.json; a step naming an unknown persona is a mistake in the file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    tours = []
    for raw in data["tours"]:
        steps = []
        for step in raw["steps"]:
            if step["persona"] not in PERSONAS:
                raise ValueError(f"tours.json: unknown persona {step['persona']!r}")
            steps.append(
                TourStep(
                    key=f"{raw['key']}/{step['key']}",
                    persona=step["persona"],
                    page=step["page"],
                    task=step["task"],
                    done_when=_done_when(step.get("done_when")),
                )
            )
        tours.append(Tour(key=raw["key"], title=raw["title"], faq=raw["faq"], steps=tuple(steps)))
    return tuple(tours)


def done_steps(
    session: Session, *, admin: Actor, since: datetime, tours: tuple[Tour, ...] | None = None
) -> set[str]:
    """Keys of the steps whose condition the audit log shows since `since`."""
    require_demo_admin(admin)
    tours = tours if tours is not None else load_tours()
    steps = [step for tour in tours for step in tour.steps if step.done_when is not None]
    personas = sorted({step.persona for step in steps})
    entries = session.exec(
        select(AuditEntry.actor, AuditEntry.action, AuditEntry.member_id, AuditEntry.details)
        .where(AuditEntry.occurred_at >= since, col(AuditEntry.actor).in_(personas))
        .order_by(AuditEntry.seq)
    ).all()
    if not entries:
        return set()
    abouts = sorted({step.done_when.about for step in steps if step.done_when.about})
    member_ids = dict(
        session.exec(
            select(UserAccount.username, UserAccount.member_id).where(
                col(UserAccount.username).in_(abouts)
            )
        ).all()
    )
    by_actor: dict[str, list[dict[str, Any]]] = {}
    for actor, action, member_id, details in entries:
        by_actor.setdefault(actor, []).append(
            {"action": action, "member_id": member_id, "details": json.loads(details or "{}")}
        )
    return {
        step.key
        for step in steps
        if any(
            step.done_when.matches(entry, member_ids) for entry in by_actor.get(step.persona, [])
        )
    }
