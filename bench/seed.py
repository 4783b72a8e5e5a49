"""Bulk seeding: rows per second on SQLite and PostgreSQL, documents and every later step.

Run: .venv/bin/python bench/seed.py  (PostgreSQL too when TEST_POSTGRES_URL is set, as
`make bench` does through scripts/with-postgres.sh). Every document figure is a median of
several runs beside a baseline measured in the same run: a bare executemany (SQLite) or COPY
(PostgreSQL) of one text column into a table without indexes, the driver's floor. The later
steps (accounts, certificates, cards, encrypted letters, bonus, sealed smarthealth data) run
once each on the same members, after the demo's clerks exist.
"""

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HEK_MODE", "demo")
os.environ.setdefault("HEK_DATA_DIR", tempfile.mkdtemp(prefix="hek-bench-seed-"))

from sqlalchemy import Engine, insert, text
from sqlmodel import select

from core import migrate, scale_seed, seed
from core.db import is_sqlite, make_engine, session_scope
from core.identifiers import new_tracking_id
from core.models.documents import Submission
from core.models.people import Member
from core.scale_seed import (
    SubmissionFactory,
    bulk_tracking_ids,
    insert_submissions,
    seed_submissions,
)
from core.seed import seed_members

MEMBERS = 3000  # about 30,000 submission rows per run
RUNS = 3
ID_BATCH = 100_000


def _median_rate(rows: int, prepare: Callable[[], object], action: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        prepare()
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return rows / statistics.median(timings)


def _databases() -> list[tuple[str, str, Callable[[], None]]]:
    """(label, url, drop) for SQLite and, when available, a throwaway PostgreSQL database."""
    folder = Path(tempfile.mkdtemp(prefix="hek-bench-seed-"))
    found = [("SQLite", f"sqlite:///{folder / 'bench.db'}", lambda: None)]
    server = os.environ.get("TEST_POSTGRES_URL")
    if server:
        name = f"bench_seed_{uuid.uuid4().hex[:8]}"
        admin = make_engine(f"{server}/postgres").execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()

        found.append(("PostgreSQL", f"{server}/{name}", drop))
    return found


def _empty_submissions(engine: Engine) -> None:
    with session_scope(write=True, engine=engine) as session:
        session.execute(Submission.__table__.delete())
        session.commit()


def _prebuilt_rows(engine: Engine) -> list[dict]:
    with session_scope(engine=engine) as session:
        members = session.exec(
            select(Member.id, Member.membership_start, Member.membership_end).order_by(Member.id)
        ).all()
    factory = SubmissionFactory(random.Random(7), now=datetime.now(UTC), clerk_ids=[])
    rows = [row for member in members for row in factory.for_member(*member)]
    for row, tracking_id in zip(rows, bulk_tracking_ids(len(rows)), strict=True):
        row["tracking_id"] = tracking_id
    return rows


def _bare_floor(engine: Engine, values: list[str]) -> Callable[[], None]:
    """One text column, no index, no constraint: what the driver itself can insert."""
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_floor"))
        connection.execute(text("CREATE TABLE bench_floor (tracking_id VARCHAR(32))"))

    def insert_floor() -> None:
        with engine.begin() as connection:
            cursor = connection.connection.driver_connection.cursor()
            if is_sqlite(engine):
                cursor.executemany(
                    "INSERT INTO bench_floor (tracking_id) VALUES (?)", [(v,) for v in values]
                )
            else:
                with cursor.copy("COPY bench_floor (tracking_id) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row((value,))

    return insert_floor


def _backend_rows(label: str, url: str) -> list[dict]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    seed_members(engine, count=MEMBERS, seed=3)
    prebuilt = _prebuilt_rows(engine)
    count = len(prebuilt)
    floor = _bare_floor(engine, [row["tracking_id"] for row in prebuilt])

    def clear_floor() -> None:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM bench_floor"))

    def copies() -> list[dict]:
        return [dict(row) for row in prebuilt]  # the SQLite path rewrites datetimes in place

    fresh: list[list[dict]] = []

    def prepare_prebuilt() -> None:
        _empty_submissions(engine)
        fresh[:] = [copies()]

    def sqlalchemy_core() -> None:
        for offset in range(0, count, 20_000):
            with session_scope(write=True, engine=engine) as session:
                session.execute(insert(Submission.__table__), fresh[0][offset : offset + 20_000])
                session.commit()

    def ours_insert() -> None:
        for offset in range(0, count, 20_000):
            insert_submissions(engine, fresh[0][offset : offset + 20_000])

    def bulk_load() -> None:
        threshold = scale_seed.documents.BULK_LOAD_MEMBERS
        scale_seed.documents.BULK_LOAD_MEMBERS = 1  # as for 50,000 members and more
        try:
            seed_submissions(engine, seed=7)
        finally:
            scale_seed.documents.BULK_LOAD_MEMBERS = threshold

    measured = {
        "seed_submissions (generate + insert)": _median_rate(
            count, lambda: _empty_submissions(engine), lambda: seed_submissions(engine, seed=7)
        ),
        "seed_submissions, indexes built afterwards": _median_rate(
            count, lambda: _empty_submissions(engine), bulk_load
        ),
        "insert only, pre-built rows (ours)": _median_rate(count, prepare_prebuilt, ours_insert),
        "insert only, pre-built rows (SQLAlchemy Core)": _median_rate(
            count, prepare_prebuilt, sqlalchemy_core
        ),
    }
    baseline = _median_rate(count, clear_floor, floor)
    steps = _later_steps(engine, url)
    engine.dispose()
    return [
        {
            "benchmark": name,
            "backend": label,
            "rows": count,
            "value": round(rate),
            "baseline": round(baseline),
            "ratio": rate / baseline,
        }
        for name, rate in measured.items()
    ] + [
        {
            "benchmark": f"step (one run): {step.label}",
            "backend": label,
            "rows": step.rows,
            "value": round(step.rate),
            "baseline": round(baseline),
            "ratio": step.rate / baseline,
        }
        for step in steps
    ]


def _later_steps(engine: Engine, url: str) -> list[scale_seed.StepReport]:
    """Every step after the documents on the bench's members (the provider's tables in the
    same database: they keep their own metadata and version table)."""
    seed.seed_demo(engine, members=0)  # personas and clerks: letters and certificates name one
    plan = scale_seed.SeedPlan(members=0, health_url=url)
    return scale_seed.seed_population(engine, plan, steps=scale_seed.STEPS[2:])


def _tracking_id_rows() -> list[dict]:
    single = _median_rate(
        ID_BATCH, lambda: None, lambda: [new_tracking_id() for _ in range(ID_BATCH)]
    )
    bulk = _median_rate(ID_BATCH, lambda: None, lambda: bulk_tracking_ids(ID_BATCH))
    return [
        {
            "benchmark": "tracking IDs: bulk_tracking_ids",
            "backend": "–",
            "rows": ID_BATCH,
            "value": round(bulk),
            "baseline": round(single),
            "ratio": bulk / single,
        }
    ]


def run() -> list[dict]:
    """Rows: benchmark, backend, rows, value (rows/s), baseline (rows/s), ratio."""
    rows = _tracking_id_rows()
    for label, url, drop in _databases():
        try:
            rows.extend(_backend_rows(label, url))
        finally:
            drop()
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| benchmark | database | rows | ours | baseline | ratio |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['benchmark']} | {row['backend']} | {row['rows']:,} | "
            f"{row['value']:,} rows/s | {row['baseline']:,} rows/s | {row['ratio']:.2f} |"
        )
    lines.append(
        "\nBaseline: a bare executemany (SQLite) or COPY (PostgreSQL) of the same tracking IDs "
        "into a one-column table without indexes; for tracking IDs, one "
        "`core.identifiers.new_tracking_id()` call per ID."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(f"median of {RUNS} runs, {MEMBERS:,} members\n")
    print(markdown(run()))
