"""A clerk's saved inbox views: saved under a name, listed and deleted by their owner only."""

import pytest

from core import inbox, saved_views
from core.errors import NotAllowed
from core.models.accounts import Role
from tests.factories import make_account, make_member
from tests.service.test_inbox import bulk_submissions

INVOICES_OF_MUSTERMANN = inbox.InboxFilter(
    doc_types=("rechnung",),
    statuses=("erledigt", "abgelehnt", "rueckfrage"),
    search="muster",
)


@pytest.fixture
def clerks(session):
    return (
        make_account(session, username="clerk1", role=Role.CLERK),
        make_account(session, username="clerk2", role=Role.CLERK),
    )


def test_a_saved_view_comes_back_with_its_filters_and_sorting(session, clerks):
    clerk, _ = clerks
    saved_views.save_view(
        session,
        actor=clerk,
        name="  Rechnungen   Mustermann ",
        criteria=INVOICES_OF_MUSTERMANN,
        sort="newest",
    )

    [view] = saved_views.my_views(session, actor=clerk)

    assert (view.name, view.criteria, view.sort) == (
        "Rechnungen Mustermann",
        INVOICES_OF_MUSTERMANN,
        "newest",
    )


def test_a_saved_view_lists_the_same_items_as_the_filters_it_was_saved_from(session, clerks):
    clerk, _ = clerks
    member = make_member(session, last_name="Mustermann")
    bulk_submissions(session, member, 4, doc_type="rechnung")
    bulk_submissions(session, member, 3, doc_type="au")
    mine = inbox.InboxFilter(doc_types=("rechnung",), search="muster")
    saved_views.save_view(session, actor=clerk, name="Rechnungen", criteria=mine, sort="oldest")

    [view] = saved_views.my_views(session, actor=clerk)
    page = inbox.list_inbox(session, actor=clerk, criteria=view.criteria, sort=view.sort)

    assert page.total == 4 and {item.doc_type for item in page.items} == {"rechnung"}


def test_other_clerks_neither_see_nor_delete_a_clerks_views(session, clerks):
    clerk, other = clerks
    view = saved_views.save_view(
        session, actor=clerk, name="Meine AU", criteria=inbox.InboxFilter(), sort="oldest"
    )
    saved_views.save_view(
        session, actor=other, name="Meine AU", criteria=inbox.InboxFilter(), sort="newest"
    )

    assert [v.sort for v in saved_views.my_views(session, actor=other)] == ["newest"]
    with pytest.raises(NotAllowed):
        saved_views.delete_view(session, actor=other, view_id=view.id)
    saved_views.delete_view(session, actor=clerk, view_id=view.id)
    assert saved_views.my_views(session, actor=clerk) == []
    assert len(saved_views.my_views(session, actor=other)) == 1


@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        ("   ", "Namen"),
        ("x" * 61, "Namen"),
        ("Alle offenen", "feste Ansicht"),
        ("Wichtig", "bereits gespeichert"),
    ],
)
def test_a_view_without_a_name_a_presets_name_or_a_name_used_twice_is_refused(
    session, clerks, name, refusal
):
    clerk, _ = clerks
    saved_views.save_view(
        session, actor=clerk, name="Wichtig", criteria=inbox.InboxFilter(), sort="oldest"
    )

    with pytest.raises(saved_views.ViewRefused, match=refusal):
        saved_views.save_view(
            session, actor=clerk, name=name, criteria=inbox.InboxFilter(), sort="oldest"
        )
    assert [v.name for v in saved_views.my_views(session, actor=clerk)] == ["Wichtig"]


def test_members_have_no_inbox_views(session):
    member = make_member(session)
    actor = make_account(session, username="erika", member=member)
    with pytest.raises(NotAllowed):
        saved_views.my_views(session, actor=actor)
