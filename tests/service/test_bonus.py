"""Bonusprogramm Vorsorgeplus: 18 and over, written first enrolment, 12 months + 6 weeks."""

import re
from datetime import date

import pytest
from sqlmodel import func, select

from core import bonus, documents, inbox
from core.bonus import BonusRefused, NotEligible, NotEnrolled
from core.errors import NotAllowed
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.bonus import BonusEvidence
from core.models.documents import Submission
from core.uploads import IncomingFile, UploadRejected
from tests.factories import make_account, make_member
from tests.service.audit_looks import looks, members_named
from tests.service.test_documents import pdf_bytes

START = date(2026, 1, 1)  # programme year 1: 01.01.2026 – 31.12.2026


def _form(name: str = "antrag.pdf") -> list[IncomingFile]:
    return [IncomingFile(name, pdf_bytes(1, "Vorsorgeplus"), "application/pdf")]


def _member_actor(session, username: str, **overrides):
    member = make_member(session, service_level="smart", **overrides)
    return make_account(session, username=username, member=member)


@pytest.fixture
def clerk(session):
    return make_account(session, username="clerk", role=Role.CLERK)


@pytest.fixture
def enrolled(session, clerk):
    """A smart member whose application arrived on START and was confirmed."""
    actor = _member_actor(session, "jonas", birth_date=date(1986, 9, 2))
    bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=START)
    bonus.confirm_enrolment(session, actor=clerk, member_id=actor.member_id)
    return actor


def _evidence(session, actor, category, evidence_date, today, key=None):
    return bonus.submit_evidence(
        session,
        actor=actor,
        category_id=category,
        evidence_date=evidence_date,
        files=_form("nachweis.pdf"),
        today=today,
        idempotency_key=key,
    )


def _count(session, model, *conditions) -> int:
    return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


# 18th birthday


def test_the_eighteenth_birthday_and_the_twenty_ninth_of_february():
    assert bonus.eighteenth_birthday(date(2008, 5, 17)) == date(2026, 5, 17)
    # 18 years after a 29 February never hits a leap year: adult on 1 March.
    assert bonus.eighteenth_birthday(date(2008, 2, 29)) == date(2026, 3, 1)


def test_a_member_can_apply_on_the_eighteenth_birthday_but_not_the_day_before(session):
    actor = _member_actor(session, "teen", birth_date=date(2008, 5, 17))

    with pytest.raises(NotEligible) as refusal:
        bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=date(2026, 5, 16))
    assert "ab dem 17.05.2026" in refusal.value.message
    assert _count(session, Submission) == 0  # refused before anything was sent

    applied = bonus.apply_for_enrolment(
        session, actor=actor, files=_form(), today=date(2026, 5, 17)
    )
    assert applied.status == "beantragt"


def test_born_on_29_february_a_member_is_adult_on_1_march_not_on_28_february(session):
    actor = _member_actor(session, "leap", birth_date=date(2008, 2, 29))

    with pytest.raises(NotEligible):
        bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=date(2026, 2, 28))
    applied = bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=date(2026, 3, 1))

    assert applied.starts_on == date(2026, 3, 1)
    overview = bonus.bonus_overview(session, actor=actor, today=date(2026, 3, 1))
    assert overview.eligible and overview.adult_from == date(2026, 3, 1)


# Written first enrolment


def test_the_signed_application_goes_to_the_clerk_inbox_as_antrag_and_waits(session, clerk):
    actor = _member_actor(session, "jonas")

    applied = bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=START)

    page = inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter())
    assert [(item.doc_type, item.member_id) for item in page.items] == [("antrag", actor.member_id)]
    assert applied.submission_id == page.items[0].id
    with pytest.raises(NotEnrolled):
        _evidence(session, actor, "zahnvorsorge", date(2026, 2, 1), date(2026, 2, 2))
    with pytest.raises(BonusRefused, match="bereits vor"):
        bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=START)
    assert [item.member_id for item in bonus.enrolment_queue(session, actor=clerk)] == [
        actor.member_id
    ]


def test_a_double_click_on_apply_sends_one_application(session):
    actor = _member_actor(session, "jonas")

    first = bonus.apply_for_enrolment(
        session, actor=actor, files=_form(), today=START, idempotency_key="k1"
    )
    second = bonus.apply_for_enrolment(
        session, actor=actor, files=_form(), today=START, idempotency_key="k1"
    )

    assert first.submission_id == second.submission_id
    assert _count(session, Submission, Submission.doc_type == "antrag") == 1


def test_a_clerk_confirms_the_enrolment_and_it_is_active_and_audited(session, clerk):
    actor = _member_actor(session, "jonas")
    applied = bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=START)

    bonus.confirm_enrolment(session, actor=clerk, member_id=actor.member_id)

    overview = bonus.bonus_overview(session, actor=actor, today=date(2026, 2, 1))
    assert overview.status == "aktiv"
    assert overview.current_year == bonus.ProgrammeYear(1, date(2026, 1, 1), date(2026, 12, 31))
    assert session.get(Submission, applied.submission_id).status == "erledigt"
    assert bonus.enrolment_queue(session, actor=clerk) == []
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == "bonus_enrolment_confirm")
    ).one()
    assert (entry.actor, entry.member_id) == ("clerk", actor.member_id)
    with pytest.raises(BonusRefused, match="bereits entschieden"):
        bonus.confirm_enrolment(session, actor=clerk, member_id=actor.member_id)


def test_a_rejected_application_tells_the_member_why_and_they_may_apply_again(session, clerk):
    actor = _member_actor(session, "jonas")
    bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=START)

    with pytest.raises(BonusRefused, match="Grund"):
        bonus.reject_enrolment(session, actor=clerk, member_id=actor.member_id, reason=" ")
    bonus.reject_enrolment(
        session, actor=clerk, member_id=actor.member_id, reason="Die Unterschrift fehlt."
    )

    overview = bonus.bonus_overview(session, actor=actor, today=START)
    assert (overview.status, overview.application_message) == (
        "abgelehnt",
        "Die Unterschrift fehlt.",
    )
    again = bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=date(2026, 2, 1))
    assert (again.status, again.starts_on) == ("beantragt", date(2026, 2, 1))


def test_members_cannot_review_and_basic_members_cannot_take_part(session, enrolled):
    basic = make_account(session, username="lena", member=make_member(session))

    with pytest.raises(NotAllowed):
        bonus.confirm_enrolment(session, actor=enrolled, member_id=enrolled.member_id)
    with pytest.raises(NotAllowed):
        bonus.evidence_queue(session, actor=enrolled)
    with pytest.raises(NotAllowed):
        bonus.apply_for_enrolment(session, actor=basic, files=_form(), today=START)


# Evidence: 12 months + 6 weeks


def test_evidence_of_a_year_is_accepted_on_the_last_day_of_grace_and_refused_the_day_after(
    session, enrolled
):
    december = date(2026, 12, 15)
    last_day_of_grace = date(2027, 2, 11)  # 31.12.2026 + 6 weeks

    with pytest.raises(BonusRefused) as refusal:
        _evidence(session, enrolled, "zahnvorsorge", december, date(2027, 2, 12))
    accepted = _evidence(session, enrolled, "zahnvorsorge", december, last_day_of_grace)

    assert "bis zum 11.02.2027" in refusal.value.message
    assert (accepted.status, accepted.submitted_on) == ("eingereicht", last_day_of_grace)
    overview = bonus.bonus_overview(session, actor=enrolled, today=last_day_of_grace)
    assert [view.programme_year for view in overview.evidence] == [1]
    assert [year.number for year in overview.years_open] == [2, 1]
    after = bonus.bonus_overview(session, actor=enrolled, today=date(2027, 2, 12))
    assert [year.number for year in after.years_open] == [2]


def test_evidence_dated_before_the_programme_or_in_the_future_is_refused(session, enrolled):
    with pytest.raises(
        BonusRefused, match=re.escape("ab dem Beginn Ihrer Teilnahme am 01.01.2026")
    ):
        _evidence(session, enrolled, "impfschutz", date(2025, 12, 31), date(2026, 3, 1))
    with pytest.raises(BonusRefused, match="Zukunft"):
        _evidence(session, enrolled, "impfschutz", date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(BonusRefused, match="Nachweiskategorie"):
        _evidence(session, enrolled, "lotto", date(2026, 3, 1), date(2026, 3, 1))
    assert _count(session, Submission, Submission.doc_type == "bonus") == 0


def test_evidence_goes_to_the_inbox_as_bonus_and_a_hostile_file_is_refused(session, enrolled):
    sent = _evidence(session, enrolled, "checkup", date(2026, 3, 1), date(2026, 3, 2))
    hostile = [IncomingFile("nachweis.pdf", b"MZ\x90\x00" + b"\0" * 64, "application/pdf")]

    with pytest.raises(UploadRejected):
        bonus.submit_evidence(
            session,
            actor=enrolled,
            category_id="zahnvorsorge",
            evidence_date=date(2026, 3, 1),
            files=hostile,
            today=date(2026, 3, 2),
        )

    assert session.get(Submission, sent.submission_id).doc_type == "bonus"
    assert _count(session, BonusEvidence) == 1


def test_a_category_counts_per_year_as_often_as_it_says(session, enrolled, clerk):
    first = _evidence(session, enrolled, "checkup", date(2026, 3, 1), date(2026, 3, 2))
    with pytest.raises(BonusRefused, match="1 Nachweis"):
        _evidence(session, enrolled, "checkup", date(2026, 9, 1), date(2026, 9, 2))

    bonus.reject_evidence(
        session, actor=clerk, evidence_id=first.id, reason="Stempel fehlt."
    )  # a rejected one no longer counts
    _evidence(session, enrolled, "checkup", date(2026, 9, 1), date(2026, 9, 2))
    _evidence(session, enrolled, "checkup", date(2027, 1, 5), date(2027, 1, 6))  # year 2
    for day in (date(2026, 4, 1), date(2026, 10, 1)):  # Impfschutz counts twice a year
        _evidence(session, enrolled, "impfschutz", day, day)

    assert _count(session, BonusEvidence) == 5


def test_points_count_once_a_clerk_accepts_and_the_member_sees_a_rejections_reason(
    session, enrolled, clerk
):
    checkup = _evidence(session, enrolled, "checkup", date(2026, 3, 1), date(2026, 3, 2))
    teeth = _evidence(session, enrolled, "zahnvorsorge", date(2026, 3, 1), date(2026, 3, 2))
    assert [item.id for item in bonus.evidence_queue(session, actor=clerk)] == [
        checkup.id,
        teeth.id,
    ]

    bonus.accept_evidence(session, actor=clerk, evidence_id=checkup.id)
    bonus.reject_evidence(
        session, actor=clerk, evidence_id=teeth.id, reason="Das Datum ist nicht lesbar."
    )

    overview = bonus.bonus_overview(session, actor=enrolled, today=date(2026, 3, 3))
    assert overview.points(1) == 300
    assert {view.category_title: view.status_label for view in overview.evidence} == {
        "Gesundheits-Check-up": "anerkannt",
        "Zahnvorsorge": "abgelehnt",
    }
    rejected = next(view for view in overview.evidence if view.status_label == "abgelehnt")
    assert rejected.hek_message == "Das Datum ist nicht lesbar."
    assert session.get(Submission, checkup.submission_id).status == "erledigt"
    row = session.get(BonusEvidence, checkup.id)
    assert row.reviewed_by == clerk.user_id and row.reviewed_at is not None
    actions = session.exec(
        select(AuditEntry.action).where(AuditEntry.action.startswith("bonus_evidence_"))
    ).all()
    assert sorted(actions) == [
        "bonus_evidence_accept",
        "bonus_evidence_reject",
        "bonus_evidence_submit",
        "bonus_evidence_submit",
    ]
    with pytest.raises(BonusRefused, match="bereits entschieden"):
        bonus.accept_evidence(session, actor=clerk, evidence_id=teeth.id)


def _query_in_inbox(session, clerk, submission_id: int) -> None:
    """A clerk sends the document back to the member with "Rückfrage" from the inbox."""
    from tests.service.test_inbox import _decide_in_inbox

    _decide_in_inbox(
        session,
        clerk,
        submission_id,
        inbox.Decision.QUERY,
        member_message="Bitte senden Sie auch die Rückseite.",
    )


def _sent(session, actor, submission_id: int):
    """The member's send history entry: the status and note they read."""
    return next(
        row for row in documents.send_history(session, actor=actor) if row.id == submission_id
    )


def test_evidence_sent_back_with_a_query_shows_the_later_review_decision(session, enrolled, clerk):
    day = date(2026, 3, 2)
    checkup = _evidence(session, enrolled, "checkup", date(2026, 3, 1), day)
    teeth = _evidence(session, enrolled, "zahnvorsorge", date(2026, 3, 1), day)
    for evidence in (checkup, teeth):
        _query_in_inbox(session, clerk, evidence.submission_id)
    assert _sent(session, enrolled, checkup.submission_id).status == "rueckfrage"

    bonus.accept_evidence(session, actor=clerk, evidence_id=checkup.id)
    bonus.reject_evidence(
        session, actor=clerk, evidence_id=teeth.id, reason="Die Rückseite fehlt weiterhin."
    )

    accepted = _sent(session, enrolled, checkup.submission_id)
    assert (accepted.status, accepted.member_message) == (
        "erledigt",
        f"Ihr Nachweis ist anerkannt: {checkup.points} Punkte.",
    )
    rejected = _sent(session, enrolled, teeth.submission_id)
    assert (rejected.status, rejected.member_message) == (
        "abgelehnt",
        "Die Rückseite fehlt weiterhin.",
    )


def test_an_application_sent_back_with_a_query_shows_its_later_confirmation(session, clerk):
    actor = _member_actor(session, "jonas")
    applied = bonus.apply_for_enrolment(session, actor=actor, files=_form(), today=START)
    _query_in_inbox(session, clerk, applied.submission_id)

    bonus.confirm_enrolment(session, actor=clerk, member_id=actor.member_id)

    assert _sent(session, actor, applied.submission_id).status == "erledigt"


def test_a_retried_evidence_upload_files_one_evidence(session, enrolled):
    day = date(2026, 3, 2)
    first = _evidence(session, enrolled, "sport", day, day, key="same")
    second = _evidence(session, enrolled, "sport", day, day, key="same")

    assert first.id == second.id
    assert _count(session, Submission, Submission.doc_type == "bonus") == 1


def test_programme_years_roll_on_from_the_start_day():
    year = bonus.programme_year(date(2024, 2, 29), date(2025, 2, 28))
    assert (year.number, year.first, year.last) == (1, date(2024, 2, 29), date(2025, 2, 28))
    assert bonus.programme_year(date(2024, 2, 29), date(2025, 3, 1)).number == 2
    assert bonus.programme_year(START, date(2027, 12, 31)).deadline == date(2028, 2, 11)


def test_every_category_describes_how_to_prove_it_and_its_points():
    names = {entry.title for entry in bonus.categories()}

    assert {"Gesundheits-Check-up", "Zahnvorsorge", "Impfschutz", "Nichtraucher"} <= names
    assert all(
        entry.proof and entry.points > 0 and entry.per_year >= 1 for entry in bonus.categories()
    )


# The clerk's queues show names, KVNRs and birth dates: every look is audited


def test_a_look_at_the_enrolment_queue_is_audited_once_with_the_applicants(session, clerk):
    jonas = _member_actor(session, "jonas")
    deniz = _member_actor(session, "deniz")
    for applicant in (jonas, deniz):
        bonus.apply_for_enrolment(session, actor=applicant, files=_form(), today=START)

    bonus.enrolment_queue(session, actor=clerk)
    bonus.enrolment_queue(session, actor=clerk, record_view=False)

    (entry,) = looks(session, "view_bonus_enrolments")
    assert entry.actor == "clerk"
    assert members_named(entry) == sorted([jonas.member_id, deniz.member_id])


def test_a_look_at_the_evidence_queue_is_audited_once_with_the_members(session, enrolled, clerk):
    _evidence(session, enrolled, "checkup", date(2026, 3, 1), date(2026, 3, 2))

    bonus.evidence_queue(session, actor=clerk)
    bonus.evidence_queue(session, actor=clerk, record_view=False)

    (entry,) = looks(session, "view_bonus_evidence")
    assert (entry.actor, members_named(entry)) == ("clerk", [enrolled.member_id])


def test_the_review_queue_shows_the_oldest_evidence_first_and_counts_all_that_wait(
    session, enrolled, clerk
):
    sent = [
        _evidence(session, enrolled, "impfschutz", day, day)
        for day in (date(2026, 4, 1), date(2026, 10, 1))
    ] + [_evidence(session, enrolled, "checkup", date(2026, 3, 1), date(2026, 3, 2))]

    shown = bonus.evidence_queue(session, actor=clerk, limit=2)

    assert [item.id for item in shown] == [sent[2].id, sent[0].id]  # submitted 2 Mar, 1 Apr
    assert bonus.waiting_counts(session, actor=clerk) == (0, 3)
