"""Previews rendered by many sessions at once: every Streamlit session runs in a thread of one
process, and PDFium is not thread-safe. Unguarded, eight threads crashed the process within
a second (a segfault in libpdfium; the load test lost every session to it), so the renders run
in a child process and the test asserts it survives with the right images."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_STRESS = textwrap.dedent(
    """
    from concurrent.futures import ThreadPoolExecutor

    from fpdf import FPDF

    from core.previews import pdf_page_count, render_pdf_pages

    document = FPDF()
    for number in range(3):
        document.add_page()
        document.set_font("helvetica", size=20)
        document.cell(text=f"Seite {number + 1}")
    pdf = bytes(document.output())
    expected = render_pdf_pages(pdf, scale=0.5)

    def one(index):
        if index % 5 == 0:
            return pdf_page_count(pdf) == 3
        return render_pdf_pages(pdf, scale=0.5) == expected

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(250)))
    print(len(expected), sum(results))
    """
)


def test_eight_sessions_previewing_pdfs_at_once_get_their_pages_and_the_process_survives():
    child = subprocess.run(
        [sys.executable, "-c", _STRESS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert child.returncode == 0, f"the process died ({child.returncode}): {child.stderr[-500:]}"
    assert child.stdout.split() == ["3", "250"]
