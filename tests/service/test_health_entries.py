"""Entries: sealed to the member's key and bound to their row, uploads checked, 1 GB quota."""

from datetime import date

import pytest
from sqlmodel import select

from core.health import entries, views
from core.health.entries import Category
from core.health.errors import OwnerOnly, QuotaExceeded
from core.health.keys import new_entry_id
from core.health.models import RecordAccount, RecordEntry
from core.health.rules import QUOTA_BYTES
from core.models.accounts import Role
from core.uploads import IncomingFile, UploadRejected
from tests.hostile_files import png
from tests.service.health_world import health_world, letter_pdf, pdf_text
from ui.registry import screens_for


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


def _add(world, actor, unlocked, title="Grippeimpfung", category=Category.VACCINATION, **extra):
    with world.sessions() as (_session, health):
        return entries.add_manual_entry(
            health,
            actor=actor,
            unlocked=unlocked,
            category=category,
            on=extra.pop("on", date(2025, 10, 14)),
            title=title,
            **extra,
        )


def _timeline(world, actor, unlocked):
    with world.sessions() as (_session, health):
        return entries.load_timeline(health, actor=actor, unlocked=unlocked)


def test_a_manual_entry_is_shown_after_opening_with_the_key(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    _add(world, actor, unlocked, note="linker Oberarm", details={"Charge": "AB123"})
    (entry,) = _timeline(world, actor, unlocked).entries
    assert (entry.title, entry.note, entry.category_label) == (
        "Grippeimpfung",
        "linker Oberarm",
        "Impfungen",
    )
    assert entry.details == {"Charge": "AB123"}


def test_an_uploaded_document_comes_back_as_the_checked_pdf(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    letter = letter_pdf("Befundbericht vom 3. Maerz")
    with world.sessions() as (_session, health):
        view = entries.add_document(
            health,
            actor=actor,
            unlocked=unlocked,
            file=IncomingFile(name="befund.pdf", data=letter),
            title="Befund",
            on=date(2026, 3, 3),
        )
        opened = entries.open_document(health, actor=actor, unlocked=unlocked, entry=view)
    assert (opened.name, opened.mime) == ("befund.pdf", "application/pdf")
    assert pdf_text(opened.data) == "Befundbericht vom 3. Maerz"


def test_uploads_go_through_the_portals_file_checks(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    with world.sessions() as (_session, health), pytest.raises(UploadRejected):
        entries.add_document(
            health,
            actor=actor,
            unlocked=unlocked,
            file=IncomingFile(name="befund.pdf", data=b"<html><script>alert(1)</script>"),
            title="Befund",
            on=date(2026, 3, 3),
        )
    assert _timeline(world, actor, unlocked).entries == []


def test_an_image_upload_is_stored_as_a_checked_png(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    with world.sessions() as (_session, health):
        view = entries.add_document(
            health,
            actor=actor,
            unlocked=unlocked,
            file=IncomingFile(name="impfpass.png", data=png()),
            title="Impfpass",
            on=date(2026, 1, 2),
        )
    assert (view.document_name, view.document_mime) == ("impfpass.png", "image/png")


def test_an_entry_copied_into_another_members_record_does_not_open(world):
    alice, bob = world.member(), world.member()
    alice_record, _ = world.activate(alice)
    bob_record, _ = world.activate(bob, device_id="device-bob")
    _add(world, alice, alice_record, title="Diagnose nur für Alice")
    with world.sessions() as (_session, health):
        original = health.exec(select(RecordEntry)).one()
        copy = RecordEntry(
            **original.model_dump(exclude={"id", "reference_number"}),
            id=original.id[::-1],
            reference_number=bob_record.reference_number,
        )
        health.add(copy)
        health.commit()
    bobs = _timeline(world, bob, bob_record)
    assert (bobs.entries, bobs.unreadable) == ([], 1)


def test_an_entry_moved_to_another_row_of_the_same_record_does_not_open(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    _add(world, actor, unlocked)
    with world.sessions() as (_session, health):
        original = health.exec(select(RecordEntry)).one()
        health.add(RecordEntry(**original.model_dump(exclude={"id"}), id=new_entry_id()))
        health.commit()
    timeline = _timeline(world, actor, unlocked)
    assert (len(timeline.entries), timeline.unreadable) == (1, 1)


def test_the_quota_counts_ciphertext_and_refuses_an_entry_past_1_gb(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    first = _add(world, actor, unlocked)
    with world.sessions() as (_session, health):
        assert entries.usage(health, actor=actor, unlocked=unlocked).used_bytes == first.size
        account = health.get(RecordAccount, unlocked.reference_number)
        account.used_bytes = QUOTA_BYTES - 50  # almost full
        health.add(account)
        health.commit()
    with pytest.raises(QuotaExceeded, match="1 GB"):
        _add(world, actor, unlocked, title="Noch eine Impfung")
    with world.sessions() as (_session, health):
        usage = entries.usage(health, actor=actor, unlocked=unlocked)
    assert usage.used_bytes == QUOTA_BYTES - 50
    assert len(_timeline(world, actor, unlocked).entries) == 1


def test_an_entry_that_fills_the_quota_exactly_is_accepted(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    probe = _add(world, actor, unlocked, title="X" * 20)
    with world.sessions() as (_session, health):
        account = health.get(RecordAccount, unlocked.reference_number)
        account.used_bytes = QUOTA_BYTES - probe.size  # room for one more of the same size
        health.add(account)
        health.commit()
    _add(world, actor, unlocked, title="Y" * 20)
    with world.sessions() as (_session, health):
        assert entries.usage(health, actor=actor, unlocked=unlocked).free_bytes == 0


def test_nobody_but_the_owner_gets_through_the_entry_services(world):
    owner, other = world.member(), world.member()
    unlocked, _key = world.activate(owner)
    for stranger in (world.clerk(), other):
        with pytest.raises(OwnerOnly):
            _timeline(world, stranger, unlocked)
        with pytest.raises(OwnerOnly):
            _add(world, stranger, unlocked)


def test_staff_have_no_record_page_smart_members_only_its_activation_and_members_no_practice():
    for role in (Role.CLERK, Role.ADMIN):
        paths = {screen.url_path for screen in screens_for(role=role, service_level=None)}
        assert not {"health_record", "health_settings"} & paths
        assert "health_kv_connect" in paths
    member = {s.url_path for s in screens_for(role=Role.MEMBER, service_level="smarthealth")}
    smart = {s.url_path for s in screens_for(role=Role.MEMBER, service_level="smart")}
    assert {"health_record", "health_settings"} <= member
    assert "health_record" in smart  # where a smart member identified by eID activates it
    assert not {"health_settings", "health_kv_connect"} & smart
    assert "health_kv_connect" not in member


def test_search_and_filters_narrow_the_opened_entries(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    _add(world, actor, unlocked, title="Grippeimpfung", on=date(2024, 10, 1))
    _add(world, actor, unlocked, title="Ibuprofen 600", category=Category.MEDICATION)
    _add(
        world,
        actor,
        unlocked,
        title="Hausarzt",
        category=Category.APPOINTMENT,
        details={"Diagnose": "M54.5 Kreuzschmerz"},
    )
    opened = _timeline(world, actor, unlocked).entries
    titles = lambda chosen: [v.title for v in views.filter_entries(opened, chosen)]  # noqa: E731
    assert titles(views.EntryFilter(query="kreuz")) == ["Hausarzt"]
    assert titles(views.EntryFilter(category=Category.MEDICATION)) == ["Ibuprofen 600"]
    assert titles(views.EntryFilter(last_year=2024)) == ["Grippeimpfung"]
    assert titles(views.EntryFilter(sources=frozenset({"hek"}))) == []
    assert views.visits_per_year(opened) == [
        {"Jahr": 2024, "Art": "Impfungen", "Besuche": 1},
        {"Jahr": 2025, "Art": "Arzt-/Zahnarzttermine", "Besuche": 1},
    ]
