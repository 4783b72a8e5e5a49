"""clerk name search without a scan of member: indexes on lower(last_name), lower(first_name)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-23 09:30:00.000000

Hand-written. core.members.search_members matches a typed prefix against lower(last_name)
or lower(first_name) (a full name "anna m" is narrowed by its first word on first_name);
these index exactly those expressions. PostgreSQL answers `LIKE 'müll%'` from an index
only with text_pattern_ops (whatever the database collation); SQLite never uses an index
for LIKE on an expression, so there the search asks for a range of the same expression.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.online_schema import create_index_concurrently

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED_COLUMNS = {
    "ix_member_last_name_lower": "last_name",
    "ix_member_first_name_lower": "first_name",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, column in INDEXED_COLUMNS.items():
            op.create_index(name, "member", [sa.text(f"lower({column})")])
        return
    # CONCURRENTLY (members can still be written meanwhile) cannot run in a transaction.
    with op.get_context().autocommit_block():
        for name, column in INDEXED_COLUMNS.items():
            create_index_concurrently(
                name, "member", [sa.text(f"lower({column}) text_pattern_ops")]
            )


def downgrade() -> None:
    for name in INDEXED_COLUMNS:
        op.drop_index(name, table_name="member")
