import os

import pytest
from django.core.cache import cache

from tests.factories import make_cut, make_project, make_user
from tests.fakes.fixtures import fake_fal, fake_provider  # noqa: F401

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Every test stores files in its own folders, so a test can check what is on disk."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = settings.STORAGES | {
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "exports"},
        }
    }
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def face_scoring_only_where_tested(request, settings):
    """dlib scores each stored keyframe against its character sheets (about half a CPU second
    each). Where tasks run inline that would cost every flight over the demo's characters
    seconds that prove nothing about it, so only tests marked `face_scoring` score faces."""
    settings.FACE_SCORING_ENABLED = request.node.get_closest_marker("face_scoring") is not None


@pytest.fixture(autouse=True)
def empty_cache():
    """Rendered fragments and rate limits live in the cache; a test starts with none, as the
    rows an earlier test's fragments describe may come back with the same ids."""
    cache.clear()


@pytest.fixture
def user(db):
    return make_user(email="owner@example.com")


@pytest.fixture
def stranger(db):
    return make_user(email="stranger@example.com")


@pytest.fixture
def project(user):
    return make_project(owner=user, title="Cafe story")


@pytest.fixture
def cut(project):
    return make_cut(project=project, script="@Seohee sits by the window.")


@pytest.fixture
def owner_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def stranger_client(client, stranger):
    client.force_login(stranger)
    return client


def pytest_collection_modifyitems(config, items):
    """Long tests start first, so parallel workers finish together: those marked runs_long,
    then the transactional ones (a live server, worker processes, threads; each takes
    seconds), then the rest in pytest-django's order. `make test` lets an idle worker take
    half of another's queue (`--dist worksteal`), so the short tests at the end even out.
    PostgreSQL-only tests skip on SQLite with a printed reason; in CI they must run."""
    from django.db import connection

    items.sort(key=start_order)
    if connection.vendor == "postgresql":
        return
    if IN_CI:
        raise pytest.UsageError("CI must run the suite on PostgreSQL (set DATABASE_URL).")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL to run it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def start_order(item) -> int:
    if item.get_closest_marker("runs_long"):
        return 0
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if transactional or {"transactional_db", "live_server"} & set(item.fixturenames):
        return 1
    return 2
