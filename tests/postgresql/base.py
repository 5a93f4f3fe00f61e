"""PostgreSQL for the test suite (cutflow/settings_test.py): the same backend, except that a
transactional test's teardown empties the tables with DELETE instead of one TRUNCATE.

TRUNCATE gives each of the ~95 tables a new file on disk, which cost 0.6 s of every
transactional test on an idle machine and several seconds under load; deleting the few rows
a test wrote takes milliseconds. SQLite's flush deletes the same way.
"""

from django.db.backends.postgresql import base


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


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
