"""The public "Passwort vergessen" form is rate-limited per name, per KVNR and overall."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core import identity
from core.identity import reset_throttle
from core.identity.errors import IdentificationRefused, TooManyResetAttempts
from core.identity.service import StartRequest
from core.models.identity import ResetAttempt
from tests.factories import make_account, make_kvnr, make_member

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


@pytest.fixture
def erika(session):
    member = make_member(session, service_level="smart")
    make_account(session, username="erika", member=member)
    return member


def _start(session, *, username, kvnr, now):
    request = StartRequest(procedure="eid", consent=True, kvnr=kvnr, username=username)
    return identity.start_password_reset(session, request=request, now=now)


def _minutes(n: int) -> datetime:
    return NINE + timedelta(minutes=n)


def test_the_fifth_start_for_a_name_is_allowed_the_sixth_refused_until_the_hour_is_over(
    session, erika
):
    for minute in range(reset_throttle.PER_SUBJECT):
        assert _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(minute)).running

    with pytest.raises(TooManyResetAttempts, match="erst ab 10:00 Uhr wieder"):
        _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(59))
    # 10:00, as promised: the 09:00 start has left the window; the refused one never counted
    assert _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(60)).running
    with pytest.raises(TooManyResetAttempts, match="erst ab 10:01 Uhr wieder"):
        _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(60))


def test_guessing_names_for_one_kvnr_is_refused_after_five_even_for_unknown_names(session, erika):
    for number in range(reset_throttle.PER_SUBJECT):
        with pytest.raises(IdentificationRefused):
            _start(session, username=f"rate{number}", kvnr=erika.kvnr, now=_minutes(number))

    with pytest.raises(TooManyResetAttempts):
        _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(10))


def test_guessing_kvnrs_for_one_name_is_refused_after_five(session, erika):
    for number in range(reset_throttle.PER_SUBJECT):
        with pytest.raises(IdentificationRefused):
            _start(
                session, username="erika", kvnr=make_kvnr(f"A{number:08d}"), now=_minutes(number)
            )

    with pytest.raises(TooManyResetAttempts):
        _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(10))


def test_past_the_overall_limit_every_name_is_refused_for_the_window(session, erika, monkeypatch):
    monkeypatch.setattr(reset_throttle, "OVERALL", 3)
    for number in range(3):
        with pytest.raises(IdentificationRefused):
            _start(
                session,
                username=f"fremd{number}",
                kvnr=make_kvnr(f"B{number:08d}"),
                now=_minutes(number),
            )

    with pytest.raises(TooManyResetAttempts, match="sehr häufig genutzt"):
        _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(5))
    assert _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(60)).running


def test_the_counts_store_no_typed_name_or_kvnr(session, erika):
    _start(session, username="erika", kvnr=erika.kvnr, now=NINE)

    subjects = session.exec(select(ResetAttempt.subject)).all()

    assert len(subjects) == 3
    assert not any("erika" in subject or erika.kvnr in subject for subject in subjects)
