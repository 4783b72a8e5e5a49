"""The public check ("Bescheinigung prüfen"): is this a genuine, unchanged document of the HEK?

Two kinds of documents carry the HEK's signature: certificates (core.certificate_seal) and
digital insurance cards (core.digital_cards). A visitor does not have to say which one they
hold: a file or a scanned payload is tried as a certificate, then as a card; the signed
payload's type decides, so neither can pass as the other.

The page needs no sign-in, so a file check costs as little as it can: nothing is parsed before
the signature over the raw bytes holds (core.certificate_seal.checked_upload), and one network
address may check FILES_PER_CLIENT files within WINDOW. The counts share the table of the
"Passwort vergessen" limit (core.identity.reset_throttle: a hashed subject and a time, rows
deleted once older than the same one-hour window) under a subject of their own.
"""

import hashlib
from collections.abc import Callable, Mapping
from datetime import date, datetime

from sqlmodel import Session, col, delete, func, select

from core.certificate_seal import (
    PAYLOAD_LABEL,
    CertificateCheck,
    checked_upload,
    verify_certificate_payload,
    verify_certificate_pdf,
)
from core.clock import to_berlin, utcnow
from core.digital_cards import CardCheck, verify_card_payload, verify_card_pdf
from core.errors import DomainError
from core.identity.reset_throttle import WINDOW, client_network
from core.models.identity import ResetAttempt

PublicCheck = CertificateCheck | CardCheck

NEITHER_FILE = (
    "Die Datei ist weder eine unveränderte Bescheinigung noch ein unveränderter digitaler "
    "Versicherungsausweis der HEK: Die Signatur fehlt oder passt nicht zum Inhalt."
)
# A household, an office or a school shares one address; checking a file takes a person a minute.
FILES_PER_CLIENT = 60
TOO_MANY_FILES = (
    "Zu viele Prüfungen: Von Ihrem Internetanschluss aus wurden innerhalb einer Stunde "
    "{limit} Dateien geprüft. Aus Sicherheitsgründen geht es von hier aus erst ab {again} Uhr "
    "wieder. Einen Prüfcode können Sie weiterhin eingeben."
)
NEITHER_PAYLOAD = (
    "Der Prüfcode ist ungültig: Er wurde nicht von der HEK signiert oder nachträglich verändert."
)


def _recognised(certificate: CertificateCheck, card: Callable[[], CardCheck], fallback: str):
    """The certificate's result unless it is invalid, then the card's, else one refusal."""
    if certificate.status != "invalid":
        return certificate
    as_card = card()
    if as_card.status != "invalid":
        return as_card
    return CertificateCheck(status="invalid", reason=fallback)


def check_payload(
    text: str, *, today: date | None = None, public_keys: Mapping[str, bytes] | None = None
) -> PublicCheck:
    """A pasted Prüfcode or a scanned QR code (line breaks and the "Prüfcode:" label are fine)."""
    keys = dict(public_keys) if public_keys is not None else None
    compact = "".join((text or "").split()).removeprefix(PAYLOAD_LABEL)
    return _recognised(
        verify_certificate_payload(text, public_keys=keys),
        lambda: verify_card_payload(compact, today=today, public_keys=keys),
        NEITHER_PAYLOAD,
    )


def check_pdf(
    data: bytes, *, today: date | None = None, public_keys: Mapping[str, bytes] | None = None
) -> PublicCheck:
    """A file, checked byte for byte: one changed byte and it is invalid."""
    keys = dict(public_keys) if public_keys is not None else None
    return _recognised(
        verify_certificate_pdf(data, public_keys=keys),
        lambda: verify_card_pdf(data, today=today, public_keys=keys),
        NEITHER_FILE,
    )


class TooManyFileChecks(DomainError):
    default_message = (
        "Zu viele Prüfungen von Ihrem Internetanschluss aus. Bitte versuchen Sie es später erneut."
    )


def check_upload(
    session: Session,
    *,
    name: str,
    data: bytes,
    client: str | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> PublicCheck:
    """An upload on the public page: counted for the visitor's address (TooManyFileChecks),
    then size and type (UploadRejected), then the seal; `client` is the visitor's IP address
    as the web server saw it, if known."""
    _count_file_check(session, client=client, data=data, now=now or utcnow())
    return check_pdf(checked_upload(name=name, data=data), today=today)


def _count_file_check(session: Session, *, client: str | None, data: bytes, now: datetime) -> None:
    """Count one file check (committed at once), or refuse once the address used up its limit.

    The same file from the same address counts once per window: Streamlit runs the page again
    on every click, with the uploaded file still in place. Addresses that tell nothing about
    the visitor (local, private) are not counted, as in core.identity.reset_throttle.
    """
    network = client_network(client)
    if network is None:
        return
    counter = _subject("public-check", network)
    seen = _subject("public-check-file", network, hashlib.sha256(data).hexdigest())
    since = now - WINDOW
    session.exec(delete(ResetAttempt).where(col(ResetAttempt.attempted_at) <= since))
    if session.exec(select(ResetAttempt.id).where(ResetAttempt.subject == seen)).first():
        session.commit()
        return
    count, oldest = session.exec(
        select(func.count(), func.min(ResetAttempt.attempted_at)).where(
            ResetAttempt.subject == counter, col(ResetAttempt.attempted_at) > since
        )
    ).one()
    if count >= FILES_PER_CLIENT:
        session.commit()  # the expired rows stay deleted
        again = to_berlin(oldest + WINDOW).strftime("%H:%M")
        raise TooManyFileChecks(TOO_MANY_FILES.format(limit=FILES_PER_CLIENT, again=again))
    session.add_all(ResetAttempt(subject=subject, attempted_at=now) for subject in (counter, seen))
    session.commit()


def _subject(*parts: str) -> str:
    """A SHA-256, so the table lists neither addresses nor files."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()
