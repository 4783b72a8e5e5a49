"""The operator stores nothing but ciphertext: dump everything, find no health detail in it."""

import secrets
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select

from core.health import entries, hek_import, kv_connect
from core.health.billing_data import DataKind
from core.health.entries import Category
from core.uploads import IncomingFile
from tests.service.health_world import TODAY, health_world, letter_pdf

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "latin-1")


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


def _table_dump(engine: Engine) -> bytes:
    """Every value of every row of every table, bytes as stored, the rest as text."""
    metadata = MetaData()
    metadata.reflect(engine)
    parts: list[bytes] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    parts.append(value if isinstance(value, bytes) else str(value).encode())
    return b"\n".join(parts)


def _file_dump(engine: Engine) -> bytes:
    """The database files themselves (SQLite: main file, WAL, shared memory)."""
    if engine.dialect.name != "sqlite":
        return b""
    path = Path(engine.url.database)
    files = [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]
    return b"".join(file.read_bytes() for file in files if file.exists())


def _leaks(markers: list[str], dump: bytes) -> list[str]:
    lowered = dump.lower()
    return [
        marker
        for marker in markers
        if any(marker.lower().encode(encoding, "ignore") in lowered for encoding in ENCODINGS)
    ]


def test_no_seeded_health_detail_is_readable_anywhere_the_operator_stores_data(world):
    token = secrets.token_hex(4)
    diagnosis = f"Gonarthrose rechts {token}"
    medication = f"Metoprololsuccinat {token} 47,5 mg"
    upload_text = f"Befund Sonographie {token} Leber unauffaellig"
    letter_text = f"Sehr geehrte Frau Kollegin {token}, Verdacht auf Borreliose"
    actor = world.member(birth_date=date(1958, 3, 14))
    unlocked, _key = world.activate(actor)
    with world.sessions() as (session, health):
        add = lambda category, title, **kw: entries.add_manual_entry(  # noqa: E731
            health, actor=actor, unlocked=unlocked, category=category, on=TODAY, title=title, **kw
        )
        add(Category.APPOINTMENT, "Orthopädie", details={"Diagnose": diagnosis})
        add(Category.MEDICATION, medication, note=f"morgens eine {token}")
        entries.add_document(
            health,
            actor=actor,
            unlocked=unlocked,
            file=IncomingFile(name=f"sono-{token}.pdf", data=letter_pdf(upload_text)),
            title=f"Sonographie {token}",
            on=TODAY,
        )
        kv_connect.send_letter(
            session,
            health,
            actor=world.clerk(),
            reference_number=unlocked.reference_number,
            practice=f"Praxis {token}",
            title=f"Arztbrief {token}",
            letter=IncomingFile(name="brief.pdf", data=letter_pdf(letter_text)),
            on=TODAY,
        )
        hek_import.request_hek_data(session, health, actor=actor, kinds=list(DataKind), today=TODAY)
        opened = entries.load_timeline(health, actor=actor, unlocked=unlocked).entries
    # What the HEK sent in: drug names, diagnoses, practices, as the member reads them.
    from_hek = {view.title for view in opened if view.source == "hek"}
    from_hek |= {
        value
        for view in opened
        if view.source == "hek"
        for value in view.details.values()
        if len(value) > 8 and not value.endswith("€")
    }
    markers = [diagnosis, medication, token, upload_text, letter_text, *sorted(from_hek)]
    plaintext = "\n".join(
        [v.title for v in opened]
        + [x for v in opened for x in v.details.values()]
        + [v.note for v in opened]
    )
    assert all(marker in plaintext for marker in (diagnosis, medication)), "sanity: seeded"
    assert len(from_hek) > 10, "sanity: the HEK import sent readable data to the member"

    dumps = {
        "insurer tables": _table_dump(world.insurer),
        "insurer files": _file_dump(world.insurer),
        "provider tables": _table_dump(world.provider),
        "provider files": _file_dump(world.provider),
    }
    assert len(dumps["provider tables"]) > 10_000
    for place, dump in dumps.items():
        assert _leaks(markers, dump) == [], place
