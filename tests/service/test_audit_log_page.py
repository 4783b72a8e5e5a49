"""The admins' view of the audit log: reading it is audited, and it names no member."""

import json

import pytest

from core import audit, member_overview, members
from core.errors import NotAllowed
from core.models.accounts import Role
from tests.factories import make_account, make_member
from tests.service.audit_looks import looks


def test_reading_the_audit_log_is_audited_with_the_entries_shown(session):
    admin = make_account(session, username="admin", role=Role.ADMIN)
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    members.open_member(session, actor=clerk, member_id=make_member(session).id)

    shown = audit.audit_log(session, actor=admin, limit=50)
    audit.audit_log(session, actor=admin, limit=50, record_view=False)  # a redraw

    (look,) = looks(session, "view_audit_log")
    assert (look.actor, look.member_id) == ("admin", None)
    details = json.loads(look.details)
    assert (details["entries"], details["from"], details["to"]) == (
        len(shown),
        shown[-1].seq,
        shown[0].seq,
    )


def test_the_audit_log_counts_the_members_an_entry_names_but_never_names_them(session):
    admin = make_account(session, username="admin", role=Role.ADMIN)
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    erika = make_member(session, household_id=7)
    make_member(session, first_name="Max", household_id=7)
    make_member(session, first_name="Moritz", household_id=7)
    member_overview.member_overview(session, actor=clerk, member_id=erika.id)
    members.search_members(session, actor=clerk, query="Erika")

    search, overview = audit.audit_log(session, actor=admin, record_view=False)[:2]  # newest first

    assert (overview.action, overview.subject, overview.members) == ("view_member", "member", 3)
    assert (search.action, search.subject, search.members) == ("search_members", "member", 0)


def test_only_admins_read_the_audit_log(session):
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    with pytest.raises(NotAllowed):
        audit.audit_log(session, actor=clerk)
    assert looks(session, "view_audit_log") == []
