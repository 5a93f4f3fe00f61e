"""A real worker (manage.py qcluster) killed mid-job, and a worker whose database connection
is cut mid-job. Both need a database a second process can share: PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_q.models import Task

from credits.models import CreditTransaction
from credits.services import balance_of
from keyframes.generation import enqueue_job, start_generation
from keyframes.job_faults import reap_stale_jobs
from keyframes.models import Candidate, GenerationJob
from tests.factories import make_asset, make_cut, make_project, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
START_CREDITS = 100


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(tmp_path, fake, log_name="worker.log") -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cutflow.settings_test",
        "DATABASE_URL": database_url(),
        "Q_WORKERS": "1",
        "Q_POLL_SECONDS": "0.1",
        "REPLICATE_API_TOKEN": "r8_fake-token",
        "REPLICATE_BASE_URL": fake.replicate_base_url,
        "CUTFLOW_VAR_DIR": str(tmp_path),  # its MEDIA_ROOT is this test's tmp_path/media
        "PROVIDER_TIMEOUT_SECONDS": "60",
    }
    log = open(tmp_path / log_name, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the test can kill all of it
    )


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def wait_until(condition, *, timeout: float, what: str, tmp_path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    log = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log}")


@pytest.fixture
def story(media_in_tmp):
    user = make_user(email="worker@example.com", credits=START_CREDITS)
    project = make_project(owner=user)
    make_asset(project=project, handle="Seohee")
    cut = make_cut(project=project, script="@Seohee", prompt="@Seohee waits by the window")
    return user, cut


@pytest.fixture
def worker_processes():
    started = []
    yield started
    for process in started:
        kill(process)


def start_job(user, cut, key):
    return start_generation(
        cut=cut, user=user, prompt=cut.prompt, count=2, idempotency_key=key, model_key="flux-2-pro"
    )


def test_a_killed_worker_is_reaped_refunded_and_never_run_twice(
    fake_provider, story, tmp_path, worker_processes
):
    user, cut = story
    fake_provider.latency = 120  # the images never arrive before the kill
    worker_processes.append(worker := start_worker(tmp_path, fake_provider))
    job = start_job(user, cut, "killed")  # queued on commit, to the real worker
    assert balance_of(user=user) == START_CREDITS - job.credits_charged

    def in_flight():
        job.refresh_from_db()
        return (
            job.status == GenerationJob.Status.RUNNING
            and len(fake_provider.generation_requests) == 2
        )

    wait_until(in_flight, timeout=90, what="the job's provider calls", tmp_path=tmp_path)
    kill(worker)

    later = timezone.now() + timedelta(seconds=settings.JOB_DEADLINE_SECONDS + 60)
    assert reap_stale_jobs(now=later) == 1
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.FAILED
    assert set(job.candidates.values_list("status", flat=True)) == {Candidate.Status.FAILED}
    refunds = CreditTransaction.objects.filter(job=job, kind=CreditTransaction.Kind.REFUND)
    assert sorted(refunds.values_list("candidate_slot", flat=True)) == [0, 1]
    assert balance_of(user=user) == START_CREDITS
    assert reap_stale_jobs(now=later) == 0

    # A fresh worker handed the same task again (a redelivery) neither generates nor charges.
    requests_before = len(fake_provider.generation_requests)
    worker_processes.append(start_worker(tmp_path, fake_provider))
    enqueue_job(job.pk)
    wait_until(
        lambda: Task.objects.filter(name=f"generation-job-{job.pk}").exists(),
        timeout=90,
        what="the redelivered task to finish",
        tmp_path=tmp_path,
    )
    assert len(fake_provider.generation_requests) == requests_before
    assert balance_of(user=user) == START_CREDITS
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.FAILED
    call_command("check_ledger")


def test_a_job_survives_its_database_connection_being_cut(
    fake_provider, story, tmp_path, worker_processes
):
    """What a PostgreSQL restart does to a worker: its connection dies while the provider
    works. Only this test database's other connections are cut, so nothing else running
    against the shared server is disturbed."""
    user, cut = story
    fake_provider.latency = 2  # the cut comes within a poll (0.2 s) of the calls leaving
    worker_processes.append(start_worker(tmp_path, fake_provider))
    job = start_job(user, cut, "reconnect")

    def in_flight():
        job.refresh_from_db()
        return (
            job.status == GenerationJob.Status.RUNNING
            and len(fake_provider.generation_requests) == 2
        )

    wait_until(in_flight, timeout=90, what="the job's provider calls", tmp_path=tmp_path)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1

    def finished():
        job.refresh_from_db()
        return job.is_final

    wait_until(finished, timeout=90, what="the job to finish", tmp_path=tmp_path)
    assert job.status == GenerationJob.Status.SUCCEEDED
    assert job.keyframes.count() == 2
    assert balance_of(user=user) == START_CREDITS - job.credits_charged
    call_command("check_ledger")
