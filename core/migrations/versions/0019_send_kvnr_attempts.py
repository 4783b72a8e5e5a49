"""limit on other people's KVNRs per account in "Dokument senden": send_kvnr_attempt

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_kvnr_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kvnr_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("attempted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_send_kvnr_attempt_account_at",
        "send_kvnr_attempt",
        ["account_id", "attempted_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_send_kvnr_attempt_account_at", table_name="send_kvnr_attempt")
    op.drop_table("send_kvnr_attempt")
