"""Family members a member keeps under "meine Daten" (FAQ: to request certificates for them)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class FamilyRelation(StrEnum):
    SPOUSE = "Ehepartner/in"
    CHILD = "Kind"
    CIVIL_PARTNER = "Lebenspartner/in"
    PARENT = "Elternteil"
    OTHER = "Sonstige"


class FamilyMemberBase(SQLModel):
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    kvnr: str = Field(max_length=10)  # validated; need not belong to an HEK member to be stored
    relation: str = Field(max_length=24)


class FamilyMember(FamilyMemberBase, table=True):
    __tablename__ = "family_member"
    __table_args__ = (
        UniqueConstraint("owner_member_id", "kvnr", name="uq_family_member_owner_kvnr"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_member_id: int = Field(foreign_key="member.id", index=True)
    created_at: datetime


class FamilyMemberRead(FamilyMemberBase):
    id: int
    created_at: datetime

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
