"""Load on one portal process: concurrent sessions against a real `streamlit run Home.py`.

Active mode: N concurrent users. Members sign in, open 2-3 pages, send a small PDF through
the uploader and note the tracking ID shown; clerks open the overview and the inbox and claim
the next item. Bounded by rounds and by time. Reports p50/p95 per action beside the same
action done by one user alone in the same run (the baseline), errors, and whether every
tracking ID a member was shown is in the database exactly once (and every claim belongs to
the clerk who saw it).

Idle mode: M sessions that open the login page and stay; the server's RSS before and after
gives the memory one idle session costs, and each session must still answer afterwards.

Two clients drive the same journeys: `protocol` (default) speaks Streamlit's websocket
protocol (bench/load_protocol.py), light enough that the figures are the server's on one
machine; `browser` runs one Chromium context per user (bench/load_browser.py).

Run: make load   (or .venv/bin/python -m bench.load --users 20 --minutes 3 --idle 200)
"""

import argparse
import asyncio
import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_SCRATCH = Path(tempfile.mkdtemp(prefix="hek-bench-load-"))
os.environ.setdefault("HEK_MODE", "demo")
os.environ.setdefault("HEK_DATA_DIR", str(_SCRATCH))

from bench.load_support import (  # after the environment above
    CLERK_SHARE,
    ROUNDS,
    THINK_SECONDS,
    Plan,
    Recorder,
    clerk_name,
    integrity,
    member_name,
    peak_memory,
    percentile,
    running_server,
    small_pdf,
)
from bench.seed import _databases

USERS = 20
MINUTES = 3.0
IDLE_SESSIONS = 200
IDLE_HOLD_SECONDS = 15
CLIENTS = {"protocol": "bench.load_protocol", "browser": "bench.load_browser"}
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _database_urls(wanted: tuple[str, ...]) -> list[tuple[str, str | None, object]]:
    """(label, url or None for SQLite in the workdir, drop) per wanted database; PostgreSQL
    needs TEST_POSTGRES_URL (scripts/with-postgres.sh: a throwaway cluster)."""
    found = {label: (url, drop) for label, url, drop in _databases()}
    chosen = []
    for name in wanted:
        label = DATABASES[name]
        if label not in found:
            raise SystemExit(f"{label}: set TEST_POSTGRES_URL (make load runs with one)")
        url, drop = found[label]
        chosen.append((label, None if label == "SQLite" else url, drop))
    return chosen


def _active_rows(
    module,
    *,
    database: str,
    url: str | None,
    users: int,
    plan_minutes: float,
    rounds: int,
    client: str,
) -> list[dict]:
    workdir = Path(tempfile.mkdtemp(prefix="active-", dir=_SCRATCH))
    pdf = workdir / "au.pdf"
    small_pdf(pdf)
    clerks = users // CLERK_SHARE
    members = users - clerks
    started = time.perf_counter()
    load_average = os.getloadavg()[0]
    rec, solo = Recorder(), Recorder()
    # one more member and clerk account each for the solo baseline
    with running_server(
        workdir, members=members + 1, clerks=clerks + 1, database_url=url
    ) as server:
        asyncio.run(
            module.solo(
                server, solo, member=member_name(members), clerk=clerk_name(clerks), pdf=pdf
            )
        )
        cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
        with peak_memory(server) as memory:
            plan = Plan(end=time.monotonic() + plan_minutes * 60, rounds=rounds)
            asyncio.run(module.active(server, rec, users=users, plan=plan, pdf=pdf, memory=memory))
        server_cores = (server.cpu_seconds() - cpu_before) / (time.perf_counter() - wall_before)
        rec.tracking_ids += solo.tracking_ids  # the solo journeys' work is checked too
        rec.claims += solo.claims
        checked = integrity(server, rec)
        tracebacks = server.tracebacks()
        survived = server.alive()
    rows = [
        {
            "kind": "action",
            "database": database,
            "action": action,
            "count": len(values),
            "p50": statistics.median(values),
            "p95": percentile(values, 0.95),
            "max": max(values),
            "alone": statistics.median(solo.timings[action]) if solo.timings.get(action) else None,
        }
        for action, values in rec.timings.items()
    ]
    rows.append(
        {
            "kind": "active",
            "database": database,
            "client": client,
            "users": users,
            "clerks": clerks,
            "rounds": rounds,
            "seconds": time.perf_counter() - started,
            "errors": [
                f"{where}: {error}"
                for recorder in (solo, rec)
                for where, errors in recorder.errors.items()
                for error in errors
            ],
            "tracebacks": tracebacks,
            "survived": survived,
            "server_cores": server_cores,
            "load_average": load_average,
            "rss_before": memory["before"],
            "rss_peak": memory["peak"],
            "per_active_mb": (memory["peak"] - memory["before"]) / users,
            **checked,
        }
    )
    return rows


def run(
    *,
    users: int = USERS,
    minutes: float = MINUTES,
    idle_sessions: int = IDLE_SESSIONS,
    client: str = "protocol",
    rounds: int = ROUNDS,
    databases: tuple[str, ...] | None = None,
) -> list[dict]:
    """Active load per database (both when PostgreSQL is at hand), then the idle sessions."""
    module = importlib.import_module(CLIENTS[client])
    if databases is None:
        databases = ("sqlite", "postgresql") if os.environ.get("TEST_POSTGRES_URL") else ("sqlite",)
    rows: list[dict] = []
    for label, url, drop in _database_urls(databases):
        try:
            rows += _active_rows(
                module,
                database=label,
                url=url,
                users=users,
                plan_minutes=minutes,
                rounds=rounds,
                client=client,
            )
        finally:
            drop()
    if idle_sessions:
        idle_dir = Path(tempfile.mkdtemp(prefix="idle-", dir=_SCRATCH))
        with running_server(idle_dir) as server:
            idle = asyncio.run(
                module.idle(server, sessions=idle_sessions, hold_seconds=IDLE_HOLD_SECONDS)
            )
            idle["tracebacks"] = server.tracebacks()
        idle["per_session_mb"] = (idle["rss_after"] - idle["rss_before"]) / max(idle["opened"], 1)
        rows.append({"kind": "idle", **idle})
    return rows


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _active_markdown(rows: list[dict], database: str) -> list[str]:
    active = next(r for r in rows if r["kind"] == "active" and r["database"] == database)
    lines = [
        f"### {database}",
        "",
        f"{active['seconds']:.0f} s in all; server process busy {active['server_cores']:.2f} "
        f"cores on average (load average {active['load_average']:.1f} at the start).",
        "",
        "| action | count | p50 | p95 | max | one user alone (p50) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row["kind"] == "action" and row["database"] == database:
            lines.append(
                f"| {row['action']} | {row['count']} | {_seconds(row['p50'])} | "
                f"{_seconds(row['p95'])} | {_seconds(row['max'])} | {_seconds(row['alone'])} |"
            )
    return [
        *lines,
        "",
        f"- Errors: {len(active['errors'])} (each ends that user's session)"
        + "".join(f"\n  - {error}" for error in active["errors"][:10]),
        f"- Server process: {'still running' if active['survived'] else 'DIED during the run'}; "
        f"tracebacks in its log: {active['tracebacks']}",
        f"- Submissions: {active['shown']} tracking IDs shown ({active['distinct_shown']} "
        f"distinct), {active['stored']} stored; lost {active['lost']}, stored but never "
        f"shown {active['unacknowledged']}",
        f"- Claims: {active['claims']}; claimed twice {active['double_claims']}, held by "
        f"another clerk {active['wrong_claims']}",
        f"- Server memory: {active['rss_before']:.0f} MiB when warm, {active['rss_peak']:.0f} MiB "
        f"at the peak with {active['users']} active sessions: "
        f"{active['per_active_mb']:.1f} MiB per active session",
        "",
    ]


def markdown(rows: list[dict]) -> str:
    actives = [row for row in rows if row["kind"] == "active"]
    first = actives[0]
    client = (
        "sessions over Streamlit's websocket protocol (bench/streamlit_client.py: what a "
        "browser tab sends and receives, without drawing it)"
        if first["client"] == "protocol"
        else "browser sessions (one Chromium context each)"
    )
    lines = [
        f"{first['users']} concurrent {client}: {first['users'] - first['clerks']} members, "
        f"{first['clerks']} clerks, think time {THINK_SECONDS[0]:.0f}-{THINK_SECONDS[1]:.0f} s, "
        f"at most {first['rounds']} rounds each, against one Streamlit process "
        f"({os.cpu_count()} cores). Seconds from the user's action until the script run that "
        "answers it has ended. Passwords are hashed with the production cost (bcrypt 12). "
        "Baseline: the same journey by one user alone on the same server, just before. "
        "PostgreSQL is the throwaway cluster of scripts/with-postgres.sh (fsync off).",
        "",
    ]
    for active in actives:
        lines += _active_markdown(rows, active["database"])
    idle = next((row for row in rows if row["kind"] == "idle"), None)
    if idle:
        lines += [
            "### Idle sessions (SQLite)",
            "",
            "| idle sessions | opened | still answering | opening | server RSS before "
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
    return "\n".join(lines).rstrip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--minutes", type=float, default=MINUTES)
    parser.add_argument("--idle", type=int, default=IDLE_SESSIONS, help="0 skips idle mode")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="protocol")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="at most, per user")
    parser.add_argument(
        "--database",
        choices=sorted(DATABASES),
        action="append",
        help="repeatable; default: SQLite, and PostgreSQL too when TEST_POSTGRES_URL is set",
    )
    options = parser.parse_args()
    rows = run(
        users=options.users,
        minutes=options.minutes,
        idle_sessions=options.idle,
        client=options.client,
        rounds=options.rounds,
        databases=tuple(options.database) if options.database else None,
    )
    print(markdown(rows))
    broken = [
        row
        for row in rows
        if row["kind"] == "active"
        and (row["lost"] or row["double_claims"] or row["wrong_claims"] or not row["survived"])
    ]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
