"""issued certificates: signed PDFs, payloads and the mail room's print batches

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-25 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('issued_certificate',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('cert_type', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('delivery', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('print_batch_date', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('pdf_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('blob_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['blob_id'], ['encrypted_blob.id'], ),
    sa.ForeignKeyConstraint(['issued_by_user_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['certificate_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id')
    )
    with op.batch_alter_table('issued_certificate', schema=None) as batch_op:
        batch_op.create_index('ix_issued_certificate_batch', ['delivery', 'print_batch_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_certificate_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('issued_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_certificate_member_id'))
        batch_op.drop_index('ix_issued_certificate_batch')

    op.drop_table('issued_certificate')
