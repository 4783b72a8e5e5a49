"""What both load clients share: the server under test, the journeys' shape, the recorder and
the integrity check of what users were shown against what the database holds."""

import asyncio
import contextlib
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core import auth, migrate
from core.db import make_engine, session_scope
from core.models.accounts import Role, UserAccount
from core.models.documents import Submission
from core.seed import DEMO_PASSWORD, seed_demo
from tests.factories import make_member
from tests.portal_process import portal_environment, portal_process

ROUNDS = 10  # at most, per user: browse + send (members) or overview, inbox + claim (clerks)
CLERK_SHARE = 5  # every fifth active user is a clerk
THINK_SECONDS = (1.0, 3.0)
ARRIVAL_SECONDS = 1.0  # one more user arrives every second until all are there
ACTION_TIMEOUT_SECONDS = 90.0
STARTUP_SECONDS = 120
MEMBER_FIRST_NAME = "Last"
BROWSE_TITLES = ("Leistungen & Services", "Downloadcenter", "Bescheinigungen anfordern")
UPLOAD_LABEL = "Dateien hochladen (PDF, JPEG, PNG, HEIC)"
PRODUCTION_BCRYPT_ROUNDS = 12  # sign-ins cost what they cost in production


def member_name(number: int) -> str:
    return f"last.mitglied{number:03d}"


def clerk_name(number: int) -> str:
    return f"last.sb{number:03d}"


# --- the server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How long the active users go on: at most `rounds` rounds each, none begun after `end`."""

    end: float  # time.monotonic()
    rounds: int = ROUNDS

    def another_round(self, done: int) -> bool:
        return done < self.rounds and time.monotonic() < self.end


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int
    engine: Engine
    log: Path

    def rss_mb(self) -> float:
        """Resident memory of the server process (VmRSS), in MiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        """False once the process has ended (a crash leaves a zombie until it is reaped)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return False
        return "State:\tZ" not in status

    def tracebacks(self) -> int:
        return self.log.read_text(errors="replace").count("Traceback")


def _seed(engine: Engine, *, members: int, clerks: int) -> None:
    """Demo data plus accounts of our own, so that sessions never share an account."""
    migrate.upgrade(engine)
    seed_demo(engine, members=20)
    with session_scope(write=True, engine=engine) as session:
        shared_hash = auth.hash_password(DEMO_PASSWORD, rounds=PRODUCTION_BCRYPT_ROUNDS)
        for number in range(members):
            member = make_member(session, first_name=MEMBER_FIRST_NAME, last_name=f"M{number:03d}")
            auth.create_account(
                session,
                username=member_name(number),
                password=DEMO_PASSWORD,
                role=Role.MEMBER,
                display_name=f"{MEMBER_FIRST_NAME} M{number:03d}",
                member_id=member.id,
                password_hash=shared_hash,
            )
        for number in range(clerks):
            auth.create_account(
                session,
                username=clerk_name(number),
                password=DEMO_PASSWORD,
                role=Role.CLERK,
                display_name=f"Sachbearbeitung L{number:03d}",
                password_hash=shared_hash,
            )
        session.commit()


@contextlib.contextmanager
def running_server(
    workdir: Path, *, members: int = 0, clerks: int = 0, database_url: str | None = None
) -> Iterator[Server]:
    """A fresh seeded database (SQLite in `workdir` unless `database_url` names an empty one)
    and `streamlit run app.py` in its own process group; passwords hashed with the
    production cost, so that a sign-in costs what it costs."""
    database_url = database_url or f"sqlite:///{workdir / 'hek.db'}"
    engine = make_engine(database_url)
    _seed(engine, members=members, clerks=clerks)
    env = portal_environment(
        database_url=database_url, data_dir=workdir, HEK_BCRYPT_ROUNDS=str(PRODUCTION_BCRYPT_ROUNDS)
    )
    try:
        with portal_process(
            env, workdir / "streamlit.log", startup_seconds=STARTUP_SECONDS
        ) as process:
            yield Server(process.base_url, process.pid, engine, process.log)
    finally:
        engine.dispose()


@contextlib.contextmanager
def peak_memory(server: Server, every_seconds: float = 0.5) -> Iterator[dict]:
    """The server's RSS before and its peak while the block runs (sampled in a thread); the
    block may reset both once the server is warm."""
    memory = {"before": server.rss_mb(), "peak": server.rss_mb()}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every_seconds):
            with contextlib.suppress(OSError, RuntimeError):
                memory["peak"] = max(memory["peak"], server.rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield memory
    finally:
        stop.set()
        sampler.join()


# --- measuring --------------------------------------------------------------------------------


class JourneyEnded(Exception):
    """An action failed (and was recorded): this user stops, the others go on."""


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {(text[0] if text else '')[:160]}"


Check = Callable[[], Awaitable[None]]


@dataclass
class Recorder:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    tracking_ids: list[tuple[str, str]] = field(default_factory=list)  # (username, id)
    claims: list[tuple[str, str]] = field(default_factory=list)  # (clerk, tracking id)

    @contextlib.asynccontextmanager
    async def timed(self, action: str, check: Check | None = None):
        """Time one action; a timeout, an exception, or a failed `check` is its error."""
        started = time.perf_counter()
        try:
            yield
            if check is not None:
                await check()
        except Exception as error:
            self.errors[action].append(first_line(error))
            raise JourneyEnded from error
        self.timings[action].append(time.perf_counter() - started)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def browse_titles() -> list[str]:
    """Two or three pages a member looks at between two submissions."""
    return random.sample(BROWSE_TITLES, k=random.choice((2, 3)))


async def think() -> None:
    await asyncio.sleep(random.uniform(*THINK_SECONDS))


async def after(seconds: float, task: Awaitable) -> None:
    await asyncio.sleep(seconds)
    await task


async def arrive_and_run(tasks: list[Awaitable], rec: Recorder, end: float) -> None:
    """Arrivals spread over the first seconds, as people do; the time bound covers stragglers."""
    random.shuffle(tasks)
    staggered = [after(index * ARRIVAL_SECONDS, task) for index, task in enumerate(tasks)]
    remaining = max(1.0, end - time.monotonic() + ACTION_TIMEOUT_SECONDS)
    try:
        await asyncio.wait_for(asyncio.gather(*staggered), timeout=remaining)
    except TimeoutError:
        rec.errors["(time bound)"].append("sessions still running were stopped")


def small_pdf(path: Path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=20)
    document.cell(text="Arbeitsunfaehigkeitsbescheinigung (Lasttest)")
    path.write_bytes(bytes(document.output()))


def integrity(server: Server, rec: Recorder) -> dict:
    """Every tracking ID a member saw is stored once, for that member; every claim is held
    by the clerk who saw it; and no submission was stored without being acknowledged."""
    shown = [tracking_id for _, tracking_id in rec.tracking_ids]
    with Session(server.engine) as session:
        rows = session.exec(
            select(Submission.tracking_id, UserAccount.username)
            .join(UserAccount, col(UserAccount.member_id) == Submission.member_id)
            .where(col(UserAccount.username).startswith("last.mitglied"))
        ).all()
        claimed = dict(
            session.exec(
                select(Submission.tracking_id, UserAccount.username).join(
                    UserAccount, col(UserAccount.id) == Submission.assigned_clerk_id
                )
            ).all()
        )
    stored = defaultdict(list)
    for tracking_id, username in rows:
        stored[tracking_id].append(username)
    lost = [tid for user, tid in rec.tracking_ids if stored.get(tid) != [user]]
    claims_seen = [tid for _, tid in rec.claims]
    return {
        "shown": len(shown),
        "distinct_shown": len(set(shown)),
        "stored": len(stored),
        "lost": len(lost),
        "unacknowledged": len(set(stored) - set(shown)),
        "claims": len(rec.claims),
        "double_claims": len(claims_seen) - len(set(claims_seen)),
        "wrong_claims": sum(claimed.get(tid) != clerk for clerk, tid in rec.claims),
    }
