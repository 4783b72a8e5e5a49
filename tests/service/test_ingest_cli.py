"""The mail room's command line: one line per file, never a traceback, non-zero on refusal."""

import os
import subprocess
import sys
from pathlib import Path

from fpdf import FPDF

from core import seed
from core.db import make_engine
from tests.conftest import fresh_sqlite_url

ROOT = Path(__file__).parents[2]


def test_ingest_prints_a_tracking_id_or_a_reason_per_file(tmp_path):
    url = fresh_sqlite_url()
    engine = make_engine(url)
    seed.seed_demo(engine, members=5)
    engine.dispose()
    good = FPDF()
    good.add_page()
    (tmp_path / "brief.pdf").write_bytes(bytes(good.output()))
    (tmp_path / "virus.jpg").write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    kvnr = next(p.kvnr for p in seed.DEMO_PERSONAS if p.username == "lena.basic")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "ingest",
            str(tmp_path / "brief.pdf"),
            str(tmp_path / "virus.jpg"),
            str(tmp_path / "fehlt.pdf"),
            "--kvnr",
            kvnr,
            "--type",
            "au",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 1
    assert lines[0].startswith("brief.pdf\tHEK-")
    assert lines[1].startswith("virus.jpg\tabgelehnt: Dieses Dateiformat")
    assert lines[2].startswith("fehlt.pdf\tnicht lesbar")
    assert "Traceback" not in result.stderr
