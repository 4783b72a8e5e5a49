"""Neue Gesundheitskarte: one open request per member, a tracking ID, audited, isolated."""

import json
import uuid

import pytest
from sqlmodel import func, select

from core import health_cards
from core.errors import NotAllowed
from core.health_cards import HealthCardRefused
from core.identifiers import parse_identifier
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.health_cards import HealthCardRequest
from tests.factories import make_account, make_member


@pytest.fixture
def lena(session):
    return make_account(session, username="lena", member=make_member(session, first_name="Lena"))


@pytest.fixture
def clerk(session):
    return make_account(session, username="clerk", role=Role.CLERK)


def _request(session, actor, reason="verloren", key=None):
    return health_cards.request_health_card(
        session, actor=actor, reason=reason, idempotency_key=key or uuid.uuid4().hex
    )


def _count(session) -> int:
    return session.exec(select(func.count()).select_from(HealthCardRequest)).one()


def test_a_request_gets_a_valid_tracking_id_and_is_listed_as_received(session, lena):
    filed = _request(session, lena, reason="defekt")

    assert parse_identifier(filed.tracking_id) == filed.tracking_id
    assert (filed.reason, filed.status) == ("defekt", "eingegangen")
    assert health_cards.my_health_card_requests(session, actor=lena) == [filed]
    row = session.get(HealthCardRequest, filed.id)
    assert (row.member_id, row.requested_by_user_id) == (lena.member_id, lena.user_id)


def test_a_double_click_with_the_same_key_files_one_request(session, lena):
    key = health_cards.request_key("form-1", "verloren")

    first = _request(session, lena, key=key)
    second = _request(session, lena, key=key)

    assert second.tracking_id == first.tracking_id
    assert _count(session) == 1


def test_a_second_request_while_the_first_is_open_is_refused_with_its_tracking_id(session, lena):
    first = _request(session, lena)

    with pytest.raises(HealthCardRefused) as refused:
        _request(session, lena, reason="neues_foto")

    assert first.tracking_id in refused.value.message
    assert "0800 0213213" in refused.value.message
    assert _count(session) == 1


def test_once_the_card_is_sent_a_new_request_is_possible(session, lena, clerk):
    first = _request(session, lena)
    assert health_cards.advance_status(session, actor=clerk, request_id=first.id).status == (
        "in_bearbeitung"
    )
    with pytest.raises(HealthCardRefused):
        _request(session, lena)

    assert health_cards.advance_status(session, actor=clerk, request_id=first.id).status == (
        "versandt"
    )
    second = _request(session, lena, reason="namensaenderung")

    assert [r.tracking_id for r in health_cards.my_health_card_requests(session, actor=lena)] == [
        second.tracking_id,
        first.tracking_id,
    ]
    with pytest.raises(HealthCardRefused, match="bereits versandt"):
        health_cards.advance_status(session, actor=clerk, request_id=first.id)


def test_members_see_only_their_own_requests(session, lena):
    jonas = make_account(session, username="jonas", member=make_member(session))
    _request(session, lena)

    assert health_cards.my_health_card_requests(session, actor=jonas) == []


def test_another_members_idempotency_key_is_not_answered_with_their_request(session, lena):
    jonas = make_account(session, username="jonas", member=make_member(session))
    _request(session, lena, key="shared-key")

    with pytest.raises(NotAllowed):
        _request(session, jonas, key="shared-key")


def test_staff_cannot_request_a_card_and_members_cannot_change_a_status(session, lena, clerk):
    with pytest.raises(NotAllowed):
        _request(session, clerk)
    filed = _request(session, lena)
    with pytest.raises(NotAllowed):
        health_cards.advance_status(session, actor=lena, request_id=filed.id)


def test_an_unknown_reason_is_refused(session, lena):
    with pytest.raises(HealthCardRefused, match="Grund"):
        _request(session, lena, reason="gestohlen")
    assert _count(session) == 0


def test_requests_and_status_changes_are_audited(session, lena, clerk):
    filed = _request(session, lena, reason="verloren")
    health_cards.advance_status(session, actor=clerk, request_id=filed.id)

    entries = session.exec(
        select(AuditEntry).where(AuditEntry.subject_type == "health_card_request")
    ).all()
    assert [(e.actor, e.action, e.member_id) for e in entries] == [
        ("lena", "health_card_requested", lena.member_id),
        ("clerk", "health_card_status", lena.member_id),
    ]
    assert json.loads(entries[0].details) == {
        "reason": "verloren",
        "tracking_id": filed.tracking_id,
    }
