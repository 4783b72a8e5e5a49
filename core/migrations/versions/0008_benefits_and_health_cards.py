"""benefits catalogue and health card requests

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-25 10:00:00.000000

A parallel head beside 0006/0007 (core.migrate upgrades "heads"). The catalogue's rows are
not inserted here: core.benefits.seed_catalogue fills an empty table from
core/content/benefits.json (called by seed_demo and on the first catalogue access).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('benefit',
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('life_situation', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('eligibility', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('what_to_send', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('keywords', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('benefit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_slug'), ['slug'], unique=True)

    op.create_table('health_card_request',
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('tracking_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_user_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('health_card_request', schema=None) as batch_op:
        batch_op.create_index('ix_health_card_request_member_created', ['member_id', 'created_at'], unique=False)
        batch_op.create_index('ix_health_card_request_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_card_request_tracking_id'), ['tracking_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('health_card_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_card_request_tracking_id'))
        batch_op.drop_index('ix_health_card_request_status_created')
        batch_op.drop_index('ix_health_card_request_member_created')

    op.drop_table('health_card_request')
    with op.batch_alter_table('benefit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_slug'))

    op.drop_table('benefit')
