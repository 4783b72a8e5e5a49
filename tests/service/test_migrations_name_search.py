"""Migration 0020: members who were there before the folded name columns are found by them."""

from alembic import command
from sqlalchemy import column, insert, table

from core import members, migrate
from core.db import session_scope
from core.models.accounts import Role
from tests.factories import make_account, member_values

# Ids in three of the backfill's ranges of 20,000, the last at the start of its range.
PEOPLE = {1: ("Ayşe", "Özdemir"), 45_000: ("Jörg", "Straße"), 100_001: ("Kemal", "ÜNAL")}


def test_members_inserted_before_0020_are_found_by_folded_names_after_the_upgrade(engine):
    config = migrate.alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0019")
    rows = [
        member_values(id=member_id, first_name=first_name, last_name=last_name)
        for member_id, (first_name, last_name) in PEOPLE.items()
    ]
    member_at_0019 = table("member", *(column(name) for name in rows[0]))
    with engine.begin() as connection:
        connection.execute(insert(member_at_0019), rows)

    assert migrate.upgrade(engine) == migrate.head_revision()

    with session_scope(write=True, engine=engine) as session:
        clerk = make_account(session, username="clerk", role=Role.CLERK)

        def found(query: str) -> list[str]:
            hits = members.search_members(session, actor=clerk, query=query, record_view=False)
            return [f"{member.first_name} {member.last_name}" for member in hits]

        assert found("özdemir") == ["Ayşe Özdemir"]
        assert found("ayse oe") == ["Ayşe Özdemir"]
        assert found("STRASSE") == ["Jörg Straße"]
        assert found("joerg") == ["Jörg Straße"]
        assert found("ünal") == ["Kemal ÜNAL"]
