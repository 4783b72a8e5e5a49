"""keyed audit chain: audit_entry.key_id; the existing chain re-linked under the audit key

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 10:00:00.000000

Hand-written. Until now each entry's link was a plain SHA-256 over its fields and the
previous link: anyone who could write to the database could delete entries and re-link the
rest. From now on the link is an HMAC-SHA256 under HEK_AUDIT_KEY (core.audit), and key_id
names the key an entry was linked with, so a rotated key's entries stay verifiable.

The existing chain is re-linked here under the current key rather than kept as a SHA-256
prefix: the verifier could not tell, from anything an attacker cannot rewrite, where such a
prefix must end; whoever rewrites the whole chain as "old" entries would pass. Re-linked,
an entry without a key is always a break.

Each entry is first checked with the old algorithm; re-linking stops at the first entry
that fails (a deleted, changed or inserted one). That entry and all after it keep key_id
NULL and their old hashes, so verify-audit reports the break there instead of the key
laundering it. The key is needed only when there are entries: a fresh database migrates
without it, and `python -m core migrate` or the start resolve it like every secret.
"""

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from types import SimpleNamespace

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 5000
log = logging.getLogger(__name__)

_entry = sa.table(
    "audit_entry",
    sa.column("seq", sa.Integer()),
    sa.column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("actor_role", sa.String()),
    sa.column("action", sa.String()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.String()),
    sa.column("member_id", sa.Integer()),
    sa.column("details", sa.String()),
    sa.column("prev_hash", sa.String()),
    sa.column("entry_hash", sa.String()),
    sa.column("key_id", sa.String()),
)
_before_0022 = [column for column in _entry.c if column.name != "key_id"]
_head = sa.table(
    "audit_head", sa.column("id", sa.Integer()), sa.column("last_seq"), sa.column("last_hash")
)


def _sha256_link(row: SimpleNamespace) -> str:
    """The chain's link before 0022, frozen here as it was in core/audit.py."""
    payload = json.dumps(
        [
            row.seq,
            row.occurred_at.isoformat(),
            row.actor,
            row.actor_role,
            row.action,
            row.subject_type,
            row.subject_id,
            row.member_id,
            row.details,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((row.prev_hash + payload).encode()).hexdigest()


def _relink(
    columns: list,
    old_link: Callable[[SimpleNamespace], str | None],
    new_link: Callable[[SimpleNamespace], str],
    new_key_id: str | None,
) -> None:
    """Walk the chain; while each entry verifies under the old scheme, re-link it under the
    new one. The first entry that does not verify, and every entry after it, stay as they
    are; the head moves to the new chain only when the whole chain verified up to it."""
    bind = op.get_bind()
    expected_seq, old_prev, new_prev, intact = 1, GENESIS, GENESIS, True
    while intact:
        rows = bind.execute(
            sa.select(*columns)
            .where(_entry.c.seq >= expected_seq)
            .order_by(_entry.c.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        changes = []
        for row in rows:
            old = SimpleNamespace(**row._mapping)
            if (old.seq, old.prev_hash) != (expected_seq, old_prev) or old_link(old) != (
                old.entry_hash
            ):
                log.warning("Audit-Kette vor der Umstellung gebrochen bei Eintrag %d", old.seq)
                intact = False
                break
            link = new_link(SimpleNamespace(**{**row._mapping, "prev_hash": new_prev}))
            changes.append({"at": old.seq, "prev": new_prev, "link": link, "key": new_key_id})
            old_prev, new_prev, expected_seq = old.entry_hash, link, old.seq + 1
        if changes:
            bind.execute(
                _entry.update()
                .where(_entry.c.seq == sa.bindparam("at"))
                .values(
                    prev_hash=sa.bindparam("prev"),
                    entry_hash=sa.bindparam("link"),
                    key_id=sa.bindparam("key"),
                ),
                changes,
            )
    head = bind.execute(sa.select(_head.c.last_seq, _head.c.last_hash)).one()
    if intact and tuple(head) == (expected_seq - 1, old_prev):
        bind.execute(_head.update().where(_head.c.id == 1).values(last_hash=new_prev))


def _has_entries() -> bool:
    return op.get_bind().execute(sa.select(sa.func.count()).select_from(_entry)).scalar_one() > 0


def upgrade() -> None:
    # The key first: a missing one stops the migration before it has changed anything.
    audit_key = None
    if _has_entries():
        from core.audit import configured_audit_keyring

        audit_key = configured_audit_keyring().current
    op.add_column(
        "audit_entry",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    if audit_key is not None:
        from core.audit import entry_link

        _relink(
            _before_0022,
            _sha256_link,
            lambda row: entry_link(row, audit_key),
            audit_key.key_id,
        )


def downgrade() -> None:
    if _has_entries():
        from core.audit import configured_audit_keyring, entry_link

        keyring = configured_audit_keyring()

        def keyed_link(row: SimpleNamespace) -> str | None:
            audit_key = keyring.lookup(row.key_id)
            return entry_link(row, audit_key) if audit_key else None

        _relink([*_entry.c], keyed_link, _sha256_link, None)
    op.drop_column("audit_entry", "key_id")
