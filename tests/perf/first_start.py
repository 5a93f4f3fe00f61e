"""`python -m tests.perf.first_start [--runs 3] [--ref main] [--ref HEAD]`

Time to first page of `make run` on a fresh clone, the packages already installed: for each
run and each ref, `git clone` this repository, check the ref out, link this checkout's
`.venv` in (its project modules are then compiled afresh, as on a new checkout), start
`make run` on a free port in a session of its own, and poll the port every 0.1 s until it
answers. Prints each line `make run` wrote with the second it arrived, each run's time and
the load average, then the median per ref. Refs alternate, so both see the same load. See
docs/PERFORMANCE.md, "Developer loop".
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ANSWER_TIMEOUT_SECONDS = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except OSError as error:
        return getattr(error, "code", None) is not None  # an HTTP answer, even an error
    return True


def fresh_clone(ref: str, into: Path) -> Path:
    clone = into / "cutflow"
    subprocess.run(["git", "clone", "--quiet", str(BASE_DIR), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", ref], check=True)
    (clone / ".venv").symlink_to(BASE_DIR / ".venv")
    (BASE_DIR / ".venv" / ".installed").touch()  # newer than the clone's pyproject.toml
    return clone


def echo_stamped(stream, started: float) -> None:
    for line in stream:
        text = line.decode(errors="replace").rstrip()
        if not text.startswith("Process-"):  # the worker's processes, one line each
            print(f"  {time.monotonic() - started:6.2f} s  {text}", flush=True)


def first_page_seconds(clone: Path) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    started = time.monotonic()
    run = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env | {"DEBUG": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    threading.Thread(target=echo_stamped, args=(run.stdout, started), daemon=True).start()
    try:
        while not answers(f"http://127.0.0.1:{port}/"):
            if run.poll() is not None or time.monotonic() - started > ANSWER_TIMEOUT_SECONDS:
                raise SystemExit(f"make run ended or never answered (exit {run.returncode})")
            time.sleep(0.1)
        return time.monotonic() - started
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=60)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.first_start", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ref", action="append", help="a commit or branch (again for more)")
    args = parser.parse_args(argv)
    refs = args.ref or ["HEAD"]
    seconds: dict[str, list[float]] = {ref: [] for ref in refs}
    for number in range(1, args.runs + 1):
        for ref in refs:
            print(f"run {number}, {ref}: load {os.getloadavg()[0]:.2f}", flush=True)
            with tempfile.TemporaryDirectory(prefix="cutflow-first-start-") as scratch:
                took = first_page_seconds(fresh_clone(ref, Path(scratch)))
            seconds[ref].append(took)
            print(f"run {number}, {ref}: first page after {took:.1f} s", flush=True)
    for ref, runs in seconds.items():
        listed = ", ".join(f"{value:.1f}" for value in runs)
        print(f"{ref}: median {statistics.median(runs):.1f} s ({listed})")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1:])
