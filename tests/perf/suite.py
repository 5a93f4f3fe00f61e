"""Runs the benchmark sections against whatever database Django is connected to."""

import os
import platform
import sys
import time
from dataclasses import asdict
from functools import partial

from django.db import connection
from django.test.utils import override_settings

from tests.factories import make_user
from tests.perf import animatic, clusters, fanout, footprint, load, pages
from tests.perf.options import SECTIONS, Options
from tests.perf.report import Report


def run_benchmarks(options: Options) -> Report:
    """Every chosen section, with tests.perf.urls (Cutflow plus the minimal view) mounted."""
    with override_settings(ROOT_URLCONF="tests.perf.urls"):
        return run_sections(options)


def run_sections(options: Options) -> Report:
    report = Report(
        settings=asdict(options)
        | {
            "database": connection.vendor,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        }
    )
    owner = make_user(email="bench@example.com", credits=1_000_000)
    o = options
    steps = {
        "fanout": partial(fanout.measure_fanout, latency=o.latency, repeats=o.repeats),
        "flight": partial(
            fanout.measure_flight,
            latency=o.latency,
            cuts=o.flight_cuts,
            count=o.flight_count,
            workers=o.workers,
            cap=o.cap,
            gate=o.gate,
        ),
        "clusters": partial(
            clusters.measure_clusters,
            latency=o.latency,
            cuts=o.flight_cuts,
            count=o.flight_count,
            cap=o.cap,
        ),
        "pages": partial(
            pages.measure_pages,
            cuts=o.page_cuts,
            keyframes=o.page_keyframes,
            small_cuts=o.small_cuts,
            requests=o.requests,
        ),
        "growth": partial(
            pages.measure_growth,
            sizes=o.growth_sizes,
            keyframes_per_cut=o.page_keyframes // o.page_cuts,
            requests=o.growth_requests,
        ),
        "load": partial(
            load.measure_load,
            cuts=o.page_cuts,
            keyframes=o.page_keyframes,
            workers=o.load_workers,
            clients=o.load_clients,
            seconds=o.load_seconds,
        ),
        "bytes": footprint.measure_bytes,
        "memory": partial(footprint.measure_memory, long_side=2048, count=4),
        "animatic": partial(
            animatic.measure_animatic, cuts=o.animatic_cuts, long_side=o.animatic_long_side
        ),
    }
    for name in SECTIONS:
        if name in o.sections:
            started = time.monotonic()
            steps[name](report, owner=owner)
            print(f"  {name}: done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return report
