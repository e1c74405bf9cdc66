"""Database helpers for the exam-day hot paths.

``prepared_cursor`` gives a Django cursor whose statements PostgreSQL parses and plans once per
connection (psycopg's named prepared statements), instead of every time: the answer save's one
statement (guard, upsert and audit event in CTEs) took ≈ 0.1 ms of planning on PostgreSQL and
≈ 0.06 ms of client-side parameter quoting per save, for ≈ 0.07 ms of execution.

Django keeps prepared statements off by default so that PgBouncer in transaction mode works; only
this cursor prepares, and ``DATABASE_PREPARED_STATEMENTS=0`` turns it off (a pooler that cannot
carry protocol-level prepared statements: PgBouncer before 1.21, or with
``max_prepared_statements = 0``; docs/deployment.md). Queries through it are logged, wrapped and
mapped to Django's database errors like any other cursor's.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection as default_connection


@cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Server-side parameter binding, each statement prepared on its first execution."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg records the query for Django's query log (``last_executed_query`` reads
            # ``_query``) only when it sends it unprepared; record it here too. psycopg is pinned
            # in requirements.txt; a test checks the save statement is still logged.
            self._query = pgq
            return super()._send_query_prepared(name, pgq, binary=binary)

    return PreparedCursor


def prepared_cursor(connection=default_connection, *, health_check: bool = True):
    """A cursor (use as a context manager) that prepares its statements on PostgreSQL.

    Any other database, or ``DATABASE_PREPARED_STATEMENTS`` off: the connection's usual cursor.
    The same steps as Django's own ``connection.cursor()``: health check, connect, thread check,
    error mapping, and the debug wrapper when queries are being logged.

    ``health_check=False`` skips the persistent connection's health check (with
    ``conn_health_checks`` on, a ``SELECT 1`` round trip before the request's first statement):
    for a caller whose client retries a failed request anyway. A statement on a dead connection
    then fails with Django's ``OperationalError`` (answered 503 + ``Retry-After`` by
    ``irexam.middleware``), Django marks the connection, and closes and replaces it when the next
    request starts.
    """
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    if health_check:
        connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = _prepared_cursor_class()(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
