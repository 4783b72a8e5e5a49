"""The digital insurance card ("digitaler Versicherungsausweis") for smart members.

FAQ: if the health card is lost or broken, a smart member requests the digital card and can
download, print or send it minutes later; it is valid for 14 days from the day of the request
and can be requested 4 times a year; beyond that, the hotline 0800 0213213 helps.

Issuing is quick (sign a payload, lay out one PDF page), so it happens inside the request:
the card is ready as soon as the request returns. The PDF carries a QR code of a signed
payload (core.crypto.sign_payload) that anyone can check offline with `verify_card_payload`;
the file itself is sealed like a certificate (core.certificate_seal), so the public page
checks an uploaded card byte for byte with `verify_card_pdf`.

A historic card from the seed (core.scale_seed) has its signed payload but no PDF yet (empty
SHA-256): the PDF is made from that payload on first download and stored like any other.
"""

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal
from urllib.parse import quote

import segno
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core import audit, blobs, crypto
from core.actors import Actor
from core.certificate_seal import open_sealed_pdf, seal_pdf
from core.clock import today_berlin, utcnow
from core.errors import DomainError, NotAllowed
from core.models.blobs import EncryptedBlob
from core.models.digital_cards import CardStatus, DigitalCard, DigitalCardRead
from core.models.people import Member
from core.pdf import HekDocument
from core.settings import get_secret
from core.smart import smart_member_id

# § FAQ: "ab dem Anforderungstag 14 Tage gültig": the request day is day 1, day 14 the last.
VALID_DAYS = 14
# § FAQ: "4-mal im Jahr": counted per calendar year of the request day (Europe/Berlin).
CARDS_PER_YEAR = 4
HOTLINE = "0800 0213213"
PAYLOAD_TYPE = "hek-dva/1"  # keeps a card's QR apart from other payloads signed by the HEK
BLOB_OWNER = "digital_card"
NBSP = "\u00a0"


def limit_message(year: int) -> str:
    return (
        f"Sie haben in {year} bereits {CARDS_PER_YEAR} digitale Versicherungsausweise "
        "angefordert – mehr sind in einem Kalenderjahr nicht möglich. Bitte wenden Sie sich "
        f"direkt an uns: Hotline {HOTLINE} (kostenfrei)."
    )


class CardLimitReached(DomainError):
    default_message = (
        f"Sie haben in diesem Jahr bereits {CARDS_PER_YEAR} digitale Versicherungsausweise "
        f"angefordert. Bitte wenden Sie sich direkt an uns: Hotline {HOTLINE} (kostenfrei)."
    )


class CardNotFound(DomainError):
    default_message = "Diesen Versicherungsausweis gibt es nicht oder er gehört nicht zu Ihnen."


@dataclass(frozen=True)
class CardFacts:
    """What a card's QR code says, once its signature holds."""

    card_id: int
    kvnr: str
    name: str
    birth_date: date
    valid_from: date
    valid_until: date
    key_id: str


@dataclass(frozen=True)
class CardOverview:
    """What the member's page shows: this year's count, the card valid today, all cards."""

    today: date
    year: int
    used: int
    cards: list[DigitalCardRead]  # newest first

    @property
    def remaining(self) -> int:
        return max(0, CARDS_PER_YEAR - self.used)

    @property
    def counter_label(self) -> str:
        return f"Noch {self.remaining} von {CARDS_PER_YEAR} in {self.year}"

    @property
    def current(self) -> DigitalCardRead | None:
        return next((card for card in self.cards if card.is_valid_on(self.today)), None)


def valid_until(requested_on: date) -> date:
    return requested_on + timedelta(days=VALID_DAYS - 1)


def configured_signing_key() -> crypto.SigningKey:
    return crypto.signing_key_from_text(get_secret("signing_key"))


def verification_keys() -> dict[str, bytes]:
    """Key id -> public key of every key a card may have been signed with."""
    current = configured_signing_key()
    return {current.key_id: current.public_bytes}


def _cards_in_year(session: Session, member_id: int, year: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(DigitalCard)
        .where(
            DigitalCard.member_id == member_id,
            DigitalCard.valid_from >= date(year, 1, 1),
            DigitalCard.valid_from <= date(year, 12, 31),
        )
    ).one()


def card_overview(session: Session, *, actor: Actor, today: date | None = None) -> CardOverview:
    member_id = smart_member_id(actor)
    today = today or today_berlin()
    rows = session.exec(
        select(DigitalCard)
        .where(DigitalCard.member_id == member_id, DigitalCard.status == CardStatus.READY)
        .order_by(col(DigitalCard.valid_from).desc(), col(DigitalCard.id).desc())
    ).all()
    return CardOverview(
        today=today,
        year=today.year,
        used=_cards_in_year(session, member_id, today.year),
        cards=[DigitalCardRead.model_validate(row) for row in rows],
    )


def _payload_fields(card: DigitalCard, member: Member) -> dict[str, str | int]:
    return {
        "t": PAYLOAD_TYPE,
        "cid": card.id,
        "kvnr": member.kvnr,
        "name": f"{member.first_name} {member.last_name}",
        "geb": member.birth_date.isoformat(),
        "von": card.valid_from.isoformat(),
        "bis": card.valid_until.isoformat(),
    }


def card_qr_png(payload: str, *, scale: int = 6) -> bytes:
    """The QR code of a card's payload as a PNG (in memory only)."""
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _german(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def render_card_pdf(*, payload: str, facts: CardFacts) -> bytes:
    """One A4 page: the card box with the QR code, then how to use it."""
    document = HekDocument(
        title="Digitaler Versicherungsausweis",
        subtitle="Ersatz für die elektronische Gesundheitskarte",
    )
    document.set_subject(payload)  # read back by verify_card_pdf
    top = document.get_y()
    document.set_draw_color(0, 84, 159)
    document.set_line_width(0.6)
    document.rect(20, top, 170, 66, round_corners=True)
    rows = (
        (("Name", facts.name), ("Geburtsdatum", _german(facts.birth_date))),
        (("Versichertennummer", facts.kvnr), ("Krankenkasse", "HEK")),
        (
            ("Gültig vom", _german(facts.valid_from)),
            ("Gültig bis einschließlich", _german(facts.valid_until)),
        ),
        (("Ausweis-Nr.", str(facts.card_id)), ("Signaturschlüssel", facts.key_id)),
    )
    for index, pair in enumerate(rows):
        for column, (label, value) in enumerate(pair):
            document.set_xy(26 + column * 56, top + 7 + index * 14)
            document.set_font("helvetica", "", 8.5)
            document.set_text_color(110, 110, 110)
            document.cell(54, 4, label)
            document.set_xy(26 + column * 56, top + 11.5 + index * 14)
            document.set_font("helvetica", "B", 11.5)
            document.set_text_color(40, 40, 40)
            document.cell(54, 5.5, value)
    document.image(io.BytesIO(card_qr_png(payload, scale=8)), x=140, y=top + 6, w=46)
    document.set_xy(140, top + 53)
    document.set_font("helvetica", "", 7.5)
    document.set_text_color(110, 110, 110)
    document.multi_cell(46, 3.4, "Echtheit prüfen: QR-Code scannen", align="C")
    document.set_y(top + 74)
    document.heading("So verwenden Sie den Ausweis")
    document.bullet(
        f"Er gilt vom {_german(facts.valid_from)} bis einschließlich "
        f"{_german(facts.valid_until)}, 14 Tage ab dem Tag der Anforderung."
    )
    document.bullet(
        "Zeigen Sie ihn in der Praxis auf dem Smartphone vor oder drucken Sie ihn aus. "
        "Die Praxis kann die Echtheit über den QR-Code prüfen."
    )
    document.bullet(
        "Er ist nur ein Ersatz. Bitte beantragen Sie gleich eine neue Gesundheitskarte: "
        f"Hotline {HOTLINE.replace(' ', NBSP)} (kostenfrei)."
    )
    return document.to_bytes()


def request_card(
    session: Session,
    *,
    actor: Actor,
    today: date | None = None,
    idempotency_key: str | None = None,
    signing_key: crypto.SigningKey | None = None,
) -> DigitalCardRead:
    """Issue a card valid from today for 14 days; the fifth in a calendar year is refused.

    A retry with the same idempotency key returns the first card instead of a second one.
    """
    member_id = smart_member_id(actor)
    today = today or today_berlin()
    if idempotency_key:
        existing = session.exec(
            select(DigitalCard).where(DigitalCard.idempotency_key == idempotency_key)
        ).first()
        if existing is not None:
            if existing.member_id != member_id:
                raise NotAllowed()
            return DigitalCardRead.model_validate(existing)
    # Lock the member row (PostgreSQL; SQLite write sessions are serialised already), so two
    # requests at once cannot both see three cards and both issue a fourth.
    member = session.exec(select(Member).where(Member.id == member_id).with_for_update()).one()
    if _cards_in_year(session, member_id, today.year) >= CARDS_PER_YEAR:
        raise CardLimitReached(limit_message(today.year))
    signing_key = signing_key or configured_signing_key()
    card = DigitalCard(
        member_id=member_id,
        requested_at=utcnow(),
        valid_from=today,
        valid_until=valid_until(today),
        status=CardStatus.CREATING,
        idempotency_key=idempotency_key,
    )
    try:
        session.add(card)
        session.flush()
        card.payload = crypto.sign_payload(
            fields=_payload_fields(card, member), signing_key=signing_key
        )
        pdf = seal_pdf(
            render_card_pdf(payload=card.payload, facts=_facts(card, member, signing_key)),
            signing_key=signing_key,
        )
        blobs.store_blob(session, owner_type=BLOB_OWNER, owner_id=card.id, plaintext=pdf)
        card.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        card.status = CardStatus.READY
        session.add(card)
        audit.record(
            session,
            actor=actor,
            action="request_digital_card",
            subject_type="digital_card",
            subject_id=card.id,
            member_id=member_id,
            details={"valid_from": card.valid_from.isoformat(), "key_id": signing_key.key_id},
        )
        session.commit()
    except IntegrityError:
        # A double click raced with the same key: the other request issued the card.
        session.rollback()
        if not idempotency_key:
            raise
        return request_card(session, actor=actor, today=today, idempotency_key=idempotency_key)
    return DigitalCardRead.model_validate(card)


def _render_historic(session: Session, *, actor: Actor, card: DigitalCard) -> bytes:
    """A seeded card's PDF, made from its signed payload on first download and stored once."""
    facts = verify_card_payload(card.payload, today=card.valid_from).card
    if facts is None or facts.card_id != card.id:  # no genuine file can be made from it
        raise blobs.BlobNotFound
    signing_key = configured_signing_key()
    pdf = seal_pdf(render_card_pdf(payload=card.payload, facts=facts), signing_key=signing_key)
    sha256 = hashlib.sha256(pdf).hexdigest()
    stored = blobs.store_first_file(
        session,
        owner_type=BLOB_OWNER,
        owner_id=card.id,
        plaintext=pdf,
        claim=lambda _blob_id: (
            update(DigitalCard)
            .where(DigitalCard.id == card.id, DigitalCard.pdf_sha256 == "")
            .values(pdf_sha256=sha256)
        ),
    )
    session.refresh(card)
    if not stored:  # opened twice at the same moment: the other one's file stands
        return _stored_pdf(session, card)
    audit.record(
        session,
        actor=actor,
        action="historic_pdf_rendered",
        subject_type="digital_card",
        subject_id=card.id,
        member_id=card.member_id,
        details={"key_id": signing_key.key_id, "sha256": sha256},
    )
    session.commit()
    return pdf


def _stored_pdf(session: Session, card: DigitalCard) -> bytes:
    blob_id = session.exec(
        select(EncryptedBlob.id).where(
            EncryptedBlob.owner_type == BLOB_OWNER, EncryptedBlob.owner_id == str(card.id)
        )
    ).first()
    if blob_id is None:  # it had a file (its SHA-256 is kept) and lost it: no second card
        raise blobs.BlobNotFound
    data = blobs.load_blob(session, blob_id=blob_id, owner_type=BLOB_OWNER, owner_id=card.id)
    if hashlib.sha256(data).hexdigest() != card.pdf_sha256:
        raise CardNotFound("Der gespeicherte Ausweis ist beschädigt. Bitte fordern Sie ihn neu an.")
    return data


def card_pdf(session: Session, *, actor: Actor, card_id: int) -> bytes:
    """The member's own card PDF exactly as issued (checked against its SHA-256)."""
    member_id = smart_member_id(actor)
    card = session.get(DigitalCard, card_id)
    if card is None or card.member_id != member_id or card.status != CardStatus.READY:
        raise CardNotFound()
    if not card.pdf_sha256:  # a seeded card that never had a file
        return _render_historic(session, actor=actor, card=card)
    return _stored_pdf(session, card)


def card_file_name(card: DigitalCardRead) -> str:
    return f"HEK_Versicherungsausweis_{card.valid_from:%Y-%m-%d}.pdf"


def share_link(card: DigitalCardRead) -> str:
    """A mailto: draft with no attachment and no personal data: the member attaches the PDF.

    A browser cannot attach a file to a mailto: link, so the page says so plainly.
    """
    subject = "Mein digitaler Versicherungsausweis (HEK)"
    body = (
        "Guten Tag,\n\nanbei sende ich Ihnen meinen digitalen Versicherungsausweis der HEK, "
        f"gültig vom {_german(card.valid_from)} bis einschließlich {_german(card.valid_until)}."
        "\nDie Echtheit lässt sich über den QR-Code prüfen.\n\n[Bitte die heruntergeladene "
        "PDF-Datei anhängen.]"
    )
    return f"mailto:?subject={quote(subject)}&body={quote(body)}"


# --- Checking a card by its QR payload -------------------------------------------------------


def _facts(card: DigitalCard, member: Member, signing_key: crypto.SigningKey) -> CardFacts:
    return CardFacts(
        card_id=card.id,
        kvnr=member.kvnr,
        name=f"{member.first_name} {member.last_name}",
        birth_date=member.birth_date,
        valid_from=card.valid_from,
        valid_until=card.valid_until,
        key_id=signing_key.key_id,
    )


CardCheckStatus = Literal["valid", "expired", "not_yet_valid", "invalid", "unknown_key"]
_CHECK_MESSAGES: dict[str, str] = {
    "valid": "Echt und heute gültig.",
    "expired": "Echt, aber abgelaufen.",
    "not_yet_valid": "Echt, aber noch nicht gültig.",
    "invalid": "Kein gültiger digitaler Versicherungsausweis der HEK (Code verändert oder fremd).",
    "unknown_key": "Dieser Ausweis wurde mit einem unbekannten Schlüssel unterschrieben.",
}
INVALID_FILE = (
    "Die Datei ist kein unveränderter digitaler Versicherungsausweis der HEK: Die Signatur "
    "fehlt oder passt nicht zum Inhalt."
)


@dataclass(frozen=True)
class CardCheck:
    status: CardCheckStatus
    message: str  # German, ready to show on the verify page
    card: CardFacts | None = None  # only when the signature holds

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"


def _facts_from(fields: Mapping[str, str | int], key_id: str) -> CardFacts | None:
    try:
        if fields["t"] != PAYLOAD_TYPE or not isinstance(fields["cid"], int):
            return None
        return CardFacts(
            card_id=fields["cid"],
            kvnr=str(fields["kvnr"]),
            name=str(fields["name"]),
            birth_date=date.fromisoformat(str(fields["geb"])),
            valid_from=date.fromisoformat(str(fields["von"])),
            valid_until=date.fromisoformat(str(fields["bis"])),
            key_id=key_id,
        )
    except (KeyError, ValueError):
        return None


def verify_card_payload(
    text: str,
    *,
    today: date | None = None,
    public_keys: Mapping[str, bytes] | None = None,
) -> CardCheck:
    """Check a scanned card QR code offline: signature, payload type, validity on `today`.

    Never raises on bad input; anything that is not a signed HEK card is "invalid".
    """
    verification = crypto.verify_payload(
        payload=(text or "").strip(),
        public_keys=verification_keys() if public_keys is None else public_keys,
    )
    if verification.status != "valid":
        return CardCheck(status=verification.status, message=_CHECK_MESSAGES[verification.status])
    facts = _facts_from(verification.fields or {}, verification.key_id or "")
    if facts is None:
        return CardCheck(status="invalid", message=_CHECK_MESSAGES["invalid"])
    today = today or today_berlin()
    if today < facts.valid_from:
        status: CardCheckStatus = "not_yet_valid"
    elif today > facts.valid_until:
        status = "expired"
    else:
        status = "valid"
    message = (
        f"{_CHECK_MESSAGES[status]} Gültig vom {_german(facts.valid_from)} "
        f"bis einschließlich {_german(facts.valid_until)}."
    )
    return CardCheck(status=status, message=message, card=facts)


def verify_card_pdf(
    data: bytes, *, today: date | None = None, public_keys: Mapping[str, bytes] | None = None
) -> CardCheck:
    """Check a card file byte for byte (its seal line), then the signed payload inside it."""
    keys = dict(verification_keys() if public_keys is None else public_keys)
    sealed = open_sealed_pdf(data, public_keys=keys)
    if sealed.status == "unknown_key":
        return CardCheck(status="unknown_key", message=_CHECK_MESSAGES["unknown_key"])
    check = verify_card_payload(sealed.payload or "", today=today, public_keys=keys)
    if sealed.status != "valid" or check.card is None:
        return CardCheck(status="invalid", message=INVALID_FILE)
    return check
