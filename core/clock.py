"""Time in one place: aware UTC datetimes in the database, Europe/Berlin dates for rules."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_berlin() -> date:
    return datetime.now(BERLIN).date()


def to_berlin(moment: datetime) -> datetime:
    """A stored UTC moment as local time for display."""
    return moment.astimezone(BERLIN)
