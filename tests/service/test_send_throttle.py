"""Dokument senden: one account may try at most 10 other people's KVNRs an hour.

FAQ: documents may be sent for someone else, so any HEK member's KVNR is accepted; whether it
is accepted tells whether the person is insured with the HEK, so trying numbers is limited.
"""

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from core import documents, send_throttle
from core.errors import InvalidKvnr, UnknownMember
from core.kvnr import make_kvnr
from core.models.accounts import Role
from core.models.documents import SendKvnrAttempt, Submission
from tests.factories import make_account, make_member
from tests.service.test_documents import request

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def _send(session, actor, kvnr: str, minute: int):
    moment = NINE + timedelta(minutes=minute)
    return documents.submit_document(session, actor=actor, request=request(kvnr), now=moment)


def _submissions(session) -> int:
    return session.exec(select(func.count()).select_from(Submission)).one()


@pytest.fixture
def erika(session):
    """Erika's account, her KVNR and her housemate Max's."""
    erika = make_member(session, household_id=7)
    max_kvnr = make_member(session, first_name="Max", household_id=7).kvnr
    return make_account(session, username="erika", member=erika), erika.kvnr, max_kvnr


@pytest.fixture
def others(session) -> list[str]:
    """Ten numbers to try: five of HEK members, five of nobody."""
    insured = [make_member(session, first_name=f"Fremd{n}").kvnr for n in range(5)]
    return insured + [make_kvnr(f"Z{n:08d}") for n in range(5)]


def _try_all(session, actor, kvnrs: list[str]) -> None:
    """Send for each number in turn, a minute apart; one of nobody is refused as unknown."""
    for minute, kvnr in enumerate(kvnrs):
        with contextlib.suppress(UnknownMember):
            _send(session, actor, kvnr, minute)


def test_the_tenth_other_kvnr_in_an_hour_is_taken_the_eleventh_refused_until_the_hour_is_over(
    session, erika, others
):
    actor, _, _ = erika
    _try_all(session, actor, others)
    assert _submissions(session) == 5
    eleventh = make_member(session, first_name="Elf").kvnr

    with pytest.raises(send_throttle.TooManyKvnrs, match="erst ab 10:00 Uhr wieder"):
        _send(session, actor, eleventh, 59)
    assert _submissions(session) == 5  # refused: nothing stored, and the refusal did not count
    # 10:00, as promised: the number tried at 09:00 has left the window
    assert _send(session, actor, eleventh, 60).tracking_id
    with pytest.raises(send_throttle.TooManyKvnrs, match="erst ab 10:01 Uhr wieder"):
        _send(session, actor, make_member(session, first_name="Zwölf").kvnr, 60)


def test_own_household_and_already_tried_numbers_stay_open_past_the_limit(session, erika, others):
    actor, own, housemate = erika
    _try_all(session, actor, others)

    for kvnr in (own, housemate, others[0]):
        assert _send(session, actor, kvnr, 30).status == "eingegangen"
    with pytest.raises(UnknownMember):  # a number of nobody tried before: the same answer
        _send(session, actor, others[-1], 30)


def test_the_limit_is_per_account_and_the_mail_room_is_not_limited(session, erika, others):
    actor, _, _ = erika
    _try_all(session, actor, others)
    lena = make_account(session, username="lena", member=make_member(session))
    mail_room = make_account(session, username="poststelle", role=Role.CLERK)
    eleventh = make_member(session, first_name="Elf").kvnr

    assert _send(session, lena, eleventh, 30).tracking_id
    assert _send(session, mail_room, eleventh, 30).tracking_id
    with pytest.raises(send_throttle.TooManyKvnrs):
        _send(session, actor, eleventh, 30)


def test_a_mistyped_number_costs_nothing_and_the_counts_store_no_kvnr(session, erika, others):
    actor, _, _ = erika
    mistyped = others[0][:-1] + str((int(others[0][-1]) + 1) % 10)
    with pytest.raises(InvalidKvnr, match="Prüfziffer"):
        _send(session, actor, mistyped, 0)
    _try_all(session, actor, others)  # all ten still taken: the typo did not count

    hashes = session.exec(select(SendKvnrAttempt.kvnr_hash)).all()
    assert len(hashes) == 10
    assert not any(kvnr in stored for stored in hashes for kvnr in others)
