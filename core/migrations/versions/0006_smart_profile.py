"""smart profile: preferences, bank accounts, insurance periods, earnings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_preference',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('app_communication', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('member_id')
    )
    op.create_table('bank_account',
    sa.Column('iban', sqlmodel.sql.sqltypes.AutoString(length=34), nullable=False),
    sa.Column('bic', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
    sa.Column('account_holder', sqlmodel.sql.sqltypes.AutoString(length=70), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bank_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_account_member_id'), ['member_id'], unique=False)

    op.create_table('insurance_period',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('insurance_period', schema=None) as batch_op:
        batch_op.create_index('ix_insurance_period_member_start', ['member_id', 'start'], unique=False)

    op.create_table('earning',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('earning', schema=None) as batch_op:
        batch_op.create_index('ix_earning_member_year', ['member_id', 'year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('earning', schema=None) as batch_op:
        batch_op.drop_index('ix_earning_member_year')

    op.drop_table('earning')
    with op.batch_alter_table('insurance_period', schema=None) as batch_op:
        batch_op.drop_index('ix_insurance_period_member_start')

    op.drop_table('insurance_period')
    with op.batch_alter_table('bank_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_account_member_id'))

    op.drop_table('bank_account')
    op.drop_table('member_preference')
