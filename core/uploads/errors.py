"""Why an upload was refused: a machine `code` for logs and tests, a German `message` for people."""

from core.errors import DomainError

ALLOWED_LABELS = {
    "pdf": "PDF",
    "jpeg": "JPEG",
    "png": "PNG",
    "heic": "HEIC",
    "webp": "WebP",
    "tiff": "TIFF",
    "gif": "GIF",
    "avif": "AVIF",
    "bmp": "BMP",
}

# A tip for the refusals of active PDF content: printing to a new PDF drops scripts and actions.
_REPRINT = (
    " Tipp: Öffnen Sie das Dokument und speichern Sie es über „Drucken“ → „Als PDF speichern“"
    " neu; diese Fassung können Sie hochladen."
)

REASONS: dict[str, str] = {
    "empty_file": "Die Datei ist leer. Bitte wählen Sie die Datei erneut aus.",
    "too_large": "Die Datei ist zu groß. Erlaubt sind höchstens {limit} pro Datei.",
    "submission_too_large": (
        "Die Einreichung ist insgesamt zu groß. Erlaubt sind höchstens {limit} zusammen. "
        "Bitte lassen Sie Seiten weg oder reichen Sie die Unterlagen in mehreren Teilen ein."
    ),
    "empty_submission": "Die Einreichung enthält keine Seite. Bitte behalten Sie mindestens eine.",
    "unsupported_type": "Dieses Dateiformat wird nicht angenommen. {allowed}",
    "broken_file": (
        "Die Datei ist beschädigt oder unvollständig und lässt sich nicht öffnen. "
        "Bitte laden Sie sie erneut hoch."
    ),
    "broken_pdf": (
        "Die PDF-Datei ist beschädigt oder unvollständig. Bitte speichern oder exportieren Sie "
        "das Dokument erneut als PDF und laden Sie es noch einmal hoch."
    ),
    "encrypted_pdf": (
        "Die PDF-Datei ist verschlüsselt oder mit einem Passwort geschützt. Bitte laden Sie "
        "eine Fassung ohne Passwortschutz hoch."
    ),
    "javascript": (
        "Die PDF-Datei enthält Programmcode (JavaScript) und wird aus Sicherheitsgründen "
        "nicht angenommen." + _REPRINT
    ),
    "launch_action": (
        "Die PDF-Datei versucht, andere Programme oder Dateien zu starten, und wird aus "
        "Sicherheitsgründen nicht angenommen." + _REPRINT
    ),
    "embedded_file": (
        "Die PDF-Datei enthält angehängte Dateien und wird aus Sicherheitsgründen nicht "
        "angenommen. Bitte laden Sie die Anhänge einzeln hoch."
    ),
    "active_content": (
        "Die PDF-Datei enthält aktive Inhalte (zum Beispiel Formularversand, Medien oder "
        "Verweise auf andere Dateien) und wird aus Sicherheitsgründen nicht angenommen." + _REPRINT
    ),
    "additional_actions": (
        "Die PDF-Datei löst automatische Aktionen aus (zum Beispiel beim Anzeigen einer Seite) "
        "und wird aus Sicherheitsgründen nicht angenommen." + _REPRINT
    ),
    "open_action": (
        "Die PDF-Datei führt beim Öffnen automatisch eine Aktion aus und wird aus "
        "Sicherheitsgründen nicht angenommen." + _REPRINT
    ),
    "pdf_bomb": (
        "Die PDF-Datei enthält ungewöhnlich stark komprimierte Inhalte und wird aus "
        "Sicherheitsgründen nicht angenommen."
    ),
    "pdf_too_complex": (
        "Die PDF-Datei ist zu umfangreich oder ungewöhnlich aufgebaut und kann nicht geprüft "
        "werden. Bitte teilen Sie das Dokument auf oder speichern Sie es neu als PDF."
    ),
    "too_many_pages": "Das Dokument hat zu viele Seiten. Erlaubt sind höchstens {limit} Seiten.",
    "page_too_large": (
        "Die PDF-Datei enthält eine Seite mit ungewöhnlich großem Format (mehr als {limit} an "
        "einer Kante) und wird nicht angenommen. Bitte speichern Sie das Dokument im Format A4 "
        "neu als PDF und laden Sie es noch einmal hoch."
    ),
    "pdf_image_too_large": (
        "Die PDF-Datei enthält ein Bild mit zu vielen Bildpunkten (mehr als {limit} Megapixel) "
        "und wird nicht angenommen. Bitte speichern Sie das Dokument mit geringerer Auflösung "
        "neu als PDF."
    ),
    "unprocessable": (
        "Die Datei konnte nicht verarbeitet werden: Sie ist zu umfangreich oder ungewöhnlich "
        "aufgebaut. Bitte speichern Sie sie neu (zum Beispiel über „Drucken“ → „Als PDF "
        "speichern“) oder verkleinern Sie sie und laden Sie sie noch einmal hoch."
    ),
    "too_many_pixels": (
        "Das Bild ist zu groß (zu viele Bildpunkte). Erlaubt sind höchstens {limit} Megapixel. "
        "Bitte verkleinern Sie das Bild oder fotografieren Sie mit geringerer Auflösung."
    ),
}


def allowed_formats_sentence(kinds: frozenset[str]) -> str:
    """'Erlaubt sind PDF, JPEG und PNG.' for whatever kinds a caller allows."""
    labels = [label for kind, label in ALLOWED_LABELS.items() if kind in kinds]
    if len(labels) == 1:
        return f"Erlaubt ist nur {labels[0]}."
    return f"Erlaubt sind {', '.join(labels[:-1])} und {labels[-1]}."


def megabytes(size: int) -> str:
    """10485760 -> '10 MB', 1572864 -> '1,5 MB' (German decimal comma)."""
    value = size / (1024 * 1024)
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text} MB"


class UploadRejected(DomainError):
    """An upload was refused; `message` tells the member why (German), `code` tells machines.

    `detail` is for logs only (e.g. what the content really was) and never shown.
    """

    default_message = "Die Datei wurde nicht angenommen."

    def __init__(self, code: str, *, detail: str | None = None, **values: object) -> None:
        self.code = code
        self.detail = detail
        self.values = values
        template = REASONS.get(code)
        super().__init__(template.format(**values) if template else None)

    def __repr__(self) -> str:
        return f"UploadRejected(code={self.code!r}, detail={self.detail!r})"
