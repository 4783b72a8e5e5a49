"""product owners: indexes for the KPI dashboard at the insurer's scale

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-22 17:00:00.000000

Hand-written; a parallel head beside the other features built on 0006 (core.migrate
upgrades "heads"). With 6 million submissions and 600,000 members:
- intake per day by type reads only the covering index (created_at, doc_type);
- the median handling time takes the newest decisions from (decided_at, created_at);
- members per service level count from an index instead of scanning every member row.
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0012'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_created_type', ['created_at', 'doc_type'], unique=False)
        batch_op.create_index('ix_submission_decided_created', ['decided_at', 'created_at'], unique=False)
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index('ix_member_service_level', ['service_level'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index('ix_member_service_level')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_decided_created')
        batch_op.drop_index('ix_submission_created_type')
