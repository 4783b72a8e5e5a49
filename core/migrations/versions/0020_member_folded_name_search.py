"""clerk name search whatever the case and umlauts: member.last_name_search, first_name_search

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24 09:00:00.000000

Hand-written. SQLite's lower() folds ASCII letters only, so the search of 0018 never found
"Özdemir" by "özdemir", nor "Straße" by "strasse". The new columns hold
core.text_search.fold of each name, computed in Python because neither database has a
function that folds the same way; core.members.search_members asks for a prefix of them,
which these indexes serve (on PostgreSQL with text_pattern_ops, as 0018's).

The backfill folds each distinct name once and updates members in ranges of ids. On
PostgreSQL every step runs on its own, so that members stay readable and writable: the
columns are added NOT NULL with '' for the rows already there (no table rewrite) and no
default for later inserts, waiting for the table lock only briefly at a time; each range
commits by itself; the indexes are built CONCURRENTLY. A run that failed half-way is simply
repeated. SQLite changes the table in one transaction; it cannot drop a column default
without copying the table, so there '' stays the columns' default.

0018's indexes on lower(last_name), lower(first_name) stay: on PostgreSQL the inbox's and
the messenger's member filters still read them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.engine import Connection

from core.online_schema import alter_table_without_queueing, create_index_concurrently
from core.text_search import fold

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_COLUMNS = {"last_name_search": "last_name", "first_name_search": "first_name"}
BACKFILL_BATCH = 20_000


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for column in SEARCH_COLUMNS:
            op.add_column(
                "member",
                sa.Column(
                    column, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
                ),
            )
        _backfill(op.get_bind())
        for column in SEARCH_COLUMNS:
            op.create_index(f"ix_member_{column}", "member", [column])
        return
    with op.get_context().autocommit_block():
        # '' for the members already there (without rewriting the table), then no default:
        # every later insert names the columns.
        for change in (
            "ADD COLUMN IF NOT EXISTS {} VARCHAR NOT NULL DEFAULT ''",
            "ALTER COLUMN {} DROP DEFAULT",
        ):
            alter_table_without_queueing(
                "ALTER TABLE member " + ", ".join(map(change.format, SEARCH_COLUMNS))
            )
        _backfill(op.get_bind())
        for column in SEARCH_COLUMNS:
            create_index_concurrently(
                f"ix_member_{column}", "member", [sa.text(f"{column} text_pattern_ops")]
            )


def _backfill(connection: Connection) -> None:
    """Fill the search columns of every member, a range of ids at a time."""
    names = connection.exec_driver_sql(
        "SELECT last_name FROM member UNION SELECT first_name FROM member"
    ).scalars()
    folded = [{"name": name, "folded": fold(name)} for name in names]
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE member_name_fold (name VARCHAR PRIMARY KEY, folded VARCHAR)"
    )
    try:
        if folded:
            connection.execute(
                sa.text("INSERT INTO member_name_fold (name, folded) VALUES (:name, :folded)"),
                folded,
            )
        assignments = ", ".join(
            f"{column} = (SELECT folded FROM member_name_fold WHERE name = member.{source})"
            for column, source in SEARCH_COLUMNS.items()
        )
        update = sa.text(f"UPDATE member SET {assignments} WHERE id >= :start AND id < :stop")
        first, last = connection.exec_driver_sql("SELECT min(id), max(id) FROM member").one()
        for start in range(first or 0, (last or -1) + 1, BACKFILL_BATCH):
            connection.execute(update, {"start": start, "stop": start + BACKFILL_BATCH})
    finally:
        connection.exec_driver_sql("DROP TABLE member_name_fold")


def downgrade() -> None:
    for column in SEARCH_COLUMNS:
        op.drop_index(f"ix_member_{column}", table_name="member")
    for column in SEARCH_COLUMNS:
        op.drop_column("member", column)
