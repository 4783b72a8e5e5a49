"""family members and certificate requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('family_member',
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('kvnr', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('relation', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_member_id', 'kvnr', name='uq_family_member_owner_kvnr')
    )
    with op.batch_alter_table('family_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_member_owner_member_id'), ['owner_member_id'], unique=False)

    op.create_table('certificate_request',
    sa.Column('cert_type', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('delivery', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('fulfilled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_user_id', sa.Integer(), nullable=False),
    sa.Column('requester_member_id', sa.Integer(), nullable=False),
    sa.Column('subject_member_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['requester_member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['subject_member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('certificate_request', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_request_requester_created', ['requester_member_id', 'created_at'], unique=False)
        batch_op.create_index('ix_certificate_request_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_request_subject_member_id'), ['subject_member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('certificate_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_request_subject_member_id'))
        batch_op.drop_index('ix_certificate_request_status_created')
        batch_op.drop_index('ix_certificate_request_requester_created')

    op.drop_table('certificate_request')
    with op.batch_alter_table('family_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_member_owner_member_id'))

    op.drop_table('family_member')
