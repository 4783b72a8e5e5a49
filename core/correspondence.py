"""What letters and the messenger share: text limits, encrypted text and attachments, replay.

Member text is stored as given (encrypted at rest) and always rendered as plain text: pages
show it with st.text, never as Markdown or HTML, so nothing a member types runs or renders
in a clerk's browser.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import blobs
from core.actors import Actor
from core.errors import DomainError, NotAllowed
from core.models.accounts import UserAccount
from core.models.letters import Letter
from core.models.messages import Message
from core.uploads import CheckedFile, IncomingFile, check_file

# Control characters other than newline and tab (a NUL would even break PostgreSQL text).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# A letter and a message keep text, attachment, author and idempotency key in like columns.
Correspondence = TypeVar("Correspondence", Letter, Message)


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


def attach_file(
    session: Session, row: Correspondence, *, checked: CheckedFile, owner_type: str
) -> None:
    """Encrypt a checked file and note it on its flushed row (the caller adds and commits)."""
    row.attachment_blob_id = blobs.store_blob(
        session, owner_type=owner_type, owner_id=row.id, plaintext=checked.data
    )
    row.attachment_name = checked.name[:120]
    row.attachment_mime = checked.mime
    row.attachment_size = checked.size


def read_attachment(session: Session, row: Correspondence, *, owner_type: str) -> Attachment:
    """Decrypt a row's attachment; the blob is bound to its owner, so a moved id fails."""
    data = blobs.load_blob(
        session, blob_id=row.attachment_blob_id, owner_type=owner_type, owner_id=row.id
    )
    return Attachment(
        name=row.attachment_name or "Anhang", mime=row.attachment_mime or "", data=data
    )


def store_body(session: Session, row: Correspondence, *, text: str, owner_type: str) -> None:
    """Encrypt the text of a flushed row and note its blob id (the caller adds and commits)."""
    row.body_blob_id = blobs.store_blob(
        session, owner_type=owner_type, owner_id=row.id, plaintext=text.encode()
    )


def read_body(session: Session, row: Correspondence, *, owner_type: str) -> str:
    """The decrypted text of a row; "" for a row without text (a message that is only a file)."""
    if row.body_blob_id is None:
        return ""
    data = blobs.load_blob(
        session, blob_id=row.body_blob_id, owner_type=owner_type, owner_id=row.id
    )
    return data.decode("utf-8")


def author_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Display names of the accounts that wrote the rows a clerk sees."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(UserAccount.id, UserAccount.display_name).where(col(UserAccount.id).in_(user_ids))
    ).all()
    return dict(rows)


# --- idempotent submits: a double click or a resent form stores one row -------------------


def by_idempotency_key(
    session: Session, model: type[Correspondence], key: str | None
) -> Correspondence | None:
    """The row an earlier submit with this key stored; None without a key or on a first submit."""
    if not key:
        return None
    return session.exec(select(model).where(model.idempotency_key == key)).first()


def replay_for_author(row: Correspondence, actor: Actor) -> Correspondence:
    """An earlier submit's row, but only for its author: a guessed key must reveal nothing."""
    if row.author_user_id != actor.user_id:
        raise NotAllowed()
    return row


def race_winner(
    session: Session, model: type[Correspondence], key: str | None, error: IntegrityError
) -> Correspondence:
    """After a unique-key clash, roll back and return the row the concurrent submit stored."""
    session.rollback()
    winner = by_idempotency_key(session, model, key)
    if winner is None:
        raise error
    return winner
