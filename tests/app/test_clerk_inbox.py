"""The clerks' inbox: paging through decided items, saved views, one audit entry per look,
taking the next free item."""

from datetime import timedelta

import pytest
from sqlmodel import col, select, update

from core import inbox
from core.clock import utcnow
from core.db import session_scope
from core.identifiers import new_tracking_id
from core.models.accounts import UserAccount
from core.models.documents import Submission
from core.models.people import Member
from core.scale_seed import seed_submissions
from tests.app.helpers import audit_looks, errors, infos, leave_and_come_back, login, shown_text

INBOX = "pages/clerk_inbox.py"
DECIDED = "Erledigt und abgelehnt"


@pytest.fixture(scope="module", autouse=True)
def documents(portal_db) -> int:
    """The synthetic members' historic documents: a few hundred, nearly all decided."""
    return seed_submissions(portal_db)


def _inbox(username: str = "sachbearbeitung"):
    return login(username).switch_page(INBOX).run()


def _tracking_ids(at) -> list[str]:
    return list(at.dataframe[0].value["Tracking-ID"])


def test_paging_forward_and_back_through_decided_items():
    at = _inbox()
    at = at.segmented_control(key="inbox_view").set_value(DECIDED).run()
    first = _tracking_ids(at)
    assert "Seite 1" in shown_text(at) and at.button(key="inbox_previous").disabled

    at = at.button(key="inbox_next").click().run()

    second = _tracking_ids(at)
    assert not at.exception and "Seite 2" in shown_text(at)
    assert len(first) == 25 and not set(first) & set(second)
    at = at.button(key="inbox_previous").click().run()
    assert _tracking_ids(at) == first and "Seite 1" in shown_text(at)


def test_a_clerk_saves_the_current_filters_as_a_view_and_deletes_it_again():
    at = _inbox()
    at = at.segmented_control(key="inbox_view").set_value(DECIDED).run()
    at = at.multiselect(key="inbox_types").set_value(["rechnung"]).run()
    at = at.radio(key="inbox_sort").set_value("newest").run()
    at.text_input(key="inbox_view_name").input("Erledigte Rechnungen")
    at = at.button(key="save_view").click().run()

    assert not at.exception
    assert "Ansicht „Erledigte Rechnungen“ gespeichert." in shown_text(at)
    assert at.segmented_control(key="inbox_view").value == "Erledigte Rechnungen"
    invoices = _tracking_ids(at)
    assert set(at.dataframe[0].value["Art"]) == {"Rechnung"}

    at = at.segmented_control(key="inbox_view").set_value("Alle offenen").run()
    at = at.multiselect(key="inbox_types").set_value([]).run()
    at = at.segmented_control(key="inbox_view").set_value("Erledigte Rechnungen").run()
    assert at.multiselect(key="inbox_types").value == ["rechnung"]
    assert at.radio(key="inbox_sort").value == "newest"
    assert _tracking_ids(at) == invoices

    colleague = _inbox("sachbearbeitung2")
    assert "Erledigte Rechnungen" not in colleague.segmented_control(key="inbox_view").options

    at = at.button(key="delete_view").click().run()
    assert not at.exception
    assert "Erledigte Rechnungen" not in at.segmented_control(key="inbox_view").options
    assert at.segmented_control(key="inbox_view").value == "Alle offenen"


def test_the_list_and_an_opened_case_are_audited_once_per_look_and_again_on_coming_back():
    lists, cases = len(audit_looks("view_inbox")), len(audit_looks("view_submission"))
    at = _inbox().segmented_control(key="inbox_view").set_value(DECIDED).run()
    tracking_id = _tracking_ids(at)[0]
    with session_scope() as session:
        case_id = session.exec(
            select(Submission.id).where(Submission.tracking_id == tracking_id)
        ).one()
    at = at.selectbox(key="inbox_choice").set_value(case_id).run()
    at = at.run()  # a rerun redraws the same list and case

    assert not at.exception and f"Vorgang {tracking_id}" in [s.value for s in at.subheader]
    assert len(audit_looks("view_inbox")) == lists + 2  # the open items, then the decided ones
    assert len(audit_looks("view_submission")) == cases + 1
    assert audit_looks("view_inbox")[-1].actor == "sachbearbeitung"

    at = leave_and_come_back(at, INBOX)

    assert not at.exception
    assert len(audit_looks("view_inbox")) == lists + 3
    assert len(audit_looks("view_submission")) == cases + 2


def _free_open_items(session):
    return (
        select(Submission)
        .where(
            col(Submission.status).in_(inbox.OPEN_STATUSES),
            col(Submission.assigned_clerk_id).is_(None),
        )
        .order_by(col(Submission.created_at), col(Submission.id))
    )


def test_taking_the_next_item_from_the_decided_view_claims_the_oldest_free_open_one():
    with session_scope(write=True) as session:
        member_id = session.exec(select(Member.id)).first()
        ten_years_ago = utcnow() - timedelta(days=3650)
        # older than anything open and nobody's: a historic item decided before assignment
        session.add(
            Submission(
                tracking_id=new_tracking_id(),
                member_id=member_id,
                channel="post",
                doc_type="au",
                page_count=1,
                size=100,
                status="erledigt",
                created_at=ten_years_ago,
                updated_at=ten_years_ago,
            )
        )
        session.commit()
        expected = session.exec(_free_open_items(session)).first().tracking_id
    at = _inbox().segmented_control(key="inbox_view").set_value(DECIDED).run()

    at = at.button(key="claim_next").click().run()

    assert not at.exception and not errors(at)
    assert f"Vorgang {expected}" in [s.value for s in at.subheader]
    assert "**Status:** in Bearbeitung · **Bearbeitung:** " in shown_text(at)

    with session_scope(write=True) as session:  # a colleague takes whatever is still free
        colleague = session.exec(
            select(UserAccount.id).where(UserAccount.username == "sachbearbeitung2")
        ).one()
        free = session.exec(_free_open_items(session)).all()
        session.exec(
            update(Submission)
            .where(col(Submission.id).in_([row.id for row in free]))
            .values(assigned_clerk_id=colleague, status="in_bearbeitung")
        )
        session.commit()
    at = at.button(key="claim_next").click().run()

    assert not at.exception and not errors(at)
    assert "Zurzeit gibt es keinen offenen Vorgang, den noch niemand bearbeitet." in infos(at)
