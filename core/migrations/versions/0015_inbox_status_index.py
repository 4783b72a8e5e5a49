"""inbox at scale (a status-first index ordered by created_at, id) and saved inbox views

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 20:00:00.000000

Hand-written. The inbox reads each status as one ordered range and seeks past the last
item of the previous page (keyset pagination); with the id in the index no page sorts,
not even among items that arrived in the same microsecond. It replaces (status, created_at),
its prefix, so the table keeps the same number of indexes.
saved_inbox_view: a clerk's named filter sets, one name once per clerk.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('saved_inbox_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('filters', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'name', name='uq_saved_inbox_view_owner_name')
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(
            'ix_submission_status_created_id', ['status', 'created_at', 'id'], unique=False
        )
        batch_op.drop_index('ix_submission_status_created')


def downgrade() -> None:
    op.drop_table('saved_inbox_view')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(
            'ix_submission_status_created', ['status', 'created_at'], unique=False
        )
        batch_op.drop_index('ix_submission_status_created_id')
