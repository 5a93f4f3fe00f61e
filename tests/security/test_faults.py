"""Provider faults played by the fake server: every job ends in a final state, every failed
image is refunded exactly once, and the ledger still adds up."""

from collections import Counter

import pytest
from django.core.management import call_command

from credits.models import CreditTransaction
from credits.services import balance_of
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import Candidate, GenerationJob, Keyframe
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_project, make_user

pytestmark = pytest.mark.django_db

START_CREDITS = 200
FINAL = {GenerationJob.Status.SUCCEEDED, GenerationJob.Status.PARTIAL, GenerationJob.Status.FAILED}
MAX_RETRIES = 2


@pytest.fixture
def quick_faults(settings, fake_provider):
    settings.PROVIDER_MAX_RETRIES = MAX_RETRIES
    settings.PROVIDER_RETRY_BASE_DELAY = 0.01
    settings.PROVIDER_TIMEOUT_SECONDS = 1
    fake_provider.hang_seconds = 3
    fake_provider.retry_after_seconds = 0
    return fake_provider


@pytest.fixture
def story(db):
    user = make_user(email="faults@example.com", credits=START_CREDITS)
    project = make_project(owner=user, aspect_ratio="16:9")
    make_asset(project=project, handle="Seohee")
    cut = make_cut(project=project, script="@Seohee", prompt="@Seohee waits by the window")
    return user, cut


def assert_settled(job: GenerationJob, user) -> Counter:
    """The job is final; each failed image has exactly one refund; the balance and the ledger
    agree. Returns how many candidates ended in each status."""
    job.refresh_from_db()
    assert job.status in FINAL
    statuses = Counter(job.candidates.values_list("status", flat=True))
    assert set(statuses) <= {Candidate.Status.SUCCEEDED, Candidate.Status.FAILED}
    failed_slots = sorted(
        job.candidates.filter(status=Candidate.Status.FAILED).values_list("slot", flat=True)
    )
    refunds = list(
        CreditTransaction.objects.filter(job=job, kind=CreditTransaction.Kind.REFUND)
        .order_by("candidate_slot")
        .values_list("candidate_slot", "amount")
    )
    assert refunds == [(slot, job.credits_per_image) for slot in failed_slots]
    succeeded = statuses[Candidate.Status.SUCCEEDED]
    assert Keyframe.objects.filter(job=job).count() == succeeded
    assert balance_of(user=user) == START_CREDITS - job.credits_per_image * succeeded
    assert Cut.objects.get(pk=job.cut_id).status != Cut.Status.GENERATING
    call_command("check_ledger")  # raises CommandError on any mismatch
    return statuses


# fault, how many of the next calls get it, the least number of images it must fail
FAULTS = [
    ("timeout", 2, 2),
    ("rate_limit", 4 * (MAX_RETRIES + 1), 4),  # a storm: more 429s than retries
    ("server_error", 3, 0),  # retried once: each image recovers or is refunded
    ("server_error", 8, 4),  # an outage outlasting its one retry
    ("malformed", 2, 2),
    ("reset", 8, 4),  # every download cut halfway, retry included
    ("moderation", 1, 1),
]


@pytest.mark.parametrize("model_key", ["flux-2-pro", "gemini-3-pro-image"])
@pytest.mark.parametrize(
    ("fault", "times", "least_failed"),
    FAULTS,
    ids=["timeout", "429-storm", "500-then-ok", "500-outage", "malformed", "reset", "moderation"],
)
def test_fault_ends_final_and_refunds_each_failed_image_once(
    quick_faults, story, model_key, fault, times, least_failed
):
    user, cut = story
    job = start_generation(
        cut=cut, user=user, prompt=cut.prompt, count=4, idempotency_key=fault, model_key=model_key
    )
    quick_faults.fail_next(times, fault)
    run_generation(job=job)
    statuses = assert_settled(job, user)
    assert statuses[Candidate.Status.FAILED] >= least_failed
    # Running the finished job again (a redelivered task) changes nothing.
    requests_before = len(quick_faults.generation_requests)
    run_generation(job=job)
    assert len(quick_faults.generation_requests) == requests_before
    assert_settled(job, user)


def test_mixed_faults_across_several_jobs_keep_the_ledger_exact(quick_faults, story):
    user, cut = story
    for number, fault in enumerate(["moderation", "malformed", "server_error", "timeout"]):
        quick_faults.fail_next(2, fault)
        job = start_generation(
            cut=cut,
            user=user,
            prompt=cut.prompt,
            count=2,
            idempotency_key=f"mixed-{number}",
            model_key="flux-2-pro",
        )
        run_generation(job=job)
    jobs = list(GenerationJob.objects.all())
    assert len(jobs) == 4 and all(job.status in FINAL for job in jobs)
    refunded = CreditTransaction.objects.filter(kind=CreditTransaction.Kind.REFUND).count()
    failed = Candidate.objects.filter(status=Candidate.Status.FAILED).count()
    assert refunded == failed >= 4
    call_command("check_ledger")
