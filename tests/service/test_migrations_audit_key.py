"""Migration 0022: a chain written with the old plain SHA-256 is re-linked under the audit key,
except from an entry that was already broken, where the break stays visible."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlmodel
from alembic import command
from sqlalchemy import Integer, String, column, insert, table, text, update

from core import audit, migrate
from core.db import session_scope
from core.errors import MissingSecrets
from core.settings import get_secrets, get_settings
from tests.service.audit_chain import entries, public_sha256_link

GENESIS = "0" * 64
AUDIT_AT_0021 = table(
    "audit_entry",
    column("seq", Integer),
    column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    *(
        column(name, String)
        for name in ("actor", "actor_role", "action", "subject_type", "subject_id")
    ),
    column("member_id", Integer),
    *(column(name, String) for name in ("details", "prev_hash", "entry_hash")),
)
HEAD = table("audit_head", column("id", Integer), column("last_seq"), column("last_hash"))


def _to(engine, revision: str) -> None:
    config = migrate.alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _old_chain(engine, count: int) -> list[dict]:
    """`count` entries as the code before 0022 wrote them, with the head on the last."""
    start = datetime(2026, 11, 30, 8, 15, 30, 123456, tzinfo=UTC)
    rows, prev = [], GENESIS
    for seq in range(1, count + 1):
        row = {
            "seq": seq,
            "occurred_at": start + timedelta(minutes=seq),
            "actor": "clerk",
            "actor_role": "clerk",
            "action": "view_member",
            "subject_type": "member",
            "subject_id": str(seq),
            "member_id": seq if seq % 2 else None,
            "details": '{"Grund": "Prüfung"}',
            "prev_hash": prev,
        }
        row["entry_hash"] = prev = public_sha256_link(type("Row", (), row))
        rows.append(row)
    with engine.begin() as connection:
        connection.execute(insert(AUDIT_AT_0021), rows)
        connection.execute(update(HEAD).values(last_seq=count, last_hash=prev))
    return rows


def test_an_intact_old_chain_is_relinked_under_the_audit_key(engine):
    _to(engine, "0021")
    old = _old_chain(engine, 7)

    migrate.upgrade(engine)

    relinked = entries(engine)
    key_id = audit.configured_audit_keyring().current.key_id
    assert [row.key_id for row in relinked] == [key_id] * 7
    assert [row.subject_id for row in relinked] == [row["subject_id"] for row in old]
    assert all(row.entry_hash != public_sha256_link(row) for row in relinked)
    with session_scope(engine=engine) as session:
        report = audit.verify_chain(session)
    assert report.intact and report.entries == 7


def test_an_old_chain_broken_before_the_key_stays_broken_at_the_same_entry(engine):
    _to(engine, "0021")
    _old_chain(engine, 6)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET actor = 'jemand' WHERE seq = 4"))

    migrate.upgrade(engine)

    assert [row.key_id is not None for row in entries(engine)] == [True] * 3 + [False] * 3
    with session_scope(engine=engine) as session:
        report = audit.verify_chain(session)
    assert report.first_break.seq == 4
    assert "nicht mit dem Audit-Schlüssel verkettet" in report.first_break.reason


def test_downgrade_restores_a_chain_the_old_code_verifies(engine):
    _to(engine, "0021")
    old = _old_chain(engine, 5)
    migrate.upgrade(engine)

    _to(engine, "0021")

    with engine.connect() as connection:
        rows = connection.execute(AUDIT_AT_0021.select().order_by(text("seq"))).all()
        head = connection.execute(HEAD.select()).one()
    assert [row.entry_hash for row in rows] == [row["entry_hash"] for row in old]
    assert (head.last_seq, head.last_hash) == (5, old[-1]["entry_hash"])
    migrate.upgrade(engine)


def test_without_an_audit_key_outside_demo_mode_the_migration_changes_nothing(engine, monkeypatch):
    _to(engine, "0021")
    old = _old_chain(engine, 2)
    monkeypatch.setenv("HEK_MODE", "production")
    monkeypatch.delenv("HEK_AUDIT_KEY", raising=False)
    get_settings.cache_clear()
    get_secrets.cache_clear()
    try:
        with pytest.raises(MissingSecrets) as refusal:
            migrate.upgrade(engine)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        get_secrets.cache_clear()

    assert "HEK_AUDIT_KEY" in refusal.value.message
    assert migrate.current_revision(engine) == "0021"
    with engine.connect() as connection:
        rows = connection.execute(AUDIT_AT_0021.select().order_by(text("seq"))).all()
    assert [row.entry_hash for row in rows] == [row["entry_hash"] for row in old]
