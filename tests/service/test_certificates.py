import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from core import certificates, family, preferences
from core.certificates import CertificateRefused
from core.clock import today_berlin
from core.errors import NotAllowed
from core.kvnr import make_kvnr
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.certificates import CertificateRequest
from tests.factories import make_account, make_member

INSURANCE, MEMBERSHIP, FAMILY = "versicherung", "mitgliedschaft", "familienversicherung"


def _request(session, actor, cert_type, kvnr, key=None):
    return certificates.request_certificate(
        session,
        actor=actor,
        cert_type=cert_type,
        kvnr=kvnr,
        idempotency_key=key or uuid.uuid4().hex,
    )


def _actions(session, action):
    return session.exec(select(AuditEntry).where(AuditEntry.action == action)).all()


@pytest.fixture
def household(session):
    """A smart parent, a partner, and a child at one address; a stranger elsewhere."""
    parent = make_member(session, first_name="Deniz", household_id=40, service_level="smart")
    child = make_member(session, first_name="Emre", household_id=40, birth_date=date(2012, 8, 14))
    partner = make_member(session, first_name="Aylin", household_id=40, birth_date=date(1985, 1, 2))
    stranger = make_member(session, first_name="Fremd", household_id=41)
    return {
        "parent": parent,
        "child": child,
        "partner": partner,
        "stranger": stranger,
        "actor": make_account(session, username="deniz", member=parent),
    }


# Versicherungsbescheinigung


@pytest.mark.parametrize(
    ("level", "app_communication", "delivery"),
    [
        ("basic", False, "post"),
        ("smart", False, "post"),
        ("smart", True, "app"),
        ("smarthealth", True, "app"),
    ],
)
def test_own_insurance_certificate_goes_to_the_app_only_for_smart_members_with_app_communication(
    session, level, app_communication, delivery
):
    me = make_member(session, service_level=level)
    actor = make_account(session, username="me", member=me)
    if app_communication:
        preferences.set_app_communication(session, actor=actor, enabled=True)

    filed = _request(session, actor, INSURANCE, me.kvnr)

    assert (filed.delivery, filed.status, filed.subject_label) == (delivery, "offen", "Ich selbst")
    assert certificates.app_communication_on(session, actor=actor) is app_communication


def test_the_form_tells_a_smart_member_with_app_communication_off_how_to_get_it_in_the_app():
    note = certificates.delivery_note(
        cert_type=INSURANCE, for_self=True, service_level="smart", app_communication=False
    )

    assert note.startswith("Die Bescheinigung kommt per Post")
    assert "App-Kommunikation ein" in note


def test_insurance_certificate_for_anyone_by_kvnr_goes_by_post_and_names_only_the_number(
    session, household
):
    stranger = household["stranger"]

    filed = _request(session, household["actor"], INSURANCE, stranger.kvnr)

    assert filed.delivery == "post"
    assert filed.subject_label == f"Versichertennummer {stranger.kvnr}"
    row = session.get(CertificateRequest, filed.id)
    assert row.subject_member_id == stranger.id
    assert row.requester_member_id == household["parent"].id


def test_a_family_members_certificate_always_goes_by_post_even_for_a_smart_member(
    session, household
):
    filed = _request(session, household["actor"], INSURANCE, household["child"].kvnr)

    assert (filed.delivery, filed.subject_label) == ("post", "Emre Beispiel")
    assert "Datenschutzgründen" in certificates.delivery_note(
        cert_type=INSURANCE, for_self=False, service_level="smart", app_communication=True
    )


def test_an_unknown_kvnr_is_answered_like_a_member_and_kept_for_a_clerk(session, household):
    unknown = make_kvnr("Z99999999")

    filed = _request(session, household["actor"], INSURANCE, unknown)
    known = _request(session, household["actor"], INSURANCE, household["stranger"].kvnr)

    assert filed.confirmation == known.confirmation == certificates.NEUTRAL_ANSWER
    assert (filed.status, filed.delivery) == (known.status, known.delivery) == ("offen", "post")
    row = session.get(CertificateRequest, filed.id)
    assert (row.status, row.subject_member_id, row.typed_kvnr) == ("pruefen", None, unknown)
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    (item,) = certificates.unmatched_certificate_requests(session, actor=clerk)
    assert (item.subject_kvnr, item.subject_name) == (
        unknown,
        "Versichertennummer unbekannt – prüfen",
    )


def test_an_unknown_certificate_type_is_refused(session, household):
    with pytest.raises(CertificateRefused, match="gibt es nicht"):
        _request(session, household["actor"], "impfpass", household["parent"].kvnr)


# Mitgliedsbescheinigung


def test_membership_certificate_for_oneself_goes_by_post_even_for_smart(session, household):
    filed = _request(session, household["actor"], MEMBERSHIP, household["parent"].kvnr)

    assert (filed.delivery, filed.subject_label) == ("post", "Ich selbst")


def test_membership_certificate_for_someone_else_is_refused_with_the_reason(session, household):
    with pytest.raises(CertificateRefused) as refused:
        _request(session, household["actor"], MEMBERSHIP, household["partner"].kvnr)

    assert refused.value.message == (
        "Eine Mitgliedsbescheinigung können Sie nur für sich selbst anfordern."
    )
    assert len(_actions(session, "certificate_refused")) == 1


def test_membership_certificate_for_an_unknown_number_gives_the_same_reason(session, household):
    with pytest.raises(CertificateRefused, match="nur für sich selbst"):
        _request(session, household["actor"], MEMBERSHIP, make_kvnr("Z99999999"))


def test_membership_ending_today_still_gets_a_membership_certificate(session):
    me = make_member(session, membership_end=today_berlin())
    actor = make_account(session, username="me", member=me)

    assert _request(session, actor, MEMBERSHIP, me.kvnr).status == "offen"


def test_membership_ended_yesterday_gets_no_membership_certificate(session):
    yesterday = today_berlin() - timedelta(days=1)
    me = make_member(session, membership_end=yesterday)
    actor = make_account(session, username="me", member=me)

    with pytest.raises(CertificateRefused) as refused:
        _request(session, actor, MEMBERSHIP, me.kvnr)

    assert f"endete am {yesterday:%d.%m.%Y}" in refused.value.message


def test_membership_starting_tomorrow_gets_no_membership_certificate_yet(session):
    tomorrow = today_berlin() + timedelta(days=1)
    me = make_member(session, membership_start=tomorrow)
    actor = make_account(session, username="me", member=me)

    with pytest.raises(CertificateRefused, match="beginnt erst"):
        _request(session, actor, MEMBERSHIP, me.kvnr)


def test_an_ended_member_may_still_ask_for_an_insurance_certificate(session):
    me = make_member(session, membership_end=today_berlin() - timedelta(days=1))
    actor = make_account(session, username="me", member=me)

    assert _request(session, actor, INSURANCE, me.kvnr).delivery == "post"


# Familienversicherungsbescheinigung


def test_family_insurance_certificate_for_a_child_in_the_household(session, household):
    filed = _request(session, household["actor"], FAMILY, household["child"].kvnr)

    assert (filed.delivery, filed.subject_label) == ("post", "Emre Beispiel")


def test_family_insurance_certificate_for_someone_on_the_family_list(session, household):
    relative = make_member(session, first_name="Oma", household_id=99)
    family.add_family_member(
        session,
        actor=household["actor"],
        first_name="Fatma",
        last_name="Yilmaz",
        kvnr=relative.kvnr,
        relation="Elternteil",
    )

    filed = _request(session, household["actor"], FAMILY, relative.kvnr)

    assert (filed.delivery, filed.subject_label) == ("post", "Fatma Yilmaz")


def test_family_insurance_certificate_for_a_stranger_is_refused(session, household):
    with pytest.raises(CertificateRefused, match="nur für Angehörige in Ihrem Haushalt"):
        _request(session, household["actor"], FAMILY, household["stranger"].kvnr)


def test_family_insurance_certificate_for_oneself_is_refused(session, household):
    with pytest.raises(CertificateRefused, match="Versicherungsbescheinigung an"):
        _request(session, household["actor"], FAMILY, household["parent"].kvnr)


def test_family_insurance_of_a_relative_whose_insurance_ended_yesterday_is_refused(session):
    parent = make_member(session, household_id=50)
    ended = make_member(session, household_id=50, membership_end=today_berlin() - timedelta(1))
    ending_today = make_member(session, household_id=50, membership_end=today_berlin())
    actor = make_account(session, username="parent", member=parent)

    with pytest.raises(CertificateRefused, match="keine Familienversicherung"):
        _request(session, actor, FAMILY, ended.kvnr)
    assert _request(session, actor, FAMILY, ending_today.kvnr).status == "offen"


# Double clicks, privacy, back office


def test_a_double_click_files_one_request_and_one_audit_entry(session, household):
    key = uuid.uuid4().hex

    first = _request(session, household["actor"], INSURANCE, household["parent"].kvnr, key)
    second = _request(session, household["actor"], INSURANCE, household["parent"].kvnr, key)

    assert first.id == second.id
    assert session.exec(select(func.count()).select_from(CertificateRequest)).one() == 1
    assert len(_actions(session, "certificate_requested")) == 1


def test_another_users_idempotency_key_is_not_answered_with_their_request(session, household):
    key = uuid.uuid4().hex
    _request(session, household["actor"], INSURANCE, household["parent"].kvnr, key)
    other = make_account(session, username="other", member=household["stranger"])

    with pytest.raises(NotAllowed):
        _request(session, other, INSURANCE, household["stranger"].kvnr, key)


def test_member_sees_only_their_own_requests_newest_first(session, household):
    older = _request(session, household["actor"], INSURANCE, household["parent"].kvnr)
    newer = _request(session, household["actor"], FAMILY, household["child"].kvnr)
    partner = make_account(session, username="aylin", member=household["partner"])

    mine = certificates.my_certificate_requests(session, actor=household["actor"])

    assert [request.id for request in mine] == [newer.id, older.id]
    assert certificates.my_certificate_requests(session, actor=partner) == []


def test_every_request_is_audited_with_whom_it_is_about(session, household):
    filed = _request(session, household["actor"], FAMILY, household["child"].kvnr)

    (entry,) = _actions(session, "certificate_requested")
    assert (entry.actor, entry.subject_id, entry.member_id) == (
        "deniz",
        str(filed.id),
        household["child"].id,
    )


def test_clerk_sees_the_open_queue_oldest_first_and_the_look_is_audited(session, household):
    first = _request(session, household["actor"], INSURANCE, household["stranger"].kvnr)
    second = _request(session, household["actor"], FAMILY, household["child"].kvnr)
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    queue = certificates.open_certificate_requests(session, actor=clerk, limit=10, offset=0)

    assert [item.id for item in queue] == [first.id, second.id]
    assert queue[0].subject_kvnr == household["stranger"].kvnr
    assert queue[1].requester_name == "Deniz Beispiel"
    assert [e.actor for e in _actions(session, "view_certificate_queue")] == ["clerk"]
    assert [
        i.id for i in certificates.open_certificate_requests(session, actor=clerk, offset=1)
    ] == [second.id]


def test_redrawing_the_same_queue_view_adds_no_second_audit_entry(session, household):
    _request(session, household["actor"], INSURANCE, household["stranger"].kvnr)
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    certificates.open_certificate_requests(session, actor=clerk)
    again = certificates.open_certificate_requests(session, actor=clerk, record_view=False)

    assert len(again) == 1
    assert len(_actions(session, "view_certificate_queue")) == 1


def test_a_member_cannot_open_the_back_office_queue(session, household):
    with pytest.raises(NotAllowed):
        certificates.open_certificate_requests(session, actor=household["actor"])


def test_a_retry_that_loses_the_race_on_the_key_returns_the_winners_request(
    session, household, monkeypatch
):
    key = uuid.uuid4().hex
    winner = _request(session, household["actor"], INSURANCE, household["parent"].kvnr, key)
    real_existing = certificates._existing
    looks = []

    def first_look_sees_nothing(session, **kwargs):  # the winner had not committed yet
        looks.append(kwargs["key"])
        return None if len(looks) == 1 else real_existing(session, **kwargs)

    monkeypatch.setattr(certificates, "_existing", first_look_sees_nothing)

    loser = _request(session, household["actor"], INSURANCE, household["parent"].kvnr, key)

    assert loser.id == winner.id
    assert len(looks) == 2
    assert len(_actions(session, "certificate_requested")) == 1
