"""Schema changes on a PostgreSQL database in use, for the hand-written migrations.

They run inside `op.get_context().autocommit_block()`: none may wait for its lock inside
a transaction, where every later reader or writer of the table would queue behind it.
"""

from alembic import op


def create_index_concurrently(name: str, table: str, columns: list, **options) -> None:
    """CREATE INDEX CONCURRENTLY: the table can still be written while the index is built.

    A build that failed half-way leaves an invalid index of the same name behind, so a
    second attempt drops it first.
    """
    op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
    op.create_index(name, table, columns, postgresql_concurrently=True, **options)
