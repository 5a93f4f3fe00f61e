"""Takes: a video from the representative keyframe, charged and refunded like images."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from credits.models import CreditTransaction
from credits.services import balance_of, ledger_mismatches
from cutflow.video import probe_bytes
from keyframes.flights import plan_flight
from keyframes.job_faults import cancel_job, reap_stale_jobs
from keyframes.models import GenerationJob, Take
from keyframes.takes import choose_representative_take, default_motion_prompt
from projects.models import Cut
from projects.services import delete_cut
from tests.factories import make_asset, make_cut, make_project
from tests.keyframes.takes_setup import represent, run, take_of

pytestmark = pytest.mark.django_db


def stored_video(take: Take):
    with default_storage.open(take.video.name, "rb") as handle:
        return probe_bytes(handle.read())


def test_local_motion_take_is_a_playable_mp4_of_the_cut_length_and_project_shape(creator, shot_cut):
    take = run(take_of(shot_cut, creator, seconds="2.5"))

    assert take.status == Take.Status.SUCCEEDED and take.is_ready
    info = stored_video(take)
    assert (info.width, info.height) == (160, 90)  # 16:9 with 90 px on the short side
    assert abs(info.seconds - 2.5) <= 1 / info.fps  # within one frame
    assert (take.width, take.height) == (160, 90)
    assert take.job.credits_charged == 0 and balance_of(user=creator) == 100
    assert take.job.sent_request["input"]["camera_movement"] == "dolly_in"


def test_a_cut_without_representative_keyframe_is_refused_and_nothing_is_charged(
    creator, small_takes
):
    cut = make_cut(project=make_project(owner=creator), script="An empty room.")

    with pytest.raises(ValidationError) as refused:
        take_of(cut, creator, model="kling-2.1", seconds="5")

    assert "no representative keyframe" in refused.value.message_dict["keyframe"][0]
    assert balance_of(user=creator) == 100
    assert not GenerationJob.objects.exists() and not Take.objects.exists()


def test_replicate_take_is_precharged_then_stored_when_the_video_arrives(
    creator, shot_cut, fake_provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        take = take_of(shot_cut, creator, model="kling-2.1", seconds="5")

    assert len(queued) == 1  # the worker gets it once the charge is committed
    assert take.job.credits_charged == 5 and balance_of(user=creator) == 95
    assert take.status == Take.Status.QUEUED

    take = run(take)

    assert take.status == Take.Status.SUCCEEDED
    sent = fake_provider.replicate_inputs()[-1]
    assert sent["duration"] == 5 and sent["mode"] == "standard"
    assert sent["prompt"] == "She turns slowly."
    first_frame = fake_provider.uploads[sent["start_image"].rsplit("/", 1)[-1]].data
    assert first_frame == shot_cut.representative.image.open("rb").read()
    assert stored_video(take).seconds == pytest.approx(5, abs=0.2)
    assert balance_of(user=creator) == 95 and ledger_mismatches() == []


def test_replicate_take_that_fails_is_refunded_in_full(creator, shot_cut, fake_provider):
    fake_provider.fail_next(1, "moderation")
    take = run(take_of(shot_cut, creator, model="kling-2.1", seconds="10"))

    assert take.status == Take.Status.FAILED
    assert "content rules" in take.error_message
    assert take.job.credits_charged == 10 and take.job.credits_refunded == 10
    assert balance_of(user=creator) == 100
    refund = CreditTransaction.objects.get(kind=CreditTransaction.Kind.REFUND)
    assert refund.amount == 10 and refund.job_id == take.job_id
    assert not take.video


def test_fal_take_is_charged_at_its_price_and_its_video_stored(creator, shot_cut, fake_fal):
    take = take_of(shot_cut, creator, model="kling-2.5-turbo-pro", seconds="5")
    assert balance_of(user=creator) == 93  # $0.35 at 20 credits a dollar

    take = run(take)

    assert take.status == Take.Status.SUCCEEDED
    submission = fake_fal.submissions[-1]
    assert submission.endpoint == "fal-ai/kling-video/v2.5-turbo/pro/image-to-video"
    assert submission.arguments["duration"] == "5"
    assert fake_fal.uploads[submission.arguments["image_url"]] == (
        shot_cut.representative.image.open("rb").read()
    )
    assert stored_video(take).seconds == pytest.approx(5, abs=0.2)


def test_fal_take_that_fails_is_refunded(creator, shot_cut, fake_fal):
    fake_fal.fail_next(1, "moderation")
    take = run(take_of(shot_cut, creator, model="kling-2.5-turbo-pro", seconds="10"))

    assert take.status == Take.Status.FAILED
    assert take.job.credits_refunded == take.job.credits_charged == 14
    assert balance_of(user=creator) == 100


def test_a_video_over_the_size_limit_is_refused_and_refunded(
    creator, shot_cut, fake_provider, settings, media_in_tmp
):
    settings.TAKE_MAX_VIDEO_BYTES = 200_000
    fake_provider.videos_to_serve.append(b"\0" * 300_000)

    take = run(take_of(shot_cut, creator, model="kling-2.1", seconds="5"))

    assert take.status == Take.Status.FAILED
    assert "larger than this site accepts" in take.error_message
    assert take.job.candidates.get().error_kind == "too_large"
    assert balance_of(user=creator) == 100
    assert not take.video and list(media_in_tmp.rglob("*.mp4")) == []  # nothing kept


def test_an_answer_that_is_not_a_video_fails_and_is_refunded(creator, shot_cut, fake_provider):
    fake_provider.videos_to_serve.append(b"<html>not a video</html>")

    take = run(take_of(shot_cut, creator, model="kling-2.1", seconds="5"))

    assert take.status == Take.Status.FAILED
    assert "did not return a usable video" in take.error_message
    assert balance_of(user=creator) == 100


def test_takes_survive_a_new_representative_and_the_next_starts_from_it(creator, shot_cut):
    first = run(take_of(shot_cut, creator, key="first"))
    old_keyframe = shot_cut.representative
    new_keyframe = represent(shot_cut, colour=(20, 160, 90))

    second = run(take_of(shot_cut, creator, key="second"))

    assert list(shot_cut.takes.order_by("created_at")) == [first, second]
    assert first.is_ready and second.is_ready
    assert first.source_keyframe == old_keyframe
    assert second.source_keyframe == new_keyframe
    assert second.job.references[0]["image_name"] == new_keyframe.image.name


def test_the_same_idempotency_key_twice_starts_and_charges_one_take(
    creator, shot_cut, fake_provider
):
    first = take_of(shot_cut, creator, model="kling-2.1", seconds="5", key="double")
    again = take_of(shot_cut, creator, model="kling-2.1", seconds="5", key="double")

    assert again == first
    assert Take.objects.count() == 1 and balance_of(user=creator) == 95


def test_a_hosted_model_offers_only_its_lengths(creator, shot_cut, fake_provider):
    with pytest.raises(ValidationError) as refused:
        take_of(shot_cut, creator, model="kling-2.1", seconds="7")

    assert refused.value.message_dict["duration"] == [
        "Kling 2.1 Standard makes takes of 5 s or 10 s."
    ]
    assert balance_of(user=creator) == 100


def test_cancelling_a_queued_take_refunds_it(creator, shot_cut, fake_provider):
    take = take_of(shot_cut, creator, model="kling-2.1", seconds="5")

    cancel_job(job=take.job)

    take.refresh_from_db()
    assert take.status == Take.Status.CANCELLED
    assert balance_of(user=creator) == 100
    assert run(take).status == Take.Status.CANCELLED  # a late worker sends nothing
    assert fake_provider.replicate_inputs() == []


def test_the_reaper_fails_and_refunds_a_take_whose_worker_died(creator, shot_cut, fake_provider):
    take = take_of(shot_cut, creator, model="kling-2.1", seconds="10")
    later = timezone.now() + timedelta(hours=2)

    assert reap_stale_jobs(now=later) == 1

    take.refresh_from_db()
    assert take.status == Take.Status.FAILED and balance_of(user=creator) == 100


def test_a_running_take_does_not_make_the_cut_generating(creator, shot_cut, fake_provider):
    take_of(shot_cut, creator, model="kling-2.1", seconds="5")

    assert Cut.objects.get(pk=shot_cut.pk).status == Cut.Status.KEYFRAME_GENERATED


def test_a_ready_take_becomes_the_cut_s_one_representative_take(creator, shot_cut):
    first = run(take_of(shot_cut, creator, key="first"))
    second = run(take_of(shot_cut, creator, key="second"))

    choose_representative_take(cut=shot_cut, take=first)
    choose_representative_take(cut=shot_cut, take=second)

    assert list(shot_cut.takes.filter(is_representative=True)) == [second]


def test_the_motion_prompt_starts_from_the_script_and_the_camera_move(creator, shot_cut):
    assert default_motion_prompt(shot_cut) == (
        "Mina turns to the window. The camera pushes in slowly."
    )


def test_local_motion_cost_and_lengths_follow_the_registry():
    from keyframes.providers.video_registry import VIDEO_MODELS

    local = VIDEO_MODELS["local-motion"]
    assert local.allows(Decimal("2.5")) and not local.allows(Decimal("2.55"))
    assert not local.allows(Decimal("31"))


def test_deleting_a_cut_removes_its_takes_files_and_keeps_the_charge_receipt(
    creator, shot_cut, fake_provider, media_in_tmp, django_capture_on_commit_callbacks
):
    take = run(take_of(shot_cut, creator, model="kling-2.1", seconds="5"))
    assert list(media_in_tmp.rglob("*.mp4"))

    with django_capture_on_commit_callbacks(execute=True):
        delete_cut(cut=shot_cut)

    assert not Take.objects.exists() and list(media_in_tmp.rglob("*.mp4")) == []
    job = GenerationJob.objects.get(pk=take.job_id)
    assert job.cut_id is None and job.credits_charged == 5
    assert ledger_mismatches() == []


def test_a_cut_with_a_take_on_its_way_cannot_be_deleted(creator, shot_cut, fake_provider):
    take_of(shot_cut, creator, model="kling-2.1", seconds="5")

    with pytest.raises(ValidationError, match="still being generated"):
        delete_cut(cut=shot_cut)

    assert Take.objects.count() == 1


def test_an_auto_flight_still_plans_a_cut_whose_take_is_on_its_way(
    creator, shot_cut, fake_provider
):
    take_of(shot_cut, creator, model="kling-2.1", seconds="5")

    plan = plan_flight(project=shot_cut.project, user=creator, include_done=True)

    assert [cut.skip_reason for cut in plan.cuts] == [""]


def test_the_motion_prompt_writes_mentions_as_names_and_may_have_no_camera_move(creator):
    cut = make_cut(project=make_project(owner=creator), script="@mina leaves @cafe.")
    make_asset(project=cut.project, handle="mina", name="Mina Park")
    make_asset(project=cut.project, handle="cafe", kind="location", name="the corner cafe")

    assert default_motion_prompt(cut) == "Mina Park leaves the corner cafe."
