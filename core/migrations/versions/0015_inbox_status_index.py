"""inbox at scale (a status-first index ordered by created_at, id) and saved inbox views

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 20:00:00.000000

Hand-written. The inbox reads each status as one ordered range and seeks past the last
item of the previous page (keyset pagination); with the id in the index no page sorts,
not even among items that arrived in the same microsecond. It replaces (status, created_at),
its prefix, so the table keeps the same number of indexes.
saved_inbox_view: a clerk's named filter sets, one name once per clerk.

On PostgreSQL the index is built CONCURRENTLY (added after 0015 had first shipped; a
database that already ran it has the same index and never runs it again), first, so a
failed attempt commits nothing else and a second attempt repeats the whole swap.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.online_schema import create_index_concurrently

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _replace_status_index()
    op.create_table(
        "saved_inbox_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("filters", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_inbox_view_owner_name"),
    )


def _replace_status_index() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("submission", schema=None) as batch_op:
            batch_op.create_index(
                "ix_submission_status_created_id", ["status", "created_at", "id"], unique=False
            )
            batch_op.drop_index("ix_submission_status_created")
        return
    # CONCURRENTLY (uploads keep arriving meanwhile) cannot run inside a transaction.
    with op.get_context().autocommit_block():
        create_index_concurrently(
            "ix_submission_status_created_id", "submission", ["status", "created_at", "id"]
        )
        op.drop_index(
            "ix_submission_status_created",
            table_name="submission",
            postgresql_concurrently=True,
            if_exists=True,
        )


def downgrade() -> None:
    op.drop_table("saved_inbox_view")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submission_status_created", ["status", "created_at"], unique=False
        )
        batch_op.drop_index("ix_submission_status_created_id")
