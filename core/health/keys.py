"""The unlocked record a member's session holds, and how entries are sealed and opened.

Every seal is bound (HPKE info) to the record's reference number and the row it belongs to,
so ciphertext copied into another record, or to another row of the same record, fails.
"""

import json
import secrets
from dataclasses import dataclass, field

from core import crypto
from core.health.errors import WeakDevicePassword

FORMAT_VERSION = 1
# Argon2id cost for the device password (RFC 9106 second choice); tests may lower it.
DEVICE_WRAP_COST = {"memory_cost": 64 * 1024, "iterations": 3, "lanes": 4}
MIN_DEVICE_PASSWORD, MAX_DEVICE_PASSWORD = 8, 128


@dataclass(frozen=True)
class UnlockedRecord:
    """What an unlocked session holds: never persisted, never cached across users."""

    member_id: int
    reference_number: str
    device_id: str
    keypair: crypto.MemberKeyPair = field(repr=False)


def new_device_id() -> str:
    """A random name for "this browser session's device"; not a secret by itself."""
    return secrets.token_urlsafe(24)


def new_entry_id() -> str:
    return secrets.token_hex(16)


def entry_context(reference_number: str, entry_id: str) -> crypto.SealContext:
    return crypto.SealContext(reference_number, f"entry/{entry_id}", FORMAT_VERSION)


def document_context(reference_number: str, entry_id: str) -> crypto.SealContext:
    return crypto.SealContext(reference_number, f"document/{entry_id}", FORMAT_VERSION)


def security_key_context(reference_number: str) -> crypto.SealContext:
    return crypto.SealContext(reference_number, "security-key", FORMAT_VERSION)


def _json_bytes(payload: dict) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.encode("utf-8")


def seal_json(payload: dict, *, public_key: bytes, context: crypto.SealContext) -> bytes:
    return crypto.seal_for_member(
        plaintext=_json_bytes(payload), recipient_public_key=public_key, context=context
    )


def seal_json_many(
    items: list[tuple[dict, crypto.SealContext]], *, public_key: bytes
) -> list[bytes]:
    """seal_json for several payloads to one record (an import's entries), in order."""
    return crypto.seal_many_for_member(
        items=[(_json_bytes(payload), context) for payload, context in items],
        recipient_public_key=public_key,
    )


def open_json(sealed: bytes, *, keypair: crypto.MemberKeyPair, context: crypto.SealContext) -> dict:
    """Raises crypto.DecryptionFailed for another record's key, another row or changed bytes."""
    return json.loads(crypto.open_sealed(sealed=sealed, private_key=keypair, context=context))


def check_device_password(password: str) -> None:
    if not MIN_DEVICE_PASSWORD <= len(password or "") <= MAX_DEVICE_PASSWORD:
        raise WeakDevicePassword()


def wrap_for_device(keypair: crypto.MemberKeyPair, password: str) -> bytes:
    check_device_password(password)
    return crypto.wrap_private_key(keypair=keypair, password=password, **DEVICE_WRAP_COST)


def seal_security_key(key: crypto.SecurityKey, *, public_key: bytes, reference: str) -> bytes:
    """The key sealed to its own record, so an unlocked session can show it again (FAQ)."""
    return crypto.seal_for_member(
        plaintext=crypto.format_security_key(key).encode("ascii"),
        recipient_public_key=public_key,
        context=security_key_context(reference),
    )
