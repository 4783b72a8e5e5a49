"""Opening a record: with the device password on a registered device, else with the key.

A "device" is one browser session of the portal (its id lives in that session only), so a
new browser or a new tab counts as a new device, as a new phone does for the app.

Wrong device passwords are counted per device, in the provider database: after
MAX_PASSWORD_FAILURES in a row the device password is disabled and only the security key
unlocks (and sets a new password). Each try also costs a full Argon2id derivation.
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlmodel import Session, select

from core import crypto
from core.actors import Actor
from core.clock import utcnow
from core.health import keys
from core.health.errors import (
    DevicePasswordLocked,
    OwnerOnly,
    RecordNotActive,
    UnknownDevice,
    WrongDevicePassword,
    WrongSecurityKey,
)
from core.health.models import RecordAccount, RecordDevice
from core.health.rules import active_link, find_link, owner_member_id

State = Literal["not_activated", "locked", "password_locked", "new_device"]
MAX_PASSWORD_FAILURES = 5


@dataclass(frozen=True)
class RecordStatus:
    state: State
    reference_number: str | None = None


def record_status(
    session: Session, health: Session, *, actor: Actor, device_id: str, today: date
) -> RecordStatus:
    """Which screen the member needs; raises AccessEnded after membership plus one month."""
    link = find_link(session, actor=actor)
    if link is None or link.terminated_at is not None:
        return RecordStatus("not_activated")
    active_link(session, actor=actor, today=today)
    device = _device(health, link.reference_number, device_id)
    if device is None:
        return RecordStatus("new_device", link.reference_number)
    state: State = "password_locked" if device.password_locked_at else "locked"
    return RecordStatus(state, link.reference_number)


def _device(
    health: Session, reference: str, device_id: str, *, lock: bool = False
) -> RecordDevice | None:
    statement = select(RecordDevice).where(
        RecordDevice.reference_number == reference, RecordDevice.device_id == device_id
    )
    return health.exec(statement.with_for_update() if lock else statement).first()


def _count_wrong_password(health: Session, device: RecordDevice) -> WrongDevicePassword:
    """Record one more wrong password (committed); the fifth in a row disables it."""
    device.password_failures += 1
    left = MAX_PASSWORD_FAILURES - device.password_failures
    if left <= 0:
        device.password_locked_at = utcnow()
    health.add(device)
    health.commit()
    if left <= 0:
        return DevicePasswordLocked()
    tries = "noch 1 Versuch" if left == 1 else f"noch {left} Versuche"
    return WrongDevicePassword(
        f"Das Geräte-Passwort ist nicht richtig. Sie haben {tries}; danach lässt sich die Akte "
        "auf diesem Gerät nur noch mit dem Sicherheitsschlüssel entsperren."
    )


def _account(health: Session, reference: str) -> RecordAccount:
    account = health.exec(
        select(RecordAccount).where(RecordAccount.reference_number == reference).with_for_update()
    ).first()
    if account is None:
        raise RecordNotActive()
    return account


def _unlocked(actor: Actor, reference: str, device_id: str, keypair) -> keys.UnlockedRecord:
    return keys.UnlockedRecord(
        member_id=actor.member_id, reference_number=reference, device_id=device_id, keypair=keypair
    )


def unlock_with_password(
    session: Session, health: Session, *, actor: Actor, device_id: str, password: str, today: date
) -> keys.UnlockedRecord:
    """Unwrap this device's private key. A wrong password raises WrongDevicePassword (tries
    left), the fifth in a row DevicePasswordLocked; a disabled password is not even tried."""
    reference = active_link(session, actor=actor, today=today).reference_number
    device = _device(health, reference, device_id, lock=True)
    if device is None:
        raise UnknownDevice()
    if device.password_locked_at is not None:
        raise DevicePasswordLocked()
    try:
        keypair = crypto.unwrap_private_key(wrapped=device.wrapped_private_key, password=password)
    except crypto.DecryptionFailed:
        raise _count_wrong_password(health, device) from None
    account = _account(health, reference)
    if keypair.public_bytes != account.public_key:
        raise crypto.DecryptionFailed()
    account.last_access_at = device.last_used_at = utcnow()
    device.password_failures = 0
    health.add_all([account, device])
    health.commit()
    return _unlocked(actor, reference, device_id, keypair)


def unlock_with_security_key(
    session: Session,
    health: Session,
    *,
    actor: Actor,
    device_id: str,
    typed_key: str,
    new_password: str,
    today: date,
) -> keys.UnlockedRecord:
    """Register this device: a typo fails on the check character, another key by comparison."""
    reference = active_link(session, actor=actor, today=today).reference_number
    keypair = crypto.derive_member_keypair(crypto.parse_security_key(typed_key))
    account = _account(health, reference)
    if keypair.public_bytes != account.public_key:
        raise WrongSecurityKey()
    wrapped = keys.wrap_for_device(keypair, new_password)
    now = utcnow()
    device = _device(health, reference, device_id) or RecordDevice(
        reference_number=reference, device_id=device_id, created_at=now
    )
    device.wrapped_private_key, device.last_used_at = wrapped, now
    device.password_failures, device.password_locked_at = 0, None  # a new password, fresh tries
    account.last_access_at = now
    health.add_all([account, device])
    health.commit()
    return _unlocked(actor, reference, device_id, keypair)


def require_owner(health: Session, actor: Actor, unlocked: keys.UnlockedRecord) -> str:
    """The record's reference if `unlocked` is the signed-in member's own; staff never pass.

    Both halves are checked: the member id, and that the record is the one whose private key
    this session holds (its public key in the provider database). The provider knows no
    member, but only the owner's unlock (reference from their own link) yields that key, so
    an unlocked record naming another member's reference is refused before anything is
    written to, counted in or read from that record.
    """
    if owner_member_id(actor) != unlocked.member_id:
        raise OwnerOnly()
    public_key = health.exec(
        select(RecordAccount.public_key).where(
            RecordAccount.reference_number == unlocked.reference_number
        )
    ).first()
    if public_key is None:
        raise RecordNotActive()
    if public_key != unlocked.keypair.public_bytes:
        raise OwnerOnly()
    return unlocked.reference_number


def show_security_key(health: Session, *, actor: Actor, unlocked: keys.UnlockedRecord) -> str:
    """FAQ: while smarthealth is unlocked the member may display the key again."""
    reference = require_owner(health, actor, unlocked)
    account = health.get(RecordAccount, reference)
    if account is None:
        raise RecordNotActive()
    return crypto.open_sealed(
        sealed=account.sealed_security_key,
        private_key=unlocked.keypair,
        context=keys.security_key_context(reference),
    ).decode("ascii")
