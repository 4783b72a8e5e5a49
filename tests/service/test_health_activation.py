"""Activating smarthealth: who may, the key shown once and typed back, what gets stored."""

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlmodel import select

from core import crypto
from core.errors import NotAllowed
from core.health import activation, rules
from core.health.errors import (
    AlreadyActive,
    ConsentMissing,
    KeyNotConfirmed,
    NotEligible,
    OwnerOnly,
    WeakDevicePassword,
)
from core.health.models import RecordAccount, RecordDevice
from core.identifiers import PSEUDONYM_PREFIX, parse_identifier
from core.models.health_link import HealthLink
from core.models.people import Member
from tests.service.health_world import (
    CONSENT,
    DEVICE_PASSWORD,
    TODAY,
    eid_identification,
    health_world,
)


@pytest.fixture
def world(engine, monkeypatch):
    with health_world(engine, monkeypatch) as created:
        yield created


def _complete(world, actor, *, today=TODAY, typed=None, consent=CONSENT, password=DEVICE_PASSWORD):
    key = crypto.new_security_key()
    with world.sessions() as (session, health):
        return activation.complete_activation(
            session,
            health,
            actor=actor,
            shown_key=key,
            typed_key=crypto.format_security_key(key) if typed is None else typed(key),
            device_id="device-1",
            device_password=password,
            consent=consent,
            today=today,
        )


def test_the_day_before_the_18th_birthday_is_refused_and_the_birthday_itself_is_allowed(world):
    actor = world.member(birth_date=date(2008, 11, 24))
    with pytest.raises(NotEligible, match=r"ab Ihrem 18\. Geburtstag"):
        _complete(world, actor, today=date(2026, 11, 23))
    assert _complete(world, actor, today=date(2026, 11, 24)).reference_number


def test_born_on_29_february_is_of_age_on_1_march_of_a_common_year(world):
    actor = world.member(birth_date=date(2008, 2, 29))
    assert rules.adult_from(date(2008, 2, 29)) == date(2026, 3, 1)
    with pytest.raises(NotEligible, match=r"ab dem 01\.03\.2026"):
        _complete(world, actor, today=date(2026, 2, 28))
    assert _complete(world, actor, today=date(2026, 3, 1)).reference_number


def test_a_basic_member_is_refused(world):
    actor = world.member(service_level="basic")
    with pytest.raises(NotAllowed, match="smart-Version"):
        _complete(world, actor)


def test_a_smart_member_without_eid_is_told_to_identify_with_eid(world):
    actor = world.member(service_level="smart")
    with pytest.raises(NotEligible, match="Identifizierung mit eID"):
        _complete(world, actor)
    with world.sessions() as (session, _):
        assert session.get(Member, actor.member_id).service_level == "smart"
        assert session.get(HealthLink, actor.member_id) is None


def test_a_smart_member_identified_by_eid_activates_and_reaches_smarthealth(world):
    actor = world.member(service_level="smart")
    with world.sessions() as (session, _):
        session.add(eid_identification(actor.member_id))
        session.commit()

    unlocked = _complete(world, actor)

    with world.sessions() as (session, _):
        assert session.get(Member, actor.member_id).service_level == "smarthealth"
        assert session.get(HealthLink, actor.member_id).reference_number == (
            unlocked.reference_number
        )


def test_a_former_member_cannot_activate(world):
    actor = world.member(membership_end=date(2026, 11, 23))
    with pytest.raises(NotEligible, match="während einer HEK-Mitgliedschaft"):
        _complete(world, actor)


def test_the_last_day_of_membership_still_allows_activation(world):
    assert _complete(world, world.member(membership_end=TODAY)).reference_number


def test_a_clerk_cannot_activate_or_hold_a_record(world):
    with pytest.raises(OwnerOnly):
        _complete(world, world.clerk())


def test_every_consent_is_required(world):
    actor = world.member()
    with pytest.raises(ConsentMissing):
        _complete(world, actor, consent=activation.Consent(terms=True, privacy=True))


def test_a_typo_in_the_typed_back_key_is_caught_by_its_check_character(world):
    def one_character_off(key):
        text = crypto.format_security_key(key)
        return ("1" if text[0] != "1" else "2") + text[1:]

    with pytest.raises(crypto.InvalidSecurityKeyFormat, match="nicht korrekt eingegeben"):
        _complete(world, world.member(), typed=one_character_off)


def test_typing_back_another_valid_key_does_not_complete_the_activation(world):
    actor = world.member()
    other = crypto.format_security_key(crypto.new_security_key())
    with pytest.raises(KeyNotConfirmed, match="stimmt nicht"):
        _complete(world, actor, typed=lambda _key: other)
    with world.sessions() as (session, health):
        assert session.get(HealthLink, actor.member_id) is None
        assert health.exec(select(RecordAccount)).all() == []


def test_the_key_may_be_typed_in_lower_case_without_dashes(world):
    typed = lambda key: crypto.format_security_key(key).replace("-", " ").lower()  # noqa: E731
    assert _complete(world, world.member(), typed=typed).reference_number


def test_a_short_device_password_is_refused(world):
    with pytest.raises(WeakDevicePassword):
        _complete(world, world.member(), password="kurz")


def test_activation_stores_the_link_and_only_key_material_that_opens_nothing_without_secrets(world):
    actor = world.member(first_name="Miriam", last_name="Schulte")
    unlocked = _complete(world, actor)
    with world.sessions() as (session, health):
        link = session.get(HealthLink, actor.member_id)
        account = health.get(RecordAccount, unlocked.reference_number)
        device = health.exec(select(RecordDevice)).one()
    assert parse_identifier(link.reference_number, prefix=PSEUDONYM_PREFIX) == link.reference_number
    assert (link.first_name, link.last_name, link.terminated_at) == ("Miriam", "Schulte", None)
    assert link.kvnr not in link.reference_number
    assert account.public_key == unlocked.keypair.public_bytes
    assert unlocked.keypair.private_bytes not in device.wrapped_private_key
    assert unlocked.keypair.private_bytes not in account.sealed_security_key


def test_a_second_activation_is_refused(world):
    actor = world.member()
    _complete(world, actor)
    with pytest.raises(AlreadyActive):
        _complete(world, actor)


def test_the_emergency_kit_carries_the_key_as_text():
    key = crypto.new_security_key()
    pdf = activation.emergency_kit_pdf(key=key, holder="Miriam Schulte", today=TODAY)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert crypto.format_security_key(key) in text
    assert "Miriam Schulte" in text
