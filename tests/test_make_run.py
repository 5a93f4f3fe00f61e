"""`make run` prepares the database and the demo in one process, starts the worker only once
the web server answers, restarts the web server when a source file changes, and stops both on
one Ctrl-C or one TERM sent to its process group, leaving no process behind. The launcher's
processes share the test's PostgreSQL database, as a worker shares the web process's database."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import pytest
from django.conf import settings

from tests.security.test_worker_faults import database_url
from tests.test_migrations import manage

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_marked(marker: str) -> list[int]:
    """Every live process started with this marker in its environment (children inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"CUTFLOW_RUN_MARKER={marker}".encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def serving(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except OSError as error:
        return getattr(error, "code", None) is not None  # an HTTP answer, even an error
    return True


def web_server_answers_before_any_worker_starts(url: str, marker: str) -> None:
    """Waits for the first answer. The processes are listed before each try: a worker seen
    then, while the server still did not answer after it, was started too early."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        worker_seen = any(b"qcluster" in command_line(pid) for pid in processes_marked(marker))
        if serving(url):
            return
        assert not worker_seen, "the worker started before the web server answered"
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the server")


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@dataclass
class Launcher:
    process: subprocess.Popen
    url: str
    marker: str
    log: Path

    def web_server_pids(self) -> list[int]:
        return [pid for pid in processes_marked(self.marker) if b"runserver" in command_line(pid)]


@pytest.fixture
def launcher_options() -> list[str]:
    return []


@pytest.fixture
def launcher(tmp_path, launcher_options) -> Iterator[Launcher]:
    """The command `make run` ends with, in a process group of its own as a terminal gives it,
    once its web server answers."""
    marker = uuid4().hex
    port = free_port()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "cutflow.settings_test",
        "DATABASE_URL": database_url(),
        "DEBUG": "1",
        "Q_WORKERS": "1",
        # The launcher signals the worker's main process alone, whose sentinel is not ending
        # by itself: waiting for it proves nothing here.
        "Q_SENTINEL_GRACE_SECONDS": "0.5",
        "CUTFLOW_VAR_DIR": str(tmp_path),
        "CUTFLOW_RUN_MARKER": marker,
    }
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "cutflow.devserver", *launcher_options, f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        web_server_answers_before_any_worker_starts(url, marker)
        yield Launcher(process, url, marker, tmp_path / "run.log")
    finally:
        for pid in processes_marked(marker):
            os.kill(pid, signal.SIGKILL)
        log.close()


def stop_and_check_nothing_is_left(launcher: Launcher, signum: int) -> str:
    os.killpg(launcher.process.pid, signum)

    assert launcher.process.wait(timeout=60) == 0
    wait_for(lambda: not processes_marked(launcher.marker), timeout=30, what="every process to end")
    output = launcher.log.read_text(errors="replace")
    assert "did not stop in time" not in output
    return output


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "Ctrl-C"])
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_signal_to_the_process_group_stops_everything(launcher, signum):
    wait_for(lambda: len(processes_marked(launcher.marker)) >= 4, timeout=60, what="the worker")

    output = stop_and_check_nothing_is_left(launcher, signum)

    assert f"==> The web server answers at {launcher.url} ; starting the worker" in output
    assert "System check identified no issues" in output  # not told they just passed


@pytest.mark.parametrize("launcher_options", [["--checked"]])  # as make run starts it
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_changed_source_file_restarts_the_web_server_and_one_signal_still_stops_all(launcher):
    """The launcher is the autoreloader's parent: it starts runserver again when it exits to
    reload. The system checks `make run` ran just before are skipped once, then run again on
    each reload."""
    assert "Performing system checks" not in launcher.log.read_text()
    (first,) = launcher.web_server_pids()
    watched = BASE_DIR / "cutflow" / "urls.py"

    def saved_and_restarted() -> bool:
        # What saving in an editor does; again each time, as the reloader may not have taken
        # its first look at the file yet (it only compares with what it saw before).
        os.utime(watched)
        return launcher.web_server_pids() not in ([], [first])

    wait_for(saved_and_restarted, timeout=60, what="a restart")
    wait_for(lambda: serving(launcher.url), timeout=120, what="the restarted server")
    output = stop_and_check_nothing_is_left(launcher, signal.SIGTERM)
    assert "urls.py changed, reloading." in output
    reloaded = output.split("urls.py changed, reloading.", 1)[1]
    assert "System check identified no issues" in reloaded


@pytest.mark.runs_long
def test_prepare_sets_up_an_empty_database_with_the_demo_and_says_each_step(tmp_path):
    database = f"sqlite:///{tmp_path / 'first-run.sqlite3'}"

    first = manage("prepare", database_url=database, tmp_path=tmp_path)
    again = manage("prepare", database_url=database, tmp_path=tmp_path)

    assert first.returncode == 0, first.stdout + first.stderr
    steps = [line for line in first.stdout.splitlines() if line.startswith("==> ")]
    assert steps[0].startswith("==> Preparing the database: applying ")
    assert steps[1] == "==> Loading the demo project"
    assert "demo@cutflow.local / password: cutflow-demo" in first.stdout
    assert again.returncode == 0, again.stdout + again.stderr
    assert "==> The database is up to date" in again.stdout
    assert "nothing changed" in again.stdout
    applied = manage("migrate", "--check", database_url=database, tmp_path=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr


def test_starting_django_imports_no_image_provider_sdk(tmp_path):
    """Every process `make run` starts loads Django, its URLconf and its checks; the provider
    SDKs wait for the first call to their provider (google-genai alone costs a third of a
    Django start)."""
    script = (
        "import sys, django; django.setup(); from django.core import checks; checks.run_checks();"
        "print(sorted(name for name in sys.modules if name.startswith(SDKS)))"
    )
    sdks = ("google.genai", "replicate", "fal_client")
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "cutflow.settings", "DEBUG": "1"}
    env |= {"CUTFLOW_VAR_DIR": str(tmp_path)}

    run = subprocess.run(
        [sys.executable, "-c", f"SDKS = {sdks!r}; {script}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
