"""The migrations build the whole schema on an empty database and agree with the models.

The suite's own databases are built straight from the models (`--no-migrations`), so this is
the one place the migrations run: in `manage.py` processes, on a database of their own.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
FAKE_STRIPE_KEY = "sk_test_migrations_only"

pytestmark = pytest.mark.runs_long


@pytest.fixture
def empty_database(django_db_setup, tmp_path) -> Iterator[str]:
    """The URL of a new, empty database on the suite's engine, dropped afterwards."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    db = connection.settings_dict
    name = f"{db['NAME']}_migrations"
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    server = f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(f"{server}/postgres", autocommit=True) as maintenance:
        maintenance.execute(drop)
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as maintenance:
        maintenance.execute(drop)


def manage(*args: str, database_url: str, tmp_path: Path, **env: str):
    """`manage.py` as `make run` starts it: development settings, no Stripe key."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STRIPE_", "DATABASE_URL", "SECRET_KEY", "DEBUG"))
    }
    clean |= {
        "DJANGO_SETTINGS_MODULE": "cutflow.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "CUTFLOW_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_an_empty_database_migrates_and_the_models_match_their_migrations(empty_database, tmp_path):
    run = partial(manage, database_url=empty_database, tmp_path=tmp_path)

    migrated = run("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "djstripe" not in migrated.stdout  # no purchases set up: no dj-stripe tables

    # With purchases set up dj-stripe is installed; no app may have a model change left over.
    missing = run("makemigrations", "--check", "--dry-run", STRIPE_TEST_SECRET_KEY=FAKE_STRIPE_KEY)
    assert missing.returncode == 0, missing.stdout + missing.stderr
    assert "No changes detected" in missing.stdout

    # After adding a Stripe key (the README's upgrade step) dj-stripe's migrations wait for
    # `migrate`; they are not applied here, being most of a migrate's time and dj-stripe's own.
    # Every other app's migrations were all applied by the first `migrate`. (One listing
    # instead of a `migrate --check` with and without the key: each process loads Django.)
    listed = run("showmigrations", STRIPE_TEST_SECRET_KEY=FAKE_STRIPE_KEY)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    states = migration_states(listed.stdout)
    assert states.pop("djstripe") == {"[ ]"}
    assert "keyframes" in states and not [app for app, marks in states.items() if "[ ]" in marks]


def migration_states(listing: str) -> dict[str, set[str]]:
    """`showmigrations` output as each app's set of marks: "[X]" applied, "[ ]" pending."""
    states: dict[str, set[str]] = {}
    for line in listing.splitlines():
        if line and not line.startswith(" "):
            app = states.setdefault(line.strip(), set())
        elif line.strip().startswith("["):
            app.add(line.strip()[:3])
    return states
