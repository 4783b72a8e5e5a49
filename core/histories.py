"""Versicherungszeiten und Entgelte (FAQ smart): the member's own periods and earnings.

Read-only for members; the yearly totals are set beside the health-insurance contribution
ceiling, since earnings above it carry no further contributions.
"""

from datetime import date

from pydantic import BaseModel
from sqlmodel import Session, col, select

from core.actors import Actor
from core.clock import today_berlin
from core.contribution_ceiling import ceiling_cents
from core.errors import UnknownMember
from core.models.histories import Earning, EarningRead, InsurancePeriod, InsurancePeriodRead
from core.models.people import Member
from core.smart import smart_member_id


def euro_text(cents: int) -> str:
    """German money format: 49.500,00 €."""
    text = f"{cents / 100:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} €"


class YearTotal(BaseModel):
    year: int
    total_cents: int
    ceiling_cents: int | None  # None for years before the ceiling table begins

    @property
    def above_ceiling(self) -> bool:
        return self.ceiling_cents is not None and self.total_cents > self.ceiling_cents

    @property
    def contributory_cents(self) -> int:
        """The part contributions are charged on (capped at the ceiling)."""
        if self.ceiling_cents is None:
            return self.total_cents
        return min(self.total_cents, self.ceiling_cents)


class InsuranceHistory(BaseModel):
    member_name: str
    kvnr: str
    as_of: date
    periods: list[InsurancePeriodRead]  # oldest first
    earnings: list[EarningRead]  # by year, then employer

    @property
    def years(self) -> list[YearTotal]:
        totals: dict[int, int] = {}
        for earning in self.earnings:
            totals[earning.year] = totals.get(earning.year, 0) + earning.amount_cents
        return [
            YearTotal(year=year, total_cents=total, ceiling_cents=ceiling_cents(year))
            for year, total in sorted(totals.items())
        ]


def insurance_history(
    session: Session, *, actor: Actor, today: date | None = None
) -> InsuranceHistory:
    """The smart member's own insurance periods and earnings."""
    member = session.get(Member, smart_member_id(actor))
    if member is None:
        raise UnknownMember()
    return history_of(session, member=member, today=today or today_berlin())


def history_of(session: Session, *, member: Member, today: date) -> InsuranceHistory:
    """A member's periods (oldest first) and earnings; callers check who may see them."""
    periods = session.exec(
        select(InsurancePeriod)
        .where(InsurancePeriod.member_id == member.id)
        .order_by(col(InsurancePeriod.start), col(InsurancePeriod.id))
    ).all()
    earnings = session.exec(
        select(Earning)
        .where(Earning.member_id == member.id)
        .order_by(col(Earning.year), col(Earning.employer), col(Earning.id))
    ).all()
    return InsuranceHistory(
        member_name=f"{member.first_name} {member.last_name}",
        kvnr=member.kvnr,
        as_of=today,
        periods=[InsurancePeriodRead.model_validate(row) for row in periods],
        earnings=[EarningRead.model_validate(row) for row in earnings],
    )
