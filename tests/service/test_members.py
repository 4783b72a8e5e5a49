import json
import uuid
from datetime import date

import pytest
from sqlmodel import select

from core import certificates, family, member_overview, members
from core.clock import utcnow
from core.errors import InvalidKvnr, NotAllowed, UnknownMember
from core.kvnr import make_kvnr
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.histories import Earning, InsurancePeriod
from core.models.letters import Letter
from core.models.messages import Conversation, Message
from tests.factories import make_account, make_member
from tests.service.test_inbox import bulk_submissions


def test_clerk_search_finds_by_kvnr_and_by_name_and_is_audited(session):
    erika = make_member(session, first_name="Erika", last_name="Mustermann")
    make_member(session, first_name="Hans", last_name="Meier")
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    assert [m.id for m in members.search_members(session, actor=clerk, query=erika.kvnr)] == [
        erika.id
    ]
    assert [m.id for m in members.search_members(session, actor=clerk, query="muster")] == [
        erika.id
    ]
    assert [m.id for m in members.search_members(session, actor=clerk, query="Erika Must")] == [
        erika.id
    ]
    logged = session.exec(select(AuditEntry).where(AuditEntry.action == "search_members")).all()
    assert len(logged) == 3 and all(entry.actor == "clerk" for entry in logged)


def test_opening_a_member_is_audited_with_who_and_whom(session):
    erika = make_member(session)
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    assert members.open_member(session, actor=clerk, member_id=erika.id).kvnr == erika.kvnr
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "view_member")).one()
    assert (entry.actor, entry.member_id, entry.actor_role) == ("clerk", erika.id, "clerk")


def test_a_member_cannot_search_or_open_other_members(session):
    erika = make_member(session)
    other = make_member(session, first_name="Max")
    actor = make_account(session, username="erika", member=erika)
    with pytest.raises(NotAllowed):
        members.search_members(session, actor=actor, query="Beispiel")
    with pytest.raises(NotAllowed):
        members.open_member(session, actor=actor, member_id=other.id)
    assert members.own_member(session, actor=actor).id == erika.id


def test_member_exists_checks_shape_check_digit_and_membership(session):
    erika = make_member(session)
    assert members.member_exists(session, kvnr=erika.kvnr.lower()) == erika.kvnr
    with pytest.raises(InvalidKvnr):
        members.member_exists(session, kvnr=erika.kvnr[:-1] + str((int(erika.kvnr[-1]) + 1) % 10))
    with pytest.raises(UnknownMember):
        members.member_exists(session, kvnr="A123456780")


def test_household_lists_the_others_at_the_same_address(session):
    parent = make_member(session, household_id=7)
    child = make_member(session, household_id=7, first_name="Kind")
    make_member(session, household_id=8)
    read = members.own_member(session, actor=make_account(session, username="p", member=parent))
    assert [m.id for m in members.household_of(session, member=read)] == [child.id]


# The member overview (Versichertenübersicht)


@pytest.fixture
def erika_file(session):
    """Erika with a period, earnings, a household, a family entry, letters and a conversation."""
    erika = make_member(session, household_id=70, service_level="smart")
    partner = make_member(session, first_name="Paul", household_id=70)
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    erika_actor = make_account(session, username="erika", member=erika)
    now = utcnow()
    session.add(InsurancePeriod(member_id=erika.id, kind="Beschäftigung", start=date(2010, 1, 1)))
    session.add(Earning(member_id=erika.id, year=2023, employer="Werft AG", amount_cents=4_200_000))
    session.add(Earning(member_id=erika.id, year=2023, employer="Kiosk", amount_cents=300_000))
    letter = Letter(
        member_id=erika.id,
        direction="out",
        channel="app",
        subject="Ihre Anfrage",
        author_user_id=clerk.user_id,
        created_at=now,
    )
    session.add(letter)
    session.flush()
    session.add(
        Letter(
            member_id=erika.id,
            direction="in",
            channel="app",
            reply_to_letter_id=letter.id,
            subject="Antwort",
            author_user_id=erika_actor.user_id,
            created_at=now,
        )
    )
    conversation = Conversation(
        member_id=erika.id, subject="Zahnarzt", created_at=now, updated_at=now
    )
    session.add(conversation)
    session.flush()
    for direction in ("in", "in", "out"):
        session.add(
            Message(
                conversation_id=conversation.id,
                author_user_id=erika_actor.user_id,
                direction=direction,
                created_at=now,
            )
        )
    session.commit()
    family.add_family_member(
        session,
        actor=erika_actor,
        first_name="Mia",
        last_name="Beispiel",
        kvnr=make_kvnr("K12345678"),
        relation="Kind",
    )
    return {"erika": erika, "partner": partner, "clerk": clerk, "actor": erika_actor}


def test_the_overview_gathers_a_members_file_for_a_clerk(session, erika_file):
    erika, clerk = erika_file["erika"], erika_file["clerk"]
    certificates.request_certificate(
        session,
        actor=erika_file["actor"],
        cert_type="versicherung",
        kvnr=erika.kvnr,
        idempotency_key=uuid.uuid4().hex,
    )

    file = member_overview.member_overview(session, actor=clerk, member_id=erika.id)

    assert file.member.kvnr == erika.kvnr and file.app_communication is False
    assert [p.kind for p in file.history.periods] == ["Beschäftigung"]
    assert [(y.year, y.total_cents) for y in file.history.years] == [(2023, 4_500_000)]
    assert [p.first_name for p in file.household] == ["Paul"]
    assert [(f.full_name, f.relation) for f in file.family] == [("Mia Beispiel", "Kind")]
    assert [(r.cert_type, r.delivery, r.for_self) for r in file.requests.items] == [
        ("versicherung", "post", True)
    ]
    assert [(row.subject, row.replies) for row in file.letters.items] == [("Ihre Anfrage", 1)]
    (talk,) = file.conversations.items
    assert (talk.subject, talk.messages, talk.unread) == ("Zahnarzt", 3, 2)
    assert (file.submissions.total, file.issued.total, file.cards) == (0, 0, [])
    assert file.bonus.enrolment is None


def test_long_lists_come_a_page_at_a_time_from_the_database(session, erika_file):
    erika, clerk = erika_file["erika"], erika_file["clerk"]
    bulk_submissions(session, erika, 23)

    def submissions(page):
        pages = member_overview.OverviewPages(submissions=page)
        return member_overview.member_overview(
            session, actor=clerk, member_id=erika.id, pages=pages, record_view=False
        ).submissions

    first, last, beyond = submissions(1), submissions(3), submissions(99)

    assert (first.total, first.pages, len(first.items)) == (23, 3, 10)
    assert (last.page, len(last.items)) == (3, 3)
    assert beyond.page == 3 and beyond.items == last.items
    assert first.items[0].created_at > first.items[-1].created_at  # newest first
    seen = {row.id for page in (1, 2, 3) for row in submissions(page).items}
    assert len(seen) == 23


def test_opening_the_overview_is_audited_once_with_the_household_and_a_redraw_is_not(
    session, erika_file
):
    erika, clerk, partner = erika_file["erika"], erika_file["clerk"], erika_file["partner"]

    member_overview.member_overview(session, actor=clerk, member_id=erika.id)
    member_overview.member_overview(session, actor=clerk, member_id=erika.id, record_view=False)

    (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "view_member")).all()
    assert (entry.actor, entry.member_id, json.loads(entry.details)) == (
        "clerk",
        erika.id,
        {"view": "overview", "household": [partner.id]},
    )


def test_a_member_cannot_open_any_overview_not_even_their_own(session, erika_file):
    erika, partner = erika_file["erika"], erika_file["partner"]
    for member_id in (erika.id, partner.id):
        with pytest.raises(NotAllowed):
            member_overview.member_overview(session, actor=erika_file["actor"], member_id=member_id)
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "view_member")).all() == []


def test_an_unknown_member_id_is_answered_as_unknown(session, erika_file):
    with pytest.raises(UnknownMember):
        member_overview.member_overview(session, actor=erika_file["clerk"], member_id=999_999)


def test_redrawing_the_same_search_adds_no_second_audit_entry(session):
    make_member(session, last_name="Mustermann")
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    members.search_members(session, actor=clerk, query="muster")
    again = members.search_members(session, actor=clerk, query="muster", record_view=False)

    assert len(again) == 1
    assert (
        len(session.exec(select(AuditEntry).where(AuditEntry.action == "search_members")).all())
        == 1
    )
