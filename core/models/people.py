"""Insured people: members and their master data."""

from datetime import date
from enum import StrEnum

from sqlalchemy import Index, func
from sqlmodel import Field, SQLModel


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


class Member(MemberBase, table=True):
    # KPI dashboard (migration 0012): members per service level without a table scan
    __table_args__ = (Index("ix_member_service_level", "service_level"),)

    id: int | None = Field(default=None, primary_key=True)


# Clerk name search (migration 0018): a typed prefix of lower(last_name) or lower(first_name)
# is found in the index; text_pattern_ops lets PostgreSQL answer LIKE 'abc%' whatever the
# database collation.
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
