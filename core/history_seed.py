"""Synthetic insurance histories for seeding: one life course per member, no database here.

A history runs from the start of membership to its end (or today) as back-to-back periods:
family insurance in childhood, studies between 19 and about 24 for some, then jobs with
occasional unemployment, a few years self-employed (voluntary) and, late in life, pension.
Earnings follow the jobs: a salary rising a few per cent a year, a step at each new job,
pro rata for part years, reported for finished years only.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

from core.models.histories import InsuranceKind

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Person:
    member_id: int
    birth_date: date
    membership_start: date
    membership_end: date | None


def birthday(birth: date, age: int) -> date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # born on 29 February
        return date(birth.year + age, 3, 1)


def month_end(day: date, months: int) -> date:
    """The last day of the month `months` months after `day`'s month."""
    following = day.year * 12 + day.month + months  # months since year 0 of the next month
    return date(following // 12, following % 12 + 1, 1) - DAY


def company_pool(rng: random.Random, size: int = 600) -> list[str]:
    fake = Faker("de_DE")
    fake.seed_instance(rng.randrange(2**32))
    return sorted({fake.company()[:120] for _ in range(size)})


class HistoryFactory:
    def __init__(self, rng: random.Random, today: date, companies: list[str]) -> None:
        self.rng = rng
        self.today = today
        self.companies = companies

    def history(self, person: Person, *, rich: bool = False) -> tuple[list[dict], list[dict]]:
        """Period rows and earning rows (dicts for bulk insert) for one person."""
        periods = self._periods(person, rich=rich)
        return periods, self._earnings(person, periods)

    def _periods(self, person: Person, *, rich: bool) -> list[dict]:
        rng, birth = self.rng, person.birth_date
        limit = person.membership_end or self.today
        rows: list[dict] = []
        cursor = person.membership_start

        def add(kind: InsuranceKind, end: date, employer: str | None = None) -> None:
            nonlocal cursor
            if cursor > limit or end < cursor:
                return
            last = end >= limit
            end = min(end, limit)
            rows.append(
                {
                    "member_id": person.member_id,
                    "kind": str(kind),
                    "start": cursor,
                    "end": None if last and person.membership_end is None else end,
                    "employer": employer,
                }
            )
            cursor = end + DAY

        studies = rich or rng.random() < 0.35
        if studies:  # winter term after the 19th or 20th birthday, four or five years
            first_term = birth.year + rng.choice((19, 19, 20)) + (birth.month >= 10)
            adult_start = date(first_term, 10, 1)
            study_end = date(first_term + rng.choice((4, 5)), 9, 30)
        else:  # training or first job from 1 August after the 18th to 20th birthday
            adult_start = date(birth.year + rng.choice((18, 18, 19, 20)) + (birth.month >= 8), 8, 1)
        add(InsuranceKind.FAMILY, adult_start - DAY)  # children stay family-insured
        if studies:
            add(InsuranceKind.STUDIES, study_end)
        retirement = birthday(birth, rng.choice((63, 65, 66, 67, 67)))
        wants_gap = rich  # a rich demo history shows at least one spell of unemployment
        previous = None
        while cursor <= limit and cursor < retirement:
            roll = rng.random()
            if previous == InsuranceKind.EMPLOYMENT and (roll < 0.14 or wants_gap):
                kind, employer, months = InsuranceKind.UNEMPLOYMENT, None, rng.randrange(2, 11)
                wants_gap = False
            elif previous == InsuranceKind.EMPLOYMENT and roll > 0.96:
                kind, employer, months = InsuranceKind.VOLUNTARY, None, rng.randrange(12, 60)
            elif previous == InsuranceKind.EMPLOYMENT and roll > 0.93:  # e.g. parental leave
                kind, employer, months = InsuranceKind.FAMILY, None, rng.randrange(12, 36)
            else:
                kind, employer = InsuranceKind.EMPLOYMENT, self._new_employer(rows)
                months = rng.randrange(24, 72) if rich else rng.choice((18, 36, 60, 96, 180))
            add(kind, min(month_end(cursor, months - 1), retirement - DAY), employer)
            previous = kind
        add(InsuranceKind.PENSION, date.max)
        return rows

    def _new_employer(self, rows: list[dict]) -> str:
        """A company the person has not worked for before."""
        known = {row["employer"] for row in rows}
        while (employer := self.rng.choice(self.companies)) in known:
            pass
        return employer

    def _earnings(self, person: Person, periods: list[dict]) -> list[dict]:
        rng = self.rng
        rows: list[dict] = []
        salary, salary_year = None, None
        for period in periods:
            if period["kind"] != InsuranceKind.EMPLOYMENT:
                continue
            start, end = period["start"], period["end"] or self.today
            if salary is None:
                starter = 0.75 if (start - person.birth_date).days < 27 * 365 else 1.0
                salary = rng.lognormvariate(math.log(50_000), 0.35) * starter
                salary *= 1.028 ** (start.year - 2024)  # wage level of that year
                salary_year = start.year
            else:
                salary *= rng.uniform(0.98, 1.12)  # a new job, mostly a step up
            part_time = rng.uniform(0.5, 0.8) if rng.random() < 0.2 else 1.0
            for year in range(start.year, min(end.year, self.today.year - 1) + 1):
                while salary_year < year:
                    salary *= rng.uniform(1.01, 1.05)
                    salary_year += 1
                first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
                share = ((last - first).days + 1) / (date(year + 1, 1, 1) - date(year, 1, 1)).days
                rows.append(
                    {
                        "member_id": person.member_id,
                        "year": year,
                        "employer": period["employer"],
                        "amount_cents": max(round(salary * part_time * share * 100), 100),
                    }
                )
        return rows
