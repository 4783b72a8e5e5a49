"""The sealed timeline index: a later unlock opens one box, and never shows less or more."""

from datetime import date

import pytest

from core import crypto
from core.health import entries, timeline_index
from core.health.entries import Category
from core.health.models import RecordIndex
from tests.service.health_world import health_world


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


@pytest.fixture
def opened_boxes(monkeypatch) -> list[int]:
    """Counts every sealed box opened (entries and index alike)."""
    counter: list[int] = []
    original = crypto.open_sealed

    def counting(**arguments):
        counter.append(1)
        return original(**arguments)

    monkeypatch.setattr(crypto, "open_sealed", counting)
    return counter


def _add(world, actor, unlocked, title, on=date(2025, 10, 14)):
    with world.sessions() as (_session, health):
        entries.add_manual_entry(
            health, actor=actor, unlocked=unlocked, category=Category.CHECKUP, on=on, title=title
        )


def _titles(world, actor, unlocked) -> list[str]:
    with world.sessions() as (_session, health):
        timeline = entries.load_timeline(health, actor=actor, unlocked=unlocked)
    return [entry.title for entry in timeline.entries]


def test_a_second_unlock_opens_one_index_box_instead_of_every_entry(world, opened_boxes):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    for number in range(6):
        _add(world, actor, unlocked, f"Vorsorge {number}", on=date(2025, 1, 1 + number))
    first = _titles(world, actor, unlocked)
    opened_boxes.clear()

    again = _titles(world, actor, unlocked)

    assert again == first == [f"Vorsorge {number}" for number in reversed(range(6))]
    assert len(opened_boxes) == 1


def test_entries_added_after_the_index_appear_and_are_indexed_next(world, opened_boxes):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    _add(world, actor, unlocked, "Alt", on=date(2024, 5, 1))
    _titles(world, actor, unlocked)
    _add(world, actor, unlocked, "Neu", on=date(2025, 5, 1))  # e.g. from another device

    opened_boxes.clear()
    assert _titles(world, actor, unlocked) == ["Neu", "Alt"]
    assert len(opened_boxes) == 2  # the index and the one new entry
    opened_boxes.clear()
    assert _titles(world, actor, unlocked) == ["Neu", "Alt"]
    assert len(opened_boxes) == 1


def test_an_index_copied_from_another_record_is_ignored(world):
    alice, bob = world.member(), world.member()
    alice_record, _ = world.activate(alice)
    bob_record, _ = world.activate(bob)
    _add(world, alice, alice_record, "Alices Befund")
    _add(world, bob, bob_record, "Bobs Befund")
    _titles(world, alice, alice_record)
    with world.sessions() as (_session, health):
        alices = health.get(RecordIndex, alice_record.reference_number)
        bobs = health.get(RecordIndex, bob_record.reference_number) or RecordIndex(
            reference_number=bob_record.reference_number,
            sealed=b"",
            entries=0,
            updated_at=alices.updated_at,
        )
        bobs.sealed = alices.sealed
        health.add(bobs)
        health.commit()

    assert _titles(world, bob, bob_record) == ["Bobs Befund"]


def test_the_index_is_ciphertext_bound_to_its_record(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    _add(world, actor, unlocked, "Impfung gegen Gelbfieber")
    _titles(world, actor, unlocked)

    with world.sessions() as (_session, health):
        row = health.get(RecordIndex, unlocked.reference_number)
        stored = row.sealed
        assert b"Gelbfieber" not in stored and row.entries == 1
        with pytest.raises(crypto.DecryptionFailed):
            crypto.open_sealed(
                sealed=stored,
                private_key=unlocked.keypair,
                context=timeline_index.index_context("another-reference"),
            )
