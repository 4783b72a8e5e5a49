"""Schema changes on a PostgreSQL database in use, for the hand-written migrations.

Both run inside `op.get_context().autocommit_block()`: neither may wait for its lock inside
a transaction, where every later reader or writer of the table would queue behind it.
"""

import time

from alembic import op
from sqlalchemy.exc import OperationalError

# An ALTER TABLE waits this long for its lock before it steps aside; a writer queued
# behind it meanwhile waits no longer than that.
LOCK_WAIT = "500ms"
RETRY_PAUSE_SECONDS = 0.5
ATTEMPTS = 240  # about four minutes


def create_index_concurrently(name: str, table: str, columns: list, **options) -> None:
    """CREATE INDEX CONCURRENTLY: the table can still be written while the index is built.

    A build that failed half-way leaves an invalid index of the same name behind, so a
    second attempt drops it first.
    """
    op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
    op.create_index(name, table, columns, postgresql_concurrently=True, **options)


def alter_table_without_queueing(statement: str) -> None:
    """Run an ALTER TABLE, which needs the table to itself for a moment, without holding
    up its readers and writers while a long transaction (a report, a backup) still uses it:
    wait for the lock at most LOCK_WAIT, step aside for RETRY_PAUSE_SECONDS, try again."""
    connection = op.get_bind()
    for attempt in range(1, ATTEMPTS + 1):
        connection.exec_driver_sql(f"SET lock_timeout = '{LOCK_WAIT}'")
        try:
            connection.exec_driver_sql(statement)
            return
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != "55P03" or attempt == ATTEMPTS:
                raise  # 55P03 lock_not_available: the wait ran out; anything else is a fault
            time.sleep(RETRY_PAUSE_SECONDS)
        finally:
            connection.exec_driver_sql("RESET lock_timeout")
