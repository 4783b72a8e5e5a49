"""certificate requests for a KVNR that matches no member: certificate_request.typed_kvnr

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-09 10:00:00.000000

A request for another person whose number matches no member is answered like any other and
kept for a clerk to check (status 'pruefen'); it has no subject member, only the typed number.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificate_request") as batch_op:
        batch_op.add_column(
            sa.Column("typed_kvnr", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
        batch_op.alter_column("subject_member_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM certificate_request WHERE subject_member_id IS NULL")
    with op.batch_alter_table("certificate_request") as batch_op:
        batch_op.alter_column("subject_member_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("typed_kvnr")
