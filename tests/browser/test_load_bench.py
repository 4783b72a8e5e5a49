"""`make load` keeps working: a small run of bench/load.py over the websocket protocol.

Figures are not asserted (they belong to BENCHMARKS.md, measured on a quiet machine); what a
product owner reading the report relies on is: every session got through its journey, the
server survived, every tracking ID shown is stored once and every claim is held by its clerk.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import load

pytestmark = pytest.mark.browser


def test_a_small_load_run_loses_nothing_and_reports_every_action():
    with ThreadPoolExecutor(max_workers=1) as thread:  # asyncio.run needs a thread of its own
        rows = thread.submit(
            load.run, users=5, minutes=0.5, idle_sessions=5, rounds=1, databases=("sqlite",)
        ).result()

    active = next(row for row in rows if row["kind"] == "active")
    assert active["errors"] == []
    assert active["survived"] and active["tracebacks"] == 0
    assert active["shown"] == active["stored"] == 5  # 4 members + the solo member, 1 round
    assert active["lost"] == active["unacknowledged"] == 0
    # the solo clerk claims after the solo member has sent: at least that claim is there
    assert active["claims"] >= 1 and active["double_claims"] == active["wrong_claims"] == 0
    actions = {row["action"] for row in rows if row["kind"] == "action"}
    assert {"Anmelden", "Senden (Tracking-ID)", "Nächsten Vorgang übernehmen"} <= actions
    assert all(row["alone"] is not None for row in rows if row["kind"] == "action")
    idle = next(row for row in rows if row["kind"] == "idle")
    assert idle["opened"] == idle["alive"] == 5
    report = load.markdown(rows)
    assert "lost 0" in report and "still running" in report
