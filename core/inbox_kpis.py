"""Back-office figures: backlog by age, intake per day, median handling time.

Every figure is aggregated by the database (6 million submissions, tens of thousands open):
the backlog is one grouped count over the open rows (index on status first), the intake
comes grouped by hour and type (core.dashboard.intake_per_day), and the median handling time
is taken over a bounded sample of the newest decisions (index on decided_at).
"""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, case, col, func, select

from core.actors import Actor
from core.clock import utcnow
from core.errors import NotAllowed
from core.models.documents import Submission, SubmissionStatus

AGE_BUCKETS = (
    (0, 1, "< 1 Tag"),
    (1, 3, "1–3 Tage"),
    (3, 7, "3–7 Tage"),
    (7, 30, "7–30 Tage"),
    (30, None, "> 30 Tage"),
)
OPEN = (SubmissionStatus.RECEIVED, SubmissionStatus.IN_PROGRESS)


@dataclass(frozen=True)
class InboxKpis:
    backlog_by_age: dict[str, int]
    intake_per_day: dict[date, dict[str, int]]  # day -> doc_type -> count
    median_handling_hours: float | None
    open_total: int


def backlog_by_age(session: Session) -> dict[str, int]:
    """Open items per age bucket, counted in one pass over the open rows."""
    now = utcnow()
    bucket = case(
        *(
            (Submission.created_at > now - timedelta(days=high), label)
            for _low, high, label in AGE_BUCKETS
            if high is not None
        ),
        else_=AGE_BUCKETS[-1][2],
    )
    counted = dict(
        session.exec(
            select(bucket, func.count())
            .where(col(Submission.status).in_(OPEN), Submission.created_at <= now)
            .group_by(bucket)
        ).all()
    )
    return {label: counted.get(label, 0) for _low, _high, label in AGE_BUCKETS}


def median_handling_hours(session: Session, *, sample: int = 2000) -> float | None:
    """Median hours from arrival to decision over the newest `sample` decisions."""
    decided = session.exec(
        select(Submission.created_at, Submission.decided_at)
        .where(col(Submission.decided_at).is_not(None))
        .order_by(col(Submission.decided_at).desc())
        .limit(sample)
    ).all()
    hours = [(done - created).total_seconds() / 3600 for created, done in decided]
    return statistics.median(hours) if hours else None


def inbox_kpis(session: Session, *, actor: Actor, days: int = 30, sample: int = 2000) -> InboxKpis:
    if not actor.is_staff:
        raise NotAllowed()
    # core.dashboard builds on these figures; its hourly intake aggregate is shared here.
    from core.dashboard import intake_per_day

    backlog = backlog_by_age(session)
    return InboxKpis(
        backlog_by_age=backlog,
        intake_per_day=intake_per_day(session, days=days),
        median_handling_hours=median_handling_hours(session, sample=sample),
        open_total=sum(backlog.values()),
    )
