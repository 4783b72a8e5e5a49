"""The audit chain as tests drive it: appends, the operator's command line, an attacker's tools."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import select

from core import audit
from core.actors import Actor
from core.db import session_scope
from core.models.accounts import Role
from core.models.audit import AuditEntry, AuditHead

ROOT = Path(__file__).parents[2]
CLERK = Actor(user_id=1, username="clerk", role=Role.CLERK, display_name="Clerk")


def append(engine: Engine, count: int) -> None:
    for number in range(count):
        with session_scope(write=True, engine=engine) as session:
            audit.record(
                session, actor=CLERK, action="view_member", subject_type="member", subject_id=number
            )
            session.commit()


def entries(engine: Engine) -> list[AuditEntry]:
    with session_scope(engine=engine) as session:
        rows = session.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()
        return [AuditEntry.model_validate(row) for row in rows]


def public_sha256_link(entry) -> str:
    """The chain's link before the key: plain SHA-256, computable by anyone with the rows."""
    fields = [
        entry.seq,
        entry.occurred_at.isoformat(),
        entry.actor,
        entry.actor_role,
        entry.action,
        entry.subject_type,
        entry.subject_id,
        entry.member_id,
        entry.details,
    ]
    payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((entry.prev_hash + payload).encode()).hexdigest()


def truncate_tail(engine: Engine, *, keep: int) -> None:
    """Delete every entry after `keep` and set the head back, as someone with database access
    can; the remaining chain is untouched and verifies."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq > :keep"), {"keep": keep})
    with session_scope(write=True, engine=engine) as session:
        head = session.get(AuditHead, 1)
        head.last_seq = keep
        head.last_hash = session.get(AuditEntry, keep).entry_hash
        session.add(head)
        session.commit()


def run_core(engine: Engine, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m core ARGS` on this database; env overrides (a value "" removes a variable)."""
    environment = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        **env,
    }
    environment = {name: value for name, value in environment.items() if value != ""}
    result = subprocess.run(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result
