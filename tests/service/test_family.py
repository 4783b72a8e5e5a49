from datetime import date

import pytest
from sqlmodel import select

from core import family
from core.errors import InvalidKvnr, NotAllowed
from core.family import DuplicateFamilyMember, FamilyMemberNotFound, InvalidFamilyMember
from core.kvnr import make_kvnr
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.people import Member
from tests.factories import make_account, make_member

CHILD_KVNR = make_kvnr("K12345678")  # valid, but no HEK member: storing does not need one


def _add(session, actor, **overrides):
    values = {
        "first_name": "Mia",
        "last_name": "Beispiel",
        "kvnr": CHILD_KVNR,
        "relation": "Kind",
    }
    values.update(overrides)
    return family.add_family_member(session, actor=actor, **values)


@pytest.fixture
def erika(session):
    return make_account(session, username="erika", member=make_member(session))


@pytest.fixture
def max_(session):
    return make_account(session, username="max", member=make_member(session, first_name="Max"))


def test_member_adds_a_family_member_with_a_valid_kvnr_of_a_non_member(session, erika):
    added = _add(session, erika, kvnr=CHILD_KVNR.lower(), first_name="  Mia  ")

    assert (added.full_name, added.kvnr, added.relation) == ("Mia Beispiel", CHILD_KVNR, "Kind")
    assert [entry.id for entry in family.list_family(session, actor=erika)] == [added.id]
    logged = session.exec(select(AuditEntry).where(AuditEntry.action == "family_member_added"))
    assert [entry.actor for entry in logged] == ["erika"]


def test_a_kvnr_with_a_wrong_check_digit_is_refused(session, erika):
    wrong = CHILD_KVNR[:-1] + str((int(CHILD_KVNR[-1]) + 1) % 10)

    with pytest.raises(InvalidKvnr):
        _add(session, erika, kvnr=wrong)
    assert family.list_family(session, actor=erika) == []


def test_names_and_relation_are_required(session, erika):
    with pytest.raises(InvalidFamilyMember, match="Vornamen"):
        _add(session, erika, first_name="   ")
    with pytest.raises(InvalidFamilyMember, match="Beziehung"):
        _add(session, erika, relation="Nachbar")


def test_the_same_person_cannot_be_listed_twice_nor_oneself(session, erika):
    _add(session, erika)
    own_kvnr = session.get(Member, erika.member_id).kvnr

    with pytest.raises(DuplicateFamilyMember):
        _add(session, erika, first_name="Mia-Sophie")
    with pytest.raises(InvalidFamilyMember, match="eigene"):
        _add(session, erika, kvnr=own_kvnr)


def test_two_members_may_list_the_same_child(session, erika, max_):
    _add(session, erika)
    _add(session, max_)

    assert len(family.list_family(session, actor=max_)) == 1


def test_member_edits_their_own_entry(session, erika):
    added = _add(session, erika)

    edited = family.edit_family_member(
        session,
        actor=erika,
        family_member_id=added.id,
        first_name="Mia",
        last_name="Neumann",
        kvnr=CHILD_KVNR,
        relation="Sonstige",
    )

    assert (edited.last_name, edited.relation) == ("Neumann", "Sonstige")
    assert [e.last_name for e in family.list_family(session, actor=erika)] == ["Neumann"]


def test_member_removes_their_own_entry(session, erika):
    added = _add(session, erika)

    family.remove_family_member(session, actor=erika, family_member_id=added.id)

    assert family.list_family(session, actor=erika) == []
    removed = session.exec(select(AuditEntry).where(AuditEntry.action == "family_member_removed"))
    assert [entry.subject_id for entry in removed] == [str(added.id)]


def test_member_cannot_read_change_or_remove_another_members_entries(session, erika, max_):
    theirs = _add(session, erika)

    assert family.list_family(session, actor=max_) == []
    with pytest.raises(FamilyMemberNotFound):
        family.edit_family_member(
            session,
            actor=max_,
            family_member_id=theirs.id,
            first_name="X",
            last_name="Y",
            kvnr=CHILD_KVNR,
            relation="Kind",
        )
    with pytest.raises(FamilyMemberNotFound):
        family.remove_family_member(session, actor=max_, family_member_id=theirs.id)
    assert [e.id for e in family.list_family(session, actor=erika)] == [theirs.id]


def test_an_unknown_id_answers_like_someone_elses(session, erika):
    with pytest.raises(FamilyMemberNotFound) as unknown:
        family.remove_family_member(session, actor=erika, family_member_id=999_999)
    assert unknown.value.message == "Dieser Eintrag wurde nicht gefunden."


def test_staff_have_no_family_list(session):
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    with pytest.raises(NotAllowed):
        family.list_family(session, actor=clerk)


def test_the_twenty_first_family_member_is_refused(session, erika):
    for number in range(family.MAX_FAMILY_MEMBERS):
        _add(session, erika, kvnr=make_kvnr(f"F{number:08d}"))

    with pytest.raises(InvalidFamilyMember, match="höchstens 20"):
        _add(session, erika, kvnr=make_kvnr("F99999999"))


def test_forms_offer_oneself_the_household_then_the_family_list_each_once(session):
    parent = make_member(session, first_name="Deniz", household_id=40)
    child = make_member(session, first_name="Emre", household_id=40, birth_date=date(2012, 8, 14))
    make_member(session, first_name="Aylin", household_id=40, birth_date=date(1985, 1, 2))
    make_member(session, first_name="Fremd", household_id=41)
    deniz = make_account(session, username="deniz", member=parent)
    _add(
        session,
        deniz,
        first_name="Fatma",
        last_name="Yilmaz",
        kvnr=CHILD_KVNR,
        relation="Elternteil",
    )
    _add(session, deniz, first_name="Emre", kvnr=child.kvnr)  # already listed as household

    people = family.people_for_forms(session, actor=deniz)

    assert [(p.label, p.is_self) for p in people] == [
        ("Ich selbst (Deniz)", True),
        ("Aylin Beispiel (Haushalt)", False),
        ("Emre Beispiel (Haushalt)", False),
        ("Fatma Yilmaz (Elternteil)", False),
    ]
    assert people[0].kvnr == parent.kvnr


def test_staff_get_no_people_to_pick(session):
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    with pytest.raises(NotAllowed):
        family.people_for_forms(session, actor=clerk)
