"""Load on one portal process: real browser sessions against a real `streamlit run Home.py`.

Active mode: N concurrent users in Playwright browser contexts (one Chromium, one context
each). Members sign in, open 2-3 pages, send a small PDF through the uploader and note the
tracking ID shown; clerks open the inbox and claim the next item. Bounded by rounds and by
time. Reports p50/p95 per action, errors, and whether every tracking ID a member was shown
is in the database exactly once (and every claim belongs to the clerk who saw it).

Idle mode: M sessions that open the login page and wait; the server's RSS before and after
gives the memory one idle session costs.

Run: make load   (or .venv/bin/python -m bench.load --users 20 --minutes 3 --idle 200)
"""

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_SCRATCH = Path(tempfile.mkdtemp(prefix="hek-bench-load-"))
os.environ.setdefault("HEK_MODE", "demo")
os.environ.setdefault("HEK_DATA_DIR", str(_SCRATCH))
os.environ.setdefault("HEK_BCRYPT_ROUNDS", "4")  # 20 logins should not measure bcrypt

from fpdf import FPDF
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core import auth, migrate
from core.db import make_engine, session_scope
from core.models.accounts import Role, UserAccount
from core.models.documents import Submission
from core.seed import DEMO_PASSWORD, seed_demo
from tests.factories import make_member
from tests.portal_process import portal_environment, portal_process

USERS = 20
MINUTES = 3.0
IDLE_SESSIONS = 200
ROUNDS = 3  # per user: browse + send (members) or inbox + claim (clerks)
CLERK_SHARE = 5  # every fifth active user is a clerk
THINK_SECONDS = (1.0, 3.0)
ARRIVAL_SECONDS = 1.0  # one more user arrives every second until all are there
ACTION_TIMEOUT_MS = 90_000
IDLE_HOLD_SECONDS = 15
IDLE_OPENING_AT_ONCE = 10
IDLE_TABS_PER_CONTEXT = 20
MEMBER_FIRST_NAME = "Last"
BROWSE_TITLES = ("Leistungen & Services", "Downloadcenter", "Bescheinigungen anfordern")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STARTUP_SECONDS = 120
_NEW_CASE = """previous => {
    const heading = [...document.querySelectorAll("h3")]
        .map(h => h.textContent.trim())
        .find(text => text.startsWith("Vorgang HEK-"));
    if (heading && heading !== previous) return heading;
    if (document.body.innerText.includes("Keine freien Vorgänge")) return "none";
    return false;
}"""
_NEW_TRACKING_ID = """previous => {
    const code = document.querySelector('[data-testid="stCode"] code');
    const text = code ? code.textContent.trim() : "";
    return text.startsWith("HEK-") && text !== previous ? text : false;
}"""


# --- the server -----------------------------------------------------------------------------


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

    def tracebacks(self) -> int:
        return self.log.read_text(errors="replace").count("Traceback")


def _seed(engine: Engine, *, members: int, clerks: int) -> None:
    """Demo data plus accounts of our own, so that sessions never share an account."""
    migrate.upgrade(engine)
    seed_demo(engine, members=20)
    with session_scope(write=True, engine=engine) as session:
        shared_hash = auth.hash_password(DEMO_PASSWORD)
        for number in range(members):
            member = make_member(session, first_name=MEMBER_FIRST_NAME, last_name=f"M{number:03d}")
            auth.create_account(
                session,
                username=f"last.mitglied{number:03d}",
                password=DEMO_PASSWORD,
                role=Role.MEMBER,
                display_name=f"{MEMBER_FIRST_NAME} M{number:03d}",
                member_id=member.id,
                password_hash=shared_hash,
            )
        for number in range(clerks):
            auth.create_account(
                session,
                username=f"last.sb{number:03d}",
                password=DEMO_PASSWORD,
                role=Role.CLERK,
                display_name=f"Sachbearbeitung L{number:03d}",
                password_hash=shared_hash,
            )
        session.commit()


@contextlib.contextmanager
def running_server(workdir: Path, *, members: int = 0, clerks: int = 0) -> Iterator[Server]:
    """A fresh seeded SQLite database and `streamlit run Home.py` in its own process group."""
    database_url = f"sqlite:///{workdir / 'hek.db'}"
    engine = make_engine(database_url)
    _seed(engine, members=members, clerks=clerks)
    env = portal_environment(database_url=database_url, data_dir=workdir)
    try:
        with portal_process(
            env, workdir / "streamlit.log", startup_seconds=STARTUP_SECONDS
        ) as process:
            yield Server(process.base_url, process.pid, engine, process.log)
    finally:
        engine.dispose()


# --- measuring --------------------------------------------------------------------------------


class _JourneyEnded(Exception):
    """An action failed (and was recorded): this user stops, the others go on."""


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {(text[0] if text else '')[:160]}"


@dataclass
class Recorder:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    tracking_ids: list[tuple[str, str]] = field(default_factory=list)  # (username, id)
    claims: list[tuple[str, str]] = field(default_factory=list)  # (clerk, tracking id)

    @contextlib.asynccontextmanager
    async def timed(self, action: str, page: Page):
        """Time one action; a timeout or an exception box on the page is its error."""
        started = time.perf_counter()
        try:
            yield
            if await page.get_by_test_id("stException").count():
                raise RuntimeError("the page shows an exception")
        except Exception as error:
            self.errors[action].append(_first_line(error))
            raise _JourneyEnded from error
        self.timings[action].append(time.perf_counter() - started)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


async def _shown(page: Page, locator) -> None:
    """The target is visible, the script run has ended, no skeleton is left."""
    await expect(locator.first).to_be_visible(timeout=ACTION_TIMEOUT_MS)
    await page.wait_for_selector(IDLE, timeout=ACTION_TIMEOUT_MS)
    await expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=ACTION_TIMEOUT_MS)


async def _think() -> None:
    await asyncio.sleep(random.uniform(*THINK_SECONDS))


async def _open_nav(page: Page, title: str, heading: str) -> None:
    nav = page.get_by_test_id("stSidebarNav")
    link = nav.get_by_role("link", name=title, exact=True)
    if await link.count() == 0:  # a long menu hides its tail behind "View N more"
        await page.get_by_test_id("stSidebarNavViewButton").click()
    await link.click()
    await _shown(page, page.get_by_role("heading", name=heading, level=1))


async def _sign_in(page: Page, base_url: str, username: str, landing: str, rec: Recorder):
    async with rec.timed("Anmeldeseite laden", page):
        await page.goto(base_url)
        await _shown(page, page.get_by_role("button", name="Anmelden"))
    await _think()
    await page.get_by_role("textbox", name="Benutzername").fill(username)
    await page.get_by_role("textbox", name="Passwort").fill(DEMO_PASSWORD)
    async with rec.timed("Anmelden", page):
        await page.get_by_role("button", name="Anmelden").click()
        await _shown(page, page.get_by_role("heading", name=landing, level=1))


async def _member(
    page: Page, rec: Recorder, *, username: str, base_url: str, pdf: Path, end: float
) -> None:
    await _sign_in(page, base_url, username, f"Hallo {MEMBER_FIRST_NAME}!", rec)
    last_id = ""
    for _ in range(ROUNDS):
        if time.monotonic() > end:
            return
        for title in random.sample(BROWSE_TITLES, k=random.choice((2, 3))):
            await _think()
            async with rec.timed("Seite öffnen", page):
                await _open_nav(page, title, title)
        await _think()
        async with rec.timed("Dokument senden öffnen", page):
            await _open_nav(page, "Dokument senden", "Dokument senden")
        uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
        async with rec.timed("PDF hochladen (Vorschau)", page):
            await uploader.set_input_files(str(pdf))
            await _shown(page, page.get_by_role("heading", name="Vorschau"))
        await _think()
        async with rec.timed("Senden (Tracking-ID)", page):
            await page.get_by_role("button", name="Senden", exact=True).click()
            shown = await page.wait_for_function(
                _NEW_TRACKING_ID, arg=last_id, timeout=ACTION_TIMEOUT_MS
            )
            await page.wait_for_selector(IDLE, timeout=ACTION_TIMEOUT_MS)
        last_id = await shown.json_value()
        rec.tracking_ids.append((username, last_id))


async def _clerk(page: Page, rec: Recorder, *, username: str, base_url: str, end: float) -> None:
    await _sign_in(page, base_url, username, "Back-Office", rec)
    last_case = ""
    for _ in range(ROUNDS):
        if time.monotonic() > end:
            return
        await _think()
        async with rec.timed("Übersicht öffnen", page):
            await _open_nav(page, "Übersicht", "Back-Office")
        await _think()
        async with rec.timed("Posteingang öffnen", page):
            await _open_nav(page, "Posteingang", "Posteingang")
        await _think()
        async with rec.timed("Nächsten Vorgang übernehmen", page):
            await page.get_by_role("button", name="Nächsten Vorgang übernehmen").click()
            case = await page.wait_for_function(_NEW_CASE, arg=last_case, timeout=ACTION_TIMEOUT_MS)
            await page.wait_for_selector(IDLE, timeout=ACTION_TIMEOUT_MS)
        shown = await case.json_value()
        if shown != "none":
            last_case = shown
            rec.claims.append((username, shown.removeprefix("Vorgang ")))


async def _user(browser: Browser, name: str, rec: Recorder, journey) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = await context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        await journey(page, rec)
    except _JourneyEnded:
        pass
    except Exception as error:  # one user's failure is a figure, not the end of the run
        rec.errors[f"({name}, between actions)"].append(_first_line(error))
    finally:
        await context.close()


def _small_pdf(path: Path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=20)
    document.cell(text="Arbeitsunfaehigkeitsbescheinigung (Lasttest)")
    path.write_bytes(bytes(document.output()))


async def _active(
    server: Server, *, users: int, minutes: float, pdf: Path, memory: dict | None = None
) -> Recorder:
    rec = Recorder()
    clerks = users // CLERK_SHARE
    end = time.monotonic() + minutes * 60
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await _warm_up(browser, server)
        if memory is not None:  # warm: imports done, one session served
            memory["before"] = memory["peak"] = server.rss_mb()
        tasks = []
        for number in range(users - clerks):
            username = f"last.mitglied{number:03d}"
            journey = partial(
                _member, username=username, base_url=server.base_url, pdf=pdf, end=end
            )
            tasks.append(_user(browser, username, rec, journey))
        for number in range(clerks):
            username = f"last.sb{number:03d}"
            journey = partial(_clerk, username=username, base_url=server.base_url, end=end)
            tasks.append(_user(browser, username, rec, journey))
        random.shuffle(tasks)
        # Arrivals spread over the first seconds, as people do; the time bound covers stragglers.
        staggered = [_after(index * ARRIVAL_SECONDS, task) for index, task in enumerate(tasks)]
        remaining = max(1.0, end - time.monotonic() + ACTION_TIMEOUT_MS / 1000)
        try:
            await asyncio.wait_for(asyncio.gather(*staggered), timeout=remaining)
        except TimeoutError:
            rec.errors["(time bound)"].append("sessions still running were stopped")
        await browser.close()
    return rec


async def _warm_up(browser: Browser, server: Server) -> None:
    """The first request of a fresh process imports and migrates: not what a user meets."""
    page = await browser.new_page()
    await page.goto(server.base_url)
    await _shown(page, page.get_by_role("button", name="Anmelden"))
    await page.close()


async def _after(seconds: float, task):
    await asyncio.sleep(seconds)
    await task


def _integrity(server: Server, rec: Recorder) -> dict:
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


# --- idle sessions --------------------------------------------------------------------------


async def _idle(server: Server, *, sessions: int) -> dict:
    opened, failures = 0, []
    gate = asyncio.Semaphore(IDLE_OPENING_AT_ONCE)
    async with async_playwright() as playwright:
        # Tabs share renderer processes: 200 tabs would otherwise start 200 renderers.
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--renderer-process-limit=8"]
        )
        await _warm_up(browser, server)
        await asyncio.sleep(3)
        before = server.rss_mb()
        contexts = [
            await browser.new_context()
            for _ in range(-(-sessions // IDLE_TABS_PER_CONTEXT))  # ceiling division
        ]

        async def open_one(number: int) -> None:
            nonlocal opened
            async with gate:
                try:
                    page = await contexts[number // IDLE_TABS_PER_CONTEXT].new_page()
                    await page.goto(server.base_url, timeout=ACTION_TIMEOUT_MS)
                    await _shown(page, page.get_by_role("button", name="Anmelden"))
                    opened += 1
                except Exception as error:
                    failures.append(_first_line(error))

        started = time.perf_counter()
        await asyncio.gather(*(open_one(number) for number in range(sessions)))
        opening = time.perf_counter() - started
        await asyncio.sleep(IDLE_HOLD_SECONDS)
        after = server.rss_mb()
        alive = sum(
            [await page.locator(IDLE).count() for context in contexts for page in context.pages]
        )
        await browser.close()
    return {
        "sessions": sessions,
        "opened": opened,
        "alive": alive,
        "failures": failures,
        "opening_seconds": opening,
        "rss_before": before,
        "rss_after": after,
        "per_session_mb": (after - before) / max(opened, 1),
    }


# --- run and report -------------------------------------------------------------------------


@contextlib.contextmanager
def _peak_memory(server: Server, every_seconds: float = 0.5) -> Iterator[dict]:
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


def run(
    *,
    users: int = USERS,
    minutes: float = MINUTES,
    idle_sessions: int = IDLE_SESSIONS,
) -> list[dict]:
    rows: list[dict] = []
    workdir = Path(tempfile.mkdtemp(prefix="active-", dir=_SCRATCH))
    pdf = workdir / "au.pdf"
    _small_pdf(pdf)
    clerks = users // CLERK_SHARE
    started = time.perf_counter()
    load_average = os.getloadavg()[0]
    with running_server(workdir, members=users - clerks, clerks=clerks) as server:
        cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
        with _peak_memory(server) as memory:
            rec = asyncio.run(_active(server, users=users, minutes=minutes, pdf=pdf, memory=memory))
        server_cores = (server.cpu_seconds() - cpu_before) / (time.perf_counter() - wall_before)
        integrity = _integrity(server, rec)
        tracebacks = server.tracebacks()
    for action, values in rec.timings.items():
        rows.append(
            {
                "kind": "action",
                "action": action,
                "count": len(values),
                "p50": statistics.median(values),
                "p95": _percentile(values, 0.95),
                "max": max(values),
            }
        )
    rows.append(
        {
            "kind": "active",
            "users": users,
            "clerks": clerks,
            "seconds": time.perf_counter() - started,
            "errors": [
                f"{where}: {error}" for where, errors in rec.errors.items() for error in errors
            ],
            "tracebacks": tracebacks,
            "server_cores": server_cores,
            "load_average": load_average,
            "rss_before": memory["before"],
            "rss_peak": memory["peak"],
            "per_active_mb": (memory["peak"] - memory["before"]) / users,
            **integrity,
        }
    )
    if idle_sessions:
        idle_dir = Path(tempfile.mkdtemp(prefix="idle-", dir=_SCRATCH))
        with running_server(idle_dir) as server:
            idle = asyncio.run(_idle(server, sessions=idle_sessions))
            idle["tracebacks"] = server.tracebacks()
        rows.append({"kind": "idle", **idle})
    return rows


def markdown(rows: list[dict]) -> str:
    active = next(row for row in rows if row["kind"] == "active")
    lines = [
        f"{active['users']} concurrent browser sessions ({active['users'] - active['clerks']} "
        f"members, {active['clerks']} clerks, think time {THINK_SECONDS[0]:.0f}-"
        f"{THINK_SECONDS[1]:.0f} s, at most {ROUNDS} rounds each) against one Streamlit process "
        f"on SQLite; {active['seconds']:.0f} s in all. Seconds from the user's action until the "
        "result is shown and the script run has ended.",
        "",
        f"Server process busy {active['server_cores']:.2f} cores on average; the browsers run on "
        f"the same machine ({os.cpu_count()} cores, load average {active['load_average']:.1f} "
        "at the start), so high figures can be the client's or a busy machine's.",
        "",
        "| action | count | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in (row for row in rows if row["kind"] == "action"):
        lines.append(
            f"| {row['action']} | {row['count']} | {row['p50']:.2f} s | {row['p95']:.2f} s "
            f"| {row['max']:.2f} s |"
        )
    lines += [
        "",
        f"- Errors: {len(active['errors'])} (each ends that user's session)"
        + "".join(f"\n  - {error}" for error in active["errors"][:10]),
        f"- Server tracebacks in the log: {active['tracebacks']}",
        f"- Submissions: {active['shown']} tracking IDs shown ({active['distinct_shown']} "
        f"distinct), {active['stored']} stored; lost {active['lost']}, stored but never "
        f"shown {active['unacknowledged']}",
        f"- Claims: {active['claims']}; claimed twice {active['double_claims']}, held by "
        f"another clerk {active['wrong_claims']}",
        f"- Server memory: {active['rss_before']:.0f} MiB when warm, {active['rss_peak']:.0f} MiB "
        f"at the peak with {active['users']} active sessions: "
        f"{active['per_active_mb']:.1f} MiB per active session",
    ]
    idle = next((row for row in rows if row["kind"] == "idle"), None)
    if idle:
        lines += [
            "",
            "| idle sessions | opened | still connected | opening | server RSS before "
            "| after | per idle session |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {idle['sessions']} | {idle['opened']} | {idle['alive']} "
            f"| {idle['opening_seconds']:.0f} s | {idle['rss_before']:.0f} MiB "
            f"| {idle['rss_after']:.0f} MiB | {idle['per_session_mb']:.2f} MiB |",
            "",
            f"- Idle errors: {len(idle['failures'])}"
            + "".join(f"\n  - {failure}" for failure in idle["failures"][:5])
            + f"; server tracebacks: {idle['tracebacks']}",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--minutes", type=float, default=MINUTES)
    parser.add_argument("--idle", type=int, default=IDLE_SESSIONS, help="0 skips idle mode")
    options = parser.parse_args()
    rows = run(users=options.users, minutes=options.minutes, idle_sessions=options.idle)
    print(markdown(rows))
    active = next(row for row in rows if row["kind"] == "active")
    return 1 if active["lost"] or active["double_claims"] or active["wrong_claims"] else 0


if __name__ == "__main__":
    sys.exit(main())
