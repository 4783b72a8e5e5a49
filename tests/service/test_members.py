import pytest
from sqlmodel import select

from core import members
from core.errors import InvalidKvnr, NotAllowed, UnknownMember
from core.models.accounts import Role
from core.models.audit import AuditEntry
from tests.factories import make_account, make_member


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
