"""Certificate PDFs per second: issuing (render with QR code, sign, seal, encrypt, store, audit)
and the day's print batch (pypdf merge), each beside a baseline measured in the same run.

Baselines: a bare fpdf2 page with the same address lines (no QR code, no signature, no
storage) for issuing; a pypdf merge of the same PDFs already in memory for the print batch.

Run: .venv/bin/python bench/certificates.py
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
_SCRATCH = Path(tempfile.mkdtemp(prefix="hek-bench-certificates-"))
os.environ.setdefault("HEK_MODE", "demo")
os.environ.setdefault("HEK_DATA_DIR", str(_SCRATCH))
os.environ.setdefault("HEK_BCRYPT_ROUNDS", "4")

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from core import certificate_issuing, certificates, migrate
from core.clock import today_berlin
from core.db import make_engine, session_scope
from core.models.accounts import Role
from tests.factories import make_account, make_member

ROUNDS = 5
PER_ROUND = 10


def _bare_page(lines: list[str]) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=11)
    for line in lines:
        document.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def _rates(action, baseline) -> tuple[float, float]:
    """PDFs per second, median of ROUNDS rounds of PER_ROUND, the two interleaved."""
    ours, bare = [], []
    for _ in range(ROUNDS):
        for run, bucket in ((action, ours), (baseline, bare)):
            start = time.perf_counter()
            for _ in range(PER_ROUND):
                run()
            bucket.append(PER_ROUND / (time.perf_counter() - start))
    return statistics.median(ours), statistics.median(bare)


def _seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _issuing_world(engine):
    """A member who files requests by post and a clerk who issues them."""
    with session_scope(write=True, engine=engine) as session:
        member = make_member(session)
        requester = make_account(session, username=f"m{uuid.uuid4().hex[:8]}", member=member)
        clerk = make_account(session, username=f"c{uuid.uuid4().hex[:8]}", role=Role.CLERK)
        lines = [f"{member.first_name} {member.last_name}", member.street, member.city]
        kvnr = member.kvnr
    return requester, clerk, kvnr, lines


def run() -> list[dict]:
    engine = make_engine(f"sqlite:///{_SCRATCH / 'certificates.db'}")
    migrate.upgrade(engine)
    requester, clerk, kvnr, lines = _issuing_world(engine)

    issued: list[int] = []

    def issue() -> None:
        with session_scope(write=True, engine=engine) as session:
            filed = certificates.request_certificate(
                session,
                actor=requester,
                cert_type="versicherung",
                kvnr=kvnr,
                idempotency_key=uuid.uuid4().hex,
            )
            certificate = certificate_issuing.issue_certificate(
                session, actor=clerk, request_id=filed.id
            )
            issued.append(certificate.id)

    issuing, bare_issuing = _rates(issue, lambda: _bare_page(lines))

    with session_scope(write=True, engine=engine) as session:
        pdfs = [
            certificate_issuing.issued_certificate_pdf(session, actor=clerk, certificate_id=item)
            for item in issued
        ]

    def merge() -> None:
        with session_scope(write=True, engine=engine) as session:
            certificate_issuing.print_batch_pdf(session, actor=clerk, day=today_berlin())

    def merge_in_memory() -> None:
        writer = PdfWriter()
        for pdf in pdfs:
            writer.append(PdfReader(io.BytesIO(pdf)))
        writer.write(io.BytesIO())

    merged_seconds = statistics.median(_seconds(merge) for _ in range(3))
    in_memory_seconds = statistics.median(_seconds(merge_in_memory) for _ in range(3))
    engine.dispose()
    return [
        {
            "benchmark": "issue a certificate (render, QR code, sign, seal, store, audit)",
            "size": "1 page",
            "ours": issuing,
            "baseline": bare_issuing,
            "baseline_is": "bare fpdf2 page with the address lines",
        },
        {
            "benchmark": "print batch of the day (load, decrypt, merge with pypdf)",
            "size": f"{len(pdfs)} certificates",
            "ours": len(pdfs) / merged_seconds,
            "baseline": len(pdfs) / in_memory_seconds,
            "baseline_is": "pypdf merge of the same PDFs already in memory",
        },
    ]


def markdown(rows: list[dict]) -> str:
    lines = [
        "Certificates per second on SQLite, median of several rounds; every issued PDF is the "
        "real one (QR code, Ed25519 signature over every byte, AES-GCM at rest).",
        "",
        "| benchmark | size | ours | baseline | baseline is | ratio |",
        "|---|---|---:|---:|---|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['benchmark']} | {row['size']} | {row['ours']:,.1f}/s | "
            f"{row['baseline']:,.1f}/s | {row['baseline_is']} | "
            f"{row['ours'] / row['baseline']:.3f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run()))
