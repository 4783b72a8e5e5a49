"""Termination: every ciphertext and key of the record deleted; nothing of it left behind."""

from datetime import date

import pytest
from sqlalchemy import MetaData, select

from core.health import entries, hek_import, termination, unlock
from core.health.billing_data import DataKind
from core.health.entries import Category
from core.health.errors import RecordNotActive, TerminationNotConfirmed
from core.models.health_link import HealthLink
from core.models.people import Member
from tests.service.health_world import TODAY, health_world


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


def _rows_mentioning(engine, needles: list[bytes]) -> list[str]:
    """Tables with a row that holds any of `needles` in any column."""
    metadata = MetaData()
    metadata.reflect(engine)
    found = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                values = [v if isinstance(v, bytes) else str(v).encode() for v in row]
                if any(needle in value for value in values for needle in needles):
                    found.append(table.name)
    return found


def _fill(world, actor, unlocked):
    with world.sessions() as (session, health):
        entries.add_manual_entry(
            health, actor=actor, unlocked=unlocked, category=Category.CHECKUP, on=TODAY, title="x"
        )
        hek_import.request_hek_data(session, health, actor=actor, kinds=list(DataKind), today=TODAY)


def _terminate(world, actor, confirmation="KÜNDIGEN"):
    with world.sessions() as (session, health):
        return termination.terminate(session, health, actor=actor, confirmation=confirmation)


def test_termination_leaves_no_row_of_the_member_in_the_provider_database(world):
    leaving, staying = world.member(), world.member()
    gone, _ = world.activate(leaving)
    kept, _ = world.activate(staying, device_id="device-2")
    _fill(world, leaving, gone)
    _fill(world, staying, kept)
    needles = [gone.reference_number.encode(), gone.keypair.public_bytes]
    assert _rows_mentioning(world.provider, needles)  # sanity: the record was there

    deletion = _terminate(world, leaving, confirmation=" kündigen ")

    assert deletion.entries > 1
    assert _rows_mentioning(world.provider, needles) == []
    with world.sessions() as (session, health):
        assert session.get(HealthLink, leaving.member_id).terminated_at is not None
        assert entries.load_timeline(health, actor=staying, unlocked=kept).entries
        status = unlock.record_status(
            session, health, actor=leaving, device_id="device-1", today=TODAY
        )
    assert status.state == "not_activated"


def test_termination_needs_the_typed_confirmation(world):
    actor = world.member()
    world.activate(actor)
    with pytest.raises(TerminationNotConfirmed):
        _terminate(world, actor, confirmation="ja")
    with world.sessions() as (session, _health):
        assert session.get(HealthLink, actor.member_id).terminated_at is None


def test_a_terminated_record_cannot_be_terminated_twice_but_may_be_activated_anew(world):
    actor = world.member()
    first, _ = world.activate(actor)
    _terminate(world, actor)
    with world.sessions() as (session, _):
        assert session.get(Member, actor.member_id).service_level == "smart"  # the add-on ended
    with pytest.raises(RecordNotActive):
        _terminate(world, actor)
    second, _ = world.activate(actor, today=date(2026, 12, 1))
    assert second.reference_number != first.reference_number
