import gc
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = (
        "What `make run` does before it starts the server: applies the migrations and loads "
        "the demo, in one process (each manage.py process loads Django again, a second or more)."
    )

    def handle(self, *args, **options):
        self.migrate()
        self.say("Loading the demo project")
        call_command("demo", stdout=self.stdout, stderr=self.stderr)
        # This process ends here. Its exit would otherwise run full garbage collections over
        # everything Django and the migrations loaded (a third of a second or more, before the
        # web server can start); nothing of ours is left to collect.
        gc.freeze()

    def migrate(self) -> None:
        pending = len(self.unapplied_migrations())
        if not pending:
            self.say("The database is up to date")
            return
        self.say(f"Preparing the database: applying {pending} migrations")
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0, stdout=self.stdout)
        self.stdout.write(f"    done in {time.monotonic() - started:.1f} s")

    def unapplied_migrations(self) -> list:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        return executor.migration_plan(executor.loader.graph.leaf_nodes())

    def say(self, message: str) -> None:
        self.stdout.write(f"==> {message}")
        self.stdout.flush()
