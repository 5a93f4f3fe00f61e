"""`make run`'s last step: the web server and one worker, stopped together by one Ctrl-C or
one TERM, every time.

Each child runs in a session of its own, so a signal sent to the terminal's process group
(Ctrl-C) or to make's group (TERM) reaches only this launcher, which passes it on once. The
old shell trap let the worker get the signal twice, directly and again from the trap, and
django-q's cluster could then hang at "stopping".

The worker starts only once the web server accepts connections: both load Django, and on a
small machine the worker's start would otherwise delay the first page."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Long enough for a worker to finish a draft image; a stuck one is killed after it.
STOP_GRACE_SECONDS = 20
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# A web server that has not answered by then is slow, not gone: the worker starts anyway.
WEB_WAIT_SECONDS = 120
RELOAD_EXIT_CODE = 3


class Child:
    def __init__(self, args: list[str], *, whole_group: bool, env: dict[str, str] | None = None):
        self.whole_group = whole_group  # sweeps up any process the child started
        self.command = [sys.executable, "manage.py", *args]
        self.env = env
        self.process = self.start()

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(self.command, cwd=BASE_DIR, env=self.env, start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        signal_process(self.process.pid, signal.SIGTERM, whole_group=self.whole_group)

    def finish(self, deadline: float) -> None:
        """Waits for the child until the deadline, then kills whatever is left of it."""
        try:
            self.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            print(f"{self.process.args[2]} did not stop in time; killing it.", file=sys.stderr)
        # Also sweeps up a worker process its parent left behind.
        signal_process(self.process.pid, signal.SIGKILL, whole_group=True)
        self.process.wait()


class WebServer(Child):
    """runserver as its autoreloader's child, with this launcher as the reloader's parent.

    Django's own parent process loads the whole project only to restart its child whenever
    that child exits with the reload code; doing the same here saves a Django start (a
    second or more) before the first page, and a process."""

    def __init__(self, addrport: str, *, checked: bool):
        # RUN_MAIN and exit code 3 are django.utils.autoreload's protocol between the two.
        env = os.environ | {"RUN_MAIN": "true"}
        # Checks that passed a moment ago are not run again; after a reload they are.
        first = ["--skip-checks"] if checked else []
        super().__init__(["runserver", addrport, *first], whole_group=True, env=env)
        self.reload_command = self.command[: len(self.command) - len(first)]

    def alive(self) -> bool:
        if self.process.poll() == RELOAD_EXIT_CODE:  # a watched file changed
            self.command = self.reload_command
            self.process = self.start()
        return super().alive()


def signal_process(pid: int, signum: int, *, whole_group: bool) -> None:
    try:
        if whole_group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
    parser.add_argument(
        "--checked",
        action="store_true",
        help="the system checks have just passed (make run's prepare step): skip them once",
    )
    args = parser.parse_args(argv)
    addrport = args.addrport
    received: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, frame: received.append(signum))
    say("Starting the web server")
    children: list[Child] = [WebServer(addrport, checked=args.checked)]
    answered = web_server_answered(children, received, addrport)
    if running(children, received):
        if answered:
            say(f"The web server answers at http://{addrport}/ ; starting the worker")
        else:
            say("The web server has not answered yet; starting the worker anyway")
        children.insert(0, Child(["qcluster"], whole_group=False))
    while running(children, received):
        time.sleep(0.2)
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # one Ctrl-C is enough; a second changes nothing
    for child in children:
        child.stop()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        child.finish(deadline)
    return 0 if received else 1


def running(children: list[Child], received: list[int]) -> bool:
    return not received and all(child.alive() for child in children)


def web_server_answered(children: list[Child], received: list[int], addrport: str) -> bool:
    deadline = time.monotonic() + WEB_WAIT_SECONDS
    while running(children, received) and time.monotonic() < deadline:
        if answers(addrport):
            return True
        time.sleep(0.1)
    return False


def answers(addrport: str) -> bool:
    host, _, port = addrport.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=1):
            return True
    except OSError:
        return False


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
