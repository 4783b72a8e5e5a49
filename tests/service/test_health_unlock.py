"""Unlocking: the device password on a registered device, the security key on a new one."""

import dataclasses
from datetime import date

import pytest
from sqlmodel import select

from core import crypto
from core.health import entries, unlock
from core.health.entries import Category
from core.health.errors import (
    AccessEnded,
    DevicePasswordLocked,
    OwnerOnly,
    UnknownDevice,
    WrongSecurityKey,
)
from core.health.models import RecordAccount, RecordEntry
from tests.service.health_world import DEVICE_PASSWORD, TODAY, health_world


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


def _status(world, actor, device_id="device-1", today=TODAY):
    with world.sessions() as (session, health):
        return unlock.record_status(
            session, health, actor=actor, device_id=device_id, today=today
        ).state


def _with_password(world, actor, password=DEVICE_PASSWORD, device_id="device-1", today=TODAY):
    with world.sessions() as (session, health):
        return unlock.unlock_with_password(
            session, health, actor=actor, device_id=device_id, password=password, today=today
        )


def _with_key(world, actor, typed, device_id="device-2", password="neues-passwort-2"):  # noqa: S107
    with world.sessions() as (session, health):
        return unlock.unlock_with_security_key(
            session,
            health,
            actor=actor,
            device_id=device_id,
            typed_key=typed,
            new_password=password,
            today=TODAY,
        )


def test_before_activation_the_page_offers_activation(world):
    assert _status(world, world.member()) == "not_activated"


def test_the_registered_device_unlocks_with_its_password(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    assert _status(world, actor) == "locked"
    again = _with_password(world, actor)
    assert again.keypair.private_bytes == unlocked.keypair.private_bytes
    assert again.reference_number == unlocked.reference_number


def test_a_wrong_password_gets_a_clear_message(world):
    actor = world.member()
    world.activate(actor)
    with pytest.raises(crypto.DecryptionFailed, match="Das Geräte-Passwort ist nicht richtig"):
        _with_password(world, actor, password="falsches-passwort")


def test_a_new_device_needs_the_security_key(world):
    actor = world.member()
    world.activate(actor)
    assert _status(world, actor, device_id="device-2") == "new_device"
    with pytest.raises(UnknownDevice):
        _with_password(world, actor, device_id="device-2")


def test_a_mistyped_key_is_caught_by_its_check_character(world):
    actor = world.member()
    _unlocked, key = world.activate(actor)
    text = crypto.format_security_key(key)
    i = next(
        i for i in range(len(text) - 1) if "-" not in text[i : i + 2] and text[i] != text[i + 1]
    )
    swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    substituted = text[:5] + ("A" if text[5] != "A" else "B") + text[6:]
    for typo in (swapped, substituted, text[:-2]):
        with pytest.raises(crypto.InvalidSecurityKeyFormat, match="nicht korrekt eingegeben"):
            _with_key(world, actor, typo)


def test_a_wrong_but_well_formed_key_gets_a_clear_message(world):
    actor = world.member()
    world.activate(actor)
    other = crypto.format_security_key(crypto.new_security_key())
    with pytest.raises(WrongSecurityKey, match="gehört nicht zu Ihrer Gesundheitsakte"):
        _with_key(world, actor, other)
    assert _status(world, actor, device_id="device-2") == "new_device"


def test_the_right_key_registers_the_new_device_with_its_own_password(world):
    actor = world.member()
    unlocked, key = world.activate(actor)
    opened = _with_key(world, actor, crypto.format_security_key(key).lower())
    assert opened.keypair.public_bytes == unlocked.keypair.public_bytes
    assert _status(world, actor, device_id="device-2") == "locked"
    assert _with_password(world, actor, password="neues-passwort-2", device_id="device-2")


def test_an_unlocked_session_can_show_the_key_again(world):
    actor = world.member()
    unlocked, key = world.activate(actor)
    with world.sessions() as (_session, health):
        shown = unlock.show_security_key(health, actor=actor, unlocked=unlocked)
    assert shown == crypto.format_security_key(key)


def test_unlocking_records_the_moment_of_access(world):
    actor = world.member()
    unlocked, _key = world.activate(actor)
    with world.sessions() as (_session, health):
        before = health.get(RecordAccount, unlocked.reference_number).last_access_at
    _with_password(world, actor)
    with world.sessions() as (_session, health):
        assert health.get(RecordAccount, unlocked.reference_number).last_access_at > before


def test_access_lasts_one_month_after_the_last_day_of_membership(world):
    actor = world.member(membership_end=date(2026, 1, 31))
    world.activate(actor, today=date(2026, 1, 10))
    assert _with_password(world, actor, today=date(2026, 2, 28))
    with pytest.raises(AccessEnded, match=r"28\.02\.2026"):
        _with_password(world, actor, today=date(2026, 3, 1))


def test_a_clerk_cannot_unlock_or_see_anything(world):
    actor = world.member()
    unlocked, key = world.activate(actor)
    clerk = world.clerk()
    with pytest.raises(OwnerOnly):
        _status(world, clerk)
    with pytest.raises(OwnerOnly):
        _with_key(world, clerk, crypto.format_security_key(key))
    with world.sessions() as (_session, health), pytest.raises(OwnerOnly):
        unlock.show_security_key(health, actor=clerk, unlocked=unlocked)


def _wrong(world, actor, times, device_id="device-1"):
    messages = []
    for _ in range(times):
        with pytest.raises(crypto.DecryptionFailed) as refused:
            _with_password(world, actor, password="falsches-passwort", device_id=device_id)
        messages.append(refused.value.message)
    return messages


def test_four_wrong_passwords_count_down_and_the_right_one_then_still_unlocks(world):
    actor = world.member()
    world.activate(actor)

    messages = _wrong(world, actor, 4)

    assert "noch 4 Versuche" in messages[0] and "noch 1 Versuch;" in messages[3]
    assert _with_password(world, actor)  # the fifth try, right: unlocks and starts afresh
    assert "noch 4 Versuche" in _wrong(world, actor, 1)[0]


def test_the_fifth_wrong_password_disables_it_even_for_the_right_password(world):
    actor = world.member()
    world.activate(actor)
    _wrong(world, actor, 4)

    with pytest.raises(DevicePasswordLocked):
        _with_password(world, actor, password="falsches-passwort")
    assert _status(world, actor) == "password_locked"  # stored, not in a browser session
    with pytest.raises(DevicePasswordLocked):
        _with_password(world, actor)


def test_the_security_key_unlocks_a_disabled_device_with_a_new_password(world):
    actor = world.member()
    _unlocked, key = world.activate(actor)
    _wrong(world, actor, 5 - 1)
    with pytest.raises(DevicePasswordLocked):
        _with_password(world, actor, password="falsches-passwort")

    _with_key(world, actor, crypto.format_security_key(key), device_id="device-1")

    assert _status(world, actor) == "locked"
    assert _with_password(world, actor, password="neues-passwort-2")
    assert "noch 4 Versuche" in _wrong(world, actor, 1)[0]


def test_wrong_passwords_on_one_device_do_not_lock_another(world):
    actor = world.member()
    _unlocked, key = world.activate(actor)
    _with_key(world, actor, crypto.format_security_key(key), device_id="device-2")
    _wrong(world, actor, 4)
    with pytest.raises(DevicePasswordLocked):
        _with_password(world, actor, password="falsches-passwort")

    assert _with_password(world, actor, password="neues-passwort-2", device_id="device-2")


def test_an_unlocked_record_naming_another_members_record_writes_reads_and_counts_nothing(world):
    erika, paul = world.member(), world.member()
    erika_unlocked, _key = world.activate(erika)
    paul_unlocked, _key = world.activate(paul)
    # erika's session with her own member id and key, but paul's reference number
    crossed = dataclasses.replace(erika_unlocked, reference_number=paul_unlocked.reference_number)

    with world.sessions() as (_session, health):
        assert entries.usage(health, actor=erika, unlocked=erika_unlocked).used_bytes == 0
        with pytest.raises(OwnerOnly):
            entries.add_manual_entry(
                health,
                actor=erika,
                unlocked=crossed,
                category=Category.CHECKUP,
                on=TODAY,
                title="x",
            )
        with pytest.raises(OwnerOnly):
            entries.usage(health, actor=erika, unlocked=crossed)
        with pytest.raises(OwnerOnly):
            unlock.show_security_key(health, actor=erika, unlocked=crossed)

    with world.sessions() as (_session, health):
        pauls = health.exec(
            select(RecordEntry).where(
                RecordEntry.reference_number == paul_unlocked.reference_number
            )
        ).all()
        assert pauls == []
        assert health.get(RecordAccount, paul_unlocked.reference_number).used_bytes == 0
