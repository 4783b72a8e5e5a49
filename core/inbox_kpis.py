"""Back-office figures: backlog by age, intake per day, median handling time."""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from core.actors import Actor
from core.clock import to_berlin, utcnow
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


def inbox_kpis(session: Session, *, actor: Actor, days: int = 30, sample: int = 2000) -> InboxKpis:
    if not actor.is_staff:
        raise NotAllowed()
    now = utcnow()
    backlog: dict[str, int] = {}
    for low, high, label in AGE_BUCKETS:
        statement = (
            select(func.count())
            .select_from(Submission)
            .where(
                col(Submission.status).in_(OPEN), Submission.created_at <= now - timedelta(days=low)
            )
        )
        if high is not None:
            statement = statement.where(Submission.created_at > now - timedelta(days=high))
        backlog[label] = session.exec(statement).one()
    intake: dict[date, dict[str, int]] = {}
    recent = session.exec(
        select(Submission.created_at, Submission.doc_type).where(
            Submission.created_at >= now - timedelta(days=days)
        )
    ).all()
    for created_at, doc_type in recent:
        day = to_berlin(created_at).date()
        intake.setdefault(day, {}).setdefault(doc_type, 0)
        intake[day][doc_type] += 1
    decided = session.exec(
        select(Submission.created_at, Submission.decided_at)
        .where(col(Submission.decided_at).is_not(None))
        .order_by(col(Submission.decided_at).desc())
        .limit(sample)
    ).all()
    hours = [(done - created).total_seconds() / 3600 for created, done in decided]
    return InboxKpis(
        backlog_by_age=backlog,
        intake_per_day=dict(sorted(intake.items())),
        median_handling_hours=statistics.median(hours) if hours else None,
        open_total=sum(backlog.values()),
    )
