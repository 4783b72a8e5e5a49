"""smarthealth: the member's sealed timeline index; device password lockout

Revision ID: h0002
Revises: h0001
Create Date: 2026-11-22 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "h0002"
down_revision: str | None = "h0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_index",
        sa.Column("reference_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reference_number"], ["record_account.reference_number"]),
        sa.PrimaryKeyConstraint("reference_number"),
    )
    with op.batch_alter_table("record_device") as batch:
        batch.add_column(
            sa.Column("password_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("password_locked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("record_device") as batch:
        batch.drop_column("password_locked_at")
        batch.drop_column("password_failures")
    op.drop_table("record_index")
