"""Two worker machines, as two `manage.py qcluster` processes on the Redis broker and one
PostgreSQL: they share a 24 × 4 Auto-Flight, no image is generated twice, the provider cap
holds across both, and killing one mid-flight leaves every job finished or refunded (by the
other cluster and the reaper)."""

import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from credits.ledger_checks import ledger_problems
from credits.services import balance_of, ledger_mismatches
from keyframes.job_faults import reap_stale_jobs
from keyframes.models import Candidate, GenerationJob, Keyframe
from projects.models import Cut
from tests.factories import make_project, make_user
from tests.perf.clusters import (
    REDIS_URL,
    launch_flight,
    machine_env,
    new_queue_name,
    start_cluster,
)
from tests.security.test_worker_faults import kill

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.runs_long,
    pytest.mark.django_db(transaction=True),
]

CUTS, COUNT, PRICE, CAP = 24, 4, 5, 8
START_CREDITS = CUTS * COUNT * PRICE
LATENCY = 0.4  # seconds per image at the fake Replicate
# Nothing finished for this long (eight images' latency) means the live cluster is done.
SETTLE_SECONDS = 8 * LATENCY


@pytest.fixture
def redis_queue():
    """A queue name of this run's own on the shared Redis server."""
    try:
        redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"the scale-out test needs Redis at {REDIS_URL}: {error}")
    name = new_queue_name()
    yield name
    connection = redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)


def wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def final_jobs() -> int:
    return GenerationJob.objects.filter(status__in=GenerationJob.FINAL_STATUSES).count()


def settled(previous: list) -> bool:
    """Nothing has finished for a while: what is left was lost with the killed cluster."""
    at = time.monotonic()
    previous.append((at, (final_jobs(), Keyframe.objects.count())))
    watched_long_enough = previous[0][0] <= at - SETTLE_SECONDS
    recent = {counts for when, counts in previous if when >= at - SETTLE_SECONDS}
    return watched_long_enough and len(recent) == 1


def test_two_clusters_share_a_flight_and_survive_losing_one(fake_provider, tmp_path, redis_queue):
    fake_provider.latency = LATENCY
    owner = make_user(email="fleet@example.com", credits=START_CREDITS)
    project = make_project(owner=owner, title="Fleet")
    Cut.objects.bulk_create(
        Cut(project=project, position=n, script="A street at night", prompt="A street at night")
        for n in range(CUTS)
    )
    env = machine_env(
        var_dir=tmp_path, replicate_url=fake_provider.replicate_base_url, queue=redis_queue, cap=CAP
    )
    clusters = [start_cluster(env, tmp_path / f"cluster-{n}.log") for n in (1, 2)]
    try:
        launch_flight(env, project_id=project.pk, model="flux-2-pro", count=COUNT)
        # The launch itself is a worker task (as the web Confirm's is): one cluster starts the jobs.
        wait_for(lambda: GenerationJob.objects.count() == CUTS, timeout=120, what="every cut's job")

        # Half, not less: the dead cluster's claims hold up to 7 of the 8 slots until the
        # reaper runs, so the other cluster may finish the rest one image at a time.
        wait_for(lambda: Keyframe.objects.count() >= CUTS * COUNT // 2, timeout=300, what="half")
        kill(clusters[0])  # one machine dies mid-flight
        history: list = []
        wait_for(lambda: settled(history), timeout=600, what="the other cluster to settle")
        # The reaper's schedule, a deadline later: whatever the dead cluster held is refunded.
        reap_stale_jobs(now=timezone.now() + timedelta(hours=2))
    finally:
        for cluster in clusters:
            kill(cluster)

    jobs = GenerationJob.objects.all()
    assert all(job.is_final for job in jobs)
    logs = [(tmp_path / f"cluster-{n}.log").read_text(errors="replace") for n in (1, 2)]
    assert all("generation-job-" in log for log in logs), "both clusters ran jobs"
    seeds = Counter(request.body["input"]["seed"] for request in fake_provider.generation_requests)
    assert max(seeds.values()) == 1, "an image was requested twice"
    assert fake_provider.max_in_flight <= CAP
    succeeded = Candidate.objects.filter(status=Candidate.Status.SUCCEEDED).count()
    assert Keyframe.objects.count() == succeeded
    assert balance_of(user=owner) == START_CREDITS - succeeded * PRICE
    assert ledger_mismatches() == [] and ledger_problems() == []
    print(f"two clusters: {succeeded} of {CUTS * COUNT} images; the rest refunded")
