"""merge the inbox index (0015) and the password-reset rate limit (0016)

Revision ID: 0017
Revises: 0015, 0016
Create Date: 2026-11-23 09:00:00.000000

No schema change: both branched off 0014 side by side; one head again, so later
migrations have a single parent.
"""

from collections.abc import Sequence

revision: str = "0017"
down_revision: tuple[str, ...] = ("0015", "0016")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
