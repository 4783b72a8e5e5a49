"""inbox processing: claim, decision and notes on submissions

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_clerk_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('member_message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))
        batch_op.add_column(sa.Column('internal_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch_op.create_index(batch_op.f('ix_submission_assigned_clerk_id'), ['assigned_clerk_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_submission_assigned_clerk', 'user_account', ['assigned_clerk_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_constraint('fk_submission_assigned_clerk', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submission_assigned_clerk_id'))
        for column in ('internal_note', 'member_message', 'department', 'decided_at', 'claimed_at', 'assigned_clerk_id'):
            batch_op.drop_column(column)
