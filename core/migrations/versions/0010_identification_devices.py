"""identification (Nect Wallet: Robo-Ident, eID) and registered devices

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-25 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('identification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('procedure', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('level_reached', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('steps_done', sa.Integer(), nullable=False),
    sa.Column('pin_failures', sa.Integer(), nullable=False),
    sa.Column('challenge', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('failure_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.create_index('ix_identification_member_started', ['member_id', 'started_at'], unique=False)

    op.create_table('registered_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('device_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('pin_hash', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('pin_failures', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoke_reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('device_token_hash')
    )
    with op.batch_alter_table('registered_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registered_device_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registered_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registered_device_user_id'))

    op.drop_table('registered_device')
    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.drop_index('ix_identification_member_started')

    op.drop_table('identification')
