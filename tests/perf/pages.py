"""Section 3: server time of the editor page and the canvas partial against the floor of a
minimal Django view, plus their query counts at two storyboard sizes."""

import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from projects.models import Project
from tests.perf.report import Report, Row, median, percentile
from tests.perf.seed import make_storyboard
from tests.perf.urls import MINIMAL_PATH

PAGES = "3 pages"
CANVAS_URL_NAME = "keyframes:canvas"
HTMX = {"HX-Request": "true"}


@dataclass(frozen=True)
class Target:
    name: str
    path: str | None  # None: the view does not exist yet
    headers: dict


def targets_for(project: Project) -> list[Target]:
    """The minimal view, the cut editor page and the canvas partial of a middle cut."""
    cuts = list(project.cuts.order_by("position"))
    cut = cuts[len(cuts) // 2]
    editor = reverse("projects:cut", kwargs={"project_id": project.pk, "cut_id": cut.pk})
    return [
        Target("minimal view", MINIMAL_PATH, {}),
        Target("storyboard page", editor, {}),
        Target("canvas partial", canvas_path(project=project, cut=cut), HTMX),
    ]


def canvas_path(*, project: Project, cut) -> str | None:
    for kwargs in ({"cut_id": cut.pk}, {"project_id": project.pk, "cut_id": cut.pk}):
        try:
            return reverse(CANVAS_URL_NAME, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def get_ok(client: Client, target: Target) -> float:
    started = time.perf_counter()
    response = client.get(target.path, headers=target.headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise AssertionError(f"{target.name} {target.path} answered {response.status_code}")
    return elapsed


def server_times(client: Client, targets: list[Target], *, requests: int, warmup: int = 5):
    """Seconds per request for each target, taken in turns so background load on the machine
    falls on every target alike."""
    live = [target for target in targets if target.path]
    times: dict[str, list[float]] = {target.name: [] for target in live}
    for round_number in range(warmup + requests):
        for target in live:
            elapsed = get_ok(client, target)
            if round_number >= warmup:
                times[target.name].append(elapsed)
    return times


def query_count(client: Client, target: Target) -> int:
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
    targets = targets_for(big)
    times = server_times(client, targets, requests=requests)
    floor = median(times["minimal view"])
    size = f"{cuts} cuts, {keyframes} keyframes; {requests} requests"
    report.add(Row(PAGES, "minimal view median", floor * 1000, " ms", None, size))
    limits = {"storyboard page": 6.0, "canvas partial": 3.0}
    for target in targets[1:]:
        if target.path is None:
            report.add(
                Row(
                    PAGES,
                    f"{target.name} median / minimal",
                    None,
                    "x",
                    limits[target.name],
                    f"TODO: no URL named {CANVAS_URL_NAME!r} yet",
                )
            )
            continue
        samples = times[target.name]
        report.add(
            Row(
                PAGES,
                f"{target.name} median / minimal",
                median(samples) / floor,
                "x",
                limits[target.name],
                f"median {median(samples) * 1000:.1f} ms",
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
    small_targets = targets_for(small)
    table = []
    for target, small_target in zip(targets, small_targets, strict=True):
        if target.path is None:
            table.append(
                {"page": target.name, f"{small_cuts} cuts": "TODO", f"{cuts} cuts": "TODO"}
            )
            continue
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
        targets = targets_for(project)
        times = server_times(client, targets, requests=requests, warmup=3)
        floor = median(times["minimal view"])
        row = {"cuts": cuts, "keyframes": cuts * keyframes_per_cut}
        for target in targets[1:]:
            if target.path is None:
                row[f"{target.name} ms"] = row[f"{target.name} x"] = row[
                    f"{target.name} queries"
                ] = "TODO"
                continue
            row[f"{target.name} ms"] = f"{median(times[target.name]) * 1000:.1f}"
            row[f"{target.name} x"] = f"{median(times[target.name]) / floor:.2f}"
            row[f"{target.name} queries"] = query_count(client, target)
        table.append(row)
    report.tables["Growth with cuts (median server time, x minimal view)"] = table
