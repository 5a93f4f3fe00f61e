"""`python -m tests.perf [--latency 1.0] [--workers 4] [--cap 8] [--only pages,load]`

Creates a throwaway bench database (never the developer's), migrates it, runs every section,
prints the table and writes var/bench.json. See docs/PERFORMANCE.md.
"""

import argparse
import logging
import os
import shutil
import sys

from tests.perf.database import BASE_DIR, BENCH_MEDIA, use_bench_database

REPORT_PATH = BASE_DIR / "var" / "bench.json"


def parse_args(argv: list[str]):
    from tests.perf.options import SECTIONS, Options

    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m tests.perf", description=__doc__)
    parser.add_argument(
        "--latency",
        type=float,
        default=defaults.latency,
        help="seconds per image at the fake provider",
    )
    parser.add_argument("--repeats", type=int, default=defaults.repeats)
    parser.add_argument(
        "--workers",
        type=int,
        default=defaults.workers,
        help="W: worker threads for the Auto-Flight run",
    )
    parser.add_argument(
        "--cap",
        type=int,
        default=defaults.cap,
        help="C: the provider's concurrency cap for the Auto-Flight run",
    )
    parser.add_argument(
        "--no-gate",
        action="store_true",
        help="let the app ignore C in the Auto-Flight run (its cap row then shows a MISS)",
    )
    parser.add_argument("--requests", type=int, default=defaults.requests)
    parser.add_argument("--load-seconds", type=float, default=defaults.load_seconds)
    parser.add_argument("--load-clients", type=int, default=defaults.load_clients)
    parser.add_argument(
        "--animatic-cuts", type=int, default=defaults.animatic_cuts, help="cuts of 3 s each"
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections out of {','.join(SECTIONS)}",
    )
    args = parser.parse_args(argv)
    sections = tuple(name for name in args.only.split(",") if name)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return Options(
        latency=args.latency,
        repeats=args.repeats,
        workers=args.workers,
        cap=args.cap,
        gate=not args.no_gate,
        requests=args.requests,
        load_seconds=args.load_seconds,
        load_clients=args.load_clients,
        animatic_cuts=args.animatic_cuts,
        sections=sections,
    )


def main(argv: list[str]) -> int:
    database_url = use_bench_database()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    options = parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    from tests.perf.suite import run_benchmarks

    logging.getLogger().setLevel(logging.WARNING)
    shutil.rmtree(BENCH_MEDIA, ignore_errors=True)
    print(f"Bench database: {database_url}", flush=True)
    with override_settings(MEDIA_ROOT=str(BENCH_MEDIA)):
        call_command("migrate", verbosity=0)
        report = run_benchmarks(options)
    print(report.as_text())
    report.write(REPORT_PATH)
    print(f"\nWritten to {REPORT_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
