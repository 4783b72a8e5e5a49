"""The clerk's member search by name or KVNR: what it finds, and that it reads an index, not
the table."""

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, event, insert, text
from sqlmodel import select

from core import members, migrate, seed
from core.db import make_engine, session_scope
from core.kvnr import make_kvnr
from core.models.accounts import Role
from core.models.people import Member
from tests.conftest import POSTGRES_URL
from tests.factories import make_account, make_member

POPULATION = 3000
FAMILIES = 10  # a common last name: 300 members share each


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


def test_clerk_finds_names_with_umlauts_whatever_the_case_or_spelling(session):
    """Names match as core.text_search.fold has them: case and accents aside, an umlaut
    the same as its spelled-out form (ö = oe, ß = ss), but never the same as the bare vowel."""
    make_member(session, first_name="Ayşe", last_name="Özdemir")
    make_member(session, first_name="Kemal", last_name="ÜNAL")
    make_member(session, first_name="Jörg", last_name="Straße")
    make_member(session, first_name="Zoë", last_name="Çelik")
    make_member(session, first_name="Erika", last_name="Oz")
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    for typed in ("özdemir", "ÖZDEMIR", "Özd", "oezdemir", "OEZDEMIR"):
        assert _found(session, clerk, typed) == ["Ayşe Özdemir"], typed
    # ö is spelled oe, never o: "Ozdemir" finds neither Özdemir nor anybody else
    assert _found(session, clerk, "Ozdemir") == []
    assert _found(session, clerk, "oz") == ["Erika Oz"]
    for typed in ("ünal", "Ünal", "uenal", "UENAL"):
        assert _found(session, clerk, typed) == ["Kemal ÜNAL"], typed
    for typed in ("strasse", "STRASSE", "Straß", "straße"):
        assert _found(session, clerk, typed) == ["Jörg Straße"], typed
    assert _found(session, clerk, "celik") == ["Zoë Çelik"]
    # first name, and first name with the beginning of the last name
    assert _found(session, clerk, "ayse") == ["Ayşe Özdemir"]
    assert _found(session, clerk, "AYSE OEZ") == ["Ayşe Özdemir"]
    assert _found(session, clerk, "joerg str") == ["Jörg Straße"]
    assert _found(session, clerk, "zoe ç") == ["Zoë Çelik"]
    assert _found(session, clerk, "Jörg Ö") == []
    assert _found(session, clerk, "\u0308\u0308") == []  # two umlaut dots alone: nobody


def test_search_results_are_in_german_phone_book_order_whatever_the_case(session):
    """Ö as Oe, lower and upper case alike (DIN 5007, variant 2), on both databases."""
    for last_name in ("Zander", "von der Leyen", "Özdemir", "Abel", "Ohm"):
        make_member(session, first_name="Erika", last_name=last_name)
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    assert _found(session, clerk, "erika") == [
        "Erika Abel",
        "Erika Özdemir",
        "Erika Ohm",
        "Erika von der Leyen",
        "Erika Zander",
    ]


def test_clerk_finds_a_member_by_the_kvnr_or_its_beginning_in_either_case(session):
    first = make_member(session, kvnr=make_kvnr("A12345678"), last_name="Erste")
    make_member(session, kvnr=make_kvnr("A12399999"), last_name="Zweite")
    make_member(session, kvnr=make_kvnr("B12345678"), last_name="Dritte")
    clerk = make_account(session, username="clerk", role=Role.CLERK)

    def found(query: str) -> list[str]:
        return [m.last_name for m in members.search_members(session, actor=clerk, query=query)]

    assert found(first.kvnr) == ["Erste"]
    assert found(first.kvnr.lower()) == ["Erste"]
    assert found("a 123 45") == ["Erste"]
    assert found("A123") == ["Erste", "Zweite"]
    assert found("b1") == ["Dritte"]
    assert found("A124") == []
    assert found(first.kvnr + "0") == []


def test_a_renamed_member_is_found_by_the_new_name_only(session):
    member = make_member(session, first_name="Erika", last_name="Muster")
    clerk = make_account(session, username="clerk", role=Role.CLERK)
    member.last_name = "Müller-Lüdenscheidt"
    session.add(member)
    session.commit()

    assert _found(session, clerk, "muell") == ["Erika Müller-Lüdenscheidt"]
    assert _found(session, clerk, "Muster") == []


def test_seeded_members_are_found_by_their_names_in_capitals(engine):
    """The seed writes members with COPY on PostgreSQL, past SQLAlchemy's column defaults."""
    seed.seed_members(engine, count=40, seed=7)
    with session_scope(write=True, engine=engine) as session:
        clerk = make_account(session, username="clerk", role=Role.CLERK)
        seeded = session.exec(select(Member)).all()
        assert len(seeded) == 40
        for member in seeded:
            name = f"{member.first_name} {member.last_name}"
            assert name in _found(session, clerk, name.upper()), name


def _explained(engine, statements: list[tuple[str, object]]) -> list[str]:
    explain = "EXPLAIN" if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    with engine.connect() as connection:
        return [
            "\n".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"{explain} {statement}", parameters)
            )
            for statement, parameters in statements
        ]


@pytest.fixture
def german_postgres() -> Iterator[Engine]:
    """PostgreSQL sorting text the German way, as the insurer's database may: the test
    cluster's C.UTF-8 compares byte by byte, which a KVNR range could get right by luck."""
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set (make test starts a throwaway PostgreSQL)")
    name = f"hek_de_{uuid.uuid4().hex[:12]}"
    admin = make_engine(f"{POSTGRES_URL}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(
                f"CREATE DATABASE {name} TEMPLATE template0"
                " LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' LOCALE 'C.UTF-8'"
            )
        )
    admin.dispose()
    created = make_engine(f"{POSTGRES_URL}/{name}")
    migrate.upgrade(created)
    yield created
    created.dispose()


def test_clerk_search_by_name_or_kvnr_reads_an_index_instead_of_scanning_members(engine):
    _assert_search_reads_indexes(engine)


@pytest.mark.postgres
def test_clerk_search_reads_an_index_under_a_german_collation_too(german_postgres):
    _assert_search_reads_indexes(german_postgres)


def _assert_search_reads_indexes(engine: Engine) -> None:
    """EXPLAIN the statements the search runs over a few thousand members. Ordered by
    last_name, PostgreSQL walked that index past every member for a common name."""
    rows = [
        {
            "kvnr": make_kvnr(f"S{number:08d}"),
            "first_name": f"Vorname{number}",
            "last_name": f"Nächname{number % FAMILIES}",
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
            everybody_named_3 = sorted(f"Vorname{n} Nächname3" for n in range(3, POPULATION, 10))
            assert _found(session, clerk, "NAECHNAME3") == everybody_named_3[:50]
            assert _found(session, clerk, "vorname2345 nä") == ["Vorname2345 Nächname5"]
            by_kvnr = _found(session, clerk, make_kvnr("S00000123").lower())
            assert by_kvnr == ["Vorname123 Nächname3"]
            by_prefix = _found(session, clerk, "s0000234")
            assert by_prefix == [f"Vorname{n} Nächname{n % 10}" for n in range(2340, 2350)]
    finally:
        event.remove(engine, "before_cursor_execute", remember)

    assert len(statements) == 4
    by_name, by_full_name, by_kvnr, by_kvnr_prefix = _explained(engine, statements)
    for plan in (by_name, by_full_name):
        if postgresql:
            assert "Seq Scan" not in plan, plan
            assert "Index Scan on ix_member_last_name_search" in plan, plan
            assert "Index Scan on ix_member_first_name_search" in plan, plan
        else:
            assert "SCAN member" not in plan, plan
            assert "SEARCH member USING INDEX ix_member_last_name_search" in plan, plan
            assert "SEARCH member USING INDEX ix_member_first_name_search" in plan, plan
    for plan in (by_kvnr, by_kvnr_prefix):
        if postgresql:
            assert "Seq Scan" not in plan, plan
            assert "Index Scan using ix_member_kvnr" in plan or "on ix_member_kvnr" in plan, plan
        else:
            assert "SCAN member" not in plan, plan
            assert "SEARCH member USING INDEX ix_member_kvnr" in plan, plan
