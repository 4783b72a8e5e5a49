"""`python -m core lifecycle`: the FAQ's time limits at their edges, dry run, deletion."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from core.db import make_engine
from core.health import lifecycle
from core.health.keys import new_entry_id
from core.health.models import RecordAccount, RecordEntry
from core.models.health_link import HealthLink
from core.models.people import Member
from tests.conftest import fresh_sqlite_url
from tests.service.health_world import TODAY, World, fresh_provider_url, health_world

ROOT = Path(__file__).parents[2]


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


def _decide(*, last_access=date(2026, 1, 1), membership_end=None, today):
    verdict = lifecycle.decide(membership_end=membership_end, last_access=last_access, today=today)
    return verdict and verdict[0]


def test_one_month_after_the_last_day_of_membership_the_record_goes():
    end = date(2026, 1, 31)  # access until 28 February (no 31st), deleted from 1 March
    assert _decide(membership_end=end, today=date(2026, 2, 28)) is None
    assert _decide(membership_end=end, today=date(2026, 3, 1)) == "delete"


def test_twelve_months_without_access_mark_the_record_and_twelve_more_delete_it():
    last = date(2024, 2, 29)
    assert _decide(last_access=last, today=date(2025, 2, 28)) is None
    assert _decide(last_access=last, today=date(2025, 3, 1)) == "dormant"
    assert _decide(last_access=last, today=date(2026, 2, 28)) == "dormant"
    assert _decide(last_access=last, today=date(2026, 3, 1)) == "delete"


def _age(world: World, actor, *, last_access: datetime, membership_end=None):
    """Activate, add an entry, then move the last access (and membership end) back in time."""
    unlocked, _key = world.activate(actor, today=date(2023, 1, 1))
    with world.sessions() as (session, health):
        account = health.get(RecordAccount, unlocked.reference_number)
        account.last_access_at = last_access
        health.add(account)
        health.add(
            RecordEntry(
                id=new_entry_id(),
                reference_number=unlocked.reference_number,
                category="checkup",
                sealed=b"\x01sealed",
                size=7,
                created_at=last_access,
            )
        )
        health.commit()
        member = session.get(Member, actor.member_id)
        member.membership_end = membership_end
        session.add(member)
        session.commit()
    return unlocked.reference_number


def _run(world, *, dry_run, today=TODAY):
    with world.sessions() as (session, health):
        return lifecycle.run(session, health, today=today, dry_run=dry_run)


def test_the_job_deletes_what_is_due_reports_the_dormant_and_keeps_the_rest(world):
    old = _age(world, world.member(), last_access=datetime(2024, 11, 1, 12, tzinfo=UTC))
    resting = _age(world, world.member(), last_access=datetime(2025, 6, 1, 12, tzinfo=UTC))
    recent = _age(world, world.member(), last_access=datetime(2026, 10, 1, 12, tzinfo=UTC))
    former = _age(
        world,
        world.member(),
        last_access=datetime(2026, 10, 1, 12, tzinfo=UTC),
        membership_end=date(2026, 9, 30),
    )

    planned = _run(world, dry_run=True)
    actions = {decision.reference_number: decision.action for decision in planned.decisions}
    assert actions == {old: "delete", resting: "dormant", former: "delete"}
    assert planned.deleted == 0
    with world.sessions() as (_session, health):
        assert len(health.exec(select(RecordAccount)).all()) == 4  # a dry run changes nothing

    done = _run(world, dry_run=False)
    assert done.deleted == 2
    with world.sessions() as (session, health):
        left = set(health.exec(select(RecordAccount.reference_number)).all())
        assert left == {resting, recent}
        assert {e.reference_number for e in health.exec(select(RecordEntry))} == left
        ended = session.exec(select(HealthLink).where(HealthLink.terminated_at.is_not(None)))
        assert {link.reference_number for link in ended} == {old, former}


def test_the_command_line_dry_run_lists_and_changes_nothing(tmp_path):
    insurer_url, provider_url = fresh_sqlite_url(), fresh_provider_url()
    world = World(make_engine(insurer_url), make_engine(provider_url))
    with pytest.MonkeyPatch.context() as patch:
        from core.health import keys

        patch.setattr(keys, "DEVICE_WRAP_COST", {"memory_cost": 8, "iterations": 1, "lanes": 1})
        reference = _age(world, world.member(), last_access=datetime(2024, 1, 1, tzinfo=UTC))
    result = subprocess.run(
        [sys.executable, "-m", "core", "lifecycle", "--dry-run"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": insurer_url, "HEALTH_DATABASE_URL": provider_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{reference}\tlöschen\tkein Zugriff seit 01.01.2024" in result.stdout
    assert "Probelauf: 1 Akte(n) wären zu löschen" in result.stdout
    with world.sessions() as (_session, health):
        assert health.exec(select(RecordAccount)).all()
    world.insurer.dispose()
    world.provider.dispose()
