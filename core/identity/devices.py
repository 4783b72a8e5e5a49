"""Registered devices: the second factor of smart (FAQ "Warum ist die Identifizierung über Nect
sicher?": a fingerprint/PIN/face scan plus the phone itself; "Im Falle eines Gerätewechsels …
muss eine neue Identifikation vorgenommen werden").

The app binds itself to the phone. In the browser a device is possession plus knowledge:
- the device secret: the browser's own random, HttpOnly, long-lived cookie (core/http/
  cookies.py, BROWSER). Registering a device (which needs a fresh identification) stores the
  SHA-256 of it; only that browser can present it again;
- a 6-digit app PIN (bcrypt) chosen at registration.
A later login in that browser recognises its device and asks for the app PIN alone. A browser
without a registered device's secret cannot confirm any device by PIN: it identifies anew and
registers (`pin_from_any_browser` relaxes this for the seeded demo personas in demo mode only,
so that they work in any browser; README says so). Outside a browser (AppTest, the command
line) there is no cookie: `device_secret=None` there.
Five wrong PINs lock the device: it is removed, and only a new identification brings it back.

Why the count is per device and not per member: each device has its own PIN, and a locked
device is gone for good, while adding a device needs a fresh identification (the wallet
app), which someone who merely knows the password cannot pass. So with the password alone
an attacker gets at most MAX_PIN_FAILURES guesses per device the member already has (15 for
three devices, against about a million PINs), and every further guess would need a new
identification anyway. A per-member counter would bound that at 5 instead of 5 per device,
a negligible gain, and would let one wrong phone lock out all the member's others.
"""

import hashlib
import itertools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import bcrypt
from sqlmodel import Session, select, update

from core import audit
from core.actors import Actor
from core.clock import utcnow
from core.errors import NotAllowed
from core.identity.errors import DeviceLocked, DeviceRefused, WrongAppPin
from core.identity.service import DEVICE_PURPOSES, use_identification
from core.models.accounts import UserSession
from core.models.identity import DeviceRead, RegisteredDevice
from core.models.people import ServiceLevel
from core.settings import get_settings

APP_PIN_DIGITS = 6
MAX_PIN_FAILURES = 5
MAX_NAME_CHARS = 40
_PIN_SHAPE = re.compile(rf"[0-9]{{{APP_PIN_DIGITS}}}")
_SMART_LEVELS = frozenset({ServiceLevel.SMART, ServiceLevel.SMARTHEALTH})
NOT_THIS_BROWSER = (
    "Dieses Gerät ist in diesem Browser nicht registriert. Bei einem Gerätewechsel ist eine "
    "neue Identifizierung nötig."
)


@dataclass(frozen=True)
class NewDevice:
    """A registration's result: the token exists only here and in the browser session."""

    device: DeviceRead
    token: str


def needs_device(actor: Actor | None) -> bool:
    """smart and smarthealth members confirm a registered device after every login."""
    return bool(actor and actor.is_member and actor.service_level in _SMART_LEVELS)


def _check_pin_shape(pin: str) -> str:
    pin = (pin or "").strip()
    if not _PIN_SHAPE.fullmatch(pin):
        raise DeviceRefused(f"Die App-PIN besteht aus genau {APP_PIN_DIGITS} Ziffern.")
    return pin


def check_app_pin_policy(pin: str) -> str:
    """A new app PIN: six digits, not one repeated digit and not a plain run like 123456."""
    pin = _check_pin_shape(pin)
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        raise DeviceRefused(
            "Bitte wählen Sie keine leicht zu erratende App-PIN wie 111111 oder 123456."
        )
    return pin


def hash_app_pin(pin: str, *, rounds: int | None = None) -> str:
    pin = _check_pin_shape(pin)
    salt = bcrypt.gensalt(rounds or get_settings().bcrypt_rounds)
    return bcrypt.hashpw(pin.encode("ascii"), salt).decode("ascii")


def _pin_matches(pin: str, pin_hash: str) -> bool:
    return bcrypt.checkpw(pin.encode("ascii"), pin_hash.encode("ascii"))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise DeviceRefused("Bitte geben Sie dem Gerät einen Namen.")
    if len(cleaned) > MAX_NAME_CHARS or not cleaned.isprintable():
        raise DeviceRefused(f"Der Gerätename darf höchstens {MAX_NAME_CHARS} Zeichen haben.")
    return cleaned


def _read(device: RegisteredDevice) -> DeviceRead:
    return DeviceRead.model_validate(device, from_attributes=True)


def add_device(
    session: Session,
    *,
    user_id: int,
    name: str,
    pin_hash: str,
    now: datetime | None = None,
    device_secret: str | None = None,
) -> NewDevice:
    """Add a device row (commit is the caller's). The seed uses it with a precomputed hash;
    a browser registers with its own secret (the browser cookie), others get a random one."""
    token = device_secret or secrets.token_urlsafe(32)
    device = RegisteredDevice(
        user_id=user_id,
        name=_clean_name(name),
        device_token_hash=_token_hash(token),
        pin_hash=pin_hash,
        created_at=now or utcnow(),
    )
    session.add(device)
    session.flush()
    return NewDevice(device=_read(device), token=token)


def _member_user(actor: Actor) -> int:
    if not needs_device(actor):
        raise NotAllowed("Geräte werden erst ab der smart-Version registriert.")
    return actor.user_id


def register_device(
    session: Session,
    *,
    actor: Actor,
    identification_id: int,
    name: str,
    pin: str,
    device_secret: str | None = None,
) -> NewDevice:
    """Bind this browser to the account, using up a fresh identification of this member."""
    user_id = _member_user(actor)
    pin_hash = hash_app_pin(check_app_pin_policy(pin))
    name = _clean_name(name)
    use_identification(
        session,
        identification_id=identification_id,
        member_id=actor.member_id,
        purposes=DEVICE_PURPOSES,
    )
    created = add_device(
        session, user_id=user_id, name=name, pin_hash=pin_hash, device_secret=device_secret
    )
    audit.record(
        session,
        actor=actor,
        action="device_registered",
        subject_type="registered_device",
        subject_id=created.device.id,
        member_id=actor.member_id,
        details={"identification": identification_id},
    )
    session.commit()
    return created


def devices_of(session: Session, *, actor: Actor) -> list[DeviceRead]:
    """The account's active devices, oldest first."""
    rows = session.exec(
        select(RegisteredDevice)
        .where(RegisteredDevice.user_id == actor.user_id, RegisteredDevice.revoked_at.is_(None))
        .order_by(RegisteredDevice.created_at, RegisteredDevice.id)
    ).all()
    return [_read(row) for row in rows]


def _own_device(session: Session, actor: Actor, device_id: int) -> RegisteredDevice:
    device = session.exec(
        select(RegisteredDevice)
        .where(RegisteredDevice.id == device_id, RegisteredDevice.user_id == actor.user_id)
        .with_for_update()
    ).first()
    if device is None or device.revoked_at is not None:
        raise DeviceRefused("Dieses Gerät ist nicht mehr registriert.")
    return device


def _prove_pin(session: Session, actor: Actor, device: RegisteredDevice, pin: str) -> None:
    """Check the app PIN; the fifth wrong one in a row locks (removes) the device."""
    pin = _check_pin_shape(pin)  # a typo in the shape does not count as a try
    if _pin_matches(pin, device.pin_hash):
        device.pin_failures = 0
        return
    device.pin_failures += 1
    now = utcnow()
    if device.pin_failures >= MAX_PIN_FAILURES:
        device.revoked_at = now
        device.revoke_reason = "pin_locked"
        session.add(device)
        audit.record(
            session,
            actor=actor,
            action="device_locked",
            subject_type="registered_device",
            subject_id=device.id,
            member_id=actor.member_id,
        )
        session.commit()
        raise DeviceLocked()
    session.add(device)
    session.commit()
    raise WrongAppPin(MAX_PIN_FAILURES - device.pin_failures)


def recognised_device(
    session: Session, *, actor: Actor, device_secret: str | None
) -> DeviceRead | None:
    """The account's active device registered in this browser (its secret matches)."""
    if not device_secret:
        return None
    device = session.exec(
        select(RegisteredDevice)
        .where(
            RegisteredDevice.user_id == actor.user_id,
            RegisteredDevice.revoked_at.is_(None),
            RegisteredDevice.device_token_hash == _token_hash(device_secret),
        )
        .order_by(RegisteredDevice.id.desc())
    ).first()
    return _read(device) if device else None


def may_confirm_by_pin_alone(device_secret: str | None) -> bool:
    """Outside a browser, or with the demo relaxation: any device by PIN from a list."""
    return device_secret is None or get_settings().device_pin_from_any_browser


def confirm_device(
    session: Session,
    *,
    actor: Actor,
    device_id: int,
    pin: str,
    device_secret: str | None = None,
) -> DeviceRead:
    """After login: the member proves one of their devices' app PIN. In a browser, the device
    must be the one registered there (possession), unless the demo relaxation is on."""
    device = _own_device(session, actor, device_id)
    if not may_confirm_by_pin_alone(device_secret) and not secrets.compare_digest(
        device.device_token_hash, _token_hash(device_secret or "")
    ):
        raise DeviceRefused(NOT_THIS_BROWSER)
    _prove_pin(session, actor, device, pin)
    device.last_used_at = utcnow()
    session.add(device)
    audit.record(
        session,
        actor=actor,
        action="device_confirmed",
        subject_type="registered_device",
        subject_id=device.id,
        member_id=actor.member_id,
    )
    session.commit()
    return _read(device)


def device_is_active(
    session: Session, *, actor: Actor, device_id: int, device_token: str | None = None
) -> bool:
    """Checked on every rerun: a device removed or locked elsewhere ends its confirmation.
    The browser session that registered the device also holds its token, which must match."""
    statement = select(RegisteredDevice.id).where(
        RegisteredDevice.id == device_id,
        RegisteredDevice.user_id == actor.user_id,
        RegisteredDevice.revoked_at.is_(None),
    )
    if device_token is not None:
        statement = statement.where(RegisteredDevice.device_token_hash == _token_hash(device_token))
    return session.exec(statement).first() is not None


def rename_device(session: Session, *, actor: Actor, device_id: int, name: str) -> DeviceRead:
    device = _own_device(session, actor, device_id)
    device.name = _clean_name(name)
    session.add(device)
    audit.record(
        session,
        actor=actor,
        action="device_renamed",
        subject_type="registered_device",
        subject_id=device.id,
        member_id=actor.member_id,
    )
    session.commit()
    return _read(device)


def remove_device(session: Session, *, actor: Actor, device_id: int) -> None:
    """Remove a device; every session confirmed with it ends on its next action."""
    device = _own_device(session, actor, device_id)
    device.revoked_at = utcnow()
    device.revoke_reason = "removed"
    session.add(device)
    session.exec(
        update(UserSession)
        .where(UserSession.device_id == device.id, UserSession.ended_at.is_(None))
        .values(ended_at=device.revoked_at, end_reason="device_removed")
    )
    audit.record(
        session,
        actor=actor,
        action="device_removed",
        subject_type="registered_device",
        subject_id=device.id,
        member_id=actor.member_id,
    )
    session.commit()


def change_pin(
    session: Session, *, actor: Actor, device_id: int, current_pin: str, new_pin: str
) -> None:
    """A wrong current PIN counts towards the lockout, as at login."""
    device = _own_device(session, actor, device_id)
    new_hash = hash_app_pin(check_app_pin_policy(new_pin))
    _prove_pin(session, actor, device, current_pin)
    device.pin_hash = new_hash
    session.add(device)
    audit.record(
        session,
        actor=actor,
        action="device_pin_changed",
        subject_type="registered_device",
        subject_id=device.id,
        member_id=actor.member_id,
    )
    session.commit()
