"""Every cryptographic primitive of the portal; nothing else imports `cryptography`.

- Envelope encryption at rest: a fresh AES-256-GCM data key per blob, wrapped by a KEK.
- Sealed boxes to a member: HPKE base mode (RFC 9180), X25519 / HKDF-SHA256 / AES-256-GCM.
- The smarthealth security key (160 random bits, typed or scanned) and the member key pair
  derived from it; the private key wrapped under a password with Argon2id.
- Ed25519 signatures: compact payloads for QR codes, detached signatures, audit anchors.
- Keyed links of the audit chain: HMAC-SHA256 under a named key that is not in the database.

Key material never appears in repr(), str() of exceptions or logs: key-holding classes
redact themselves and every error carries a fixed German message.
"""

import base64
import binascii
import hashlib
import hmac
import io
import json
import os
import re
import struct
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import segno
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from core.errors import DomainError
from core.identifiers import (
    MalformedCheckedCode,
    decode_checked,
    group,
    normalise,
    with_check_character,
)

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NONCE_BYTES = 12
_KEY_BYTES = 32


class CryptoError(DomainError):
    default_message = "Bei der Verschlüsselung ist ein Fehler aufgetreten."


class DecryptionFailed(CryptoError):
    default_message = (
        "Die Daten konnten nicht entschlüsselt werden: Schlüssel oder Kontext passen nicht, "
        "oder die Daten wurden verändert."
    )


class UnknownKey(CryptoError):
    default_message = "Der benötigte Schlüssel ist nicht vorhanden."


class InvalidKeyText(CryptoError):
    default_message = "Ein Schlüssel in der Konfiguration hat ein ungültiges Format."


class InvalidSecurityKeyFormat(CryptoError):
    default_message = (
        "Der Sicherheitsschlüssel ist nicht korrekt eingegeben. Bitte prüfen Sie jede Stelle."
    )


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url without padding; only the canonical encoding is accepted."""
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not canonical base64url") from None
    if _b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


def _check_key_id(key_id: str) -> None:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise ValueError("key ids are 1-64 characters of A-Z, a-z, 0-9, '_' and '-'")


def _key_from_text(text: str, *, length: int) -> tuple[str, bytes]:
    key_id, _, encoded = (text or "").strip().partition(":")
    try:
        _check_key_id(key_id)
        material = _b64decode(encoded)
    except ValueError:
        raise InvalidKeyText from None
    if len(material) != length:
        raise InvalidKeyText
    return key_id, material


# --- Envelope encryption at rest ------------------------------------------------------


@dataclass(frozen=True)
class Kek:
    """A key-encryption key, named so envelopes can say which one wrapped them."""

    kek_id: str
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_key_id(self.kek_id)
        if len(self.key) != _KEY_BYTES:
            raise ValueError("a KEK has 32 bytes")


@dataclass(frozen=True)
class Keyring:
    """The current KEK (used to seal) and older ones still needed to open."""

    current: Kek
    older: tuple[Kek, ...] = ()

    def __post_init__(self) -> None:
        ids = [kek.kek_id for kek in (self.current, *self.older)]
        if len(set(ids)) != len(ids):
            raise ValueError("kek ids in a keyring must be unique")

    def lookup(self, kek_id: str) -> Kek:
        for kek in (self.current, *self.older):
            if kek.kek_id == kek_id:
                return kek
        raise UnknownKey


@dataclass(frozen=True)
class Envelope:
    """A blob at rest; plain bytes so a database row can hold every field."""

    kek_id: str
    wrapped_key: bytes
    nonce: bytes
    ciphertext: bytes


def generate_kek(kek_id: str) -> Kek:
    return Kek(kek_id=kek_id, key=os.urandom(_KEY_BYTES))


def kek_to_text(kek: Kek) -> str:
    """'kek_id:base64url' for an environment variable or secrets file."""
    return f"{kek.kek_id}:{_b64encode(kek.key)}"


def kek_from_text(text: str) -> Kek:
    kek_id, key = _key_from_text(text, length=_KEY_BYTES)
    return Kek(kek_id=kek_id, key=key)


# The data key is wrapped with AES-KW (RFC 3394) rather than AES-GCM: it is deterministic,
# so a long-lived KEK that wraps millions of keys over the years has no nonce to collide
# (random 96-bit GCM nonces cap one key at about 2**32 messages), and its integrity check
# rejects any changed bit. The data key is random, so deterministic wrapping reveals
# nothing. Row binding lives in the blob's own AES-GCM associated data, which lets
# `rewrap` work without knowing which row an envelope belongs to.


def seal_blob(*, plaintext: bytes, kek: Kek, associated_data: bytes) -> Envelope:
    """Encrypt under a fresh data key; associated_data names owner and row."""
    data_key = os.urandom(_KEY_BYTES)
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, associated_data)
    return Envelope(
        kek_id=kek.kek_id,
        wrapped_key=aes_key_wrap(kek.key, data_key),
        nonce=nonce,
        ciphertext=ciphertext,
    )


def _unwrap_data_key(envelope: Envelope, keyring: Keyring) -> bytes:
    kek = keyring.lookup(envelope.kek_id)
    try:
        data_key = aes_key_unwrap(kek.key, envelope.wrapped_key)
    except (InvalidUnwrap, ValueError):
        raise DecryptionFailed from None
    if len(data_key) != _KEY_BYTES:
        raise DecryptionFailed
    return data_key


def open_blob(*, envelope: Envelope, keyring: Keyring, associated_data: bytes) -> bytes:
    """Decrypt; raises UnknownKey or DecryptionFailed (wrong row, changed bytes)."""
    data_key = _unwrap_data_key(envelope, keyring)
    if len(envelope.nonce) != _NONCE_BYTES:
        raise DecryptionFailed
    try:
        return AESGCM(data_key).decrypt(envelope.nonce, envelope.ciphertext, associated_data)
    except InvalidTag:
        raise DecryptionFailed from None


def rewrap(*, envelope: Envelope, keyring: Keyring, new_kek: Kek) -> Envelope:
    """Wrap the data key under new_kek; nonce and ciphertext stay byte for byte."""
    data_key = _unwrap_data_key(envelope, keyring)
    return replace(envelope, kek_id=new_kek.kek_id, wrapped_key=aes_key_wrap(new_kek.key, data_key))


# --- Member key pair, security key, password wrapping ---------------------------------


class MemberKeyPair:
    """A member's X25519 key pair; only the public half is ever shown."""

    __slots__ = ("_private",)

    def __init__(self, private_key: X25519PrivateKey) -> None:
        self._private = private_key

    @classmethod
    def generate(cls) -> "MemberKeyPair":
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, data: bytes) -> "MemberKeyPair":
        try:
            return cls(X25519PrivateKey.from_private_bytes(data))
        except (ValueError, TypeError):
            raise InvalidKeyText from None

    @property
    def public_bytes(self) -> bytes:
        return self._private.public_key().public_bytes_raw()

    @property
    def private_bytes(self) -> bytes:
        return self._private.private_bytes_raw()

    def __repr__(self) -> str:
        return f"MemberKeyPair(public={self.public_bytes[:4].hex()}…, private=<redacted>)"


_SECURITY_KEY_BYTES = 20  # 160 bits: exactly 32 base32 symbols
_SECURITY_KEY_SYMBOLS = _SECURITY_KEY_BYTES * 8 // 5


class SecurityKey:
    """The smarthealth security key the member keeps on paper; never printed by repr()."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) != _SECURITY_KEY_BYTES:
            raise ValueError("a security key has 20 bytes")
        self._secret = bytes(secret)

    def __repr__(self) -> str:
        return "SecurityKey(<redacted>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecurityKey):
            return NotImplemented
        return hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash((SecurityKey, self._secret))


def new_security_key() -> SecurityKey:
    return SecurityKey(os.urandom(_SECURITY_KEY_BYTES))


def format_security_key(key: SecurityKey) -> str:
    """'XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-C': 32 symbols and a check character."""
    return group(with_check_character(key._secret))


def parse_security_key(text: str) -> SecurityKey:
    """Read a typed key (any case, spaces, dashes); a typo fails here, before decryption."""
    try:
        secret = decode_checked(normalise(text), data_symbols=_SECURITY_KEY_SYMBOLS)
    except MalformedCheckedCode:
        raise InvalidSecurityKeyFormat from None
    return SecurityKey(secret)


def _security_key_qr(key: SecurityKey) -> segno.QRCode:
    # Upper-case base32 and '-' fit QR alphanumeric mode: a small code, version 3.
    return segno.make(format_security_key(key), error="m", micro=False)


def security_key_qr_svg(key: SecurityKey) -> str:
    return _security_key_qr(key).svg_inline(scale=6, border=4)


def security_key_qr_png(key: SecurityKey) -> bytes:
    buffer = io.BytesIO()  # in memory only: the key must never touch a temp file
    _security_key_qr(key).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def derive_member_keypair(security_key: SecurityKey) -> MemberKeyPair:
    """The same security key always yields the same X25519 key pair."""
    seed = HKDF(
        algorithm=hashes.SHA256(),
        length=_KEY_BYTES,
        salt=None,  # the input is already uniformly random
        info=b"hek smarthealth/member x25519 private key/v1",
    ).derive(security_key._secret)
    return MemberKeyPair(X25519PrivateKey.from_private_bytes(seed))


# Layout: version | memory_cost KiB (u32) | iterations (u32) | lanes (u32) | salt (16) |
# nonce (12) | AES-GCM(private key, associated data = everything before the nonce).
_PASSWORD_WRAP_V1 = 1
_PASSWORD_HEADER = struct.Struct(">BIII16s")
_MAX_MEMORY_COST_KIB = 1 << 20  # refuse blobs asking for more than 1 GiB
_MAX_ITERATIONS = 64
_MAX_LANES = 64


def _password_key(
    password: str, *, salt: bytes, memory_cost: int, iterations: int, lanes: int
) -> bytes:
    # NFC, so the same password typed on different devices gives the same bytes.
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    kdf = Argon2id(
        salt=salt, length=_KEY_BYTES, iterations=iterations, lanes=lanes, memory_cost=memory_cost
    )
    return kdf.derive(secret)


def wrap_private_key(
    *,
    keypair: MemberKeyPair,
    password: str,
    memory_cost: int = 64 * 1024,
    iterations: int = 3,
    lanes: int = 4,
) -> bytes:
    """Encrypt the private key under a password (Argon2id, RFC 9106 second choice).

    memory_cost is in KiB; lower it only in tests.
    """
    header = _PASSWORD_HEADER.pack(
        _PASSWORD_WRAP_V1, memory_cost, iterations, lanes, os.urandom(16)
    )
    key = _password_key(
        password, salt=header[-16:], memory_cost=memory_cost, iterations=iterations, lanes=lanes
    )
    nonce = os.urandom(_NONCE_BYTES)
    return header + nonce + AESGCM(key).encrypt(nonce, keypair.private_bytes, header)


def unwrap_private_key(*, wrapped: bytes, password: str) -> MemberKeyPair:
    """Raises DecryptionFailed on a wrong password or a changed byte."""
    wrong = DecryptionFailed("Das Passwort ist nicht richtig, oder die Daten sind beschädigt.")
    header_size = _PASSWORD_HEADER.size
    if len(wrapped) != header_size + _NONCE_BYTES + _KEY_BYTES + 16:
        raise wrong
    version, memory_cost, iterations, lanes, salt = _PASSWORD_HEADER.unpack_from(wrapped)
    plausible = (
        version == _PASSWORD_WRAP_V1
        and 1 <= lanes <= _MAX_LANES
        and 8 * lanes <= memory_cost <= _MAX_MEMORY_COST_KIB
        and 1 <= iterations <= _MAX_ITERATIONS
    )
    if not plausible:
        raise wrong
    key = _password_key(
        password, salt=salt, memory_cost=memory_cost, iterations=iterations, lanes=lanes
    )
    nonce = wrapped[header_size : header_size + _NONCE_BYTES]
    try:
        private = AESGCM(key).decrypt(
            nonce, wrapped[header_size + _NONCE_BYTES :], wrapped[:header_size]
        )
    except InvalidTag:
        raise wrong from None
    return MemberKeyPair(X25519PrivateKey.from_private_bytes(private))


# --- Sealed boxes (HPKE) ---------------------------------------------------------------

_HPKE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_SEALED_BOX_V1 = b"\x01"  # leading byte, so a later suite (e.g. ML-KEM hybrid) can coexist


@dataclass(frozen=True)
class SealContext:
    """What a sealed box belongs to; opening under any other context fails."""

    pseudonym: str
    record_id: str
    format_version: int

    def __post_init__(self) -> None:
        if not 0 <= self.format_version < 2**32:
            raise ValueError("format_version must fit in 32 bits")

    def info(self) -> bytes:
        """Canonical HPKE info: a label and length-prefixed fields, never ambiguous."""
        parts = [b"hek sealed box/v1", self.pseudonym.encode(), self.record_id.encode()]
        encoded = b"".join(struct.pack(">I", len(part)) + part for part in parts)
        return encoded + struct.pack(">I", self.format_version)


def seal_for_member(
    *, plaintext: bytes, recipient_public_key: bytes, context: SealContext
) -> bytes:
    """Encrypt to the member's public key; the sender cannot open the result."""
    try:
        public_key = X25519PublicKey.from_public_bytes(recipient_public_key)
    except (ValueError, TypeError):
        raise InvalidKeyText from None
    return _SEALED_BOX_V1 + _HPKE_SUITE.encrypt(plaintext, public_key, info=context.info())


def seal_many_for_member(
    *, items: Iterable[tuple[bytes, SealContext]], recipient_public_key: bytes
) -> list[bytes]:
    """seal_for_member for several plaintexts to one member, the key parsed once.

    Each box is still a complete single-shot HPKE seal with its own ephemeral key and its
    own context: boxes open one by one, and the encapsulation (two X25519 operations) is
    what a box costs; a shared one would need HPKE's multi-message context, which this
    format does not use.
    """
    try:
        public_key = X25519PublicKey.from_public_bytes(recipient_public_key)
    except (ValueError, TypeError):
        raise InvalidKeyText from None
    encrypt = _HPKE_SUITE.encrypt
    return [
        _SEALED_BOX_V1 + encrypt(plaintext, public_key, info=context.info())
        for plaintext, context in items
    ]


def open_sealed(
    *, sealed: bytes, private_key: MemberKeyPair | bytes, context: SealContext
) -> bytes:
    """Raises DecryptionFailed for another key, another context or a changed byte."""
    keypair = (
        private_key
        if isinstance(private_key, MemberKeyPair)
        else MemberKeyPair.from_private_bytes(private_key)
    )
    if sealed[:1] != _SEALED_BOX_V1:
        raise DecryptionFailed
    try:
        return _HPKE_SUITE.decrypt(sealed[1:], keypair._private, info=context.info())
    except (InvalidTag, ValueError):
        raise DecryptionFailed from None


# --- Signatures (Ed25519) --------------------------------------------------------------

# Distinct prefixes keep the signature uses apart: no detached signature over some
# bytes can ever pass as a payload signature, and the other way round.
_PAYLOAD_DOMAIN = b"hek signed payload/v1\x00"
_DETACHED_DOMAIN = b"hek detached signature/v1\x00"
_ANCHOR_DOMAIN = b"hek audit anchor/v1\x00"


class SigningKey:
    """An Ed25519 private key with the id verifiers use to pick the public key."""

    __slots__ = ("_private", "key_id")

    def __init__(self, *, key_id: str, private_key: Ed25519PrivateKey) -> None:
        _check_key_id(key_id)
        self.key_id = key_id
        self._private = private_key

    @property
    def public_bytes(self) -> bytes:
        return self._private.public_key().public_bytes_raw()

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r}, private=<redacted>)"


@dataclass(frozen=True)
class Verification:
    status: Literal["valid", "invalid", "unknown_key"]
    key_id: str | None = None
    fields: Mapping[str, str | int] | None = None  # only when valid


def generate_signing_key(key_id: str) -> SigningKey:
    return SigningKey(key_id=key_id, private_key=Ed25519PrivateKey.generate())


def signing_key_to_text(signing_key: SigningKey) -> str:
    """'key_id:base64url' of the 32-byte private seed, for an environment variable."""
    return f"{signing_key.key_id}:{_b64encode(signing_key._private.private_bytes_raw())}"


def signing_key_from_text(text: str) -> SigningKey:
    key_id, seed = _key_from_text(text, length=32)
    return SigningKey(key_id=key_id, private_key=Ed25519PrivateKey.from_private_bytes(seed))


def _valid_fields(fields: object) -> bool:
    return isinstance(fields, dict) and all(
        isinstance(name, str) and isinstance(value, str | int) and not isinstance(value, bool)
        for name, value in fields.items()
    )


def _sign_fields(fields: Mapping[str, str | int], signing_key: SigningKey, domain: bytes) -> str:
    fields = dict(fields)
    if not _valid_fields(fields):
        raise ValueError("fields map str to str or int")
    body = _b64encode(
        json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    signed = f"{signing_key.key_id}.{body}"
    signature = signing_key._private.sign(domain + signed.encode("ascii"))
    return f"{signed}.{_b64encode(signature)}"


def _verify_fields(payload: str, public_keys: Mapping[str, bytes], domain: bytes) -> Verification:
    if not isinstance(payload, str) or not payload.isascii() or payload.count(".") != 2:
        return Verification(status="invalid")
    key_id, body, signature_text = payload.split(".")
    if not _KEY_ID.fullmatch(key_id):
        return Verification(status="invalid")
    if key_id not in public_keys:
        return Verification(status="unknown_key", key_id=key_id)
    try:
        public_key = Ed25519PublicKey.from_public_bytes(public_keys[key_id])
        public_key.verify(_b64decode(signature_text), domain + f"{key_id}.{body}".encode("ascii"))
        fields = json.loads(_b64decode(body))
    except (InvalidSignature, ValueError, TypeError):  # JSONDecodeError is a ValueError
        return Verification(status="invalid", key_id=key_id)
    if not _valid_fields(fields):
        return Verification(status="invalid", key_id=key_id)
    return Verification(status="valid", key_id=key_id, fields=fields)


def sign_payload(*, fields: Mapping[str, str | int], signing_key: SigningKey) -> str:
    """'key_id.body.signature' (ASCII, base64url): short enough for a QR code.

    The body is canonical JSON (sorted keys, compact); the signature covers key id and body.
    """
    return _sign_fields(fields, signing_key, _PAYLOAD_DOMAIN)


def verify_payload(*, payload: str, public_keys: Mapping[str, bytes]) -> Verification:
    """Check a payload; anything malformed is 'invalid', never an exception."""
    return _verify_fields(payload, public_keys, _PAYLOAD_DOMAIN)


def sign_audit_anchor(*, fields: Mapping[str, str | int], signing_key: SigningKey) -> str:
    """Like sign_payload, under its own domain: an anchor never passes as a certificate's
    payload, nor a payload as an anchor, though one key signs both."""
    return _sign_fields(fields, signing_key, _ANCHOR_DOMAIN)


def verify_audit_anchor(*, anchor: str, public_keys: Mapping[str, bytes]) -> Verification:
    return _verify_fields(anchor, public_keys, _ANCHOR_DOMAIN)


def sign_bytes(*, data: bytes, signing_key: SigningKey) -> bytes:
    """A detached 64-byte signature over arbitrary bytes (e.g. a PDF body)."""
    return signing_key._private.sign(_DETACHED_DOMAIN + data)


def verify_bytes(*, data: bytes, signature: bytes, public_key: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, _DETACHED_DOMAIN + data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- Keyed links of the audit chain (HMAC-SHA256) ----------------------------------------

_AUDIT_LINK_DOMAIN = b"hek audit link/v1\x00"


@dataclass(frozen=True)
class AuditKey:
    """The secret that links audit entries; its id is stored with each entry it linked."""

    key_id: str
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_key_id(self.key_id)
        if len(self.key) != _KEY_BYTES:
            raise ValueError("an audit key has 32 bytes")


def generate_audit_key(key_id: str) -> AuditKey:
    return AuditKey(key_id=key_id, key=os.urandom(_KEY_BYTES))


def audit_key_to_text(audit_key: AuditKey) -> str:
    """'key_id:base64url', as a KEK is written."""
    return f"{audit_key.key_id}:{_b64encode(audit_key.key)}"


def audit_key_from_text(text: str) -> AuditKey:
    key_id, key = _key_from_text(text, length=_KEY_BYTES)
    return AuditKey(key_id=key_id, key=key)


def is_key_id(text: object) -> bool:
    """Whether text could name a key (1-64 of A-Z, a-z, 0-9, '_', '-'); safe to print."""
    return isinstance(text, str) and _KEY_ID.fullmatch(text) is not None


def audit_link(*, audit_key: AuditKey, message: bytes) -> str:
    """HMAC-SHA256 over a domain label and message, hex: without the key nobody can compute
    it, so rewriting the chain with the public SHA-256 of old no longer verifies."""
    return hmac.new(audit_key.key, _AUDIT_LINK_DOMAIN + message, hashlib.sha256).hexdigest()


def links_equal(first: str, second: str) -> bool:
    return hmac.compare_digest(first.encode(), second.encode())
