"""What letters and the messenger share: text limits, attachments, the member's smart gate.

Member text is stored as given (encrypted at rest) and always rendered as plain text: pages
show it with st.text, never as Markdown or HTML, so nothing a member types runs or renders
in a clerk's browser.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlmodel import Session

from core import blobs
from core.errors import DomainError
from core.uploads import CheckedFile, IncomingFile, check_file

# Control characters other than newline and tab (a NUL would even break PostgreSQL text).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class InvalidText(DomainError):
    default_message = "Der Text ist ungültig."


def clean_text(text: str | None, *, label: str, max_chars: int, required: bool = True) -> str:
    """Normalised text with line breaks; refuses empty (if required) and overlong text."""
    cleaned = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    cleaned = _CONTROL.sub("", cleaned).strip()
    if required and not cleaned:
        raise InvalidText(f"Bitte geben Sie {label} ein.")
    if len(cleaned) > max_chars:
        raise InvalidText(
            f"{label[:1].upper()}{label[1:]} ist zu lang (höchstens {max_chars} Zeichen)."
        )
    return cleaned


def clean_line(text: str | None, *, label: str, max_chars: int) -> str:
    """A one-line text (a subject): line breaks and control characters become spaces."""
    single = " ".join(_CONTROL.sub(" ", (text or "").replace("\n", " ")).split())
    return clean_text(single, label=label, max_chars=max_chars)


@dataclass(frozen=True)
class Attachment:
    """A decrypted attachment for download or preview."""

    name: str
    mime: str
    data: bytes = field(repr=False)


def checked_attachment(attachment: IncomingFile | None) -> CheckedFile | None:
    """The same checks as "Dokument senden"; raises UploadRejected before anything is stored."""
    return check_file(attachment) if attachment is not None else None


def store_attachment(
    session: Session, *, checked: CheckedFile, owner_type: str, owner_id: int
) -> tuple[int, str, str, int]:
    """Encrypt a checked file; (blob id, name, mime, size) for the owning row."""
    blob_id = blobs.store_blob(
        session, owner_type=owner_type, owner_id=owner_id, plaintext=checked.data
    )
    return blob_id, checked.name[:120], checked.mime, checked.size
