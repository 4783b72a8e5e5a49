"""Portal-wide look, applied by Home.py on every run.

Streamlit draws a few hints and buttons of its own in English ("20MB per file", "Take Photo");
they are shown in German, the upload hint with the portal's real limits. Tables offer no
"Download as CSV" (issue #17: a member's text starting with "=" would be a formula in the
clerk's spreadsheet, and the download is not audited); the portal's own exports go through
core/csv_safe.py. Long German titles
get a size that fits a phone, so "Versicherungszeiten" is not broken in the middle of a word.
"""

from pathlib import Path

import streamlit as st

from core.settings import get_settings

# A file of the portal's own: Streamlit fetches a material-icon favicon from Google's font
# host, which the Content-Security-Policy refuses.
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def portal_css(*, max_file_bytes: int, max_submission_bytes: int) -> str:
    limits = (
        f"Höchstens {_megabytes(max_file_bytes)} MB je Datei, "
        f"{_megabytes(max_submission_bytes)} MB je Sendung"
    )
    return f"""
[data-testid="stFileUploaderDropzoneInstructions"] > * {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"]::after {{
  content: "{limits}";
  font-size: 0.875rem;
  opacity: 0.8;
}}
[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]) {{
  display: none !important;
}}
[data-testid="stCameraInputButton"] {{ font-size: 0; }}
[data-testid="stCameraInputButton"] svg {{ display: none; }}
[data-testid="stCameraInputButton"]::after {{ content: "Foto aufnehmen"; font-size: 1rem; }}
[data-testid="stCameraInputButton"]:has(svg)::after {{ content: "Foto verwerfen"; }}
@media (max-width: 640px) {{
  h1 {{ font-size: 1.75rem !important; overflow-wrap: normal; word-break: normal; }}
  h2 {{ font-size: 1.4rem !important; }}
}}
"""


def apply_portal_style() -> None:
    settings = get_settings()
    css = portal_css(
        max_file_bytes=settings.max_file_bytes,
        max_submission_bytes=settings.max_submission_bytes,
    )
    st.html(f"<style>{css}</style>")
