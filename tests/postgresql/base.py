"""PostgreSQL for the test suite (cutflow/settings_test.py): the same backend, except for how
the suite empties and drops its databases.

A transactional test's teardown: Django's flush TRUNCATEs every table (~95), which gives
each a new file on disk, 0.6 s of every transactional test on an idle machine and several
seconds under load. Deleting the few rows a test wrote takes milliseconds; SQLite's flush
deletes the same way.

The end of the session: the live server's request threads, kept alive by Chromium's open
keep-alive connections, can still hold a database connection. PostgreSQL then waits 5 s
and refuses to drop the test database, which stays behind; it is dropped with FORCE.
"""

from django.db.backends.postgresql import base, creation


class DatabaseOperations(base.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Django creates every foreign key DEFERRABLE INITIALLY DEFERRED and flushes in one
        # transaction, so the rows may go in any order.
        delete_from = f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')}"
        return [f"{delete_from} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name, verbosity):
        self.connection.close_pool()
        with self._nodb_cursor() as cursor:
            name = self.connection.ops.quote_name(test_database_name)
            cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    creation_class = DatabaseCreation
