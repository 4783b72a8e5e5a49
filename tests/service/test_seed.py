"""Demo data: synthetic, valid and realistic."""

from collections import defaultdict
from datetime import date

from sqlmodel import select

from core import auth, seed
from core.db import session_scope
from core.kvnr import is_valid_kvnr
from core.models.people import Member


def test_seeded_members_have_valid_unique_kvnrs_households_and_ages(engine):
    report = seed.seed_members(engine, count=600, seed=7, today=date(2026, 11, 22))
    assert report.members == 600
    with session_scope(engine=engine) as session:
        people = session.exec(select(Member)).all()
    assert len({p.kvnr for p in people}) == 600
    assert all(is_valid_kvnr(p.kvnr) for p in people)
    households = defaultdict(list)
    for person in people:
        households[person.household_id].append(person)
    shared = [h for h in households.values() if len(h) > 1]
    assert shared, "some households must have several members"
    assert all(len({(p.street, p.postal_code, p.last_name) for p in h}) == 1 for h in shared)
    ages = [(date(2026, 11, 22) - p.birth_date).days // 365 for p in people]
    assert min(ages) < 5 and max(ages) > 75 and max(ages) <= 96
    assert all(p.membership_start >= p.birth_date for p in people)
    assert all(
        p.service_level == "basic"
        for p in people
        if (date(2026, 11, 22) - p.birth_date).days < 18 * 365
    )


def test_demo_seed_creates_every_persona_with_a_working_login(engine):
    seed.seed_demo(engine, members=10)
    with session_scope(write=True, engine=engine) as session:
        for persona in seed.DEMO_PERSONAS:
            actor = auth.login(
                session, username=persona.username, password=seed.DEMO_PASSWORD
            ).actor
            assert actor.role == persona.role
            if persona.kvnr:
                member = session.get(Member, actor.member_id)
                assert member.kvnr == persona.kvnr
    assert not seed.database_is_empty(engine)
