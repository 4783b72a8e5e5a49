"""The public "Passwort vergessen" form is rate-limited per name, per KVNR and per visitor's
address, and no one can shut it for everybody."""

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
# Public addresses: documentation ranges (RFC 5737, 3849) are not global, so never counted.
ATTACKER = "84.130.17.7"


@pytest.fixture
def erika(session):
    member = make_member(session, service_level="smart")
    make_account(session, username="erika", member=member)
    return member


def _start(session, *, username, kvnr, now, client=None):
    request = StartRequest(procedure="eid", consent=True, kvnr=kvnr, username=username)
    return identity.start_password_reset(session, request=request, client=client, now=now)


def _start_for_strangers(session, count: int, *, client=None, prefix="A", now=NINE) -> None:
    """Starts with made-up names and KVNRs, each pair once (refused: no such account)."""
    for number in range(count):
        with pytest.raises(IdentificationRefused):
            _start(
                session,
                username=f"fremd{prefix}{number}",
                kvnr=make_kvnr(f"{prefix}{number:08d}"),
                client=client,
                now=now,
            )


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


def test_more_starts_than_the_old_overall_cap_still_leave_erika_her_reset(session, erika):
    # 200 starts an hour by anyone used to shut the form for everybody: one visitor with
    # made-up names could lock every member out of "Passwort vergessen" for an hour.
    _start_for_strangers(session, 201)

    assert _start(session, username="erika", kvnr=erika.kvnr, now=_minutes(1)).running


def test_the_21st_start_from_one_address_is_refused_while_erika_elsewhere_goes_on(session, erika):
    _start_for_strangers(session, reset_throttle.PER_CLIENT, client=ATTACKER)

    with pytest.raises(TooManyResetAttempts, match="Von Ihrem Internetanschluss aus") as refused:
        _start(session, username="erika", kvnr=erika.kvnr, client=ATTACKER, now=_minutes(1))
    assert "erst ab 10:00 Uhr wieder" in refused.value.message
    assert _start(
        session, username="erika", kvnr=erika.kvnr, client="91.64.3.20", now=_minutes(2)
    ).running


def test_addresses_of_one_ipv6_network_count_together(session, erika):
    _start_for_strangers(session, reset_throttle.PER_CLIENT, client="2a02:8108:4:2::1")

    with pytest.raises(TooManyResetAttempts, match="Internetanschluss"):
        _start(session, username="erika", kvnr=erika.kvnr, client="2a02:8108:4:2:ffff::9", now=NINE)
    assert _start(
        session, username="erika", kvnr=erika.kvnr, client="2a02:8108:4:3::1", now=NINE
    ).running


def test_a_proxy_or_local_address_does_not_make_all_visitors_one_client(session, erika):
    # Behind a reverse proxy the server may see the proxy's private address for everyone.
    for prefix, address in (("P", "10.0.0.5"), ("L", "127.0.0.1"), ("N", None), ("X", "nix")):
        _start_for_strangers(session, reset_throttle.PER_CLIENT + 1, client=address, prefix=prefix)

    assert _start(session, username="erika", kvnr=erika.kvnr, client="10.0.0.5", now=NINE).running


def test_the_counts_store_no_typed_name_kvnr_or_address(session, erika):
    _start(session, username="erika", kvnr=erika.kvnr, client="84.130.17.7", now=NINE)

    subjects = session.exec(select(ResetAttempt.subject)).all()

    assert len(subjects) == 3
    assert not any(
        typed in subject for subject in subjects for typed in ("erika", erika.kvnr, "84.130.17")
    )
