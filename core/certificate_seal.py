"""The seal of an issued certificate: its signed payload, the signed file, and their checks.

No database: anyone holding the public key can check a file or a payload. The design (why
two signatures, why a signature line after %%EOF) is described in core.certificate_issuing.
"""

import base64
import binascii
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pypdf import PdfReader

from core import crypto
from core.certificates import CERTIFICATE_LABELS
from core.models.certificates import CertificateType
from core.models.people import Member
from core.settings import get_secret
from core.uploads import UploadRejected
from core.uploads.errors import megabytes
from core.uploads.sniff import sniff_kind

PAYLOAD_DOCUMENT = "hek-bescheinigung/1"
PAYLOAD_LABEL = "Prüfcode:"  # printed before the payload; pasting it along is fine
MAX_PAYLOAD_CHARS = 2000
VERIFY_MAX_BYTES = 2 * 1024 * 1024  # an issued certificate is about 10 KB

_FILE_CONTEXT = b"hek certificate pdf/v1\x00"
_TRAILER = re.compile(rb"%HEK-SIG:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{86})\n")
_PAYLOAD_FIELDS = {
    "doc": str,
    "id": int,
    "type": str,
    "kvnr": str,
    "name": str,
    "born": str,
    "since": str,
    "until": str,
    "issued": str,
}

INVALID_FILE = (
    "Die Datei ist keine unveränderte Bescheinigung der HEK: Die Signatur fehlt oder passt "
    "nicht zum Inhalt."
)
INVALID_PAYLOAD = (
    "Der Prüfcode ist ungültig: Er wurde nicht von der HEK signiert oder nachträglich verändert."
)
UNKNOWN_KEY = (
    "Die Bescheinigung ist mit einem Schlüssel signiert, den wir nicht kennen. Sie kann nicht "
    "bestätigt werden."
)


def configured_signing_key() -> crypto.SigningKey:
    return crypto.signing_key_from_text(get_secret("signing_key"))


def verification_keys() -> dict[str, bytes]:
    """Public keys by key id; the configured signing key's for now."""
    key = configured_signing_key()
    return {key.key_id: key.public_bytes}


def _b64encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64decode(text: bytes) -> bytes | None:
    """Strict base64url without padding; a non-canonical spelling is refused."""
    try:
        data = base64.b64decode(text + b"=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if _b64encode(data) == text else None


# --- Payload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CertifiedFields:
    """What a verifier is shown: no KVNR, no address, no certificate number."""

    name: str
    birth_date: date
    cert_type: str
    insured_since: date
    insured_until: date | None
    issued_on: date

    @property
    def cert_label(self) -> str:
        return CERTIFICATE_LABELS.get(self.cert_type, self.cert_type)

    @property
    def insured_on_issue(self) -> bool:
        return self.insured_since <= self.issued_on and (
            self.insured_until is None or self.insured_until >= self.issued_on
        )

    @property
    def insurance_status(self) -> str:
        since = f"{self.insured_since:%d.%m.%Y}"
        if self.insured_until is None:
            return f"versichert seit {since}"
        return f"versichert vom {since} bis {self.insured_until:%d.%m.%Y}"


@dataclass(frozen=True)
class CertificateCheck:
    status: Literal["valid", "invalid", "unknown_key"]
    fields: CertifiedFields | None = None  # only when valid
    key_id: str | None = None
    reason: str | None = None  # German, when not valid

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def payload_fields(
    *, certificate_id: int, cert_type: str, member: Member, issued_on: date
) -> dict[str, str | int]:
    return {
        "doc": PAYLOAD_DOCUMENT,
        "id": certificate_id,
        "type": str(cert_type),
        "kvnr": member.kvnr,
        "name": f"{member.first_name} {member.last_name}",
        "born": member.birth_date.isoformat(),
        "since": member.membership_start.isoformat(),
        "until": member.membership_end.isoformat() if member.membership_end else "",
        "issued": issued_on.isoformat(),
    }


def _certified(fields: dict) -> CertifiedFields | None:
    """The fields of a certificate payload, or None if it is another kind of signed payload."""
    if set(fields) != set(_PAYLOAD_FIELDS) or fields["doc"] != PAYLOAD_DOCUMENT:
        return None
    if any(not isinstance(fields[name], kind) for name, kind in _PAYLOAD_FIELDS.items()):
        return None
    if fields["type"] not in set(CertificateType):
        return None
    try:
        return CertifiedFields(
            name=fields["name"],
            birth_date=date.fromisoformat(fields["born"]),
            cert_type=fields["type"],
            insured_since=date.fromisoformat(fields["since"]),
            insured_until=date.fromisoformat(fields["until"]) if fields["until"] else None,
            issued_on=date.fromisoformat(fields["issued"]),
        )
    except ValueError:
        return None


def verify_certificate_payload(
    text: str, *, public_keys: dict[str, bytes] | None = None
) -> CertificateCheck:
    """Check a QR payload (as scanned or copied from the small print; line breaks are fine)."""
    payload = "".join((text or "").split()).removeprefix(PAYLOAD_LABEL)
    if not payload or len(payload) > MAX_PAYLOAD_CHARS:
        return CertificateCheck(status="invalid", reason=INVALID_PAYLOAD)
    verification = crypto.verify_payload(
        payload=payload, public_keys=public_keys or verification_keys()
    )
    if verification.status == "unknown_key":
        return CertificateCheck(
            status="unknown_key", key_id=verification.key_id, reason=UNKNOWN_KEY
        )
    fields = _certified(dict(verification.fields or {})) if verification.status == "valid" else None
    if fields is None:
        return CertificateCheck(
            status="invalid", key_id=verification.key_id, reason=INVALID_PAYLOAD
        )
    return CertificateCheck(status="valid", fields=fields, key_id=verification.key_id)


# --- The signed file --------------------------------------------------------------------


def _file_message(key_id: str, body: bytes) -> bytes:
    return _FILE_CONTEXT + key_id.encode("ascii") + b"\x00" + body


def seal_pdf(pdf: bytes, *, signing_key: crypto.SigningKey) -> bytes:
    """Append the signature line after %%EOF (design: core.certificate_issuing)."""
    body = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    signature = crypto.sign_bytes(
        data=_file_message(signing_key.key_id, body), signing_key=signing_key
    )
    key_id = signing_key.key_id.encode("ascii")
    return body + b"%HEK-SIG:" + key_id + b":" + _b64encode(signature) + b"\n"


def _split_seal(data: bytes) -> tuple[str, bytes, bytes] | None:
    """(key_id, signature, signed body) if the last line is a well-formed signature line."""
    if not data.endswith(b"\n"):
        return None
    start = data.rfind(b"\n", 0, len(data) - 1) + 1
    match = _TRAILER.fullmatch(data, start) if start > 0 else None
    if match is None:
        return None
    signature = _b64decode(match[2])
    if signature is None:
        return None
    return match[1].decode("ascii"), signature, data[:start]


def _embedded_payload(body: bytes) -> str | None:
    try:
        metadata = PdfReader(io.BytesIO(body), strict=True).metadata
    except Exception:  # our own file, signature checked: a failure here means a bug, not an attack
        return None
    return metadata.subject if metadata is not None else None


@dataclass(frozen=True)
class SealedPdf:
    """A file's seal line checked; `payload` (from its metadata) only when the seal holds.

    Certificates and digital insurance cards carry the same seal; the signed payload inside
    says which of the two a file is.
    """

    status: Literal["valid", "invalid", "unknown_key"]
    key_id: str | None = None
    payload: str | None = None


def open_sealed_pdf(data: bytes, *, public_keys: dict[str, bytes] | None = None) -> SealedPdf:
    """Check the signature line over every byte before it, then read the embedded payload."""
    keys = public_keys or verification_keys()
    sealed = _split_seal(data)
    if sealed is None:
        return SealedPdf(status="invalid")
    key_id, signature, body = sealed
    if key_id not in keys:
        return SealedPdf(status="unknown_key", key_id=key_id)
    if not crypto.verify_bytes(
        data=_file_message(key_id, body), signature=signature, public_key=keys[key_id]
    ):
        return SealedPdf(status="invalid", key_id=key_id)
    return SealedPdf(status="valid", key_id=key_id, payload=_embedded_payload(body))


def verify_certificate_pdf(
    data: bytes, *, public_keys: dict[str, bytes] | None = None
) -> CertificateCheck:
    """Check an issued certificate file byte for byte, then the payload inside it."""
    keys = public_keys or verification_keys()
    sealed = open_sealed_pdf(data, public_keys=keys)
    if sealed.status == "unknown_key":
        return CertificateCheck(status="unknown_key", key_id=sealed.key_id, reason=UNKNOWN_KEY)
    if sealed.status != "valid":
        return CertificateCheck(status="invalid", key_id=sealed.key_id, reason=INVALID_FILE)
    check = verify_certificate_payload(sealed.payload or "", public_keys=keys)
    return check if check.valid else CertificateCheck(status="invalid", reason=INVALID_FILE)


def checked_upload(*, name: str, data: bytes) -> bytes:
    """An upload on the public page: empty, too large or not a PDF is refused (UploadRejected).

    Nothing is parsed here. The seal line is found with one regular expression on the last line
    and its signature checked over the raw bytes before anything reads the PDF: only a file the
    HEK issued, unchanged, is ever parsed (an anonymous visitor's 257 KB upload once cost
    0.9 s CPU and 250 MB in the full upload checks before it was refused).
    """
    del name  # the public page shows no file name back
    if not data:
        raise UploadRejected("empty_file")
    sniff_kind(data, frozenset({"pdf"}))
    if len(data) > VERIFY_MAX_BYTES:
        raise UploadRejected(
            "too_large", detail=f"{len(data)} bytes", limit=megabytes(VERIFY_MAX_BYTES)
        )
    return data


def verify_uploaded_certificate(*, name: str, data: bytes) -> CertificateCheck:
    """An upload on the public page: the upload checks first (UploadRejected), then the seal."""
    return verify_certificate_pdf(checked_upload(name=name, data=data))
