"""The clerk's member search by name: what it finds, and that it reads an index, not the table."""

from datetime import date

from sqlalchemy import event, insert

from core import members
from core.db import session_scope
from core.kvnr import make_kvnr
from core.models.accounts import Role
from core.models.people import Member
from tests.factories import make_account, make_member

POPULATION = 3000


def _found(session, clerk, query: str) -> list[str]:
    return [
        f"{m.first_name} {m.last_name}"
        for m in members.search_members(session, actor=clerk, query=query, record_view=False)
    ]


def test_clerk_finds_members_by_a_prefix_of_last_name_first_name_or_full_name(session):
    make_member(session, first_name="Anna Lena", last_name="Schmidt")
    make_member(session, first_name="Ursula", last_name="von der Leyen")
    make_member(session, first_name="Jürgen", last_name="Müller")
    make_member(session, first_name="Erika", last_name="Beispiel")
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    assert _found(session, clerk, "SCHMI") == ["Anna Lena Schmidt"]
    assert _found(session, clerk, "anna lena s") == ["Anna Lena Schmidt"]
    assert _found(session, clerk, "Anna Lena") == ["Anna Lena Schmidt"]
    assert _found(session, clerk, "Anna S") == []
    assert _found(session, clerk, "von der") == ["Ursula von der Leyen"]
    assert _found(session, clerk, "Ursula von d") == ["Ursula von der Leyen"]
    assert _found(session, clerk, "Müll") == ["Jürgen Müller"]
    assert _found(session, clerk, "jürgen") == ["Jürgen Müller"]
    assert _found(session, clerk, "Erika B") == ["Erika Beispiel"]
    assert _found(session, clerk, "Erika M") == []
    # typed % and _ are letters, not wildcards
    assert _found(session, clerk, "B_ispiel") == [] and _found(session, clerk, "%ei") == []


def test_clerk_name_search_reads_the_name_indexes_instead_of_scanning_members(engine):
    """EXPLAIN the statements the search runs over a few thousand members."""
    rows = [
        {
            "kvnr": make_kvnr(f"S{number:08d}"),
            "first_name": f"Vorname{number}",
            "last_name": f"Nachname{number}",
            "birth_date": date(1980, 1, 1),
            "street": "Teststraße 1",
            "postal_code": "20095",
            "city": "Hamburg",
            "membership_start": date(2010, 1, 1),
        }
        for number in range(POPULATION)
    ]
    with session_scope(write=True, engine=engine) as session:
        session.execute(insert(Member), rows)
        session.commit()
        clerk = make_account(session, username="clerk", role=Role.CLERK)
    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    statements: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM member" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        with session_scope(engine=engine) as session:
            assert _found(session, clerk, "nachname1234") == ["Vorname1234 Nachname1234"]
            assert _found(session, clerk, "Vorname2345 N") == ["Vorname2345 Nachname2345"]
    finally:
        event.remove(engine, "before_cursor_execute", remember)

    assert len(statements) == 2
    with engine.connect() as connection:
        for statement, parameters in statements:
            explain = "EXPLAIN" if postgresql else "EXPLAIN QUERY PLAN"
            plan = "\n".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"{explain} {statement}", parameters)
            )
            if postgresql:
                assert "Seq Scan" not in plan, plan
                assert "Index Scan on ix_member_last_name_lower" in plan, plan
                assert "Index Scan on ix_member_first_name_lower" in plan, plan
            else:
                assert "SCAN member" not in plan, plan
                assert "SEARCH member USING INDEX ix_member_last_name_lower" in plan, plan
                assert "SEARCH member USING INDEX ix_member_first_name_lower" in plan, plan
