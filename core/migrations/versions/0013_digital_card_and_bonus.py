"""digital insurance card and bonus programme Vorsorgeplus

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-25 10:00:00.000000

Hand-written; a parallel head beside the other features built on 0006 (core.migrate
upgrades "heads").
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('digital_card',
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('pdf_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('digital_card', schema=None) as batch_op:
        batch_op.create_index('ix_digital_card_member_valid_from', ['member_id', 'valid_from'], unique=False)

    op.create_table('bonus_enrolment',
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('applied_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ),
    sa.PrimaryKeyConstraint('member_id')
    )
    with op.batch_alter_table('bonus_enrolment', schema=None) as batch_op:
        batch_op.create_index('ix_bonus_enrolment_status_applied', ['status', 'applied_at'], unique=False)

    op.create_table('bonus_evidence',
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('evidence_date', sa.Date(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_id')
    )
    with op.batch_alter_table('bonus_evidence', schema=None) as batch_op:
        batch_op.create_index('ix_bonus_evidence_member_date', ['member_id', 'evidence_date'], unique=False)
        batch_op.create_index('ix_bonus_evidence_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bonus_evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_bonus_evidence_status')
        batch_op.drop_index('ix_bonus_evidence_member_date')

    op.drop_table('bonus_evidence')
    with op.batch_alter_table('bonus_enrolment', schema=None) as batch_op:
        batch_op.drop_index('ix_bonus_enrolment_status_applied')

    op.drop_table('bonus_enrolment')
    with op.batch_alter_table('digital_card', schema=None) as batch_op:
        batch_op.drop_index('ix_digital_card_member_valid_from')

    op.drop_table('digital_card')
