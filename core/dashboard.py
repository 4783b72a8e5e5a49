"""Key figures for product owners: intake, backlog, handling, certificates, cards, adoption.

Every figure is an aggregate computed by the database, so the page stays fast with 600,000
members and six million submissions (migration 0012 adds the indexes it relies on). Tables
of features that are not deployed are skipped: their figure is None.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Table, func, inspect
from sqlmodel import Session, SQLModel, col, select

from core import inbox_kpis
from core.actors import Actor
from core.clock import BERLIN, to_berlin, today_berlin
from core.errors import NotAllowed
from core.models.documents import Submission
from core.models.people import Member

INTAKE_DAYS = 30


@dataclass(frozen=True)
class Dashboard:
    members_total: int
    members_by_level: dict[str, int]
    submissions_total: int
    intake_days: int
    intake_per_day: dict[date, dict[str, int]]  # Berlin day -> doc_type -> count
    backlog_by_age: dict[str, int]
    open_total: int
    open_by_type: dict[str, int]
    oldest_open_at: datetime | None
    median_handling_hours: float | None
    certificates_requested: dict[str, int] | None  # status -> count; None: feature absent
    certificates_issued: dict[str, int] | None  # delivery -> count
    identifications: dict[str, int] | None  # procedure -> succeeded identifications
    digital_cards_per_year: dict[str, int] | None  # year of issue -> digital cards


def _hour(session: Session, column):
    """The UTC hour of a timestamp as the database can group it (Berlin days come after)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 13)  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
    return func.date_trunc("hour", column)


def _as_utc_hour(value) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(f"{value}:00+00:00")
    return value


def intake_since(days: int) -> datetime:
    """Midnight in Berlin `days - 1` days ago: `days` whole calendar days up to today."""
    first_day = today_berlin() - timedelta(days=days - 1)
    return datetime.combine(first_day, time(), tzinfo=BERLIN).astimezone(UTC)


def intake_per_day(session: Session, *, days: int) -> dict[date, dict[str, int]]:
    """Submissions per Berlin calendar day and type, the last `days` days (today included).

    Grouped by UTC hour in the database (at most 24 × days × types rows come back), then
    summed to Berlin days here: Berlin's offset is whole hours, so no row lands wrong.
    """
    since = intake_since(days)
    hour = _hour(session, Submission.created_at)
    rows = session.exec(
        select(hour, Submission.doc_type, func.count())
        .where(Submission.created_at >= since)
        .group_by(hour, Submission.doc_type)
    ).all()
    intake: dict[date, dict[str, int]] = {}
    for bucket, doc_type, count in rows:
        day = to_berlin(_as_utc_hour(bucket)).date()
        per_type = intake.setdefault(day, {})
        per_type[doc_type] = per_type.get(doc_type, 0) + count
    return dict(sorted(intake.items()))


def _deployed_table(session: Session, name: str) -> Table | None:
    """A feature's table when its model is loaded and its migration has run, else None."""
    table = SQLModel.metadata.tables.get(name)
    if table is None or not inspect(session.connection()).has_table(name):
        return None
    return table


def _count_by(
    session: Session, table_name: str, column_name: str, **equal: str
) -> dict[str, int] | None:
    table = _deployed_table(session, table_name)
    if table is None or column_name not in table.c:
        return None
    column = table.c[column_name]
    statement = select(column, func.count()).select_from(table).group_by(column)
    for name, value in equal.items():
        statement = statement.where(table.c[name] == value)
    return {str(key): count for key, count in session.exec(statement).all()}


def _per_year(session: Session, table_name: str, column_name: str) -> dict[str, int] | None:
    """Rows per calendar year of a date column, oldest year first; None: feature absent."""
    table = _deployed_table(session, table_name)
    if table is None:
        return None
    year = func.extract("year", table.c[column_name])
    rows = session.exec(select(year, func.count()).select_from(table).group_by(year).order_by(year))
    return {str(int(value)): count for value, count in rows.all()}


def dashboard(session: Session, *, actor: Actor, days: int = INTAKE_DAYS) -> Dashboard:
    """All figures of the KPI page, for staff."""
    if not actor.is_staff:
        raise NotAllowed()
    by_level = dict(
        session.exec(
            select(Member.service_level, func.count()).group_by(Member.service_level)
        ).all()
    )
    # Backlog by age and the median handling time come from the inbox's own figures; its
    # intake (rows read into Python) is replaced by the SQL aggregate above, hence days=1.
    kpis = inbox_kpis.inbox_kpis(session, actor=actor, days=1)
    open_rows = session.exec(
        select(Submission.doc_type, func.count(), func.min(Submission.created_at))
        .where(col(Submission.status).in_(inbox_kpis.OPEN))
        .group_by(Submission.doc_type)
    ).all()
    oldest = [row[2] for row in open_rows if row[2] is not None]
    return Dashboard(
        members_total=sum(by_level.values()),
        members_by_level=by_level,
        submissions_total=session.exec(select(func.count()).select_from(Submission)).one(),
        intake_days=days,
        intake_per_day=intake_per_day(session, days=days),
        backlog_by_age=kpis.backlog_by_age,
        open_total=kpis.open_total,
        open_by_type={row[0]: row[1] for row in open_rows},
        oldest_open_at=min(oldest) if oldest else None,
        median_handling_hours=kpis.median_handling_hours,
        certificates_requested=_count_by(session, "certificate_request", "status"),
        certificates_issued=_count_by(session, "issued_certificate", "delivery"),
        identifications=_count_by(session, "identification", "procedure", status="succeeded"),
        digital_cards_per_year=_per_year(session, "digital_card", "valid_from"),
    )
