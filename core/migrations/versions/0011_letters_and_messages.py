"""letters and messages: Postfach letters with replies, messenger conversations

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-24 12:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('reply_to_letter_id', sa.Integer(), nullable=True),
    sa.Column('template_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body_blob_id', sa.Integer(), nullable=True),
    sa.Column('pdf_blob_id', sa.Integer(), nullable=True),
    sa.Column('signature', sa.LargeBinary(), nullable=True),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('attachment_blob_id', sa.Integer(), nullable=True),
    sa.Column('attachment_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('attachment_mime', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('attachment_size', sa.Integer(), nullable=True),
    sa.Column('author_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['attachment_blob_id'], ['encrypted_blob.id'], ),
    sa.ForeignKeyConstraint(['author_user_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['body_blob_id'], ['encrypted_blob.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['pdf_blob_id'], ['encrypted_blob.id'], ),
    sa.ForeignKeyConstraint(['reply_to_letter_id'], ['letter.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index('ix_letter_direction_read', ['direction', 'read_at'], unique=False)
        batch_op.create_index('ix_letter_member_created', ['member_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_reply_to_letter_id'), ['reply_to_letter_id'], unique=False)

    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_conversation_status_updated', ['status', 'updated_at'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('body_blob_id', sa.Integer(), nullable=True),
    sa.Column('attachment_blob_id', sa.Integer(), nullable=True),
    sa.Column('attachment_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('attachment_mime', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('attachment_size', sa.Integer(), nullable=True),
    sa.Column('filed_submission_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['attachment_blob_id'], ['encrypted_blob.id'], ),
    sa.ForeignKeyConstraint(['author_user_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['body_blob_id'], ['encrypted_blob.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['filed_submission_id'], ['submission.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_conversation_created', ['conversation_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_conversation_created')

    op.drop_table('message')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_status_updated')
        batch_op.drop_index(batch_op.f('ix_conversation_member_id'))

    op.drop_table('conversation')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_reply_to_letter_id'))
        batch_op.drop_index('ix_letter_member_created')
        batch_op.drop_index('ix_letter_direction_read')

    op.drop_table('letter')
