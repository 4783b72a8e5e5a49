"""Data from the HEK (4 and 6 years, 6-9 months billing delay) and letters via KV-Connect."""

from datetime import date

import pytest
from sqlmodel import select

from core import crypto
from core.errors import NotAllowed
from core.health import entries, hek_import, keys, kv_connect
from core.health.billing_data import BillingItem, DataKind
from core.health.entries import Category
from core.health.errors import OwnerOnly, RecordNotFound
from core.health.models import RecordEntry
from core.identifiers import InvalidIdentifier
from core.uploads import IncomingFile, UploadRejected
from tests.hostile_files import png
from tests.service.health_world import TODAY, health_world, letter_pdf, pdf_text


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


def _request(world, actor, kinds=tuple(DataKind), today=TODAY):
    with world.sessions() as (session, health):
        return hek_import.request_hek_data(
            session, health, actor=actor, kinds=list(kinds), today=today
        )


def _timeline(world, actor, unlocked):
    with world.sessions() as (_session, health):
        return entries.load_timeline(health, actor=actor, unlocked=unlocked).entries


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        (date(2026, 9, 30), date(2025, 12, 31)),  # Q1 2026 not yet billed: data 9 months old
        (date(2026, 10, 1), date(2026, 3, 31)),  # Q1 arrives on 1 October: 6 months old
        (date(2026, 12, 31), date(2026, 3, 31)),
        (date(2027, 1, 1), date(2026, 6, 30)),
    ],
)
def test_billing_data_reaches_the_hek_six_to_nine_months_later(today, cutoff):
    assert hek_import.billing_cutoff(today) == cutoff


@pytest.mark.parametrize(
    ("kind", "oldest"),
    [
        (DataKind.DOCTOR, date(2022, 11, 24)),
        (DataKind.DENTIST, date(2022, 11, 24)),
        (DataKind.MEDICATION, date(2020, 11, 24)),
    ],
)
def test_treatment_data_goes_back_four_years_and_medication_six(kind, oldest):
    item = lambda on: BillingItem(kind, Category.APPOINTMENT, on, "x")  # noqa: E731
    assert hek_import.importable(item(oldest), today=TODAY)
    assert not hek_import.importable(item(date.fromordinal(oldest.toordinal() - 1)), today=TODAY)


def test_requested_data_arrives_sealed_within_the_windows_and_only_once(world):
    actor = world.member(birth_date=date(1960, 5, 1))
    unlocked, _key = world.activate(actor)
    report = _request(world, actor)
    opened = _timeline(world, actor, unlocked)
    assert report.entries == len(opened) > 20
    assert {view.source for view in opened} == {"hek"}
    assert max(view.on for view in opened) <= date(2026, 3, 31)
    medication = [view.on for view in opened if view.category == Category.MEDICATION]
    treatment = [view.on for view in opened if view.category != Category.MEDICATION]
    assert min(medication) >= date(2020, 11, 24) and min(treatment) >= date(2022, 11, 24)
    assert min(medication) < date(2022, 11, 24)  # the six-year window is really used
    assert _request(world, actor).entries == 0  # asked again: nothing is sent twice
    assert len(_timeline(world, actor, unlocked)) == len(opened)


def test_a_later_request_brings_only_the_newly_billed_quarter(world):
    actor = world.member()
    unlocked, _key = world.activate(actor, today=date(2026, 9, 30))
    _request(world, actor, today=date(2026, 9, 30))
    later = _request(world, actor, today=date(2026, 10, 1))
    newest = [v.on for v in _timeline(world, actor, unlocked) if v.on > date(2025, 12, 31)]
    assert later.entries == len(newest)
    assert all(date(2026, 1, 1) <= on <= date(2026, 3, 31) for on in newest)


def test_entries_from_the_hek_open_with_the_members_key_only(world):
    actor = world.member()
    world.activate(actor)
    _request(world, actor, kinds=[DataKind.MEDICATION])
    intruder = crypto.MemberKeyPair.generate()  # whatever key a clerk might hold
    with world.sessions() as (_session, health):
        rows = health.exec(select(RecordEntry)).all()
    assert rows
    for row in rows:
        with pytest.raises(crypto.DecryptionFailed):
            keys.open_json(
                row.sealed,
                keypair=intruder,
                context=keys.entry_context(row.reference_number, row.id),
            )


def test_a_clerk_cannot_request_data_for_a_member(world):
    with pytest.raises(OwnerOnly):
        _request(world, world.clerk())


def _send(world, sender, reference, letter=None, practice="Praxis Dr. Kaya"):
    with world.sessions() as (session, health):
        return kv_connect.send_letter(
            session,
            health,
            actor=sender,
            reference_number=reference,
            practice=practice,
            title="Arztbrief",
            letter=IncomingFile(name="brief.pdf", data=letter or letter_pdf("Sehr geehrte")),
            on=TODAY,
        )


def test_a_practice_letter_arrives_sealed_and_only_the_member_reads_it(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    letter = letter_pdf("Sehr geehrte Frau Kollegin, wir berichten ueber ...")
    delivery = _send(world, world.clerk(), unlocked.reference_number.lower(), letter)
    (view,) = _timeline(world, actor, unlocked)
    assert (view.id, view.source, view.details) == (
        delivery.receipt,
        "kv_connect",
        {"Absender": "Praxis Dr. Kaya"},
    )
    with world.sessions() as (_session, health):
        opened = entries.open_document(health, actor=actor, unlocked=unlocked, entry=view)
    assert opened.mime == "application/pdf"
    assert pdf_text(opened.data) == pdf_text(letter)  # re-written by the upload checks


def test_kv_connect_refuses_typos_unknown_records_non_pdfs_and_members(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    clerk, reference = world.clerk(), unlocked.reference_number
    typo = reference[:-1] + ("0" if reference[-1] != "0" else "1")
    with pytest.raises(InvalidIdentifier, match="Referenznummer"):
        _send(world, clerk, typo)
    with pytest.raises(RecordNotFound):
        _send(world, clerk, "PSN-0000-0000-0000-0000-0")
    with pytest.raises(UploadRejected):
        _send(world, clerk, reference, letter=png())
    with pytest.raises(NotAllowed):
        _send(world, actor, reference)
    assert _timeline(world, actor, unlocked) == []
