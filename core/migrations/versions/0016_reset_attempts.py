"""rate limit of the public password reset: reset_attempt

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-22 19:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reset_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("attempted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_reset_attempt_subject_at", "reset_attempt", ["subject", "attempted_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reset_attempt_subject_at", table_name="reset_attempt")
    op.drop_table("reset_attempt")
