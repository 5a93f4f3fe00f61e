"""Sections 1 and 2: generation against a fake provider with a set latency per image.

The real Replicate client talks to tests.fakes.provider_server on 127.0.0.1, so the figures
include everything Cutflow adds: the HTTP round trips, the gate row, ingesting and storing.
"""

import io
import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from queue import Empty, SimpleQueue
from uuid import uuid4

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from PIL import Image

from characters.models import VariationImage
from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes.flight_dispatch import dispatch_flight
from keyframes.flight_launch import launch_flight
from keyframes.flights import plan_flight
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import GenerationJob, Keyframe
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_project
from tests.fakes.images import photo_like_png
from tests.fakes.provider_server import FakeProviderServer
from tests.perf.report import Report, Row, median
from tests.perf.seed import MODEL_KEY, PROMPT

FANOUT = "1 fan-out"
FLIGHT = "2 auto-flight"


class BenchmarkBroken(Exception):
    """The code under test did not do what is being timed (e.g. a candidate failed)."""


@contextmanager
def fake_replicate(*, latency: float) -> Iterator[FakeProviderServer]:
    server = FakeProviderServer(latency=latency).start()
    try:
        with override_settings(
            REPLICATE_API_TOKEN="r8_bench-token", REPLICATE_BASE_URL=server.replicate_base_url
        ):
            yield server
    finally:
        server.stop()


@contextmanager
def replicate_cap(cap: int) -> Iterator[None]:
    with override_settings(PROVIDER_CONCURRENCY=settings.PROVIDER_CONCURRENCY | {"replicate": cap}):
        yield


def timed_job(*, cut: Cut, user, count: int) -> float:
    """Seconds from asking for ``count`` images to the last one stored."""
    started = time.perf_counter()
    job = start_generation(
        cut=cut,
        user=user,
        prompt=cut.prompt,
        count=count,
        idempotency_key=uuid4().hex,
        model_key=MODEL_KEY,
    )
    job = run_generation(job=job)
    wall = time.perf_counter() - started
    stored = Keyframe.objects.filter(job=job).count()
    if stored != count:
        raise BenchmarkBroken(
            f"job {job.pk} stored {stored} of {count} images: {job.error_message}"
        )
    return wall


OUTPUT_MEGAPIXELS = 1.5  # what FLUX.2 returns at its 1-2 MP settings
REFERENCE_SIZE = (2448, 1632)  # three 4 MP character sheets per job


def realistic_cut(owner) -> Cut:
    """A cut whose prompt mentions three characters, each with a 4 MP sheet."""
    project = make_project(owner=owner, title="Fan-out")
    handles = ["Mina", "Joon", "Ara"]
    for number, handle in enumerate(handles):
        asset = make_asset(project=project, handle=handle)
        variation = asset.default_variation
        variation.images.all().delete()
        image = VariationImage(variation=variation, is_primary=True)
        with stored_image(image, ingest_image(io.BytesIO(sheet_jpeg(seed=number)))):
            image.save()
    mentions = " ".join(f"@{handle}" for handle in handles)
    return make_cut(project=project, prompt=f"{mentions}. {PROMPT}")


def output_size(cut: Cut) -> tuple[int, int]:
    """The size the fake draws for this cut's project at OUTPUT_MEGAPIXELS."""
    width, _, height = cut.project.aspect_ratio.partition(":")
    scale = (OUTPUT_MEGAPIXELS * 1_000_000 / (int(width) * int(height))) ** 0.5
    return round(int(width) * scale), round(int(height) * scale)


def sheet_jpeg(*, seed: int) -> bytes:
    detail = Image.effect_noise((612, 408), 40 + seed).convert("RGB")
    buffer = io.BytesIO()
    detail.resize(REFERENCE_SIZE, Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def measure_fanout(report: Report, *, owner, latency: float, repeats: int, count: int = 4):
    cut = realistic_cut(owner)
    with fake_replicate(latency=0.0) as server:
        server.output_megapixels = OUTPUT_MEGAPIXELS
        timed_job(cut=cut, user=owner, count=count)  # warm-up: imports, clients, connections
        server.latency = latency
        server.max_in_flight = 0
        parallel = [timed_job(cut=cut, user=owner, count=count) for _ in range(repeats)]
        in_flight = server.max_in_flight
        with replicate_cap(1):
            sequential = [timed_job(cut=cut, user=owner, count=count) for _ in range(repeats)]
        photos = [photo_like_png(output_size(cut), seed=slot) for slot in range(count)]
        detailed = []
        for _ in range(repeats):
            server.images_to_serve.extend(photos)
            detailed.append(timed_job(cut=cut, user=owner, count=count))
    report.add(
        Row(
            FANOUT,
            f"{count}-candidate job wall / latency",
            median(parallel) / latency,
            "x",
            1.15,
            f"median of {repeats}: {median(parallel):.3f} s at {latency:g} s per image; "
            f"{in_flight} calls in flight at most; {OUTPUT_MEGAPIXELS:g} MP outputs, three "
            f"4 MP references",
        )
    )
    report.add(
        Row(
            FANOUT,
            "same job, photo-like outputs",
            median(detailed) / latency,
            "x",
            None,
            f"median of {repeats}: {median(detailed):.3f} s; each output a detailed "
            f"{OUTPUT_MEGAPIXELS:g} MP PNG of {len(photos[0]) / 1e6:.1f} MB",
        )
    )
    report.add(
        Row(
            FANOUT,
            "baseline: same job, concurrency 1",
            median(sequential) / latency,
            "x",
            None,
            f"median of {repeats}: {median(sequential):.3f} s (a sequential job scores {count})",
        )
    )


def measure_flight(
    report: Report,
    *,
    owner,
    latency: float,
    cuts: int,
    count: int,
    workers: int,
    cap: int,
    gate: bool = True,
):
    """``workers`` threads stand in for django-q2 workers; the gate row caps the provider.

    ``gate=False`` lifts the app's cap (the fake server still checks against ``cap``) and holds
    the first calls until more than ``cap`` have met, so the check is seen to catch an overlap.
    """
    project = make_project(owner=owner, title="Auto-Flight")
    Cut.objects.bulk_create(
        Cut(project=project, position=n, script=PROMPT, prompt=PROMPT) for n in range(cuts)
    )
    images = cuts * count
    with fake_replicate(latency=latency) as server, replicate_cap(cap if gate else images):
        if not gate:
            server.expect_concurrent(cap + 1)
        started = time.perf_counter()
        plan = plan_flight(project=project, user=owner, model_key=MODEL_KEY, count=count)
        flight = launch_flight(plan=plan, launch_key=uuid4().hex)
        dispatch_flight(flight=flight)  # the launcher task, run here rather than by a worker
        job_ids = list(flight.jobs.values_list("pk", flat=True))
        run_in_workers(job_ids, workers=workers)
        wall = time.perf_counter() - started
    stored = Keyframe.objects.filter(job__flight=flight).count()
    if stored != images:
        raise BenchmarkBroken(f"the flight stored {stored} of {images} images")
    ideal = math.ceil(images / cap) * latency
    report.add(
        Row(
            FLIGHT,
            f"{cuts} cuts x {count}: wall / ideal",
            wall / ideal,
            "x",
            1.25,
            f"{wall:.2f} s vs ceil({images}/{cap}) x {latency:g} s = {ideal:g} s; W={workers}, "
            f"C={cap}" + ("" if gate else "; gate disabled"),
        )
    )
    report.add(cap_row(server.excess_over(cap), cap=cap))


def cap_row(excess, *, cap: int) -> Row:
    """Calls in flight at the provider, each from its arrival to the first byte of its answer:
    a handler thread that is slow to finish must not count as a call the gate let through."""
    detail = "never over the cap"
    if excess.peak > cap:
        detail = (
            f"{excess.calls} call(s) arrived over the cap; more than {cap} in flight "
            f"for {excess.seconds:.3f} s in total"
        )
    return Row(FLIGHT, "generation calls in flight at most", excess.peak, "", cap, detail, 0)


def run_in_workers(job_ids: list[int], *, workers: int) -> None:
    queue: SimpleQueue[int] = SimpleQueue()
    for job_id in job_ids:
        queue.put(job_id)

    def worker() -> None:
        try:
            while True:
                try:
                    job_id = queue.get_nowait()
                except Empty:
                    return
                run_generation(job=GenerationJob.objects.get(pk=job_id))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(worker) for _ in range(workers)]:
            future.result()
