"""Rebuild the demo data in place: every row goes, the demo personas and members come back.

Demo mode only, admins only. The schema and its alembic revision stay; the audit chain
starts again from its genesis row (as migration 0001 creates it) with the reset as its
first entry. Every session ends with the rows, the resetting admin's own included.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, MetaData, insert, text

from core import audit
from core.actors import Actor
from core.audit import GENESIS_HASH
from core.db import is_sqlite, session_scope
from core.models.audit import AuditHead
from core.personas import require_demo_admin
from core.scale_seed import STEPS, SeedPlan, seed_population

DEMO_MEMBERS = 200  # as `make run` seeds
KEEP = frozenset({"alembic_version", "record_alembic_version"})  # schema revisions stay

# fraction done (0..1) and a German line saying what happens; st.progress fits it as is
ResetProgress = Callable[[float, str], None]


@dataclass(frozen=True)
class ResetReport:
    tables_cleared: int
    rows_seeded: int
    seconds: float


def _tables_in_dependency_order(engine: Engine) -> list:
    """Every table of the database, children before parents.

    Reflected from the database rather than taken from SQLModel.metadata, so tables of
    features whose models this process did not import are cleared too.
    """
    reflected = MetaData()
    reflected.reflect(bind=engine)
    return [table for table in reversed(reflected.sorted_tables) if table.name not in KEEP]


def _clear(engine: Engine, tables: list, progress: ResetProgress, *, genesis: bool = True) -> None:
    with session_scope(write=True, engine=engine) as session:
        if is_sqlite(engine):
            for number, table in enumerate(tables, start=1):
                session.execute(table.delete())
                progress(0.3 * number / len(tables), f"Tabelle {table.name} geleert")
        else:  # one statement, ids restart at 1 as in a fresh database
            names = ", ".join(f'"{table.name}"' for table in tables)
            session.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
            progress(0.3, f"{len(tables)} Tabellen geleert")
        if genesis:  # the chain's genesis, exactly as migration 0001 inserts it
            session.execute(insert(AuditHead).values(id=1, last_seq=0, last_hash=GENESIS_HASH))
        session.commit()


def reset_demo(
    engine: Engine,
    *,
    actor: Actor,
    progress: ResetProgress | None = None,
    members: int = DEMO_MEMBERS,
    health_engine: Engine | None = None,
) -> ResetReport:
    """Drop all rows, then seed the demo again; refused outside demo mode and for non-admins.

    `health_engine`: the smarthealth provider's database, emptied too (records of the demo
    personas would otherwise outlive the links that point at them).
    """
    require_demo_admin(actor)
    report_progress = progress or (lambda _fraction, _text: None)
    started = time.perf_counter()
    report_progress(0.0, "Daten werden gelöscht …")
    tables = _tables_in_dependency_order(engine)
    _clear(engine, tables, report_progress)
    if health_engine is not None and health_engine.url != engine.url:
        _clear(
            health_engine,
            _tables_in_dependency_order(health_engine),
            lambda _fraction, text: report_progress(0.3, f"smarthealth: {text}"),
            genesis=False,
        )

    labels = [step.label for step in STEPS]

    def step_progress(label: str):
        """Each seeding step fills its own share of the bar after the 30 % for clearing."""
        first = 0.3 + 0.7 * labels.index(label) / len(labels)

        def report(done: int, total: int) -> None:
            share = min(done / total, 1.0) if total else 1.0
            counted = f"{done:,} von {total:,}".replace(",", ".")
            report_progress(first + 0.7 * share / len(labels), f"{label}: {counted}")

        return report

    steps = seed_population(
        engine, SeedPlan(members=members, demo=True), progress_for=step_progress
    )
    with session_scope(write=True, engine=engine) as session:
        audit.record(
            session,
            actor=actor,
            action="reset_demo",
            subject_type="database",
            subject_id="demo",
            details={"tables": len(tables), "members": members},
        )
        session.commit()
    report_progress(1.0, "Demodaten sind neu aufgebaut.")
    return ResetReport(
        tables_cleared=len(tables),
        rows_seeded=sum(step.rows for step in steps),
        seconds=time.perf_counter() - started,
    )


def reset_live_demo(*, actor: Actor, progress: ResetProgress | None = None) -> ResetReport:
    """Reset the portal's own databases: the insurer's and the smarthealth provider's."""
    require_demo_admin(actor)
    from core.db import get_engine  # deferred: tests pass their own engines to reset_demo
    from core.health.db import get_health_engine

    return reset_demo(
        get_engine(), actor=actor, progress=progress, health_engine=get_health_engine()
    )
