"""The clerks' inbox: pagination, filters, claiming under contention, decisions the member sees."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert, update
from sqlmodel import col, func, select

from core import documents, inbox
from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError, NotAllowed
from core.identifiers import new_tracking_id
from core.models.accounts import Role
from core.models.audit import AuditEntry
from core.models.documents import Submission
from core.uploads import IncomingFile
from tests.factories import make_account, make_member
from tests.service.audit_looks import looks, members_named
from tests.service.test_documents import pdf_bytes


def bulk_submissions(
    session, member, count: int, *, doc_type: str = "au", age_days: int = 0
) -> None:
    now = utcnow() - timedelta(days=age_days)
    rows = [
        {
            "tracking_id": new_tracking_id(),
            "member_id": member.id,
            "channel": "post",
            "doc_type": doc_type,
            "page_count": 1,
            "size": 100,
            "status": "eingegangen",
            "created_at": now - timedelta(seconds=i),
            "updated_at": now,
        }
        for i in range(count)
    ]
    session.execute(insert(Submission), rows)
    session.commit()


@pytest.fixture
def world(session):
    member = make_member(session, last_name="Mustermann")
    clerk = make_account(session, username="clerk1", role=Role.CLERK)
    other = make_account(session, username="clerk2", role=Role.CLERK)
    return member, clerk, other


def test_inbox_pages_filters_and_searches_in_the_database(session, world):
    member, clerk, _ = world
    bulk_submissions(session, member, 30, doc_type="au")
    bulk_submissions(session, member, 5, doc_type="rechnung", age_days=10)
    first = inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter(), page_size=10)
    page = inbox.list_inbox(
        session, actor=clerk, criteria=inbox.InboxFilter(), after=first.next_cursor, page_size=10
    )
    assert (page.total, page.total_capped, len(page.items)) == (35, False, 10)
    assert page.items[0].created_at >= first.items[-1].created_at
    old = inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter(older_than_days=3))
    assert old.total == 5 and all(item.doc_type == "rechnung" for item in old.items)
    assert not any(item.overdue for item in old.items)  # invoices are due within 14 days
    by_name = inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter(search="muster"))
    assert by_name.total == 35
    one = by_name.items[0]
    by_tracking = inbox.list_inbox(
        session, actor=clerk, criteria=inbox.InboxFilter(search=one.tracking_id.lower())
    )
    assert [item.id for item in by_tracking.items] == [one.id]
    by_kvnr = inbox.list_inbox(
        session,
        actor=clerk,
        criteria=inbox.InboxFilter(search=member.kvnr, doc_types=("rechnung",)),
    )
    assert by_kvnr.total == 5


def test_paging_forward_shows_every_item_once_in_order_across_statuses(session, world):
    member, clerk, _ = world
    bulk_submissions(session, member, 12, doc_type="au")
    bulk_submissions(session, member, 9, doc_type="antrag", age_days=1)
    ids = session.exec(select(Submission.id).order_by(Submission.id)).all()
    tied = update(Submission).where(col(Submission.id).in_(ids[10:17]))  # same moment
    session.exec(tied.values(created_at=utcnow() - timedelta(hours=5)))
    session.commit()
    for item_id in ids[::3]:  # a third in progress: two statuses to merge
        inbox.claim(session, actor=clerk, submission_id=item_id)
    for sort, expected in (("oldest", sorted), ("newest", lambda keys: sorted(keys)[::-1])):
        seen, cursor = [], None
        while True:
            page = inbox.list_inbox(
                session,
                actor=clerk,
                criteria=inbox.InboxFilter(),
                sort=sort,
                after=cursor,
                page_size=5,
            )
            seen += [(item.created_at, item.id) for item in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == expected(seen) and len(set(seen)) == 21


def test_a_name_search_matching_many_members_finds_the_same_items(session, world, monkeypatch):
    member, clerk, _ = world
    other = make_member(session, last_name="Musterfrau")
    bulk_submissions(session, member, 3, doc_type="au")
    bulk_submissions(session, other, 2, doc_type="rechnung")
    bulk_submissions(session, make_member(session, last_name="Berger"), 4)
    criteria = inbox.InboxFilter(search="Muster")
    few = inbox.list_inbox(session, actor=clerk, criteria=criteria)
    monkeypatch.setattr(inbox, "MEMBER_SEARCH_LIMIT", 1)  # two members match: too many to list
    many = inbox.list_inbox(session, actor=clerk, criteria=criteria)
    assert few.total == many.total == 5
    assert [item.id for item in few.items] == [item.id for item in many.items]
    nobody = inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter(search="zz"))
    assert (nobody.total, nobody.items) == (0, [])


def test_the_count_stops_above_ten_thousand(session, world, monkeypatch):
    member, clerk, _ = world
    monkeypatch.setattr(inbox, "COUNT_LIMIT", 20)
    bulk_submissions(session, member, 20)
    exact = inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter())
    assert (exact.total, exact.total_capped) == (20, False)
    bulk_submissions(session, member, 5)
    capped = inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter())
    assert (capped.total, capped.total_capped) == (21, True)


def test_sick_notes_are_overdue_after_three_days_and_stand_out(session, world):
    member, clerk, _ = world
    bulk_submissions(session, member, 1, doc_type="au", age_days=2)
    bulk_submissions(session, member, 1, doc_type="au", age_days=4)
    items = inbox.list_inbox(
        session, actor=clerk, criteria=inbox.InboxFilter(), sort="oldest"
    ).items
    assert [item.overdue for item in items] == [True, False]


def test_members_cannot_use_the_inbox(session, world):
    member, _, _ = world
    actor = make_account(session, username="erika", member=member)
    with pytest.raises(NotAllowed):
        inbox.list_inbox(session, actor=actor, criteria=inbox.InboxFilter())


def test_the_inbox_search_finds_a_name_with_an_umlaut_in_any_case(session, world):
    _, clerk, _ = world
    oezdemir = make_member(session, first_name="Ümit", last_name="Özdemir")
    bulk_submissions(session, oezdemir, 2)

    for typed in ("özdemir", "ÖZDEMIR", "Oezdemir", "ümit özd"):
        page = inbox.list_inbox(
            session, actor=clerk, criteria=inbox.InboxFilter(search=typed), page_size=10
        )
        assert [item.member_name for item in page.items] == ["Özdemir, Ümit"] * 2, typed
    claimed = inbox.claim_next(session, actor=clerk, criteria=inbox.InboxFilter(search="özd"))
    assert session.get(Submission, claimed).member_id == oezdemir.id


def test_second_claim_of_the_same_item_loses_and_changes_nothing(session, world):
    member, clerk, other = world
    bulk_submissions(session, member, 1)
    item_id = session.exec(select(Submission.id)).one()
    inbox.claim(session, actor=clerk, submission_id=item_id)
    with pytest.raises(inbox.ClaimLost):
        inbox.claim(session, actor=other, submission_id=item_id)
    assert session.get(Submission, item_id).assigned_clerk_id == clerk.user_id


def test_next_item_follows_the_search_and_type_but_never_the_views_status(session, world):
    member, clerk, other = world
    bulk_submissions(session, member, 3, doc_type="au", age_days=5)  # older, other type
    searched = make_member(session, last_name="Gesucht")
    bulk_submissions(session, searched, 1, doc_type="rechnung")
    wanted = session.exec(select(Submission).where(Submission.member_id == searched.id)).one()
    decided_view = inbox.InboxFilter(statuses=("angenommen", "abgelehnt"), search="Gesucht")

    claimed = inbox.claim_next(session, actor=clerk, criteria=decided_view)
    assert claimed == wanted.id  # the searched member's open item, not the older ones
    assert inbox.claim_next(session, actor=other, criteria=decided_view) is None
    by_type = inbox.InboxFilter(doc_types=("au",), clerk_id=other.user_id)  # "Meine Vorgänge"
    oldest_au = inbox.claim_next(session, actor=other, criteria=by_type)
    assert session.get(Submission, oldest_au).doc_type == "au"
    assert session.get(Submission, oldest_au).assigned_clerk_id == other.user_id


def test_two_clerks_racing_over_1000_items_claim_each_exactly_once(engine, world):
    member, clerk, other = world
    with session_scope(write=True, engine=engine) as session:
        bulk_submissions(session, member, 1000)
    won: dict[str, list[int]] = {"clerk1": [], "clerk2": []}

    def work(actor) -> None:
        while True:
            with session_scope(write=True, engine=engine) as session:
                claimed = inbox.claim_next(session, actor=actor)
            if claimed is None:
                return
            won[actor.username].append(claimed)

    threads = [threading.Thread(target=work, args=(actor,)) for actor in (clerk, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    all_claims = won["clerk1"] + won["clerk2"]
    assert len(all_claims) == 1000 and len(set(all_claims)) == 1000
    with session_scope(engine=engine) as session:
        unassigned = session.exec(
            select(func.count())
            .select_from(Submission)
            .where(Submission.assigned_clerk_id.is_(None))
        ).one()
        assert unassigned == 0
        owners = dict(session.exec(select(Submission.id, Submission.assigned_clerk_id)).all())
    assert all(owners[i] == clerk.user_id for i in won["clerk1"])
    assert all(owners[i] == other.user_id for i in won["clerk2"])


def test_a_decision_is_what_the_member_sees_and_the_internal_note_is_not(session, world):
    member, clerk, _ = world
    actor = make_account(session, username="erika", member=member)
    sent = documents.submit_document(
        session,
        actor=actor,
        request=documents.DocumentRequest(
            kvnr=member.kvnr,
            doc_type="au",
            files=[IncomingFile("au.pdf", pdf_bytes(), "application/pdf")],
        ),
    )
    with pytest.raises(NotAllowed):
        inbox.decide(
            session,
            actor=clerk,
            submission_id=sent.id,
            decision=inbox.Decision.ACCEPT,
            department="Krankengeld",
        )
    inbox.claim(session, actor=clerk, submission_id=sent.id)
    assert documents.send_history(session, actor=actor)[0].status == "in_bearbeitung"
    with pytest.raises(DomainError, match="welche Angaben"):
        inbox.decide(session, actor=clerk, submission_id=sent.id, decision=inbox.Decision.QUERY)
    inbox.decide(
        session,
        actor=clerk,
        submission_id=sent.id,
        decision=inbox.Decision.QUERY,
        member_message="Bitte senden Sie Seite 2.",
        internal_note="Arbeitgeber prüfen",
    )
    seen = documents.send_history(session, actor=actor)[0]
    assert (seen.status, seen.member_message) == ("rueckfrage", "Bitte senden Sie Seite 2.")
    assert "internal_note" not in seen.model_dump()
    with pytest.raises(DomainError, match="bereits entschieden"):
        inbox.decide(
            session,
            actor=clerk,
            submission_id=sent.id,
            decision=inbox.Decision.ACCEPT,
            department="Leistungen",
        )


def test_every_view_claim_and_decision_is_audited(session, world):
    member, clerk, _ = world
    bulk_submissions(session, member, 1)
    item_id = session.exec(select(Submission.id)).one()
    inbox.open_case(session, actor=clerk, submission_id=item_id)
    inbox.claim(session, actor=clerk, submission_id=item_id)
    inbox.decide(
        session,
        actor=clerk,
        submission_id=item_id,
        decision=inbox.Decision.REJECT,
        member_message="unleserlich",
    )
    actions = session.exec(
        select(AuditEntry.action).where(AuditEntry.subject_id == str(item_id))
    ).all()
    assert actions == ["view_submission", "claim", "decide_reject"]


def test_bulk_accept_skips_items_held_by_others(session, world):
    member, clerk, other = world
    bulk_submissions(session, member, 3, doc_type="bonus")
    ids = session.exec(select(Submission.id).order_by(Submission.id)).all()
    inbox.claim(session, actor=other, submission_id=ids[0])
    assert (
        inbox.bulk_accept(
            session, actor=clerk, submission_ids=list(ids), department="Bonusprogramm"
        )
        == 2
    )
    statuses = dict(session.exec(select(Submission.id, Submission.status)).all())
    assert [statuses[i] for i in ids] == ["in_bearbeitung", "erledigt", "erledigt"]


def test_kpis_count_the_backlog_by_age_and_the_median_handling_time(session, world):
    from core import inbox_kpis

    member, clerk, _ = world
    bulk_submissions(session, member, 2, age_days=0)
    bulk_submissions(session, member, 3, age_days=10)
    first = session.exec(select(Submission.id).order_by(Submission.id)).first()
    inbox.claim(session, actor=clerk, submission_id=first)
    inbox.decide(
        session,
        actor=clerk,
        submission_id=first,
        decision=inbox.Decision.ACCEPT,
        department="Leistungen",
    )
    kpis = inbox_kpis.inbox_kpis(session, actor=clerk)
    assert kpis.backlog_by_age["< 1 Tag"] == 1
    assert kpis.backlog_by_age["7–30 Tage"] == 3
    assert kpis.open_total == 4
    assert kpis.median_handling_hours is not None and kpis.median_handling_hours < 1
    assert sum(kpis.backlog_by_age.values()) == 4
    assert sum(sum(by_type.values()) for by_type in kpis.intake_per_day.values()) == 5  # 30 days


def _decide_in_inbox(session, clerk, submission_id, decision, **details) -> None:
    inbox.claim(session, actor=clerk, submission_id=submission_id)
    inbox.decide(session, actor=clerk, submission_id=submission_id, decision=decision, **details)


def test_a_bonus_application_accepted_in_the_inbox_enrols_the_member(session, world):
    from core import bonus
    from tests.service.test_bonus import START, _form, _member_actor

    _, clerk, _ = world
    member = _member_actor(session, "jonas")
    applied = bonus.apply_for_enrolment(session, actor=member, files=_form(), today=START)

    _decide_in_inbox(
        session, clerk, applied.submission_id, inbox.Decision.ACCEPT, department="Leistungen"
    )

    overview = bonus.bonus_overview(session, actor=member, today=START)
    assert overview.enrolment.status == "aktiv"
    assert bonus.enrolment_queue(session, actor=clerk) == []
    seen = documents.send_history(session, actor=member)[0]
    assert (seen.status, seen.department) == ("erledigt", "Bonusprogramm")
    assert seen.member_message == "Ihre Anmeldung zum Bonusprogramm Vorsorgeplus ist bestätigt."


def test_bonus_evidence_decided_in_the_inbox_counts_as_the_bonus_review_would(session, world):
    from datetime import date

    from core import bonus
    from tests.service.test_bonus import START, _evidence, _form, _member_actor

    _, clerk, _ = world
    member = _member_actor(session, "jonas")
    bonus.apply_for_enrolment(session, actor=member, files=_form(), today=START)
    bonus.confirm_enrolment(session, actor=clerk, member_id=member.member_id)
    today = date(2026, 3, 2)
    kept = _evidence(session, member, "zahnvorsorge", date(2026, 3, 1), today)
    refused = _evidence(session, member, "impfschutz", date(2026, 3, 1), today)

    _decide_in_inbox(
        session, clerk, kept.submission_id, inbox.Decision.ACCEPT, department="Leistungen"
    )
    inbox.claim(session, actor=clerk, submission_id=refused.submission_id)
    reject = {"submission_id": refused.submission_id, "decision": inbox.Decision.REJECT}
    with pytest.raises(DomainError, match="Grund"):
        inbox.decide(session, actor=clerk, **reject)
    inbox.decide(
        session, actor=clerk, **reject, member_message="Der Nachweis ist nicht unterschrieben."
    )

    overview = bonus.bonus_overview(session, actor=member, today=today)
    statuses = {view.evidence.submission_id: view.evidence.status for view in overview.evidence}
    assert statuses == {kept.submission_id: "anerkannt", refused.submission_id: "abgelehnt"}
    assert overview.points(1) == kept.points
    assert bonus.evidence_queue(session, actor=clerk) == []
    history = {row.id: row for row in documents.send_history(session, actor=member)}
    assert history[kept.submission_id].member_message == (
        f"Ihr Nachweis ist anerkannt: {kept.points} Punkte."
    )
    assert (history[refused.submission_id].status, history[refused.submission_id].department) == (
        "abgelehnt",
        "Bonusprogramm",
    )


def test_a_look_at_an_inbox_page_is_audited_once_with_the_members_it_shows(session, world):
    member, clerk, _ = world
    other = make_member(session, last_name="Beispiel")
    bulk_submissions(session, member, 2)
    bulk_submissions(session, other, 1)

    inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter())
    inbox.list_inbox(session, actor=clerk, criteria=inbox.InboxFilter(), record_view=False)

    (entry,) = looks(session, "view_inbox")
    assert entry.actor == "clerk1"
    assert members_named(entry) == sorted([member.id, other.id])


def test_opening_a_case_is_audited_once_and_a_redraw_of_it_is_not(session, world):
    member, clerk, _ = world
    bulk_submissions(session, member, 1)
    item_id = session.exec(select(Submission.id)).one()

    inbox.open_case(session, actor=clerk, submission_id=item_id)
    inbox.open_case(session, actor=clerk, submission_id=item_id, record_view=False)

    (entry,) = looks(session, "view_submission")
    assert (entry.actor, members_named(entry)) == ("clerk1", [member.id])
