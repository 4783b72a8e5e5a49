"""smarthealth: the link member -> record reference number (insurer side only)

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-25 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('health_link',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('reference_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('activated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('terminated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('kvnr', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('member_id'),
    sa.UniqueConstraint('reference_number')
    )


def downgrade() -> None:
    op.drop_table('health_link')
