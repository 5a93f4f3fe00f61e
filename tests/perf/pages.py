"""Section 3: server time of the editor page and the canvas partial against the floor of a
minimal Django view, plus their query counts at two storyboard sizes.

Both pages keep rendered fragments in the cache (cut list entries, the canvas), so each is
measured twice: as a repeat view or a poll finds it (fragments cached), and as a first
view (the cache emptied before every request, outside the timing).
"""

import time
from dataclasses import dataclass
from itertools import chain

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from tests.perf.report import Report, Row, median, percentile
from tests.perf.seed import make_storyboard
from tests.perf.urls import MINIMAL_PATH

PAGES = "3 pages"
HTMX = {"HX-Request": "true"}
FIRST_VIEW = ", first view"
LIMITS = {"storyboard page": 6.0, "canvas partial": 3.0}  # x the minimal view's median


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: dict
    first_view: bool = False  # empty the fragment cache before each request

    @property
    def limit(self) -> float | None:
        return None if self.first_view else LIMITS.get(self.name)


MINIMAL = Target("minimal view", MINIMAL_PATH, {})


def targets_for(project: Project) -> list[list[Target]]:
    """The cut editor page and the canvas partial of a middle cut, as repeat views and as
    first views (timed apart: emptying the cache would turn the repeat views into first
    views)."""
    cuts = list(project.cuts.order_by("position"))
    cut = cuts[len(cuts) // 2]
    editor = reverse("projects:cut", kwargs={"project_id": project.pk, "cut_id": cut.pk})
    canvas = reverse("keyframes:canvas", kwargs={"cut_id": cut.pk})
    pages = [Target("storyboard page", editor, {}), Target("canvas partial", canvas, HTMX)]
    first_views = [
        Target(page.name + FIRST_VIEW, page.path, page.headers, first_view=True) for page in pages
    ]
    return [pages, first_views]


def get_ok(client: Client, target: Target) -> float:
    if target.first_view:
        cache.clear()
    started = time.perf_counter()
    response = client.get(target.path, headers=target.headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise AssertionError(f"{target.name} {target.path} answered {response.status_code}")
    return elapsed


def server_times(client: Client, targets: list[Target], *, requests: int, warmup: int = 5):
    """Seconds per request for the minimal view and each target, taken in turns so
    background load on the machine falls on every target alike."""
    turns = [MINIMAL, *targets]
    times: dict[str, list[float]] = {target.name: [] for target in turns}
    for round_number in range(warmup + requests):
        for target in turns:
            elapsed = get_ok(client, target)
            if round_number >= warmup:
                times[target.name].append(elapsed)
    return times


def query_count(client: Client, target: Target) -> int:
    if not target.first_view:
        get_ok(client, target)  # fills the cache, as an earlier view would have
    with CaptureQueriesContext(connection) as queries:
        get_ok(client, target)
    return len(queries)


def measure_pages(
    report: Report, *, owner, cuts: int, keyframes: int, small_cuts: int, requests: int
) -> None:
    client = Client()
    client.force_login(owner)
    per_cut = keyframes / cuts
    big = make_storyboard(owner=owner, cuts=cuts, keyframes=keyframes, title="Bench pages")
    small = make_storyboard(
        owner=owner, cuts=small_cuts, keyframes=round(per_cut * small_cuts), title="Bench small"
    )
    size = f"{cuts} cuts, {keyframes} keyframes; {requests} requests"
    for group in targets_for(big):
        times = server_times(client, group, requests=requests)
        floor = median(times["minimal view"])
        if not group[0].first_view:
            report.add(Row(PAGES, "minimal view median", floor * 1000, " ms", None, size))
        for target in group:
            add_time_rows(report, target, times[target.name], floor)
    table = []
    pairs = zip(
        [MINIMAL, *chain(*targets_for(small))], [MINIMAL, *chain(*targets_for(big))], strict=True
    )
    for small_target, target in pairs:
        counts = (query_count(client, small_target), query_count(client, target))
        table.append(
            {"page": target.name, f"{small_cuts} cuts": counts[0], f"{cuts} cuts": counts[1]}
        )
        report.add(
            Row(
                PAGES,
                f"{target.name} queries, {cuts} minus {small_cuts} cuts",
                counts[1] - counts[0],
                "",
                0,
                f"{counts[0]} vs {counts[1]} queries",
                digits=0,
            )
        )
    report.tables["Query counts"] = table


def add_time_rows(report: Report, target: Target, samples: list[float], floor: float) -> None:
    """The target's median and p95 as multiples of the minimal view timed in its turns."""
    floor_note = f" (minimal view {floor * 1000:.2f} ms)" if target.first_view else ""
    report.add(
        Row(
            PAGES,
            f"{target.name} median / minimal",
            median(samples) / floor,
            "x",
            target.limit,
            f"median {median(samples) * 1000:.1f} ms{floor_note}",
        )
    )
    report.add(
        Row(
            PAGES,
            f"{target.name} p95 / minimal",
            percentile(samples, 0.95) / floor,
            "x",
            None,
            f"p95 {percentile(samples, 0.95) * 1000:.1f} ms",
        )
    )


def measure_growth(
    report: Report, *, owner, sizes: list[int], keyframes_per_cut: int, requests: int
) -> None:
    """How page time and query count grow with the storyboard (for docs/PERFORMANCE.md)."""
    client = Client()
    client.force_login(owner)
    table = []
    for cuts in sizes:
        project = make_storyboard(
            owner=owner, cuts=cuts, keyframes=cuts * keyframes_per_cut, title=f"Growth {cuts}"
        )
        row = {"cuts": cuts, "keyframes": cuts * keyframes_per_cut}
        for group in targets_for(project):
            times = server_times(client, group, requests=requests, warmup=3)
            floor = median(times["minimal view"])
            for target in group:
                row[f"{target.name} ms"] = f"{median(times[target.name]) * 1000:.1f}"
                row[f"{target.name} x"] = f"{median(times[target.name]) / floor:.2f}"
                row[f"{target.name} queries"] = query_count(client, target)
        table.append(row)
    report.tables["Growth with cuts (median server time, x minimal view)"] = table
