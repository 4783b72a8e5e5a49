"""smarthealth: unlock and first render of a six-year record, beside raw-crypto baselines.

The record: 5,000 entries over six years, 200 of them documents of 150 KB, every entry
sealed (HPKE) to the member's key, in a provider database on SQLite.

- unlock: device password -> Argon2id (64 MiB, t=3, p=4) -> private key, with the database
  reads of `unlock_with_password`; baseline: the bare Argon2id derivation.
- first render after an import: no sealed index yet, so every entry is opened one by one
  and the index sealed (core.health.timeline_index); happens once per batch of new entries.
- first render: what every later unlock costs: the sealed index opened, the timeline data
  built (rows, visits per year); baseline: the same rows fetched, the same plaintexts under
  raw AES-GCM decrypted and parsed.
- open one document: HPKE open of 150 KB; baseline: raw AES-GCM over the same bytes.

Run: .venv/bin/python bench/smarthealth.py  (prints a Markdown table for BENCHMARKS.md).
"""

import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # baselines, bench only
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from sqlmodel import delete, select

from core import crypto, migrate
from core.actors import Actor
from core.db import make_engine, session_scope
from core.health import activation, billing_data, entries, keys, unlock, views
from core.health import migrate as health_migrate
from core.health.entries import Category
from core.health.models import RecordAccount, RecordDocument, RecordEntry, RecordIndex
from core.models.accounts import Role
from core.models.people import Member

ENTRIES, DOCUMENTS, DOCUMENT_BYTES, YEARS = 5_000, 200, 150 * 1024, 6
RUNS = 7
TODAY = date(2026, 11, 24)
PASSWORD = "bench-geraete-passwort"  # noqa: S105 (a throwaway benchmark record)


def _paired_medians_ms(
    ours: Callable[[], object], baseline: Callable[[], object]
) -> tuple[float, float]:
    """Alternate the two so drift in clock speed or machine load hits both alike."""
    ours(), baseline()  # warm-up
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(RUNS):
        for action, bucket in ((ours, timings[0]), (baseline, timings[1])):
            start = time.perf_counter()
            action()
            bucket.append(time.perf_counter() - start)
    return statistics.median(timings[0]) * 1000, statistics.median(timings[1]) * 1000


def _payload(rng: random.Random, number: int) -> dict:
    on = TODAY - timedelta(days=rng.randrange(YEARS * 365))
    if number < DOCUMENTS:
        document = {"name": f"arztbrief-{number}.pdf", "mime": "application/pdf", "size": 1}
        return entries.entry_payload(
            Category.DOCUMENT,
            on,
            "Arztbrief",
            "",
            "kv_connect",
            {"Absender": rng.choice(billing_data.DENTISTS)},
            document,
        )
    category = rng.choice([c for c in Category if c != Category.DOCUMENT])
    practice, speciality = rng.choice(billing_data.PRACTICES)
    title, details = {
        Category.MEDICATION: lambda: (rng.choice(billing_data.DRUGS)[0], {"Verordnung": practice}),
        Category.VACCINATION: lambda: (rng.choice(billing_data.VACCINES)[0], {"Praxis": practice}),
        Category.CHECKUP: lambda: (rng.choice(billing_data.CHECKUPS), {"Praxis": practice}),
        Category.BILLING: lambda: (f"Abrechnung {practice}", {"Betrag": "42,17 €"}),
        Category.APPOINTMENT: lambda: (
            practice,
            {"Fachrichtung": speciality, "Diagnose": rng.choice(billing_data.DIAGNOSES)},
        ),
    }[category]()
    return entries.entry_payload(category, on, title, "", "hek", details)


def _build(workdir: Path):
    insurer = make_engine(f"sqlite:///{workdir / 'insurer.db'}")
    provider = make_engine(f"sqlite:///{workdir / 'provider.db'}")
    migrate.upgrade(insurer)
    health_migrate.upgrade(provider)
    with session_scope(write=True, engine=insurer) as session:
        member = Member(
            kvnr="B123456789",
            first_name="Bench",
            last_name="Mark",
            birth_date=date(1970, 1, 1),
            street="Weg 1",
            postal_code="20095",
            city="Hamburg",
            membership_start=date(2000, 1, 1),
            service_level="smarthealth",
        )
        session.add(member)
        session.commit()
        actor = Actor(
            user_id=1,
            username="bench",
            role=Role.MEMBER,
            display_name="Bench Mark",
            member_id=member.id,
            service_level="smarthealth",
        )
    key = crypto.new_security_key()
    with (
        session_scope(write=True, engine=insurer) as session,
        session_scope(write=True, engine=provider) as health,
    ):
        unlocked = activation.complete_activation(
            session,
            health,
            actor=actor,
            shown_key=key,
            typed_key=crypto.format_security_key(key),
            device_id="bench-device",
            device_password=PASSWORD,
            consent=activation.Consent(True, True, True),
            today=TODAY,
        )
        account = health.get(RecordAccount, unlocked.reference_number)
        rng = random.Random(7)
        plaintexts = []
        for number in range(ENTRIES):
            payload = _payload(rng, number)
            plaintexts.append(json.dumps(payload, ensure_ascii=False).encode())
            document = os.urandom(DOCUMENT_BYTES) if number < DOCUMENTS else None
            entries.store_entry(health, account=account, payload=payload, document=document)
        health.commit()
    return insurer, provider, actor, unlocked, plaintexts


def _rows(insurer, provider, actor, unlocked, plaintexts) -> list[dict]:
    size = f"{ENTRIES:,} entries, {DOCUMENTS} docs"

    def do_unlock():
        with session_scope(engine=insurer) as session, session_scope(engine=provider) as health:
            unlock.unlock_with_password(
                session,
                health,
                actor=actor,
                device_id="bench-device",
                password=PASSWORD,
                today=TODAY,
            )

    def bare_argon2():
        cost = keys.DEVICE_WRAP_COST
        Argon2id(
            salt=b"\x00" * 16,
            length=32,
            iterations=cost["iterations"],
            lanes=cost["lanes"],
            memory_cost=cost["memory_cost"],
        ).derive(PASSWORD.encode())

    def first_render():
        with session_scope(engine=provider) as health:
            timeline = entries.load_timeline(health, actor=actor, unlocked=unlocked)
        views.timeline_rows(timeline.entries)
        views.visits_per_year(timeline.entries)
        views.year_span(timeline.entries)
        assert len(timeline.entries) == ENTRIES and not timeline.unreadable

    def first_render_after_import():
        with session_scope(write=True, engine=provider) as health:
            health.exec(delete(RecordIndex))
            health.commit()
        first_render()

    aes = AESGCM(AESGCM.generate_key(bit_length=256))
    nonce = os.urandom(12)
    raw = [aes.encrypt(nonce, plaintext, b"row") for plaintext in plaintexts]

    def raw_render():
        with session_scope(engine=provider) as health:
            fetched = health.exec(select(RecordEntry.id, RecordEntry.sealed)).all()
        opened = [json.loads(aes.decrypt(nonce, blob, b"row")) for blob in raw]
        opened.sort(key=lambda payload: payload["date"], reverse=True)
        assert len(fetched) == len(opened)

    with session_scope(engine=provider) as health:
        timeline = entries.load_timeline(health, actor=actor, unlocked=unlocked)
    document = next(view for view in timeline.entries if view.document_name)
    raw_document = aes.encrypt(nonce, os.urandom(DOCUMENT_BYTES), b"doc")

    def open_document():
        with session_scope(engine=provider) as health:
            entries.open_document(health, actor=actor, unlocked=unlocked, entry=document)

    def raw_document_open():
        with session_scope(engine=provider) as health:
            health.get(RecordDocument, document.id)
        aes.decrypt(nonce, raw_document, b"doc")

    pairs = [
        ("unlock (device password)", size, do_unlock, bare_argon2, "Argon2id alone"),
        (
            "first render after an import (open all, seal index)",
            size,
            first_render_after_import,
            raw_render,
            "raw AES-GCM",
        ),
        ("first render (sealed index + timeline)", size, first_render, raw_render, "raw AES-GCM"),
        ("open one document", "150 KiB", open_document, raw_document_open, "raw AES-GCM"),
    ]
    rows = []
    for name, label, ours, baseline, baseline_name in pairs:
        ours_ms, baseline_ms = _paired_medians_ms(ours, baseline)
        rows.append(
            {
                "benchmark": name,
                "size": label,
                "value": ours_ms,
                "baseline": baseline_ms,
                "baseline_name": baseline_name,
                "unit": "ms",
                "ratio": ours_ms / baseline_ms,
            }
        )
    return rows


def run() -> list[dict]:
    """Rows: benchmark, size, value (median ms), baseline (median ms), baseline_name, ratio."""
    with tempfile.TemporaryDirectory(prefix="hek-bench-health-") as folder:
        built = _build(Path(folder))
        try:
            rows = _rows(*built)
            provider_mb = (Path(folder) / "provider.db").stat().st_size / 1e6
        finally:
            built[0].dispose()
            built[1].dispose()
    for row in rows:
        row["database"] = f"{provider_mb:,.0f} MB"
    return rows


def _ms(value: float) -> str:
    return f"{value:,.2f} ms" if value < 10 else f"{value:,.0f} ms"


def markdown(rows: list[dict]) -> str:
    lines = [
        f"Median of {RUNS} interleaved runs; provider database on SQLite "
        f"({rows[0]['database'] if rows else '?'}).\n",
        "| benchmark | record | ours | baseline | baseline is | ratio |",
        "|---|---|---:|---:|---|---:|",
    ]
    for row in rows:
        ours, baseline = _ms(row["value"]), _ms(row["baseline"])
        lines.append(
            f"| {row['benchmark']} | {row['size']} | {ours} | {baseline} | "
            f"{row['baseline_name']} | {row['ratio']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run()))
