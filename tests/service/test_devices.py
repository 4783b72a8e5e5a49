"""Registered devices: a new device needs an identification, the app PIN locks after five tries."""

import contextlib
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from core import identity
from core.errors import NotAllowed
from core.identity import DeviceLocked, DeviceRefused, IdentificationRefused, WrongAppPin, devices
from core.identity.provider import Evidence, Step
from core.identity.service import StartRequest
from core.models.accounts import Role
from core.models.identity import Identification, RegisteredDevice
from core.models.people import Member
from core.uploads import IncomingFile
from tests.factories import make_account, make_member
from tests.hostile_files import jpeg

CARD = IncomingFile(name="ausweis.jpg", data=jpeg((640, 400)))
PIN = "480213"


def _identified(session, *, level="smart", username="erika", purpose="new_device"):
    """A member of `level` with a fresh eID identification; returns (actor, identification)."""
    member = make_member(session, service_level=level)
    actor = make_account(session, username=username, member=member)
    return actor, _identify(session, actor, member, purpose)


def _identify(session, actor, member, purpose="new_device"):
    """One more eID identification of the member, succeeded."""
    request = StartRequest(
        procedure="eid",
        consent=True,
        name=f"{member.first_name} {member.last_name}",
        kvnr=member.kvnr,
    )
    state = identity.start_identification(session, actor=actor, request=request, purpose=purpose)
    for step, evidence in (
        (Step.ID_FRONT, Evidence(upload=CARD)),
        (Step.EID_PIN, Evidence(card_held=True, pin="482915")),
        (Step.EID_RESCAN, Evidence(card_held=True)),
    ):
        state = identity.submit_step(
            session, identification_id=state.id, member_id=member.id, step=step, evidence=evidence
        )
    assert state.succeeded
    return state


def _registered(session, **kwargs):
    actor, done = _identified(session, **kwargs)
    created = devices.register_device(
        session, actor=actor, identification_id=done.id, name="Mein Laptop", pin=PIN
    )
    return actor, created.device


def _confirm(session, actor, device, pin):
    return devices.confirm_device(session, actor=actor, device_id=device.id, pin=pin)


def test_registration_uses_a_fresh_identification_once_and_stores_only_hashes(session):
    actor, done = _identified(session)

    created = devices.register_device(
        session, actor=actor, identification_id=done.id, name="  Mein   Laptop ", pin=PIN
    )

    assert created.device.name == "Mein Laptop"
    assert devices.device_is_active(
        session, actor=actor, device_id=created.device.id, device_token=created.token
    )
    assert not devices.device_is_active(
        session, actor=actor, device_id=created.device.id, device_token="another-token"
    )
    assert [d.id for d in devices.devices_of(session, actor=actor)] == [created.device.id]
    row = session.get(RegisteredDevice, created.device.id)
    assert created.token not in row.device_token_hash and PIN not in row.pin_hash
    assert row.pin_hash.startswith("$2")
    with pytest.raises(IdentificationRefused, match="schon verwendet"):
        devices.register_device(
            session, actor=actor, identification_id=done.id, name="Zweites", pin=PIN
        )


def test_the_upgrade_identification_registers_the_first_device(session):
    actor, done = _identified(session, level="basic", purpose="upgrade")
    smart = replace(actor, service_level="smart")
    assert devices.register_device(
        session, actor=smart, identification_id=done.id, name="Browser", pin=PIN
    ).token


@pytest.mark.parametrize(("minutes", "usable"), [(15, True), (16, False)])
def test_an_identification_registers_a_device_for_fifteen_minutes(session, minutes, usable):
    actor, done = _identified(session)
    row = session.get(Identification, done.id)
    row.completed_at = row.completed_at - timedelta(minutes=minutes, seconds=-1 if usable else 0)
    session.add(row)
    session.commit()

    if usable:
        devices.register_device(
            session, actor=actor, identification_id=done.id, name="Browser", pin=PIN
        )
    else:
        with pytest.raises(IdentificationRefused, match="abgelaufen"):
            devices.register_device(
                session, actor=actor, identification_id=done.id, name="Browser", pin=PIN
            )


def test_another_members_identification_does_not_register_my_device(session):
    actor, _ = _identified(session)
    _, others = _identified(session, username="other")
    with pytest.raises(NotAllowed):
        devices.register_device(
            session, actor=actor, identification_id=others.id, name="Browser", pin=PIN
        )


def test_basic_members_and_staff_register_no_devices(session):
    member = make_member(session, service_level="basic")
    basic = make_account(session, username="basic", member=member)
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    assert not devices.needs_device(basic) and not devices.needs_device(clerk)
    with pytest.raises(NotAllowed):
        devices.register_device(session, actor=basic, identification_id=1, name="x", pin=PIN)


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("12345", "genau 6 Ziffern"),
        ("1234567", "genau 6 Ziffern"),
        ("12a456", "genau 6 Ziffern"),
        ("111111", "leicht zu erratende"),
        ("123456", "leicht zu erratende"),
        ("987654", "leicht zu erratende"),
    ],
)
def test_a_new_app_pin_has_six_digits_and_is_not_trivial(session, pin, message):
    actor, done = _identified(session)
    with pytest.raises(DeviceRefused, match=message):
        devices.register_device(
            session, actor=actor, identification_id=done.id, name="Browser", pin=pin
        )
    assert session.get(Identification, done.id).used_at is None  # still usable


def test_the_right_pin_confirms_the_device_and_notes_its_use(session):
    actor, device = _registered(session)
    assert device.last_used_at is None

    confirmed = _confirm(session, actor, device, PIN)

    assert confirmed.last_used_at is not None
    assert devices.device_is_active(session, actor=actor, device_id=device.id)


def test_fourth_wrong_pin_warns_of_the_last_try_and_the_fifth_locks_the_device(session):
    actor, device = _registered(session)
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(WrongAppPin) as wrong:
            _confirm(session, actor, device, "000000")
        assert wrong.value.tries_left == tries_left
    assert "noch 1 Versuch" in wrong.value.message
    assert devices.device_is_active(session, actor=actor, device_id=device.id)

    with pytest.raises(DeviceLocked, match="neuen Identifizierung"):
        _confirm(session, actor, device, "000000")

    assert not devices.device_is_active(session, actor=actor, device_id=device.id)
    assert devices.devices_of(session, actor=actor) == []
    assert session.get(RegisteredDevice, device.id).revoke_reason == "pin_locked"
    with pytest.raises(DeviceRefused, match="nicht mehr registriert"):
        _confirm(session, actor, device, PIN)


def test_the_right_pin_after_four_wrong_ones_resets_the_count(session):
    actor, device = _registered(session)
    for _ in range(4):
        with pytest.raises(WrongAppPin):
            _confirm(session, actor, device, "000000")
    _confirm(session, actor, device, PIN)
    for _ in range(4):
        with pytest.raises(WrongAppPin):
            _confirm(session, actor, device, "000000")
    assert devices.device_is_active(session, actor=actor, device_id=device.id)


def test_a_pin_of_the_wrong_shape_does_not_count(session):
    actor, device = _registered(session)
    for _ in range(6):
        with pytest.raises(DeviceRefused, match="genau 6 Ziffern"):
            _confirm(session, actor, device, "12345")
    assert session.get(RegisteredDevice, device.id).pin_failures == 0


def test_devices_can_be_renamed_and_removed_but_not_another_accounts(session):
    actor, device = _registered(session)
    other, _ = _registered(session, username="other")

    assert devices.rename_device(session, actor=actor, device_id=device.id, name="Tablet").name == (
        "Tablet"
    )
    with pytest.raises(DeviceRefused):
        devices.rename_device(session, actor=other, device_id=device.id, name="Meins")
    with pytest.raises(DeviceRefused):
        devices.remove_device(session, actor=other, device_id=device.id)
    with pytest.raises(DeviceRefused):
        _confirm(session, other, device, PIN)
    with pytest.raises(DeviceRefused, match="Namen"):
        devices.rename_device(session, actor=actor, device_id=device.id, name="   ")

    devices.remove_device(session, actor=actor, device_id=device.id)

    assert devices.devices_of(session, actor=actor) == []
    assert not devices.device_is_active(session, actor=actor, device_id=device.id)


def test_pin_change_needs_the_current_pin_which_counts_towards_the_lockout(session):
    actor, device = _registered(session)
    with pytest.raises(WrongAppPin):
        devices.change_pin(
            session, actor=actor, device_id=device.id, current_pin="000000", new_pin="907531"
        )
    assert session.get(RegisteredDevice, device.id).pin_failures == 1

    devices.change_pin(session, actor=actor, device_id=device.id, current_pin=PIN, new_pin="907531")

    with pytest.raises(WrongAppPin):
        _confirm(session, actor, device, PIN)
    assert _confirm(session, actor, device, "907531")


def test_every_device_action_is_audited(session):
    from core.models.audit import AuditEntry

    actor, device = _registered(session)
    _confirm(session, actor, device, PIN)
    devices.rename_device(session, actor=actor, device_id=device.id, name="Tablet")
    devices.remove_device(session, actor=actor, device_id=device.id)
    actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-4:] == [
        "device_registered",
        "device_confirmed",
        "device_renamed",
        "device_removed",
    ]


def test_demo_seed_gives_each_smart_persona_a_device_with_the_demo_app_pin(engine):
    from core import auth, seed
    from core.db import session_scope

    seed.seed_demo(engine, members=0)
    with session_scope(write=True, engine=engine) as session:
        for username, procedure in seed.DEMO_IDENTIFICATIONS.items():
            actor = auth.login(session, username=username, password=seed.DEMO_PASSWORD).actor
            [device] = devices.devices_of(session, actor=actor)
            assert _confirm(session, actor, device, seed.DEMO_APP_PIN).last_used_at
            unlocked = identity.can_activate_smarthealth(session, actor.member_id)
            assert unlocked is (procedure == "eid")
        lena = auth.login(session, username="lena.basic", password=seed.DEMO_PASSWORD).actor
        assert devices.devices_of(session, actor=lena) == []


def test_pin_guesses_are_bounded_by_five_per_existing_device_and_no_device_comes_back(session):
    actor, laptop = _registered(session)
    state = _identify(session, actor, session.get(Member, actor.member_id))
    phone = devices.register_device(
        session, actor=actor, identification_id=state.id, name="Telefon", pin="593017"
    ).device

    guesses = 0
    for device in (laptop, phone):
        with pytest.raises(DeviceLocked):
            while True:
                guesses += 1
                with contextlib.suppress(WrongAppPin):
                    _confirm(session, actor, device, "000000")

    assert guesses == 2 * devices.MAX_PIN_FAILURES
    assert devices.devices_of(session, actor=actor) == []
    with pytest.raises(IdentificationRefused):  # a used identification registers nothing new
        devices.register_device(
            session, actor=actor, identification_id=state.id, name="Neu", pin="593017"
        )
