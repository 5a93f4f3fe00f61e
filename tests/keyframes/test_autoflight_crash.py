"""A real worker (manage.py qcluster) killed while it writes a flight's prompts, then a new one.

The prompt writer is Gemini at the fake provider server, one prompt at a time, so "half the
prompts" is a moment the test can wait for. A worker process needs a database it can share
with the test: PostgreSQL.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from credits.models import CreditTransaction
from credits.services import balance_of
from keyframes.flight_dispatch import resume_stalled_flights
from keyframes.flight_launch import launch_flight
from keyframes.flight_progress import flight_progress
from keyframes.flights import plan_flight
from keyframes.models import Flight, GenerationJob, Keyframe
from tests.factories import make_cut, make_project, make_user
from tests.security.test_worker_faults import kill, start_worker, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.runs_long,
    pytest.mark.django_db(transaction=True),
]

CUTS = 6
CREDITS = 200
PROMPT_SECONDS = 0.5  # the fake Gemini's time to write one prompt


@pytest.fixture
def worker_processes():
    started = []
    yield started
    for process in started:
        kill(process)


@pytest.fixture
def gemini_for_workers(fake_provider, monkeypatch):
    """The worker processes read their settings from the environment."""
    monkeypatch.setenv("GEMINI_API_KEY", "fake-gemini-key")
    monkeypatch.setenv("GEMINI_BASE_URL", fake_provider.gemini_base_url)
    monkeypatch.setenv("PROMPT_WRITER_CONCURRENCY", "1")
    fake_provider.prompt_latency = PROMPT_SECONDS
    return fake_provider


def test_a_worker_killed_after_half_the_prompts_is_resumed_with_one_charge_per_cut(
    gemini_for_workers, media_in_tmp, tmp_path, worker_processes
):
    fake = gemini_for_workers
    owner = make_user(email="crash@example.com", credits=CREDITS)
    project = make_project(owner=owner, default_model="flux-2-pro")
    for number in range(CUTS):
        make_cut(project=project, script=f"A lantern swings on pier {number}")
    worker_processes.append(worker := start_worker(tmp_path, fake))
    flight = launch_flight(plan=plan_flight(project=project, user=owner, count=1))

    def half_written():
        return project.cuts.exclude(prompt="").count() >= CUTS // 2

    wait_until(half_written, timeout=120, what="half the prompts", tmp_path=tmp_path)
    # Gemini stalls from here on, so the worker cannot finish the flight before it dies
    # however long the kill takes on a loaded machine; the prompt being written is lost.
    fake.prompt_latency = 60
    kill(worker)
    fake.prompt_latency = PROMPT_SECONDS
    started = GenerationJob.objects.filter(flight=flight).count()
    assert started < CUTS
    assert balance_of(user=owner) == CREDITS - started * 5

    worker_processes.append(start_worker(tmp_path, fake, log_name="worker.log"))
    later = timezone.now() + timedelta(seconds=settings.JOB_DEADLINE_SECONDS + 60)
    assert resume_stalled_flights(now=later) == 1

    def finished():
        return not flight_progress(flight=flight).unfinished

    wait_until(finished, timeout=180, what="the resumed flight to finish", tmp_path=tmp_path)
    flight.refresh_from_db()
    assert flight.status == Flight.Status.FINISHED
    for cut in project.cuts.all():
        assert cut.prompt.startswith("A storyboard frame:")
        job = GenerationJob.objects.get(flight=flight, cut=cut)
        assert job.status == GenerationJob.Status.SUCCEEDED
        assert Keyframe.objects.filter(cut=cut, job=job).count() == 1
        charges = CreditTransaction.objects.filter(job=job, kind=CreditTransaction.Kind.CHARGE)
        assert charges.count() == 1
    assert balance_of(user=owner) == CREDITS - CUTS * 5
    call_command("check_ledger")
