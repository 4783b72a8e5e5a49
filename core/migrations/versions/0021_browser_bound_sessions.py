"""browser-bound sessions: user_session.handoff_hash, handoff_expires_at, user_agent,
device_id

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 20:30:00.000000

Hand-written. A sign-in in the browser no longer keeps its token in Streamlit's session
state: the login form opens the session with a one-time hand-off code (only its SHA-256 is
stored, valid for a minute), the browser is sent to /auth/session with it, and that route
swaps the token for a fresh one that only the HttpOnly session cookie carries. user_agent
is a short summary ("Chrome auf Linux") for the member's and clerk's list of their sessions.
device_id is the registered device a smart member confirmed for this session, so that a
reload (a new Streamlit session on the same cookie) does not ask for the app PIN again.

All four columns are nullable: adding them rewrites no table on either database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user_session", sa.Column("handoff_hash", sa.String(64), nullable=True))
    op.add_column(
        "user_session",
        sa.Column("handoff_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.add_column("user_session", sa.Column("user_agent", sa.String(80), nullable=True))
    op.add_column("user_session", sa.Column("device_id", sa.Integer(), nullable=True))
    op.create_index("ix_user_session_handoff_hash", "user_session", ["handoff_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_user_session_handoff_hash", table_name="user_session")
    for column in ("device_id", "user_agent", "handoff_expires_at", "handoff_hash"):
        op.drop_column("user_session", column)
