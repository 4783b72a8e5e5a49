"""Posteingang at scale: the inbox query and the page's first render, beside bare baselines.

The database: BENCH_INBOX_MEMBERS synthetic members (default 100,000: about one million
documents over six years, nearly all decided) and the demo personas, seeded in bulk by
core.scale_seed; PostgreSQL when TEST_POSTGRES_URL is set (as `make bench` does), else SQLite.

- inbox query: `core.inbox.list_inbox` (first page of the open and of the decided items,
  a page further on by seek, with the bounded count); baseline: 25 rows by primary key.
- first render: the Posteingang page under AppTest, signed in as a clerk, through Home.py's
  gatekeeper; baseline: a bare Streamlit page with `st.dataframe` of the same 25 rows.

Run: .venv/bin/python bench/inbox.py  (BENCH_INBOX_MEMBERS=20000 for a quicker run).
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HEK_MODE", "demo")
os.environ.setdefault("HEK_DATA_DIR", tempfile.mkdtemp(prefix="hek-bench-inbox-"))
os.environ.setdefault("HEK_BCRYPT_ROUNDS", "4")  # the login is not what is measured

from sqlalchemy import Engine, text
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from bench.seed import _databases
from bench.smarthealth import _paired_medians_ms
from core import documents, inbox, migrate, scale_seed, seed
from core.actors import Actor
from core.db import get_engine, make_engine, session_scope
from core.models.accounts import Role
from core.settings import get_settings
from ui.components import format_moment

MEMBERS = int(os.environ.get("BENCH_INBOX_MEMBERS", "100000"))
CLERK = "sachbearbeitung"
HOME = str(ROOT / "Home.py")
INBOX_PAGE = "pages/clerk_inbox.py"
DECIDED = inbox.InboxFilter(statuses=("erledigt", "abgelehnt", "rueckfrage"))
BARE_PAGE = """
import json
import streamlit as st

st.title("Posteingang")
st.dataframe(json.loads(ROWS), hide_index=True, width="stretch")
"""


class _NavigationFirst(PagesManager):
    """As a running server does after Home.py's st.navigation (see tests/app/conftest.py)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def _seed(engine: Engine) -> int:
    migrate.upgrade(engine)
    seed.seed_demo(engine, members=MEMBERS)
    scale_seed.seed_submissions(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE submission"))
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM submission")).scalar_one()


def _clerk(engine: Engine) -> Actor:
    with engine.connect() as connection:
        user_id = connection.execute(
            text("SELECT id FROM user_account WHERE username = :name"), {"name": CLERK}
        ).scalar_one()
    return Actor(user_id=user_id, username=CLERK, role=Role.CLERK, display_name=CLERK)


def _query_rows(engine: Engine, documents_total: int) -> list[dict]:
    clerk = _clerk(engine)

    def listing(criteria, *, after=None):
        with session_scope(engine=engine) as session:
            # the query alone: the page's once-per-look audit write is in the render figure
            return inbox.list_inbox(
                session, actor=clerk, criteria=criteria, after=after, record_view=False
            )

    def by_primary_key() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM submission WHERE id <= 25")).all()

    further = listing(DECIDED)
    for _ in range(20):  # page 21 of the decided items
        further = listing(DECIDED, after=further.next_cursor) if further.next_cursor else further
    cases = {
        "inbox query: open items, first page": lambda: listing(inbox.InboxFilter()),
        "inbox query: decided items, first page": lambda: listing(DECIDED),
        "inbox query: decided items, page 22 (seek)": lambda: listing(
            DECIDED, after=further.next_cursor
        ),
    }
    rows = []
    for name, action in cases.items():
        ours, baseline = _paired_medians_ms(action, by_primary_key)
        rows.append(_row(name, documents_total, ours, baseline))
    return rows


def _point_app_at(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    get_engine.cache_clear()


def _signed_in() -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=120).run()
    at.text_input[0].input(CLERK)
    at.text_input[1].input(seed.DEMO_PASSWORD)
    return at.button(key="FormSubmitter:Login-Anmelden").click().run()


def _shown_rows(engine: Engine) -> list[dict]:
    """The open items' first page as the inbox page shows them (the bare page's data)."""
    with session_scope(engine=engine) as session:
        page = inbox.list_inbox(
            session, actor=_clerk(engine), criteria=inbox.InboxFilter(), record_view=False
        )
    return [
        {
            "Überfällig": "⚠ überfällig" if item.overdue else "",
            "Eingang": format_moment(item.created_at),
            "Art": documents.DOCUMENT_TYPES.get(item.doc_type, item.doc_type),
            "Versicherte/r": f"{item.member_name} ({item.kvnr})",
            "Status": documents.STATUS_LABELS.get(item.status, item.status),
            "Bearbeitung": item.assigned_clerk or "–",
            "Tracking-ID": item.tracking_id,
        }
        for item in page.items
    ]


def _render_row(engine: Engine, url: str, documents_total: int) -> dict:
    _point_app_at(url)
    bare = f"ROWS = {json.dumps(json.dumps(_shown_rows(engine)))}\n{BARE_PAGE}"
    app_test_module.PagesManager = _NavigationFirst
    timings: dict[str, list[float]] = {"inbox": [], "bare": []}

    def timed_run(name: str, at: AppTest) -> AppTest:
        started = time.perf_counter()
        at.run()
        timings[name].append(time.perf_counter() - started)
        if at.exception or not at.dataframe:
            raise RuntimeError(f"the page did not render: {at.exception}")
        return at

    try:
        # Each run: a browser session that is already running (signed in, or the bare page
        # shown once), then one script run that renders the rows: the switch to the inbox,
        # a rerun of the bare page.
        _paired_medians_ms(
            lambda: timed_run("inbox", _signed_in().switch_page(INBOX_PAGE)),
            lambda: timed_run("bare", AppTest.from_string(bare, default_timeout=120).run()),
        )
    finally:
        app_test_module.PagesManager = PagesManager
        PagesManager.uses_pages_directory = None
    ours, baseline = (
        statistics.median(timings[name][1:]) * 1000  # the first run was the warm-up
        for name in ("inbox", "bare")
    )
    return _row("first render: Posteingang (AppTest, clerk)", documents_total, ours, baseline)


def _row(name: str, documents_total: int, ours: float, baseline: float) -> dict:
    return {
        "benchmark": name,
        "documents": documents_total,
        "value": ours,
        "baseline": baseline,
        "ratio": ours / baseline,
    }


def run() -> list[dict]:
    """Rows: benchmark, documents, value (ms), baseline (ms), ratio."""
    label, url, drop = _databases()[-1]  # PostgreSQL when available
    engine = make_engine(url)
    try:
        total = _seed(engine)
        rows = [*_query_rows(engine, total), _render_row(engine, url, total)]
        for row in rows:
            row["backend"] = label
        return rows
    finally:
        get_engine().dispose()
        engine.dispose()
        drop()


def markdown(rows: list[dict]) -> str:
    lines = [
        "| benchmark | database | documents | ours | baseline | ratio |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['benchmark']} | {row['backend']} | {row['documents']:,} | "
            f"{row['value']:,.1f} ms | {row['baseline']:,.1f} ms | {row['ratio']:.1f} |"
        )
    lines.append(
        "\nBaselines: for the queries, 25 submission rows read by primary key; for the render, "
        "a bare Streamlit page (AppTest) showing the same 25 rows with `st.dataframe`. A render "
        "is one script run in a running session: the switch to the inbox right after signing "
        "in, a rerun of the bare page after its first run. Size: BENCH_INBOX_MEMBERS members "
        "(about ten documents each; 100,000 for one million documents)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(f"{MEMBERS:,} members\n")
    print(markdown(run()))
