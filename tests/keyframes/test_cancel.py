"""Cancelling a job: images not yet sent are never sent and are refunded at once; images
already on their way or arrived are kept."""

import threading
import time

import pytest
from django.db import connection

from credits.models import CreditTransaction
from credits.services import balance_of, ledger_mismatches
from keyframes.generation import start_generation
from keyframes.job_faults import cancel_job
from keyframes.job_runner import run_generation
from keyframes.models import Candidate, GenerationJob, Keyframe
from tests.factories import make_cut, make_project, make_user


def start(user, cut, count=4):
    return start_generation(
        cut=cut,
        user=user,
        prompt="a quiet street at dawn",
        count=count,
        idempotency_key="cancel-me",
        model_key="flux-2-pro",
    )


@pytest.mark.django_db
def test_cancel_after_one_image_arrived_keeps_it_and_refunds_the_other_three_once(
    fake_provider,
):
    user = make_user(credits=100)
    job = start(user, make_cut(project=make_project(owner=user)))
    # The worker sent the first image and it arrived; the other three were not sent yet.
    GenerationJob.objects.filter(pk=job.pk).update(status="running")
    job.candidates.filter(slot=0).update(status="succeeded")
    Keyframe.objects.create(cut=job.cut, job=job, slot=0, source="generated", sha256="x")

    cancel_job(job=job)
    cancel_job(job=job)  # a second click refunds nothing more

    refunds = CreditTransaction.objects.filter(job=job, kind="refund")
    assert sorted(refunds.values_list("candidate_slot", flat=True)) == [1, 2, 3]
    assert balance_of(user=user) == 100 - 20 + 15
    assert Keyframe.objects.filter(job=job).count() == 1
    statuses = dict(job.candidates.values_list("slot", "status"))
    assert statuses == {0: "succeeded", 1: "cancelled", 2: "cancelled", 3: "cancelled"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_job_stops_the_unsent_candidates(fake_provider, settings):
    """A real worker thread: one call in flight at a time, cancelled while the first is out."""
    settings.PROVIDER_CONCURRENCY = {**settings.PROVIDER_CONCURRENCY, "replicate": 1}
    fake_provider.latency = 1.0
    user = make_user(credits=100)
    job = start(user, make_cut(project=make_project(owner=user)))

    def worker():
        try:
            run_generation(job=job)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    deadline = time.monotonic() + 10
    while not Candidate.objects.filter(job=job, status="running").exists():
        assert time.monotonic() < deadline, "the worker never sent a candidate"
        time.sleep(0.05)
    cancel_job(job=job)
    thread.join(timeout=30)

    job.refresh_from_db()
    assert job.status == GenerationJob.Status.CANCELLED
    assert len(fake_provider.generation_requests) == 1
    assert Keyframe.objects.filter(job=job).count() == 1  # the image in flight is kept
    assert job.credits_refunded == 15
    assert ledger_mismatches() == []
