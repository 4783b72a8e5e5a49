"""Historic documents (about ten per member over six years) and smart members' identifications.

Historic documents are rows without a file (blob_id NULL): the clerk viewer says so.
"""

import base64
import math
import random
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from itertools import accumulate
from operator import itemgetter

from sqlalchemy import Engine, exists
from sqlmodel import col, func, select

from core.bulk_writes import bulk_transaction
from core.db import is_sqlite, session_scope
from core.identifiers import ALPHABET, TRACKING_ID_PREFIX, check_character, group
from core.inbox import DEPARTMENTS
from core.models.accounts import Role, UserAccount
from core.models.documents import Submission, SubmissionStatus
from core.models.identity import Identification
from core.models.people import Member

Progress = Callable[[int, int], None]
CHUNK = 20_000  # submission rows per transaction
HISTORY_YEARS = 6
DOCUMENTS_PER_MEMBER = 10  # on average over all members: about six million for 600,000
# A member insured for the whole window sends a little more: about a fifth of the members
# joined (or were born) within the last six years and send for fewer days.
DOCUMENTS_PER_FULL_WINDOW = 12.5

# Share of each document type in the intake (sick notes and bills dominate).
DOC_TYPE_WEIGHTS = {"au": 28, "rechnung": 30, "bonus": 8, "antrag": 12, "sonstiges": 22}
DEPARTMENT_BY_TYPE = {
    "au": DEPARTMENTS[0],  # Krankengeld
    "rechnung": DEPARTMENTS[1],  # Leistungen
    "bonus": DEPARTMENTS[3],  # Bonusprogramm
    "antrag": DEPARTMENTS[4],  # Mitgliedschaft
    "sonstiges": DEPARTMENTS[5],  # Versorgung
}
# Handling time: log-normal, median about a day and a half, a long tail of weeks.
HANDLING_MEDIAN_HOURS = 30.0
HANDLING_SIGMA = 1.0
QUERY_SHARE, REJECT_SHARE = 0.04, 0.03
QUERY_MESSAGES = (
    "Bitte senden Sie uns auch die Rückseite des Dokuments.",
    "Bitte reichen Sie die Rechnung mit Diagnose nach.",
    "Das Dokument ist nicht vollständig lesbar. Bitte senden Sie es erneut.",
)
REJECT_MESSAGES = (
    "Das Dokument betrifft eine andere Krankenkasse.",
    "Die Bescheinigung liegt uns bereits vor.",
)
# Plain strings: StrEnum member access per row is measurably slower.
RECEIVED, IN_PROGRESS, DONE, QUERY, REJECTED = (
    SubmissionStatus.RECEIVED.value,
    SubmissionStatus.IN_PROGRESS.value,
    SubmissionStatus.DONE.value,
    SubmissionStatus.QUERY.value,
    SubmissionStatus.REJECTED.value,
)
NOTES = ("Bitte Erstattung auf mein Konto.", "Rechnung vom Zahnarzt, Teil 2.", "Zur Kenntnis.")
SUBMISSION_COLUMNS = (
    "tracking_id",
    "member_id",
    "submitted_by_user_id",
    "channel",
    "doc_type",
    "note",
    "original_name",
    "page_count",
    "size",
    "status",
    "created_at",
    "updated_at",
    "assigned_clerk_id",
    "claimed_at",
    "decided_at",
    "department",
    "member_message",
    "blob_id",
)


_RFC4648_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
_ID_BYTES = 10  # 80 bits, as core.identifiers.new_tracking_id


def bulk_tracking_ids(count: int) -> list[str]:
    """`count` tracking IDs exactly like core.identifiers.new_tracking_id, four times faster.

    One token_bytes call and one base64.b32encode for all of them: RFC 4648 base32 groups
    the same big-endian 5-bit values as core.identifiers.encode_base32, only with another
    alphabet, so translating the symbols gives the same encoding. The check character and
    the grouping are core.identifiers' own.
    """
    symbols = (
        base64.b32encode(secrets.token_bytes(_ID_BYTES * count))
        .decode("ascii")
        .translate(_RFC4648_TO_CROCKFORD)
    )
    width = _ID_BYTES * 8 // 5
    ids = []
    for offset in range(0, width * count, width):
        body = symbols[offset : offset + width]
        ids.append(f"{TRACKING_ID_PREFIX}-{group(body + check_character(body))}")
    return ids


class SubmissionFactory:
    """Historic submissions of one member: dates within membership and the last six years.

    Times are float timestamps until the row is built: half a dozen timedelta objects per
    row cost more than the rest of the row.
    """

    def __init__(
        self, rng: random.Random, *, now: datetime, clerk_ids: list[int], years: int = HISTORY_YEARS
    ) -> None:
        self.rng = rng
        self.now = now.timestamp()
        self.today = now.date()
        self.clerk_ids = clerk_ids
        self.window_start = self.today - timedelta(days=round(365.25 * years))
        self.window_days = (self.today - self.window_start).days
        self.types = list(DOC_TYPE_WEIGHTS)
        self.type_cumulative = list(accumulate(DOC_TYPE_WEIGHTS.values()))
        self.pages, self.pages_cumulative = (1, 2, 3, 4, 6), list(accumulate((60, 22, 10, 5, 3)))
        self.log_median = math.log(HANDLING_MEDIAN_HOURS * 3600)

    def for_member(
        self, member_id: int, membership_start: date, membership_end: date | None
    ) -> Iterator[dict]:
        rng = self.rng
        first = max(self.window_start, membership_start)
        last = min(self.today, membership_end or self.today)
        if last < first:
            return
        span = (last - first).days + 1
        expected = DOCUMENTS_PER_FULL_WINDOW * span / self.window_days
        count = max(0, round(rng.gauss(expected, math.sqrt(expected) + 0.5)))
        first_midnight = datetime.combine(first, clock_time(), tzinfo=UTC).timestamp()
        for _ in range(count):
            # More documents in recent years (the app's use has grown); 6 to 22 h in Germany.
            day = min(span - 1, int(span * rng.random() ** 0.8))
            created = first_midnight + day * 86_400 + rng.uniform(5 * 3600, 21 * 3600)
            if created > self.now:
                created = self.now - rng.uniform(60, 36_000)
            yield self._row(member_id, created)

    def _row(self, member_id: int, created: float) -> dict:
        rng = self.rng
        doc_type = rng.choices(self.types, cum_weights=self.type_cumulative)[0]
        pages = rng.choices(self.pages, cum_weights=self.pages_cumulative)[0]
        app = rng.random() < 0.7
        handling = rng.lognormvariate(self.log_median, HANDLING_SIGMA)
        created_at = datetime.fromtimestamp(created, UTC)
        row = {
            "tracking_id": None,  # filled in bulk per chunk (bulk_tracking_ids)
            "member_id": member_id,
            "submitted_by_user_id": None,  # historic: no account of the demo sent it
            "channel": "app" if app else "post",
            "doc_type": doc_type,
            "note": rng.choice(NOTES)
            if doc_type in ("rechnung", "sonstiges") and rng.random() < 0.1
            else None,
            "original_name": (f"{doc_type}.pdf" if rng.random() < 0.5 else "Foto 1.jpg")
            if app
            else None,
            "page_count": pages,
            "size": pages * rng.randrange(80_000, 400_000),
            "status": DONE,
            "created_at": created_at,
            "updated_at": created_at,
            "assigned_clerk_id": None,
            "claimed_at": None,
            "decided_at": None,
            "department": None,
            "member_message": None,
            "blob_id": None,  # no file stored for historic demo rows
        }
        decided = created + handling
        if decided > self.now:  # still open: part of today's backlog
            claimed = created + handling * 0.3
            if self.clerk_ids and claimed <= self.now and rng.random() < 0.6:
                claimed_at = datetime.fromtimestamp(claimed, UTC)
                row["status"] = IN_PROGRESS
                row["assigned_clerk_id"] = rng.choice(self.clerk_ids)
                row["claimed_at"] = row["updated_at"] = claimed_at
            else:
                row["status"] = RECEIVED
            return row
        decided_at = datetime.fromtimestamp(decided, UTC)
        row["decided_at"] = row["updated_at"] = decided_at
        roll = rng.random()
        if roll < QUERY_SHARE:
            row["status"] = QUERY
            row["member_message"] = rng.choice(QUERY_MESSAGES)
        elif roll < QUERY_SHARE + REJECT_SHARE:
            row["status"] = REJECTED
            row["member_message"] = rng.choice(REJECT_MESSAGES)
        else:
            row["department"] = DEPARTMENT_BY_TYPE[doc_type]
        if self.clerk_ids:
            row["assigned_clerk_id"] = rng.choice(self.clerk_ids)
            row["claimed_at"] = created_at
        return row


def clerk_ids(engine: Engine) -> list[int]:
    with session_scope(engine=engine) as session:
        return list(
            session.exec(
                select(UserAccount.id).where(UserAccount.role == Role.CLERK, UserAccount.is_active)
            ).all()
        )


def _members_without_documents(engine: Engine, chunk: int) -> Iterator[list[tuple]]:
    """Members that have no submission yet, in id order and chunks (streamed, not all at once)."""
    last_id = 0
    while True:
        with session_scope(engine=engine) as session:
            rows = session.exec(
                select(Member.id, Member.membership_start, Member.membership_end)
                .where(
                    Member.id > last_id,
                    ~exists().where(Submission.member_id == Member.id),
                )
                .order_by(Member.id)
                .limit(chunk)
            ).all()
        if not rows:
            return
        last_id = rows[-1][0]
        yield [tuple(row) for row in rows]


_DATETIME_COLUMNS = ("created_at", "updated_at", "claimed_at", "decided_at")
_ROW_VALUES = itemgetter(*SUBMISSION_COLUMNS)
# Built from the constant column names above, never from input.
_SQLITE_INSERT = "INSERT INTO submission ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(SUBMISSION_COLUMNS), ", ".join("?" * len(SUBMISSION_COLUMNS))
)
_POSTGRES_COPY = f"COPY submission ({', '.join(SUBMISSION_COLUMNS)}) FROM STDIN"
SQLITE_SEED_CACHE_KIB = 256 * 1024  # the random tracking_id index needs a big page cache


def _sqlite_values(rows: list[dict]) -> list[tuple]:
    """Rows as SQLAlchemy's SQLite DateTime stores them ('YYYY-MM-DD HH:MM:SS.ffffff' in
    UTC), without its per-value bind processing (isoformat is C code)."""
    for row in rows:
        for name in _DATETIME_COLUMNS:
            moment = row[name]
            if moment is not None:
                row[name] = moment.isoformat(" ", "microseconds")[:26]
    return list(map(_ROW_VALUES, rows))


def insert_submissions(engine: Engine, rows: list[dict]) -> None:
    """One transaction of bulk-inserted rows: COPY on PostgreSQL, executemany on SQLite.

    Both bypass SQLAlchemy's per-row parameter processing; the statements are constants.
    On SQLite the rows' datetimes are replaced by their stored text form.
    """
    if not rows:
        return
    if is_sqlite(engine):
        values = _sqlite_values(rows)
        with session_scope(write=True, engine=engine) as session:
            cursor = session.connection().connection.driver_connection.cursor()
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_SEED_CACHE_KIB}")
            cursor.executemany(_SQLITE_INSERT, values)
            session.commit()
            cursor.execute("PRAGMA cache_size=-2000")  # SQLite's default again
        return
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(_POSTGRES_COPY) as copy:
            for row in rows:
                copy.write_row(_ROW_VALUES(row))


def count_members_without_documents(engine: Engine) -> int:
    with session_scope(engine=engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Member)
            .where(~exists().where(Submission.member_id == Member.id))
        ).one()


# Below this many pending members, rows go into the indexes as they come.
BULK_LOAD_MEMBERS = 50_000
# The pending-member query needs this one while loading (NOT EXISTS per member).
_KEPT_WHILE_LOADING = frozenset({"ix_submission_member_created"})


@contextmanager
def _indexes_built_afterwards(engine: Engine, *, enabled: bool) -> Iterator[None]:
    """Drop the submission table's secondary indexes for a bulk load and build them at the
    end: one sort per index instead of millions of random B-tree inserts.

    Every index comes back in `finally`; should the process die in between, the next
    seed_submissions call creates the missing ones first (_ensure_indexes).
    """
    dropped = [
        index for index in Submission.__table__.indexes if index.name not in _KEPT_WHILE_LOADING
    ]
    if enabled:
        with engine.begin() as connection:
            for index in dropped:
                index.drop(connection, checkfirst=True)
    try:
        yield
    finally:
        if enabled:
            _ensure_indexes(engine)


def _ensure_indexes(engine: Engine) -> None:
    with engine.begin() as connection:
        if is_sqlite(engine):  # building an index sorts in the page cache
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_SEED_CACHE_KIB}")
        for index in Submission.__table__.indexes:
            index.create(connection, checkfirst=True)
        if is_sqlite(engine):
            connection.exec_driver_sql("PRAGMA cache_size=-2000")


def seed_submissions(
    engine: Engine,
    *,
    seed: int = 2026,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """About ten historic documents for every member without any; returns the rows inserted."""
    _ensure_indexes(engine)
    rng = random.Random(seed)  # noqa: S311  (synthetic data; the IDs come from secrets)
    factory = SubmissionFactory(rng, now=now or datetime.now(UTC), clerk_ids=clerk_ids(engine))
    total_members = count_members_without_documents(engine)
    done_members = inserted = 0
    with _indexes_built_afterwards(engine, enabled=total_members >= BULK_LOAD_MEMBERS):
        # Roughly CHUNK rows per transaction: members come in chunks of CHUNK // 10.
        for members in _members_without_documents(engine, CHUNK // DOCUMENTS_PER_MEMBER):
            pending = [row for member in members for row in factory.for_member(*member)]
            for row, tracking_id in zip(pending, bulk_tracking_ids(len(pending)), strict=True):
                row["tracking_id"] = tracking_id
            insert_submissions(engine, pending)
            inserted += len(pending)
            done_members += len(members)
            if progress:
                progress(done_members, total_members)
    return inserted


def _identification_rows(rng: random.Random, members: list[tuple], now: datetime) -> list[dict]:
    """One succeeded identification per smart member (FAQ: smarthealth needs eID)."""
    window = HISTORY_YEARS * 365 * 86_400
    rows = []
    for member_id, level in members:
        procedure = "eid" if level == "smarthealth" or rng.random() < 0.4 else "robo"
        started = datetime.fromtimestamp(now.timestamp() - window * rng.random() ** 0.7, UTC)
        finished = started + timedelta(minutes=rng.uniform(3, 20))
        rows.append(
            {
                "member_id": member_id,
                "procedure": procedure,
                "purpose": "upgrade",
                "status": "succeeded",
                "level_reached": "smarthealth_ready" if procedure == "eid" else "smart",
                "steps_done": 3,
                "pin_failures": 0,
                "started_at": started,
                "completed_at": finished,
                "used_at": finished,
            }
        )
    return rows


def seed_identifications(
    engine: Engine, *, seed: int = 2026, progress: Progress | None = None
) -> int:
    """A succeeded identification for every smart or smarthealth member without one."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    now = datetime.now(UTC)
    without = ~exists().where(Identification.member_id == Member.id)
    smart = col(Member.service_level).in_(["smart", "smarthealth"])
    with session_scope(engine=engine) as session:
        total = session.exec(select(func.count()).select_from(Member).where(smart, without)).one()
    done = inserted = last_id = 0
    while True:
        with session_scope(engine=engine) as session:
            members = session.exec(
                select(Member.id, Member.service_level)
                .where(Member.id > last_id, smart, without)
                .order_by(Member.id)
                .limit(CHUNK)
            ).all()
        if not members:
            return inserted
        last_id = members[-1][0]
        rows = _identification_rows(rng, [tuple(m) for m in members], now)
        with bulk_transaction(engine) as writer:
            writer.insert(Identification.__table__, rows)
        inserted += len(rows)
        done += len(members)
        if progress:
            progress(done, total)
