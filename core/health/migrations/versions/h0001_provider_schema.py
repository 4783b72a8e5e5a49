"""smarthealth provider schema: records, devices, sealed entries and documents, imports

Revision ID: h0001
Revises:
Create Date: 2026-11-22 16:29:25.730397
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "h0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_account",
        sa.Column("reference_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_security_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_access_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_bytes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("reference_number"),
    )
    op.create_table(
        "record_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("wrapped_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_number"],
            ["record_account.reference_number"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("record_device", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_device_reference_device", ["reference_number", "device_id"], unique=True
        )

    op.create_table(
        "record_entry",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reference_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_number"],
            ["record_account.reference_number"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("record_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_entry_reference_number"), ["reference_number"], unique=False
        )

    op.create_table(
        "record_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("covered_until", sa.Date(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_number"],
            ["record_account.reference_number"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("record_import", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_import_reference_number"), ["reference_number"], unique=False
        )

    op.create_table(
        "record_document",
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reference_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["record_entry.id"],
        ),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    with op.batch_alter_table("record_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_document_reference_number"), ["reference_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("record_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_document_reference_number"))

    op.drop_table("record_document")
    with op.batch_alter_table("record_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_import_reference_number"))

    op.drop_table("record_import")
    with op.batch_alter_table("record_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_entry_reference_number"))

    op.drop_table("record_entry")
    with op.batch_alter_table("record_device", schema=None) as batch_op:
        batch_op.drop_index("ix_record_device_reference_device")

    op.drop_table("record_device")
    op.drop_table("record_account")
