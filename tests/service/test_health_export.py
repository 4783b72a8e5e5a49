"""Datenexport: a ZIP whose FHIR bundle validates, with every original document inside."""

import hashlib
import io
import zipfile
from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle

from core.health import entries, export, hek_import
from core.health.billing_data import DataKind
from core.health.entries import Category
from core.health.errors import OwnerOnly
from core.uploads import IncomingFile
from tests.hostile_files import png
from tests.service.health_world import TODAY, health_world, letter_pdf, pdf_text


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


def _export(world, actor, unlocked, progress=None) -> bytes:
    with world.sessions() as (_session, health):
        return export.export_record(
            health, actor=actor, unlocked=unlocked, holder="Erika Beispiel", progress=progress
        )


def test_the_export_is_a_valid_fhir_bundle_with_the_documents(world):
    actor = world.member(birth_date=date(1955, 1, 1))
    unlocked, _key = world.activate(actor)
    letter = letter_pdf("Entlassbrief")
    with world.sessions() as (session, health):
        for category in Category:
            if category != Category.DOCUMENT:
                entries.add_manual_entry(
                    health,
                    actor=actor,
                    unlocked=unlocked,
                    category=category,
                    on=date(2025, 5, 5),
                    title=f"Eintrag {category}",
                    note="<b>Notiz</b> & mehr",
                    details={"Diagnose": "R51 Kopfschmerz"},
                )
        for name, data in (("entlassbrief.pdf", letter), ("impfpass.png", png())):
            entries.add_document(
                health,
                actor=actor,
                unlocked=unlocked,
                file=IncomingFile(name=name, data=data),
                title=name,
                on=TODAY,
            )
        hek_import.request_hek_data(session, health, actor=actor, kinds=list(DataKind), today=TODAY)
        total = len(entries.load_timeline(health, actor=actor, unlocked=unlocked).entries)
    steps: list[tuple[int, int]] = []
    archive = _export(world, actor, unlocked, progress=lambda done, of: steps.append((done, of)))

    bundle = Bundle.model_validate(export.read_bundle(archive))  # raises if not valid FHIR
    resources = [entry.resource for entry in bundle.entry]
    kinds = {resource.get_resource_type() for resource in resources}
    assert kinds == {
        "Patient",
        "Immunization",
        "Procedure",
        "Encounter",
        "MedicationStatement",
        "ChargeItem",
        "DocumentReference",
    }
    assert len(resources) == total + 1
    assert steps[-1] == (total, total) and len(steps) == total
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        documents = {name: opened.read(name) for name in opened.namelist() if "dokumente/" in name}
    pdfs = [data for data in documents.values() if data.startswith(b"%PDF")]
    assert [pdf_text(data) for data in pdfs] == ["Entlassbrief"]  # as the upload checks wrote it
    assert [data for data in documents.values() if data not in pdfs] == [png()]
    attachments = [
        resource.content[0].attachment
        for resource in resources
        if resource.get_resource_type() == "DocumentReference"
    ]
    for attachment in attachments:
        data = documents[attachment.url]
        assert attachment.hash == hashlib.sha1(data).digest()  # noqa: S324 (FHIR decodes base64)


def test_an_empty_record_exports_a_bundle_with_only_the_patient(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    bundle = Bundle.model_validate(export.read_bundle(_export(world, actor, unlocked)))
    assert [entry.resource.get_resource_type() for entry in bundle.entry] == ["Patient"]


def test_only_the_owner_can_export(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    with pytest.raises(OwnerOnly):
        _export(world, world.clerk(), unlocked)
