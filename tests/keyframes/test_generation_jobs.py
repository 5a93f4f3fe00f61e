"""Generation jobs: pre-charge, run every candidate at once, refund each failure once."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from credits.models import CreditTransaction
from credits.services import InsufficientCredits, balance_of, ledger_mismatches
from keyframes.generation import start_generation
from keyframes.job_faults import cancel_job, reap_stale_jobs
from keyframes.job_runner import run_generation
from keyframes.models import Candidate, GenerationJob, Keyframe
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded_user(db):
    return make_user(email="funded@example.com", credits=100)


@pytest.fixture
def story_cut(funded_user):
    project = make_project(owner=funded_user, aspect_ratio="16:9")
    make_asset(project=project, handle="Seohee")
    make_asset(project=project, handle="Cafe", kind="location", colour=(200, 40, 40))
    return make_cut(project=project, script="@Seohee at @Cafe", prompt="@Seohee sits in @Cafe")


def start(cut, user, *, model_key="flux-2-pro", count=4, key="k1", prompt=None):
    return start_generation(
        cut=cut,
        user=user,
        prompt=prompt or cut.prompt,
        count=count,
        idempotency_key=key,
        model_key=model_key,
    )


def test_job_is_charged_before_it_runs_and_snapshots_the_request(
    fake_provider, funded_user, story_cut, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = start(story_cut, funded_user)
    assert len(callbacks) == 1  # queued only once the transaction commits
    assert job.status == GenerationJob.Status.QUEUED
    assert job.credits_charged == 20 and balance_of(user=funded_user) == 80
    assert [ref["handle"] for ref in job.references] == ["Seohee", "Cafe"]
    assert job.aspect_ratio == "16:9"
    assert Cut.objects.get(pk=story_cut.pk).status == Cut.Status.GENERATING


def test_four_candidates_are_in_flight_at_the_same_time(fake_provider, funded_user, story_cut):
    job = start(story_cut, funded_user)
    fake_provider.expect_concurrent(4)
    job = run_generation(job=job)
    assert fake_provider.max_in_flight == 4
    assert job.status == GenerationJob.Status.SUCCEEDED
    assert Keyframe.objects.filter(job=job).count() == 4
    assert sorted(Keyframe.objects.filter(job=job).values_list("slot", flat=True)) == [0, 1, 2, 3]
    cut = Cut.objects.get(pk=story_cut.pk)
    assert cut.status == Cut.Status.CANDIDATES_READY


def test_one_failed_candidate_of_four_is_refunded_once(fake_provider, funded_user, story_cut):
    job = start(story_cut, funded_user)
    fake_provider.fail_next(1, "moderation")
    job = run_generation(job=job)
    assert job.status == GenerationJob.Status.PARTIAL
    assert Keyframe.objects.filter(job=job).count() == 3
    assert job.credits_refunded == 5
    refunds = CreditTransaction.objects.filter(job=job, kind="refund")
    assert [row.amount for row in refunds] == [5]
    assert balance_of(user=funded_user) == 100 - 20 + 5
    failed = job.candidates.get(status=Candidate.Status.FAILED)
    assert "content rules" in failed.error_message
    assert failed.error_detail  # the raw provider text, for support staff
    assert ledger_mismatches() == []
    total = CreditTransaction.objects.filter(account__user=funded_user).aggregate(t=Sum("amount"))
    assert total["t"] == balance_of(user=funded_user)


def test_rate_limit_is_retried_and_the_image_still_arrives(
    fake_provider, funded_user, story_cut, settings
):
    settings.PROVIDER_RETRY_BASE_DELAY = 0.01
    fake_provider.retry_after_seconds = 0
    job = start(story_cut, funded_user, count=1)
    fake_provider.fail_next(1, "rate_limit")
    job = run_generation(job=job)
    assert job.status == GenerationJob.Status.SUCCEEDED
    assert job.credits_refunded == 0


def test_every_candidate_failing_refunds_everything(fake_provider, funded_user, story_cut):
    job = start(story_cut, funded_user, count=2)
    fake_provider.fail_next(2, "moderation")
    job = run_generation(job=job)
    assert job.status == GenerationJob.Status.FAILED
    assert job.credits_refunded == job.credits_charged == 10
    assert balance_of(user=funded_user) == 100
    assert "content rules" in job.error_message


def test_running_a_job_twice_generates_and_charges_once(fake_provider, funded_user, story_cut):
    job = start(story_cut, funded_user, count=2)
    run_generation(job=job)
    run_generation(job=job)
    assert Keyframe.objects.filter(job=job).count() == 2
    assert len(fake_provider.generation_requests) == 2
    assert CreditTransaction.objects.filter(job=job, kind="charge").count() == 1


def test_same_idempotency_key_twice_makes_one_job(funded_user, story_cut):
    first = start(story_cut, funded_user, model_key="local-draft", key="same")
    second = start(story_cut, funded_user, model_key="local-draft", key="same")
    assert first.pk == second.pk
    assert GenerationJob.objects.count() == 1


def test_unknown_mention_charges_nothing(fake_provider, funded_user, story_cut):
    with pytest.raises(ValidationError) as error:
        start(story_cut, funded_user, prompt="@Mina waves at @Seohee")
    assert "@Mina" in str(error.value)
    assert balance_of(user=funded_user) == 100
    assert not GenerationJob.objects.exists()


def test_not_enough_credits_is_refused_before_anything_is_queued(fake_provider, story_cut):
    poor = make_user(credits=4)
    story_cut.project.owner = poor
    with pytest.raises(InsufficientCredits):
        start(story_cut, poor, count=1)  # flux-2-pro costs 5
    assert balance_of(user=poor) == 4
    assert not GenerationJob.objects.exists()


@pytest.mark.parametrize("count", [0, 5])
def test_count_outside_one_to_four_is_refused(fake_provider, funded_user, story_cut, count):
    with pytest.raises(ValidationError):
        start(story_cut, funded_user, count=count)
    assert balance_of(user=funded_user) == 100


def test_local_draft_generates_real_images_for_free(funded_user, story_cut):
    job = start(story_cut, funded_user, model_key="local-draft")
    job = run_generation(job=job)
    assert job.status == GenerationJob.Status.SUCCEEDED
    frames = list(Keyframe.objects.filter(job=job))
    assert len(frames) == 4
    assert all(frame.width > frame.height for frame in frames)  # the project's 16:9
    assert len({frame.sha256 for frame in frames}) == 4  # varied per seed
    assert balance_of(user=funded_user) == 100


def test_regenerating_keeps_earlier_keyframes(funded_user, story_cut):
    run_generation(job=start(story_cut, funded_user, model_key="local-draft", key="a"))
    run_generation(job=start(story_cut, funded_user, model_key="local-draft", key="b"))
    assert Keyframe.objects.filter(cut=story_cut).count() == 8


def test_killed_workers_job_is_reaped_and_refunded(funded_user, story_cut, fake_provider):
    job = start(story_cut, funded_user, count=4)
    # The worker claimed the job and one image arrived, then the process died.
    GenerationJob.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now() - timedelta(hours=2)
    )
    GenerationJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=2))
    job.candidates.filter(slot=0).update(status="succeeded")
    job.candidates.filter(slot__gt=0).update(status="running")
    assert reap_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.PARTIAL
    assert job.credits_refunded == 15
    assert balance_of(user=funded_user) == 100 - 20 + 15
    assert reap_stale_jobs() == 0  # a second pass finds nothing and refunds nothing
    assert balance_of(user=funded_user) == 95
    # A restarted worker picking the job up again generates and charges nothing.
    run_generation(job=job)
    assert fake_provider.generation_requests == []


def test_a_fresh_running_job_is_not_reaped(funded_user, story_cut):
    job = start(story_cut, funded_user, model_key="local-draft")
    GenerationJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    assert reap_stale_jobs() == 0


def test_cancelling_a_queued_job_refunds_every_image(fake_provider, funded_user, story_cut):
    job = start(story_cut, funded_user, count=4)
    job = cancel_job(job=job)
    assert job.status == GenerationJob.Status.CANCELLED
    assert job.credits_refunded == 20
    assert balance_of(user=funded_user) == 100


def test_provider_cap_limits_calls_in_flight(fake_provider, funded_user, story_cut, settings):
    settings.PROVIDER_CONCURRENCY = {**settings.PROVIDER_CONCURRENCY, "replicate": 2}
    fake_provider.latency = 0.2
    # The first two calls wait for each other, so they overlap even on a busy machine.
    fake_provider.expect_concurrent(2)
    job = run_generation(job=start(story_cut, funded_user, count=4))
    assert job.status == GenerationJob.Status.SUCCEEDED
    assert fake_provider.max_in_flight == 2


def test_other_project_model_outside_tier_is_refused(fake_provider, funded_user, story_cut):
    story_cut.project.quality_preset = "fast"
    story_cut.project.save()
    with pytest.raises(ValidationError) as error:
        start(story_cut, funded_user, model_key="flux-2-flex")
    assert "tier" in str(error.value)


def test_model_without_a_key_is_unavailable(fake_provider, funded_user, story_cut, settings):
    settings.REPLICATE_API_TOKEN = ""
    with pytest.raises(ValidationError) as error:
        start(story_cut, funded_user, model_key="flux-2-pro")
    assert "unavailable" in str(error.value)


def test_automatic_choice_falls_back_to_drafts_without_any_key(funded_user, settings):
    settings.REPLICATE_API_TOKEN = settings.FAL_KEY = settings.GEMINI_API_KEY = ""
    cut = make_cut(project=make_project(owner=funded_user), prompt="a quiet street")
    job = start(cut, funded_user, model_key="")
    assert job.model_key == "local-draft"


def test_shot_and_style_are_folded_into_the_prompt_sent(fake_provider, funded_user, story_cut):
    story_cut.shot_size, story_cut.camera_angle = "close_up", "low"
    story_cut.save()
    story_cut.project.style_text = "ink wash, muted colours"
    story_cut.project.save()
    job = start(story_cut, funded_user, count=1, prompt="Wide shot? No: @Seohee in @Cafe")
    story_cut.shot_size = "wide"  # editing the cut later does not change the job
    story_cut.save()
    run_generation(job=job)
    sent = fake_provider.replicate_inputs()[0]["prompt"]
    assert "Close-up shot, low angle." in sent
    assert sent.endswith("Style: ink wash, muted colours")
    job.refresh_from_db()
    assert job.prompt == "Wide shot? No: @Seohee in @Cafe"  # the creator's text, unchanged
    assert job.sent_prompt == sent


def test_a_shot_the_prompt_already_names_is_not_repeated(funded_user, story_cut):
    story_cut.shot_size = "wide"
    story_cut.save()
    job = start(story_cut, funded_user, model_key="local-draft", prompt="Wide shot of @Cafe")
    assert job.sent_prompt == "Wide shot of @Cafe"


def test_a_job_the_database_refuses_does_not_hold_back_the_reaper(
    fake_provider, funded_user, story_cut
):
    broken = start(story_cut, funded_user, model_key="local-draft", key="broken", count=1)
    healthy = start(story_cut, funded_user, key="healthy", count=1)
    two_hours_ago = timezone.now() - timedelta(hours=2)
    GenerationJob.objects.filter(pk__in=[broken.pk, healthy.pk]).update(created_at=two_hours_ago)
    # Corrupt row: a refund of 5 would exceed its recorded charge of 0 (a database CHECK).
    GenerationJob.objects.filter(pk=broken.pk).update(credits_per_image=5)

    assert reap_stale_jobs() == 1
    healthy.refresh_from_db()
    broken.refresh_from_db()
    assert healthy.status == GenerationJob.Status.FAILED and healthy.credits_refunded == 5
    assert broken.status == GenerationJob.Status.QUEUED  # left for support, nothing half-done
    assert broken.credits_refunded == 0
