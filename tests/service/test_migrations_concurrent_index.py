"""On PostgreSQL, a migration that changes or indexes a busy table does not hold up writes to
it (uploads to the inbox, new members) while it waits for the writes already in progress."""

import threading
import time

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, insert, text

from core import migrate
from core.clock import utcnow
from core.db import make_engine
from core.kvnr import make_kvnr
from core.models.documents import Submission
from tests.conftest import fresh_postgres_url
from tests.factories import member_values

pytestmark = pytest.mark.postgres


def _downgrade(engine: Engine, revision: str) -> None:
    config = migrate.alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _member(number: int, _member_id: int) -> dict:
    return member_values(kvnr=make_kvnr(f"C{number:08d}"), last_name=f"Nebenläufig{number}")


# A member row as every revision before 0020 has it (the model's table names its later columns).
MEMBER_BEFORE_0020 = sa.table("member", sa.column("id"), *map(sa.column, _member(0, 0)))


def _submission(number: int, member_id: int) -> dict:
    now = utcnow()
    return {
        "tracking_id": f"NEBENLAEUFIG{number}",
        "member_id": member_id,
        "channel": "post",
        "doc_type": "au",
        "page_count": 1,
        "size": 100,
        "status": "eingegangen",
        "created_at": now,
        "updated_at": now,
    }


def _wait_until_the_migration_waits_for_a_lock(engine: Engine) -> None:
    deadline = time.monotonic() + 20
    with engine.connect() as observer:
        while time.monotonic() < deadline:
            waiting = observer.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            observer.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the migration never waited for the open write")


@pytest.mark.parametrize(
    ("revision", "table", "row"),
    [
        pytest.param("0017", MEMBER_BEFORE_0020, _member, id="0018 member name indexes"),
        pytest.param("0014", Submission.__table__, _submission, id="0015 inbox status index"),
        pytest.param("0019", MEMBER_BEFORE_0020, _member, id="0020 member search columns"),
    ],
)
def test_a_write_is_not_held_up_while_a_migration_builds_an_index(revision, table, row):
    engine = make_engine(fresh_postgres_url())
    _downgrade(engine, revision)
    with engine.begin() as connection:
        member_id = connection.execute(
            insert(MEMBER_BEFORE_0020).returning(MEMBER_BEFORE_0020.c.id), _member(0, 0)
        ).scalar_one()
    # A write already in progress: any index build has to wait until it ends. A plain
    # CREATE INDEX queues for a lock that makes every later write queue behind it too.
    in_progress = engine.connect()
    in_progress.execute(insert(table), row(1, member_id))
    outcome: dict[str, object] = {}

    def upgrade() -> None:
        try:
            outcome["revision"] = migrate.upgrade(engine)
        except Exception as error:  # reported by the assert below
            outcome["error"] = error

    upgrading = threading.Thread(target=upgrade)
    upgrading.start()
    try:
        _wait_until_the_migration_waits_for_a_lock(engine)
        with engine.connect() as later:
            later.execute(text("SET lock_timeout = '2s'"))
            later.execute(insert(table), row(2, member_id))
            later.commit()
    finally:
        in_progress.rollback()
        in_progress.close()
        upgrading.join(timeout=60)
        engine.dispose()
    assert outcome == {"revision": migrate.head_revision()}
