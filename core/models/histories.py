"""Insurance periods and reported earnings (FAQ smart: Versicherungszeiten und Entgeltdaten)."""

from datetime import date
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class InsuranceKind(StrEnum):
    EMPLOYMENT = "Beschäftigung"
    FAMILY = "Familienversicherung"
    UNEMPLOYMENT = "Arbeitslosigkeit"
    STUDIES = "Studium"
    PENSION = "Rente"
    VOLUNTARY = "freiwillig"


class InsurancePeriodBase(SQLModel):
    kind: str = Field(max_length=32)
    start: date
    end: date | None = None  # inclusive; None while it lasts
    employer: str | None = Field(default=None, max_length=120)


class InsurancePeriod(InsurancePeriodBase, table=True):
    __tablename__ = "insurance_period"
    __table_args__ = (Index("ix_insurance_period_member_start", "member_id", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")


class InsurancePeriodRead(InsurancePeriodBase):
    id: int


class EarningBase(SQLModel):
    year: int
    employer: str = Field(max_length=120)
    amount_cents: int  # gross earnings the employer reported for that year


class Earning(EarningBase, table=True):
    __tablename__ = "earning"
    __table_args__ = (Index("ix_earning_member_year", "member_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")


class EarningRead(EarningBase):
    id: int
