"""Money and job paths under faults: whatever breaks, a charged candidate ends refunded or
delivered, and its job ends final."""

import importlib
import threading
import time
from contextlib import suppress
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers.orm import ORM
from django_q.models import Schedule
from replicate.model import ModelsPredictions

from credits.models import CreditTransaction
from credits.services import balance_of, ledger_mismatches
from keyframes.arrivals import arrived_image
from keyframes.flight_dispatch import dispatch_flight
from keyframes.flight_launch import create_flight, launch_flight, record_planned_cuts
from keyframes.flights import FlightRefused, plan_flight, resume_flight
from keyframes.generation import start_generation
from keyframes.job_faults import reap_stale_jobs
from keyframes.job_runner import fail_candidate, run_generation, store_candidate_image
from keyframes.models import Candidate, Flight, GenerationJob, Keyframe
from keyframes.providers.base import ErrorKind, GeneratedImage, ProviderError
from projects.models import Cut
from tests.factories import make_cut, make_project, make_user, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded_user(db):
    return make_user(email="funded@example.com", credits=100)


@pytest.fixture
def plain_cut(funded_user):
    return make_cut(project=make_project(owner=funded_user), prompt="A quiet street at dawn")


def start(cut, user, *, count=2, key="k1", model_key="flux-2-pro"):
    return start_generation(
        cut=cut, user=user, prompt=cut.prompt, count=count, idempotency_key=key, model_key=model_key
    )


def test_an_sdk_raising_a_non_provider_error_fails_and_refunds_only_its_candidate(
    fake_provider, funded_user, plain_cut, monkeypatch
):
    real_create = ModelsPredictions.create
    calls = []

    def create_once_broken(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("SDK surprise: unexpected field 'output_v2'")
        return real_create(self, *args, **kwargs)

    monkeypatch.setattr(ModelsPredictions, "create", create_once_broken)
    job = run_generation(job=start(plain_cut, funded_user))

    assert job.status == GenerationJob.Status.PARTIAL
    assert Keyframe.objects.filter(job=job).count() == 1
    failed = job.candidates.get(status=Candidate.Status.FAILED)
    assert failed.error_kind == ErrorKind.BAD_RESPONSE
    assert "ValueError" in failed.error_detail and "output_v2" in failed.error_detail
    assert job.credits_refunded == 5
    assert balance_of(user=funded_user) == 100 - 10 + 5
    assert ledger_mismatches() == []


def test_storage_failing_while_storing_images_fails_and_refunds_them(
    fake_provider, funded_user, plain_cut, monkeypatch
):
    def disk_full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    job = run_generation(job=start(plain_cut, funded_user))

    assert job.status == GenerationJob.Status.FAILED
    assert not Keyframe.objects.filter(job=job).exists()
    details = list(job.candidates.values_list("error_detail", flat=True))
    assert all("No space left on device" in detail for detail in details)
    assert job.credits_refunded == job.credits_charged == 10
    assert balance_of(user=funded_user) == 100
    assert Cut.objects.get(pk=plain_cut.pk).status != Cut.Status.GENERATING


def test_a_crash_between_claim_and_send_still_ends_the_job_refunded(
    fake_provider, funded_user, plain_cut
):
    job = start(plain_cut, funded_user)
    # A snapshot the worker cannot read (say, written by an older release) crashes it.
    GenerationJob.objects.filter(pk=job.pk).update(references=[{"label": "Seohee"}])

    with pytest.raises(KeyError):  # the bug still shows in the task log
        run_generation(job=job)

    job.refresh_from_db()
    assert job.status == GenerationJob.Status.FAILED
    assert set(job.candidates.values_list("status", flat=True)) == {Candidate.Status.FAILED}
    assert job.credits_refunded == 10 and balance_of(user=funded_user) == 100
    assert Cut.objects.get(pk=plain_cut.pk).status != Cut.Status.GENERATING
    assert fake_provider.generation_requests == []
    assert reap_stale_jobs(now=timezone.now() + timedelta(days=1)) == 0


def test_a_job_whose_task_could_not_be_queued_is_charged_once_then_reaped_and_refunded(
    fake_provider, funded_user, plain_cut, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(self, task):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(ORM, "enqueue", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = start(plain_cut, funded_user)  # the creator gets the job, not a server error

    assert job.status == GenerationJob.Status.QUEUED
    assert balance_of(user=funded_user) == 90
    assert reap_stale_jobs() == 0  # too early: it might still be waiting in a long queue
    assert reap_stale_jobs(now=timezone.now() + timedelta(days=1)) == 1
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.FAILED
    assert job.credits_refunded == 10 and balance_of(user=funded_user) == 100


def test_a_job_whose_finish_crashed_is_finished_by_the_reaper_without_new_refunds(
    funded_user, plain_cut, fake_provider
):
    job = start(plain_cut, funded_user)
    long_ago = timezone.now() - timedelta(hours=2)
    # The worker stored one image and refunded the other, then died inside finish_job.
    GenerationJob.objects.filter(pk=job.pk).update(
        status="running", started_at=long_ago, created_at=long_ago
    )
    job.candidates.filter(slot=0).update(status="succeeded")
    fail_candidate(job, job.candidates.get(slot=1), ProviderError(ErrorKind.MODERATION, "no"))

    assert reap_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.PARTIAL
    assert CreditTransaction.objects.filter(job=job, kind="refund").count() == 1
    assert balance_of(user=funded_user) == 95


def test_a_long_queued_job_started_just_now_is_not_reaped(funded_user, plain_cut, fake_provider):
    job = start(plain_cut, funded_user)
    GenerationJob.objects.filter(pk=job.pk).update(
        status="running",
        created_at=timezone.now() - timedelta(hours=2),
        started_at=timezone.now(),
    )
    assert reap_stale_jobs() == 0


def test_the_reaper_is_scheduled_every_minute_forever():
    migration = importlib.import_module("keyframes.migrations.0004_reaper_schedule")
    Schedule.objects.filter(func=migration.REAPER).delete()  # present when migrations ran
    migration.schedule_reaper(apps, None)
    schedule = Schedule.objects.get(func=migration.REAPER)
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)
    assert schedule.repeats < 0
    assert import_string(schedule.func)() == 0


# --- PostgreSQL: real concurrency ------------------------------------------------------------


def wait_for_a_blocked_backend(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            # Inside a transaction pg_stat_activity is a snapshot: clear it to see new waits.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "the worker never waited on a lock"
            time.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_late_image_and_the_reaper_take_locks_in_the_same_order(fake_provider):
    """The reaper holds the job row and then needs the candidate; the worker storing that
    candidate's late image must wait for the job row first, not hold the candidate."""
    user = make_user(credits=100)
    cut = make_cut(project=make_project(owner=user), prompt="A quiet street")
    job = start(cut, user, count=1)
    candidate = job.candidates.get()
    Candidate.objects.filter(pk=candidate.pk).update(status=Candidate.Status.RUNNING)
    errors, arrived = [], []

    def worker():
        image = GeneratedImage(
            data=png_bytes(), mime_type="image/png", seed=1, request_id="r1", sent_prompt="x"
        )
        try:
            arrived.append(arrived_image(job, candidate, image))
            store_candidate_image(job, candidate, arrived[0], job.sent_prompt)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever the worker hit
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    with transaction.atomic():
        GenerationJob.objects.select_for_update().get(pk=job.pk)  # the reaper's first lock
        thread.start()
        wait_for_a_blocked_backend()
        fail_candidate(job, candidate, ProviderError(ErrorKind.TIMEOUT, "reaped"))
    thread.join(timeout=30)

    assert errors == []
    assert Candidate.objects.get(pk=candidate.pk).status == Candidate.Status.FAILED
    assert not Keyframe.objects.filter(job=job).exists()  # the late image is dropped
    assert not any(default_storage.exists(name) for name in arrived[0].files)  # its files too
    assert CreditTransaction.objects.filter(job=job, kind="refund").count() == 1
    assert balance_of(user=user) == 100
    assert ledger_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_true_concurrent_double_submit_makes_one_job_and_one_charge(fake_provider, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    user = make_user(credits=100)
    cut = make_cut(project=make_project(owner=user), prompt="A quiet street")
    barrier = threading.Barrier(2, timeout=30)
    jobs, errors = [], []

    def submit():
        try:
            barrier.wait()
            jobs.append(start(cut, user, count=4, key="double-click"))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a thread hit
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len({job.pk for job in jobs}) == 1
    assert GenerationJob.objects.count() == 1
    assert CreditTransaction.objects.filter(kind="charge").count() == 1
    assert balance_of(user=user) == 80


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_resumes_of_one_crashed_flight_at_once_charge_each_cut_once(fake_provider):
    user = make_user(credits=200)
    project = make_project(owner=user)
    for number in range(1, 5):
        make_cut(project=project, prompt=f"A lantern stall, {number}")
    plan = plan_flight(project=project, user=user, model_key="flux-2-pro", count=1)
    flight, _ = create_flight(plan=plan, launch_key="")
    record_planned_cuts(flight=flight, plan=plan)  # then the launching process died
    barrier = threading.Barrier(2, timeout=30)
    errors = []

    def resume():
        """A resume, then its launcher, as a worker runs it."""
        try:
            barrier.wait()
            with suppress(FlightRefused):  # the other resume had already started every cut
                launch_flight(plan=resume_flight(flight=Flight.objects.get(pk=flight.pk)))
            dispatch_flight(flight=Flight.objects.get(pk=flight.pk))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a thread hit
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=resume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert GenerationJob.objects.filter(flight=flight).count() == 4
    assert CreditTransaction.objects.filter(kind="charge").count() == 4
    assert balance_of(user=user) == 200 - 4 * 5
