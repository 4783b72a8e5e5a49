"""Insured people: members and their master data."""

from datetime import date
from enum import StrEnum

from sqlalchemy import Index, event, func
from sqlmodel import Field, SQLModel

from core.text_search import fold


class ServiceLevel(StrEnum):
    """FAQ: basic without identification; smart after identification; smarthealth add-on."""

    BASIC = "basic"
    SMART = "smart"
    SMARTHEALTH = "smarthealth"


class MemberBase(SQLModel):
    kvnr: str = Field(max_length=10, unique=True, index=True)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80, index=True)
    birth_date: date
    street: str = Field(max_length=120)
    postal_code: str = Field(max_length=5)
    city: str = Field(max_length=80)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    membership_start: date
    membership_end: date | None = None
    service_level: str = Field(default=ServiceLevel.BASIC, max_length=16)
    household_id: int | None = Field(default=None, index=True)


def _folded(name_column: str):
    """Column default: the search form of the name inserted in the same row."""

    def default(context) -> str:
        return fold(context.get_current_parameters()[name_column])

    return default


class Member(MemberBase, table=True):
    # KPI dashboard (migration 0012): members per service level without a table scan
    __table_args__ = (Index("ix_member_service_level", "service_level"),)

    id: int | None = Field(default=None, primary_key=True)
    # Clerk name search (migration 0020): text_search.fold of each name, so that "özdemir"
    # and "OEZDEMIR" find Özdemir and "strasse" finds Straße on SQLite too, whose lower()
    # folds ASCII only. Every insert through SQLAlchemy fills them (None: not yet inserted);
    # a bulk load that bypasses it (core.seed's COPY) folds the names itself.
    last_name_search: str | None = Field(
        default=None, nullable=False, sa_column_kwargs={"default": _folded("last_name")}
    )
    first_name_search: str | None = Field(
        default=None, nullable=False, sa_column_kwargs={"default": _folded("first_name")}
    )


@event.listens_for(Member, "before_update")
def _refold_names(_mapper, _connection, member: Member) -> None:
    """A member renamed through the ORM is found by the new name."""
    member.last_name_search = fold(member.last_name)
    member.first_name_search = fold(member.first_name)


# Clerk name search (migration 0020): a typed prefix of a folded name is a range of its
# index; text_pattern_ops lets PostgreSQL answer LIKE 'abc%' whatever the database collation.
for _column in (Member.last_name_search, Member.first_name_search):
    Index(f"ix_member_{_column.key}", _column, postgresql_ops={_column.key: "text_pattern_ops"})

# Migration 0018: a prefix of lower(last_name) or lower(first_name). The clerk search no
# longer asks for it; on PostgreSQL the inbox's and the messenger's member filters
# (lower(...) LIKE 'abc%') still read these indexes.
for _column in (Member.last_name, Member.first_name):
    Index(
        f"ix_member_{_column.key}_lower",
        func.lower(_column).label(f"{_column.key}_lower"),
        postgresql_ops={f"{_column.key}_lower": "text_pattern_ops"},
    )


class MemberRead(MemberBase):
    id: int

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"
