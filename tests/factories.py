"""Small factories for tests: make_member(session, **overrides), make_account(...)."""

import itertools
from datetime import date

from sqlmodel import Session

from core import auth
from core.actors import Actor
from core.kvnr import make_kvnr
from core.models.accounts import Role
from core.models.people import Member

PASSWORD = "richtig-langes-passwort"
_numbers = itertools.count(10_000_000)


def member_values(**overrides) -> dict:
    """A member's master data as make_member stores it; the search columns are left to the
    insert, so that the row also fits a member table from before they existed."""
    values = {
        "kvnr": make_kvnr(f"T{next(_numbers):08d}"),
        "first_name": "Erika",
        "last_name": "Beispiel",
        "birth_date": date(1980, 5, 17),
        "street": "Teststraße 1",
        "postal_code": "20095",
        "city": "Hamburg",
        "membership_start": date(2010, 1, 1),
        "service_level": "basic",
    }
    values.update(overrides)
    return values


def make_member(session: Session, **overrides) -> Member:
    member = Member(**member_values(**overrides))
    session.add(member)
    session.commit()
    return member


def make_account(
    session: Session,
    *,
    username: str,
    role: Role = Role.MEMBER,
    member: Member | None = None,
    password: str = PASSWORD,
) -> Actor:
    account = auth.create_account(
        session,
        username=username,
        password=password,
        role=role,
        display_name=username.title(),
        member_id=member.id if member else None,
    )
    session.commit()
    return auth.actor_for(session, account)
