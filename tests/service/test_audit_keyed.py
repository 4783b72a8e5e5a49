"""The keyed audit chain: whoever can write to the database but lacks HEK_AUDIT_KEY cannot
re-link it after removing an entry, and a rotated key's entries stay verifiable."""

from itertools import pairwise

import pytest
from sqlalchemy import text

from core import audit, crypto
from core.db import session_scope
from core.models.audit import AuditEntry, AuditHead
from core.settings import get_secrets
from tests.service.audit_chain import (
    append,
    entries,
    public_sha256_link,
    run_core,
)

OLD_KEY = crypto.generate_audit_key("ak-2025")
NEW_KEY = crypto.generate_audit_key("ak-2026")


@pytest.fixture
def audit_keys(monkeypatch):
    """Configure the audit keys of this process (and of the CLI it starts) as an operator does:
    `audit_keys(current, *older)`. Afterwards the secrets are resolved afresh."""

    def configure(current: crypto.AuditKey, *older: crypto.AuditKey) -> None:
        monkeypatch.setenv("HEK_AUDIT_KEY", crypto.audit_key_to_text(current))
        monkeypatch.setenv("HEK_OLD_AUDIT_KEYS", ",".join(map(crypto.audit_key_to_text, older)))
        get_secrets.cache_clear()

    yield configure
    monkeypatch.undo()
    get_secrets.cache_clear()


def _delete_and_rechain_with_public_sha256(engine, *, seq: int) -> None:
    """The incident: one entry deleted, the later ones renumbered and re-linked with the
    published SHA-256 algorithm, the head updated. Entries before it are left as they were."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq = :seq"), {"seq": seq})
        last = connection.execute(text("SELECT max(seq) FROM audit_entry")).scalar_one()
        for later in range(seq + 1, last + 1):  # upwards, so no two rows share a seq
            connection.execute(
                text("UPDATE audit_entry SET seq = :new WHERE seq = :old"),
                {"new": later - 1, "old": later},
            )
    with session_scope(write=True, engine=engine) as session:
        prev = session.get(AuditEntry, seq - 1).entry_hash
        for entry in [entry for entry in entries(engine) if entry.seq >= seq]:
            entry.prev_hash, entry.entry_hash = prev, ""
            entry.entry_hash = prev = public_sha256_link(entry)
            session.merge(entry)
        head = session.get(AuditHead, 1)
        head.last_seq, head.last_hash = last - 1, prev
        session.add(head)
        session.commit()


def _consistent_under_public_sha256(rows: list[AuditEntry]) -> bool:
    return all(row.entry_hash == public_sha256_link(row) for row in rows[4:]) and all(
        row.prev_hash == before.entry_hash for before, row in pairwise(rows)
    )


def test_deleting_an_entry_and_rechaining_with_public_sha256_is_reported_at_the_first_break(
    engine,
):
    append(engine, 10)
    _delete_and_rechain_with_public_sha256(engine, seq=5)
    rows = entries(engine)
    # The forgery is complete: no gap, every link in place, the head on the last entry.
    assert [row.seq for row in rows] == list(range(1, 10))
    assert _consistent_under_public_sha256(rows)

    result = run_core(engine, "verify-audit")

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Eintrag 5: Inhalt oder Prüfsumme wurde verändert")
    assert lines[1] == "Audit-Protokoll BESCHÄDIGT ab Eintrag 5; die Einträge 1 bis 4 sind intakt."
    assert len(lines) == 2  # the first break only, not every entry after it


def test_an_entry_records_the_key_it_was_linked_with(engine):
    append(engine, 2)
    configured = audit.configured_audit_keyring().current
    assert {row.key_id for row in entries(engine)} == {configured.key_id}
    assert all(row.entry_hash != public_sha256_link(row) for row in entries(engine))


def test_after_a_rotation_old_entries_verify_with_the_old_key_and_fail_without_it(
    engine,
    audit_keys,
):
    audit_keys(OLD_KEY)
    append(engine, 3)
    audit_keys(NEW_KEY, OLD_KEY)
    append(engine, 2)
    rows = entries(engine)
    assert [row.key_id for row in rows] == ["ak-2025"] * 3 + ["ak-2026"] * 2
    assert rows[3].prev_hash == rows[2].entry_hash  # the new key continues the same chain

    with_old = run_core(engine, "verify-audit")
    without_old = run_core(engine, "verify-audit", HEK_OLD_AUDIT_KEYS="")

    assert with_old.returncode == 0, with_old.stdout
    assert "intakt: 5 Einträge" in with_old.stdout
    assert without_old.returncode == 1
    assert without_old.stdout.startswith(
        "Eintrag 1: mit dem Schlüssel „ak-2025“ verkettet, der nicht konfiguriert ist"
    )
    assert "HEK_OLD_AUDIT_KEYS" in without_old.stdout


def test_an_entry_relinked_under_another_key_with_the_same_id_is_refused(
    engine,
    audit_keys,
):
    audit_keys(OLD_KEY)
    append(engine, 3)
    impostor = crypto.AuditKey(key_id="ak-2025", key=b"\x07" * 32)
    with session_scope(write=True, engine=engine) as session:
        entry = session.get(AuditEntry, 3)
        entry.details = '{"geändert": true}'
        entry.entry_hash = audit.entry_link(entry, impostor)
        head = session.get(AuditHead, 1)
        head.last_hash = entry.entry_hash
        session.add_all([entry, head])
        session.commit()
    with session_scope(engine=engine) as session:
        report = audit.verify_chain(session)
    assert report.first_break is not None and report.first_break.seq == 3
    assert "verändert" in report.first_break.reason
    assert report.entries == 2


def test_an_entry_without_a_key_id_is_a_break(engine):
    append(engine, 3)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET key_id = NULL WHERE seq = 2"))
    with session_scope(engine=engine) as session:
        report = audit.verify_chain(session)
    assert report.first_break.seq == 2
    assert "nicht mit dem Audit-Schlüssel verkettet" in report.first_break.reason


def test_a_key_id_that_is_no_key_id_is_not_printed(engine):
    append(engine, 2)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_entry SET key_id = :bad WHERE seq = 1"), {"bad": "\x1b[2Jak"}
        )
    with session_scope(engine=engine) as session:
        reason = audit.verify_chain(session).first_break.reason
    assert "\x1b" not in reason and "(ungültig)" in reason
