"""Document ingest: submissions per second through the whole pipeline (check, assemble,
encrypt, store with its row, audit) beside raw AES-GCM encrypt + insert of the same bytes,
measured in the same run on SQLite (and PostgreSQL when TEST_POSTGRES_URL is set).

Run: .venv/bin/python bench/ingest.py
"""

import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_SCRATCH = Path(tempfile.mkdtemp(prefix="hek-bench-ingest-"))
os.environ.setdefault("HEK_MODE", "demo")
os.environ.setdefault("HEK_DATA_DIR", str(_SCRATCH))
os.environ.setdefault("HEK_BCRYPT_ROUNDS", "4")

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # the baseline, bench only
from fpdf import FPDF
from PIL import Image
from sqlalchemy import text

from core import documents, migrate
from core.db import make_engine, session_scope
from core.uploads import IncomingFile
from tests.factories import make_account, make_member

ROUNDS = 5
PER_ROUND = 6


def _noise_jpeg(width: int, height: int, seed: int) -> bytes:
    image = Image.frombytes(
        "RGB", (width, height), os.urandom(width * height * 3)[: width * height * 3]
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    del seed
    return buffer.getvalue()


def _one_megabyte_pdf() -> bytes:
    document = FPDF()
    document.add_page()
    document.image(io.BytesIO(_noise_jpeg(1350, 1350, 1)), x=10, y=10, w=190)
    return bytes(document.output())


def _databases() -> list[tuple[str, str]]:
    urls = [("SQLite", f"sqlite:///{_SCRATCH / f'ingest-{uuid.uuid4().hex}.db'}")]
    postgres = os.environ.get("TEST_POSTGRES_URL")
    if postgres:
        name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
        admin = make_engine(f"{postgres}/postgres").execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        urls.append(("PostgreSQL", f"{postgres}/{name}"))
    return urls


def _rate(action, count: int) -> float:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(count):
            action()
        timings.append(count / (time.perf_counter() - start))
    return statistics.median(timings)


def _measure(label: str, url: str) -> list[dict]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, nonce BYTEA, body BYTEA)"
                if engine.dialect.name == "postgresql"
                else "CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, nonce BLOB, body BLOB)"
            )
        )
    with session_scope(write=True, engine=engine) as session:
        member = make_member(session)
        actor = make_account(session, username=f"bench{uuid.uuid4().hex[:6]}", member=member)
    pdf = _one_megabyte_pdf()
    photos = [_noise_jpeg(1200, 1600, seed) for seed in range(3)]
    key = AESGCM(AESGCM.generate_key(bit_length=256))
    counter = iter(range(1, 10**9))

    def submit(files: list[IncomingFile]):
        def action() -> None:
            request = documents.DocumentRequest(kvnr=member.kvnr, doc_type="au", files=files)
            with session_scope(write=True, engine=engine) as session:
                documents.submit_document(session, actor=actor, request=request)

        return action

    def raw(blobs: list[bytes]):
        def action() -> None:
            with engine.begin() as connection:
                for blob in blobs:
                    nonce = os.urandom(12)
                    connection.execute(
                        text("INSERT INTO bench_raw (id, nonce, body) VALUES (:id, :n, :b)"),
                        {"id": next(counter), "n": nonce, "b": key.encrypt(nonce, blob, None)},
                    )

        return action

    workloads = {
        f"1 MB PDF ({len(pdf) / 1e6:.2f} MB)": (
            [IncomingFile("au.pdf", pdf, "application/pdf")],
            [pdf],
        ),
        f"3 photos ({sum(map(len, photos)) / 1e6:.2f} MB)": (
            [IncomingFile(f"foto{i}.jpg", photo, "image/jpeg") for i, photo in enumerate(photos)],
            photos,
        ),
    }
    rows = []
    for name, (files, blobs) in workloads.items():
        ours = _rate(submit(files), PER_ROUND)
        baseline = _rate(raw(blobs), PER_ROUND)
        rows.append({"database": label, "workload": name, "ours": ours, "baseline": baseline})
    engine.dispose()
    return rows


def run() -> list[dict]:
    rows = []
    for label, url in _databases():
        rows.extend(_measure(label, url))
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        f"Submissions per second, median of {ROUNDS} rounds of {PER_ROUND}; baseline = raw AES-GCM "
        "encrypt + INSERT of the same bytes in one transaction.",
        "",
        "| database | workload | pipeline (check, assemble, encrypt, store, audit) "
        "| raw encrypt+insert | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['database']} | {row['workload']} | {row['ours']:.1f}/s "
            f"| {row['baseline']:.1f}/s | {row['ours'] / row['baseline']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run()))
