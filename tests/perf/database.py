"""The bench database: a throwaway copy of the developer's database engine, never their data.

Imported before Django is set up, so nothing here may touch Django settings.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]
BENCH_SQLITE = BASE_DIR / "var" / "bench.sqlite3"
BENCH_MEDIA = BASE_DIR / "var" / "bench-media"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")


def prepare_bench_database(*, source_url: str) -> str:
    """Creates an empty bench database next to the one ``source_url`` names and returns its
    URL: ``<name>_bench`` on the same PostgreSQL server, else a fresh SQLite file."""
    parts = urlsplit(source_url)
    if parts.scheme in POSTGRES_SCHEMES:
        name = (parts.path.lstrip("/") or "cutflow") + "_bench"
        recreate_postgres_database(source_url=source_url, name=name)
        return urlunsplit(parts._replace(path=f"/{name}"))
    BENCH_SQLITE.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{BENCH_SQLITE}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{BENCH_SQLITE}"


def recreate_postgres_database(*, source_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    maintenance = urlunsplit(urlsplit(source_url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def use_bench_database() -> str:
    """Points this process (and the processes it starts) at a new bench database."""
    url = prepare_bench_database(source_url=os.environ.get("DATABASE_URL", ""))
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cutflow.settings_test"
    os.environ["MEDIA_ROOT"] = str(BENCH_MEDIA)
    return url
