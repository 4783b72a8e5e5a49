"""What every letter module needs: the read models, who may see a letter, where it goes.

Members only ever reach their own app letters; one error answers both "does not exist" and
"not yours", so it reveals nothing about other members.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from core import crypto
from core.actors import Actor
from core.correspondence import read_body
from core.errors import DomainError, NotAllowed
from core.letter_templates import Addressee
from core.models.letters import Letter, LetterChannel, LetterDirection
from core.models.people import Member
from core.preferences import app_communication_enabled
from core.settings import get_secret
from core.smart import SMART_LEVELS, smart_member_id

BODY_OWNER = "letter"
PDF_OWNER = "letter_pdf"
ATTACHMENT_OWNER = "letter_attachment"
REPLY_MAX_CHARS = 2000
LIST_LIMIT = 100


class LetterNotFound(DomainError):
    # One answer for "does not exist" and "not yours": it reveals nothing about others.
    default_message = "Dieses Schreiben gibt es nicht oder es gehört nicht zu Ihnen."


@dataclass(frozen=True)
class LetterSummary:
    id: int
    member_id: int
    direction: str
    channel: str
    subject: str
    created_at: datetime
    read_at: datetime | None
    reply_to_letter_id: int | None
    template_key: str | None
    author_name: str
    attachment_name: str | None = None
    replies: int = 0
    unread_replies: int = 0

    @property
    def status_label(self) -> str:
        if self.channel == LetterChannel.POST:
            return "postalisch"
        return "gelesen" if self.read_at else "ungelesen"


@dataclass(frozen=True)
class Reply:
    summary: LetterSummary
    text: str
    letter_subject: str = ""
    member_name: str = ""
    kvnr: str = ""


@dataclass(frozen=True)
class LetterThread:
    letter: LetterSummary
    text: str
    replies: list[Reply]


@dataclass(frozen=True)
class SignedLetter:
    file_name: str
    signature_status: str  # valid | invalid | unknown_key
    key_id: str | None
    pdf: bytes = field(repr=False)


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed()


def signing_key() -> crypto.SigningKey:
    return crypto.signing_key_from_text(get_secret("signing_key"))


def signature_status(*, pdf: bytes, signature: bytes | None, key_id: str | None) -> str:
    """'valid' if the HEK's key signed exactly these bytes; 'unknown_key' for a foreign key id."""
    key = signing_key()
    if not signature or key_id != key.key_id:
        return "unknown_key" if signature else "invalid"
    ok = crypto.verify_bytes(data=pdf, signature=signature, public_key=key.public_bytes)
    return "valid" if ok else "invalid"


def summary_of(
    row: Letter, *, names: dict[int, str], viewer: Actor, replies: int = 0, unread: int = 0
) -> LetterSummary:
    """The read model of a letter or reply, with the author as this viewer may see them."""
    if row.direction == LetterDirection.OUT and viewer.is_member:
        author = "Ihre HEK"  # members see the HEK, not the clerk's name
    elif row.direction == LetterDirection.IN and viewer.is_member:
        author = "Sie"
    else:
        author = names.get(row.author_user_id, "–")
    return LetterSummary(
        id=row.id,
        member_id=row.member_id,
        direction=row.direction,
        channel=row.channel,
        subject=row.subject,
        created_at=row.created_at,
        read_at=row.read_at,
        reply_to_letter_id=row.reply_to_letter_id,
        template_key=row.template_key,
        author_name=author,
        attachment_name=row.attachment_name,
        replies=replies,
        unread_replies=unread,
    )


def letter_text(session: Session, row: Letter) -> str:
    """The decrypted text of a letter or reply."""
    return read_body(session, row, owner_type=BODY_OWNER)


def visible_letter(session: Session, actor: Actor, letter_id: int) -> Letter:
    """An outgoing letter the actor may read: a member's own app letter, or any for staff."""
    row = session.get(Letter, letter_id)
    if row is None or row.direction != LetterDirection.OUT:
        raise LetterNotFound()
    if actor.is_staff:
        return row
    if row.member_id != smart_member_id(actor) or row.channel != LetterChannel.APP:
        raise LetterNotFound()
    return row


def addressee(member: Member) -> Addressee:
    """The member as a letter's address block names them."""
    return Addressee(
        name=f"{member.first_name} {member.last_name}",
        street=member.street,
        postal_code=member.postal_code,
        city=member.city,
        kvnr=member.kvnr,
    )


def delivery_channel(session: Session, *, member: Member) -> LetterChannel:
    """FAQ: into the app only for smart members who switched App-Kommunikation on."""
    if member.service_level in SMART_LEVELS and app_communication_enabled(
        session, member_id=member.id
    ):
        return LetterChannel.APP
    return LetterChannel.POST
