"""Section 4: requests per second under load, from this process to gunicorn on loopback."""

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.perf.database import BASE_DIR
from tests.perf.pages import MINIMAL, Target, targets_for
from tests.perf.report import Report, Row
from tests.perf.seed import make_storyboard

LOAD = "4 under load"
GUNICORN_LOG = BASE_DIR / "var" / "bench-gunicorn.log"
MAX_CLIENTS = 16
MAX_SECONDS = 60.0


@dataclass
class Tally:
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(*, workers: int) -> Iterator[int]:
    """Serves the bench database with production settings (DEBUG off) on a loopback port;
    always stopped on the way out."""
    port = free_port()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.perf.settings",
        "SECRET_KEY": settings.SECRET_KEY,  # the session cookie is signed with it
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "cutflow.wsgi:application",
    ]
    GUNICORN_LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(GUNICORN_LOG, "wb") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)
    try:
        wait_until_listening(process, port)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_listening(process: subprocess.Popen, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {GUNICORN_LOG}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen on port {port} within {timeout:g} s")


def hammer(*, port: int, target: Target, cookie: str, seconds: float, clients: int) -> Tally:
    """``clients`` threads send GETs back to back for ``seconds``; connections are kept
    alive when the server allows it (gunicorn's sync workers close each one)."""
    seconds = min(seconds, MAX_SECONDS)
    headers = target.headers | {"Cookie": f"sessionid={cookie}"}

    def client() -> Tally:
        tally = Tally()
        link = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                try:
                    link.request("GET", target.path, headers=headers)
                    response = link.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    tally.errors += 1
                    link.close()
                    continue
                if response.status == 200:
                    tally.ok += 1
                else:
                    tally.errors += 1
                if response.will_close:
                    link.close()  # the next request reconnects
        finally:
            link.close()
        return tally

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(clients, MAX_CLIENTS)) as pool:
        tallies = list(pool.map(lambda _: client(), range(min(clients, MAX_CLIENTS))))
    return Tally(
        ok=sum(t.ok for t in tallies),
        errors=sum(t.errors for t in tallies),
        seconds=time.perf_counter() - started,
    )


def session_cookie(owner) -> str:
    client = Client()
    client.force_login(owner)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def measure_load(
    report: Report,
    *,
    owner,
    cuts: int,
    keyframes: int,
    workers: int,
    clients: int,
    seconds: float,
    rounds: int = 2,
) -> None:
    project = make_storyboard(owner=owner, cuts=cuts, keyframes=keyframes, title="Bench load")
    # The repeat views: under load every page after the first finds its fragments cached.
    targets = [MINIMAL, *targets_for(project)[0]]
    cookie = session_cookie(owner)
    totals = {target.name: Tally() for target in targets}
    with gunicorn(workers=workers) as port:
        for target in targets:  # warm-up: each worker imports and renders once
            hammer(port=port, target=target, cookie=cookie, seconds=1.0, clients=clients)
        for _ in range(rounds):  # in turns, so background load falls on every target alike
            for target in targets:
                tally = hammer(
                    port=port,
                    target=target,
                    cookie=cookie,
                    seconds=seconds / rounds,
                    clients=clients,
                )
                total = totals[target.name]
                total.ok += tally.ok
                total.errors += tally.errors
                total.seconds += tally.seconds
    setup = f"gunicorn --workers {workers}, {clients} client threads, {seconds:g} s per target"
    floor = totals["minimal view"]
    report.add(
        Row(
            LOAD,
            "minimal view",
            floor.per_second,
            " req/s",
            None,
            f"{setup}; {floor.errors} errors",
            digits=0,
        )
    )
    for target in targets[1:]:
        tally = totals[target.name]
        report.add(
            Row(
                LOAD,
                f"{target.name}",
                tally.per_second,
                " req/s",
                None,
                f"{tally.errors} errors",
                digits=0,
            )
        )
        report.add(
            Row(
                LOAD,
                f"{target.name} req/s / minimal",
                tally.per_second / floor.per_second,
                "x",
                None,
                f"{cuts} cuts, {keyframes} keyframes",
            )
        )
    if any(tally.errors for tally in totals.values()):
        raise RuntimeError(f"requests failed under load; see {Path(GUNICORN_LOG)}")
