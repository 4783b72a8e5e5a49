"""Seeding at the insurer's scale: an ordered list of steps, each a bulk insert in chunks.

`python -m core seed --members 600000` runs STEPS in order: members with their insurance
periods and earnings (core.seed), about ten documents per member over six years, the smart
members' identifications and app accounts, certificates, digital cards, letters with
replies, the bonus programme, smarthealth records with the billing data asked for, and last
fresh planner statistics (ANALYZE). Features that add tables add a SeedStep before that one.
The first step adds `members` new members each time; every later step seeds only members
that have none of its rows yet, so a second run gives the new members theirs. The demo
personas' households are left as the tours expect them.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from core import seed
from core.bulk_writes import analyze
from core.db import make_engine
from core.health.db import get_health_engine
from core.scale_seed.accounts import seed_member_accounts
from core.scale_seed.bonus import seed_bonus
from core.scale_seed.bulk import Progress
from core.scale_seed.cards import seed_digital_cards
from core.scale_seed.certificates import seed_certificates
from core.scale_seed.documents import (
    BULK_LOAD_MEMBERS,
    CHUNK,
    DOCUMENTS_PER_MEMBER,
    HISTORY_YEARS,
    SubmissionFactory,
    bulk_tracking_ids,
    count_members_without_documents,
    insert_submissions,
    seed_identifications,
    seed_submissions,
)
from core.scale_seed.health import seed_health_records
from core.scale_seed.letters import seed_letters

__all__ = [
    "BULK_LOAD_MEMBERS",
    "CHUNK",
    "DOCUMENTS_PER_MEMBER",
    "HISTORY_YEARS",
    "STEPS",
    "Progress",
    "SeedPlan",
    "SeedStep",
    "StepReport",
    "SubmissionFactory",
    "bulk_tracking_ids",
    "count_members_without_documents",
    "insert_submissions",
    "seed_bonus",
    "seed_certificates",
    "seed_digital_cards",
    "seed_health_records",
    "seed_identifications",
    "seed_letters",
    "seed_member_accounts",
    "seed_population",
    "seed_submissions",
]


@dataclass(frozen=True)
class SeedPlan:
    """What `python -m core seed` asked for."""

    members: int
    demo: bool = False  # also the demo personas and their logins
    seed: int = 2026
    today: date = field(default_factory=date.today)
    health_url: str | None = None  # the smarthealth provider's database; None: the configured


@dataclass(frozen=True)
class SeedStep:
    label: str  # German, shown with the progress
    run: Callable[[Engine, SeedPlan, Progress | None], int]  # returns the rows it inserted


@dataclass(frozen=True)
class StepReport:
    label: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _members_step(engine: Engine, plan: SeedPlan, progress: Progress | None) -> int:
    if plan.demo:
        return seed.seed_demo(engine, members=plan.members, progress=progress).members
    report = seed.seed_members(
        engine, count=plan.members, seed=plan.seed, today=plan.today, progress=progress
    )
    return report.members


def _with_seed(
    seeder: Callable[..., int], offset: int
) -> Callable[[Engine, SeedPlan, Progress | None], int]:
    """A step running `seeder` with its own random stream (plan.seed + offset)."""

    def run(engine: Engine, plan: SeedPlan, progress: Progress | None) -> int:
        return seeder(engine, seed=plan.seed + offset, progress=progress)

    return run


def _health_engine(plan: SeedPlan) -> Engine:
    return make_engine(plan.health_url) if plan.health_url else get_health_engine()


def _health_step(engine: Engine, plan: SeedPlan, progress: Progress | None) -> int:
    return seed_health_records(
        engine, health_engine=_health_engine(plan), seed=plan.seed + 8, progress=progress
    )


def _analyze_step(engine: Engine, plan: SeedPlan, progress: Progress | None) -> int:
    """Planner statistics of both databases after the bulk load; inserts nothing."""
    analyze(engine)
    analyze(_health_engine(plan))
    if progress:
        progress(1, 1)
    return 0


# In order; a feature with its own tables adds its step before ANALYZE (members exist from
# step one).
# Accounts come before certificates and letters: requests and replies name their account.
STEPS: list[SeedStep] = [
    SeedStep("Mitglieder, Versicherungszeiten, Entgelte", _members_step),
    SeedStep("Dokumente (ohne Dateien)", _with_seed(seed_submissions, 1)),
    SeedStep("Identifizierungen (smart)", _with_seed(seed_identifications, 2)),
    SeedStep("App-Konten und App-Kommunikation (smart)", _with_seed(seed_member_accounts, 3)),
    SeedStep("Bescheinigungen (Anträge, ausgestellt)", _with_seed(seed_certificates, 4)),
    SeedStep("Digitale Versicherungsausweise", _with_seed(seed_digital_cards, 5)),
    SeedStep("Briefe und Antworten (Texte verschlüsselt)", _with_seed(seed_letters, 6)),
    SeedStep("Bonusprogramm (Teilnahmen, Nachweise)", _with_seed(seed_bonus, 7)),
    SeedStep("smarthealth-Akten mit HEK-Abrechnungsdaten (versiegelt)", _health_step),
    SeedStep("Statistiken für die Abfrageplanung (VACUUM/ANALYZE)", _analyze_step),  # stays last
]


def seed_population(
    engine: Engine,
    plan: SeedPlan,
    *,
    progress_for: Callable[[str], Progress | None] | None = None,
    steps: list[SeedStep] | None = None,
) -> list[StepReport]:
    """Run every step in order; `progress_for(label)` gives each step its progress callback."""
    reports: list[StepReport] = []
    for step in steps if steps is not None else STEPS:
        started = time.perf_counter()
        rows = step.run(engine, plan, progress_for(step.label) if progress_for else None)
        reports.append(StepReport(step.label, rows, time.perf_counter() - started))
    return reports
