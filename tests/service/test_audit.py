"""The audit chain detects edits and deletions, and concurrent appends never fork it."""

import threading

from sqlalchemy import text

from core import audit
from core.actors import Actor
from core.db import session_scope
from core.models.accounts import Role

CLERK = Actor(user_id=1, username="clerk", role=Role.CLERK, display_name="Clerk")


def _append(engine, count: int) -> None:
    for number in range(count):
        with session_scope(write=True, engine=engine) as session:
            audit.record(
                session, actor=CLERK, action="view_member", subject_type="member", subject_id=number
            )
            session.commit()


def _verify(engine) -> audit.ChainReport:
    with session_scope(engine=engine) as session:
        return audit.verify_chain(session)


def test_untouched_chain_verifies(engine):
    _append(engine, 20)
    report = _verify(engine)
    assert report.intact and report.entries == 20


def test_edited_row_is_detected(engine):
    _append(engine, 10)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 4"))
    report = _verify(engine)
    assert not report.intact
    assert any("Eintrag 4" in problem and "verändert" in problem for problem in report.problems)


def test_deleted_row_in_the_middle_is_detected(engine):
    _append(engine, 10)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq = 5"))
    report = _verify(engine)
    assert any("fehlt" in problem for problem in report.problems)


def test_deleted_tail_is_detected(engine):
    _append(engine, 10)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq >= 9"))
    report = _verify(engine)
    assert any("Ende der Kette" in problem for problem in report.problems)


def test_rehashed_forgery_still_breaks_the_link_to_the_next_row(engine):
    _append(engine, 5)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_entry SET entry_hash = :h WHERE seq = 2"), {"h": "f" * 64}
        )
    assert not _verify(engine).intact


def test_concurrent_appends_keep_one_unbroken_chain(engine):
    threads = [threading.Thread(target=_append, args=(engine, 25)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = _verify(engine)
    assert report.intact, report.problems
    assert report.entries == 100
