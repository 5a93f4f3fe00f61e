"""Playwright driving Debian's Chromium against the live test server.

Generation runs inline (django-q's sync mode) so a test needs no worker process; the
Playwright sync API runs an event loop in this thread, hence DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.test import Client
from playwright.sync_api import expect

from tests.conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Generation runs inside the request here; on a loaded 2-core machine four drafts can take
# longer than Playwright's default 5 s wait for an expectation.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items or CHROMIUM.exists():
        return
    if IN_CI:
        raise pytest.UsageError(f"CI must run the browser tests: {CHROMIUM} is missing.")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: run `apt-get install -y chromium`")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def inline_jobs(monkeypatch):
    """Tasks run inside the request that queues them (after its commit)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def served_media(monkeypatch, media_in_tmp):
    """The media URL serves this test's own media folder (its root is bound at import)."""
    from cutflow.urls import urlpatterns

    for pattern in urlpatterns:
        if "document_root" in getattr(pattern, "default_args", {}):
            monkeypatch.setitem(pattern.default_args, "document_root", str(media_in_tmp))
    return media_in_tmp


@pytest.fixture
def screenshots():
    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class RequestsInFlight:
    """Counts the live server's unfinished requests, so a test ends only once they are done.

    A closed page leaves the canvas poll it last sent (or an inline job) running in the
    server; the teardown's flush then TRUNCATEs every table at once while that request reads
    a few of them, and PostgreSQL reports a deadlock in the request (issue: deadlock
    detected in /cuts/<id>/canvas/ under load; the app's own row locks were not involved).
    """

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def started(self, **kwargs):
        with self.changed:
            self.count += 1

    def finished(self, **kwargs):
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_until_idle(self, *, limit: float) -> None:
        deadline = time.monotonic() + limit
        with self.changed:
            while self.count > 0 and time.monotonic() < deadline:
                self.changed.wait(timeout=0.1)


@pytest.fixture
def signed_in_page(chromium, live_server, inline_jobs, served_media):
    """A fresh browser page for a user, signed in through a real session cookie."""
    contexts = []
    in_flight = RequestsInFlight()
    request_started.connect(in_flight.started)
    request_finished.connect(in_flight.finished)

    def open_page(user):
        client = Client()
        client.force_login(user)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()
    # A request the server accepted before the pages closed still runs: let it finish
    # before the database is flushed.
    in_flight.wait_until_idle(limit=60)
    request_started.disconnect(in_flight.started)
    request_finished.disconnect(in_flight.finished)


def pytest_report_header(config):
    found = shutil.which("chromium") or "missing"
    return f"chromium: {found}"
