"""The privacy statement (FAQ: "mehr > Datenschutz", to read and to download)."""

from pathlib import Path

from core import pdf

PRIVACY_FILE = Path(__file__).resolve().parent / "content" / "privacy.md"
TITLE = "Datenschutzerklärung"
FILE_NAME = "HEK_Datenschutzerklaerung.pdf"


def privacy_text() -> str:
    """The statement as Markdown, without its top-level title (the page sets its own)."""
    lines = PRIVACY_FILE.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.startswith("# ")).strip()


def privacy_pdf() -> bytes:
    return pdf.markdown_pdf(
        title=TITLE, subtitle="HEK Service-Portal", body=PRIVACY_FILE.read_text(encoding="utf-8")
    )
