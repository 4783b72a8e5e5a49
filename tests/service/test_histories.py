"""Insurance periods and earnings: seeded plausibly, read only by their own smart member."""

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise

import pytest
from pypdf import PdfReader
from sqlmodel import select

from core import histories, history_export, seed
from core.contribution_ceiling import CEILING_EUR, ceiling_cents
from core.db import session_scope
from core.errors import NotAllowed
from core.history_seed import birthday
from core.models.histories import Earning, InsuranceKind, InsurancePeriod
from core.models.people import Member
from tests.factories import make_account, make_member

TODAY = date(2026, 11, 22)


def _by_member(rows) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.member_id].append(row)
    return grouped


@pytest.fixture
def seeded(engine):
    seed.seed_members(engine, count=400, seed=11, today=TODAY)
    with session_scope(engine=engine) as session:
        members = {m.id: m for m in session.exec(select(Member)).all()}
        periods = _by_member(
            session.exec(select(InsurancePeriod).order_by(InsurancePeriod.start)).all()
        )
        earnings = _by_member(session.exec(select(Earning)).all())
    return members, periods, earnings


def test_every_seeded_member_has_back_to_back_periods_from_the_start_of_membership(seeded):
    members, periods, _ = seeded

    assert set(periods) == set(members)
    for member_id, rows in periods.items():
        member = members[member_id]
        assert rows[0].start == member.membership_start
        for before, after in pairwise(rows):
            assert before.end is not None and after.start == before.end + timedelta(days=1)
        assert rows[-1].end == member.membership_end  # open (None) while the membership lasts
        assert all(row.kind in set(InsuranceKind) for row in rows)


def test_no_member_has_overlapping_employment_periods(seeded):
    _, periods, _ = seeded

    for rows in periods.values():
        jobs = [row for row in rows if row.kind == InsuranceKind.EMPLOYMENT]
        for before, after in pairwise(jobs):
            assert before.end < after.start
        assert all(job.employer for job in jobs)


def test_earnings_are_positive_and_belong_to_an_employment_of_that_year(seeded):
    _, periods, earnings = seeded

    assert sum(len(rows) for rows in earnings.values()) > 1000
    for member_id, rows in earnings.items():
        jobs = [p for p in periods[member_id] if p.kind == InsuranceKind.EMPLOYMENT]
        for earning in rows:
            assert earning.amount_cents > 0
            assert earning.year < TODAY.year  # reported in the following year
            assert any(
                job.employer == earning.employer
                and job.start.year <= earning.year <= (job.end or TODAY).year
                for job in jobs
            )


def test_salaries_rise_a_few_per_cent_a_year_within_a_job(seeded):
    _, _, earnings = seeded
    ratios = []
    for rows in earnings.values():
        by_job = defaultdict(dict)
        for earning in rows:
            by_job[earning.employer][earning.year] = earning.amount_cents
        for years in by_job.values():
            full = sorted(years)[1:-1]  # first and last years are usually part years
            ratios += [years[b] / years[a] for a, b in pairwise(full)]
    assert ratios
    assert all(1.0 <= ratio <= 1.06 for ratio in ratios)


def test_children_are_family_insured_and_students_between_19_and_25(seeded):
    members, periods, _ = seeded
    children = [m for m in members.values() if birthday(m.birth_date, 18) > TODAY]

    assert children
    for child in children:  # one period, open unless the membership ended
        assert [(p.kind, p.end) for p in periods[child.id]] == [
            ("Familienversicherung", child.membership_end)
        ]
    studies = [
        (members[p.member_id], p)
        for rows in periods.values()
        for p in rows
        if p.kind == InsuranceKind.STUDIES
    ]
    assert studies
    for member, period in studies:
        assert birthday(member.birth_date, 19) <= period.start
        assert period.end is None or period.end < birthday(member.birth_date, 26)


def test_demo_personas_get_rich_histories(engine):
    seed.seed_demo(engine, members=5)
    with session_scope(engine=engine) as session:
        for kvnr_body in ("J20000000", "M30000000", "Y40000000"):
            persona = next(p for p in seed.DEMO_PERSONAS if p.kvnr_body == kvnr_body)
            member_id = session.exec(select(Member.id).where(Member.kvnr == persona.kvnr)).one()
            rows = session.exec(
                select(InsurancePeriod).where(InsurancePeriod.member_id == member_id)
            ).all()
            kinds = [row.kind for row in rows]
            assert kinds.count("Beschäftigung") >= 3, persona.username
            assert "Studium" in kinds and "Arbeitslosigkeit" in kinds
            years = session.exec(select(Earning.year).where(Earning.member_id == member_id)).all()
            assert len(set(years)) >= 10


def test_seeding_histories_twice_adds_nothing(engine):
    seed.seed_members(engine, count=30, seed=3, today=TODAY)
    with session_scope(engine=engine) as session:
        before = len(session.exec(select(InsurancePeriod.id)).all())

    report = seed.seed_histories(engine, today=TODAY)

    assert report.members == 0
    with session_scope(engine=engine) as session:
        assert len(session.exec(select(InsurancePeriod.id)).all()) == before


# The member's view


@pytest.fixture
def jonas(session):
    member = make_member(session, first_name="Jonas", last_name="Albrecht", service_level="smart")
    session.add_all(
        [
            InsurancePeriod(
                member_id=member.id, kind="Studium", start=date(2008, 10, 1), end=date(2011, 9, 30)
            ),
            InsurancePeriod(
                member_id=member.id,
                kind="Beschäftigung",
                start=date(2011, 10, 1),
                end=None,
                employer="Hafen AG",
            ),
            Earning(member_id=member.id, year=2024, employer="Hafen AG", amount_cents=6_500_000),
            Earning(member_id=member.id, year=2023, employer="Hafen AG", amount_cents=5_000_000),
            Earning(member_id=member.id, year=2001, employer="Alt GmbH", amount_cents=1_000_000),
        ]
    )
    session.commit()
    return make_account(session, username="jonas", member=member)


def test_member_sees_own_periods_and_yearly_totals_beside_the_ceiling(session, jonas):
    history = histories.insurance_history(session, actor=jonas, today=TODAY)

    assert (history.member_name, history.as_of) == ("Jonas Albrecht", TODAY)
    assert [p.kind for p in history.periods] == ["Studium", "Beschäftigung"]
    assert [(y.year, y.total_cents, y.ceiling_cents) for y in history.years] == [
        (2001, 1_000_000, None),
        (2023, 5_000_000, 5_985_000),
        (2024, 6_500_000, 6_210_000),
    ]
    assert [y.above_ceiling for y in history.years] == [False, False, True]
    assert history.years[2].contributory_cents == 6_210_000


def test_member_never_sees_another_members_history(session, jonas):
    other = make_account(
        session, username="erika", member=make_member(session, service_level="smart")
    )

    history = histories.insurance_history(session, actor=other, today=TODAY)

    assert (history.periods, history.earnings) == ([], [])


def test_basic_member_cannot_read_insurance_history(session):
    lena = make_account(session, username="lena", member=make_member(session))

    with pytest.raises(NotAllowed, match="smart"):
        histories.insurance_history(session, actor=lena)


def test_csv_exports_use_semicolons_and_decimal_commas(session, jonas):
    history = histories.insurance_history(session, actor=jonas, today=TODAY)

    periods = history_export.periods_csv(history).decode("utf-8-sig")
    earnings = list(
        csv.reader(
            io.StringIO(history_export.earnings_csv(history).decode("utf-8-sig")), delimiter=";"
        )
    )

    assert periods.splitlines()[2] == "Beschäftigung;01.10.2011;;Hafen AG"
    assert earnings[0][2] == "Entgelt (EUR)"
    assert earnings[-1] == ["2024", "Hafen AG", "65000,00", "62100,00"]
    assert earnings[1] == ["2001", "Alt GmbH", "10000,00", ""]


def test_pdf_export_is_a_readable_pdf(session, jonas):
    history = histories.insurance_history(session, actor=jonas, today=TODAY)

    pdf = history_export.history_pdf(history)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Versicherungszeiten" in text and "Hafen AG" in text
    assert "65.000,00 €" in text and "62.100,00 €" in text


def test_euro_amounts_are_written_the_german_way():
    assert histories.euro_text(6_210_000) == "62.100,00 €"
    assert histories.euro_text(5) == "0,05 €"


# The contribution ceiling (Beitragsbemessungsgrenze KV)


@pytest.mark.parametrize(
    ("year", "euros"),
    [(2015, 49_500), (2023, 59_850), (2024, 62_100), (2025, 66_150), (2026, 69_750)],
)
def test_published_ceilings(year, euros):
    assert ceiling_cents(year) == euros * 100


def test_ceiling_table_covers_every_year_since_the_euro_without_gaps():
    assert list(CEILING_EUR) == list(range(2002, 2027))
    assert ceiling_cents(2001) is None
    # It rose every year but for 2011 (the 2009 wage drop) and the freeze of 2007 and 2022.
    falls = [y for y in CEILING_EUR if y > 2002 and CEILING_EUR[y] < CEILING_EUR[y - 1]]
    assert falls == [2011]
