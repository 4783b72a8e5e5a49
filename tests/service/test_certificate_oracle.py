"""Bescheinigungen for another person tell nothing about who is insured (issue #17).

Fifty numbers of other people, members and not, get the same answer while the account's
budget of other people's numbers (shared with "Dokument senden") lasts; after it the request
is refused with the time it opens again and nothing is stored.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from core import certificates, send_throttle
from core.kvnr import make_kvnr
from core.models.certificates import CertificateRequest
from tests.factories import make_account, make_member

NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def _request(session, actor, kvnr: str, second: int):
    return certificates.request_certificate(
        session,
        actor=actor,
        cert_type="versicherung",
        kvnr=kvnr,
        idempotency_key=uuid.uuid4().hex,
        now=NINE + timedelta(seconds=second),
    )


def _stored(session) -> int:
    return session.exec(select(func.count()).select_from(CertificateRequest)).one()


@pytest.fixture
def erika(session):
    erika = make_member(session, household_id=7)
    housemate = make_member(session, first_name="Max", household_id=7)
    return make_account(session, username="erika", member=erika), erika, housemate


def test_fifty_probes_get_one_answer_until_the_limit_then_a_refusal_with_the_time(session, erika):
    actor, _, _ = erika
    members = [make_member(session, first_name=f"Fremd{n}").kvnr for n in range(25)]
    nobodies = [make_kvnr(f"Z{n:08d}") for n in range(25)]
    probes = [kvnr for pair in zip(members, nobodies, strict=True) for kvnr in pair]

    answers, refusals = [], []
    for second, kvnr in enumerate(probes):
        try:
            filed = _request(session, actor, kvnr, second)
        except send_throttle.TooManyKvnrs as refused:
            refusals.append(refused.message)
        else:
            answers.append((filed.confirmation, filed.status, filed.delivery, filed.subject_label))

    assert len(answers) == send_throttle.PER_ACCOUNT
    assert {answer[:3] for answer in answers} == {(certificates.NEUTRAL_ANSWER, "offen", "post")}
    assert [label for *_, label in answers] == [
        f"Versichertennummer {kvnr}" for kvnr in probes[: send_throttle.PER_ACCOUNT]
    ]
    assert len(refusals) == 50 - send_throttle.PER_ACCOUNT
    assert all("erst ab 10:00 Uhr wieder" in message for message in refusals)
    assert _stored(session) == send_throttle.PER_ACCOUNT  # the refused ones stored nothing
    statuses = session.exec(select(CertificateRequest.status)).all()
    assert sorted(statuses) == ["offen"] * 5 + ["pruefen"] * 5
    member_view = certificates.my_certificate_requests(session, actor=actor)
    assert {request.status for request in member_view} == {"offen"}


def test_own_and_household_numbers_stay_free_after_the_limit(session, erika):
    actor, me, housemate = erika
    for n in range(send_throttle.PER_ACCOUNT):
        _request(session, actor, make_kvnr(f"Y{n:08d}"), n)
    with pytest.raises(send_throttle.TooManyKvnrs):
        _request(session, actor, make_kvnr("X00000000"), 20)

    assert _request(session, actor, me.kvnr, 21).subject_label == "Ich selbst"
    assert _request(session, actor, housemate.kvnr, 22).confirmation.startswith("Ihre ")


def test_certificates_and_dokument_senden_share_one_budget(session, erika):
    actor, _, _ = erika
    for n in range(send_throttle.PER_ACCOUNT):
        send_throttle.count_kvnr_attempt(
            session, account_id=actor.user_id, kvnr=make_kvnr(f"Y{n:08d}"), now=NINE
        )

    with pytest.raises(send_throttle.TooManyKvnrs):
        _request(session, actor, make_kvnr("X00000000"), 1)
    assert _stored(session) == 0
    # a number already tried within the hour costs nothing again
    assert _request(session, actor, make_kvnr("Y00000003"), 2).confirmation == (
        certificates.NEUTRAL_ANSWER
    )


def test_a_family_list_person_who_is_not_insured_is_answered_neutrally(session, erika):
    from core import family

    actor, _, _ = erika
    family.add_family_member(
        session,
        actor=actor,
        first_name="Oma",
        last_name="Muster",
        kvnr=make_kvnr("Q12345678"),
        relation="Elternteil",
    )

    filed = certificates.request_certificate(
        session,
        actor=actor,
        cert_type="familienversicherung",
        kvnr=make_kvnr("Q12345678"),
        idempotency_key=uuid.uuid4().hex,
    )

    assert (filed.confirmation, filed.subject_label) == (certificates.NEUTRAL_ANSWER, "Oma Muster")
    assert session.get(CertificateRequest, filed.id).status == "pruefen"
