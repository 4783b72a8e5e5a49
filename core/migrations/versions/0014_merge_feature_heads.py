"""merge the feature branches built side by side in the founding session

Revision ID: 0014
Revises: 0007, 0008, 0009, 0010, 0011, 0012, 0013
Create Date: 2026-11-22 19:30:00.000000

No schema change: one head again, so later migrations have a single parent.
"""
from collections.abc import Sequence

revision: str = '0014'
down_revision: tuple[str, ...] = ('0007', '0008', '0009', '0010', '0011', '0012', '0013')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
