"""The public check ("Bescheinigung prüfen"): is this a genuine, unchanged document of the HEK?

Two kinds of documents carry the HEK's signature: certificates (core.certificate_seal) and
digital insurance cards (core.digital_cards). A visitor does not have to say which one they
hold: a file or a scanned payload is tried as a certificate, then as a card; the signed
payload's type decides, so neither can pass as the other.
"""

from collections.abc import Callable, Mapping
from datetime import date

from core.certificate_seal import (
    PAYLOAD_LABEL,
    CertificateCheck,
    checked_upload,
    verify_certificate_payload,
    verify_certificate_pdf,
)
from core.digital_cards import CardCheck, verify_card_payload, verify_card_pdf

PublicCheck = CertificateCheck | CardCheck

NEITHER_FILE = (
    "Die Datei ist weder eine unveränderte Bescheinigung noch ein unveränderter digitaler "
    "Versicherungsausweis der HEK: Die Signatur fehlt oder passt nicht zum Inhalt."
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


def check_upload(*, name: str, data: bytes, today: date | None = None) -> PublicCheck:
    """An upload on the public page: the portal's file checks first (UploadRejected)."""
    return check_pdf(checked_upload(name=name, data=data), today=today)
