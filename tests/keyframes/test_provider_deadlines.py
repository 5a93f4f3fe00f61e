"""A candidate's deadline and retry budget: lost Replicate creates are found, and no SDK
retries past the budget or the deadline, fal's storage uploads included (the real `replicate`
and `fal-client` clients)."""

import time

import pytest

from credits.services import balance_of
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import GenerationJob
from keyframes.providers.base import ErrorKind, ProviderError
from keyframes.providers.registry import get_model
from keyframes.providers.replicate_provider import FIND_ATTEMPTS, FIND_PAGES
from keyframes.providers.retries import generate_with_retries
from tests.factories import make_asset, make_cut, make_project, make_user
from tests.keyframes.provider_requests import JAKE, candidate


def generate(model_key, *, sleep=None, **overrides):
    kwargs = {"sleep": sleep} if sleep else {}
    return generate_with_retries(get_model(model_key), candidate(model_key, **overrides), **kwargs)


def cancels(server):
    return [r for r in server.requests if r.path.endswith("/cancel")]


# --- Replicate: create, poll, find, cancel ---------------------------------------------------
def test_a_create_whose_answer_is_lost_is_found_and_followed(fake_provider, settings):
    settings.REPLICATE_CREATE_TIMEOUT_SECONDS = 0.5
    fake_provider.hang_seconds = 3
    fake_provider.latency = 0.3
    fake_provider.fail_next(1, "lost_create")

    image = generate("flux-2-pro")

    (create,) = fake_provider.generation_requests  # found, not created a second time
    assert fake_provider.predictions_listed
    assert [image.request_id] == fake_provider.prediction_ids
    assert image.data == create.served_image


def test_a_create_lost_until_the_deadline_is_found_and_cancelled(fake_provider, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 1
    settings.PROVIDER_MAX_RETRIES = 0
    fake_provider.hang_seconds = 3
    fake_provider.latency = 30
    fake_provider.fail_next(1, "lost_create")

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-pro")

    assert caught.value.kind == ErrorKind.TIMEOUT
    (started,) = fake_provider.prediction_ids
    assert caught.value.request_id == started
    assert [r.path for r in cancels(fake_provider)] == [f"/v1/predictions/{started}/cancel"]
    assert fake_provider.prediction_status(started) == "canceled"


def test_a_lost_create_on_the_lists_second_page_is_found_and_followed(fake_provider, settings):
    settings.REPLICATE_CREATE_TIMEOUT_SECONDS = 0.5
    fake_provider.hang_seconds = 3
    fake_provider.latency = 0.3
    fake_provider.predictions_during_lost_create = 150  # a busy account pushes ours to page 2
    fake_provider.fail_next(1, "lost_create")

    image = generate("flux-2-pro")

    (create,) = fake_provider.generation_requests  # followed, not created a second time
    assert ["cursor=" in r.query for r in fake_provider.predictions_listed] == [False, True]
    assert [image.request_id] == fake_provider.prediction_ids
    assert image.data == create.served_image


def test_the_lookup_stops_at_the_first_prediction_older_than_the_create(fake_provider, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 1
    settings.PROVIDER_MAX_RETRIES = 0
    fake_provider.add_account_predictions(250, seconds_ago=3600)  # three pages an hour old
    fake_provider.hang_seconds = 3
    fake_provider.fail_next(1, "timeout")  # the create starts nothing

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-pro")

    assert caught.value.kind == ErrorKind.TIMEOUT
    listed = fake_provider.predictions_listed
    assert len(listed) == FIND_ATTEMPTS  # the first page of each look, never the next ones
    assert not any("cursor=" in r.query for r in listed)


def test_a_long_prediction_list_is_read_a_few_pages_deep_only(fake_provider, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 1
    settings.PROVIDER_MAX_RETRIES = 0
    fake_provider.hang_seconds = 3
    fake_provider.latency = 30
    fake_provider.predictions_during_lost_create = 2000  # ours is twenty pages down
    fake_provider.fail_next(1, "lost_create")

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-pro")

    assert caught.value.kind == ErrorKind.TIMEOUT
    assert len(fake_provider.predictions_listed) == FIND_ATTEMPTS * FIND_PAGES


def test_a_lost_create_never_takes_another_candidates_prediction(fake_provider, settings):
    """Recraft has no seed, so two candidates of a job send equal inputs."""
    settings.PROVIDER_TIMEOUT_SECONDS = 1
    settings.PROVIDER_MAX_RETRIES = 0
    first = generate("recraft-v3")
    fake_provider.hang_seconds = 3
    fake_provider.fail_next(1, "timeout")  # the second create starts nothing

    with pytest.raises(ProviderError) as caught:
        generate("recraft-v3")

    assert caught.value.kind == ErrorKind.TIMEOUT
    assert fake_provider.predictions_listed
    assert caught.value.request_id != first.request_id
    assert cancels(fake_provider) == []


# --- the retry budget, whoever retries ------------------------------------------------------
def test_replicate_client_retries_of_a_rate_limited_poll_count_against_the_budget(
    fake_provider, settings
):
    settings.PROVIDER_MAX_RETRIES = 2
    fake_provider.retry_after_seconds = 0
    fake_provider.latency = 0.2
    fake_provider.max_prefer_wait = 0  # the create answers at once, so the image is polled for
    fake_provider.rate_limit_polls(5)

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-pro")

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    limited = [r for r in fake_provider.requests if r.fault == "rate_limit"]
    assert len(limited) == 3  # the first answer and two retries, not the client's ten
    assert len(fake_provider.generation_requests) == 1


def test_no_sdk_retry_waits_past_the_deadline(fake_provider, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 2
    fake_provider.retry_after_seconds = 5  # longer than the candidate has left
    fake_provider.latency = 0.2
    fake_provider.max_prefer_wait = 0
    fake_provider.rate_limit_polls(1)

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-pro")

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 5
    assert len([r for r in fake_provider.requests if r.fault == "rate_limit"]) == 1


def test_our_retry_never_waits_past_the_deadline(fake_provider, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 2
    fake_provider.retry_after_seconds = 5
    fake_provider.fail_next(1, "rate_limit")
    slept = []

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-pro", sleep=slept.append)

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert slept == []
    assert len(fake_provider.generation_requests) == 1


def test_fal_client_retries_of_a_rate_limit_count_against_the_budget(fake_fal, settings):
    settings.PROVIDER_MAX_RETRIES = 2
    fake_fal.fail_next(5, "rate_limit")

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-flash")

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert fake_fal.rate_limited_submits == 3  # the first answer and two retries, not ten
    assert fake_fal.submissions == []


def test_fal_rate_limits_are_not_retried_past_the_deadline(fake_fal, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 0.5  # less than the Retry-After of 1 s
    fake_fal.fail_next(3, "rate_limit")

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-flash")

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert fake_fal.rate_limited_submits == 1


# --- fal storage: reference uploads share the candidate's budget and deadline ---------------
def test_a_rate_limited_fal_storage_upload_is_retried_within_the_budget(fake_fal, settings):
    settings.PROVIDER_MAX_RETRIES = 3
    fake_fal.rate_limit_storage(2)

    image = generate("flux-2-flash", references=(JAKE,))

    assert [r.status for r in fake_fal.storage_requests] == [429, 429, 200]
    (submission,) = fake_fal.submissions
    (url,) = submission.arguments["image_urls"]
    assert fake_fal.uploads[url] == JAKE.data
    assert image.request_id == submission.request_id


def test_fal_storage_and_queue_rate_limits_spend_one_budget(fake_fal, settings):
    settings.PROVIDER_MAX_RETRIES = 3
    fake_fal.rate_limit_storage(2)  # two retries of the upload
    fake_fal.fail_next(2, "rate_limit")  # one retry of the submit, then the budget is spent

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-flash", references=(JAKE,))

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert fake_fal.rate_limited_submits == 2
    assert fake_fal.submissions == []


@pytest.mark.django_db
def test_fal_storage_rate_limited_past_the_budget_fails_the_image_and_refunds_it(
    fake_fal, settings
):
    settings.PROVIDER_MAX_RETRIES = 2
    owner = make_user(credits=100)
    project = make_project(owner=owner, quality_preset="fast")
    make_asset(project=project, handle="Mina")
    cut = make_cut(project=project, prompt="@Mina waits by the window")
    fake_fal.rate_limit_storage(20)

    job = start_generation(
        cut=cut,
        user=owner,
        prompt=cut.prompt,
        count=1,
        idempotency_key="storage-429",
        model_key="flux-2-flash",
    )
    job = run_generation(job=job)

    assert job.status == GenerationJob.Status.FAILED
    assert "rate limited" in job.error_message
    assert job.credits_refunded == job.credits_charged > 0
    assert balance_of(user=owner) == 100
    # The CDN's first answer and two retries, then fal-client's fallback storage once:
    # not fal-client's ten attempts at each.
    assert [r.status for r in fake_fal.storage_requests] == [429] * 4
    assert fake_fal.submissions == []


def test_fal_storage_uploads_stop_at_the_candidates_deadline(fake_fal, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 1
    settings.PROVIDER_MAX_RETRIES = 100  # only the deadline can stop fal-client's retries
    fake_fal.rate_limit_storage(100)
    started = time.monotonic()

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-flash", references=(JAKE,))

    assert caught.value.kind == ErrorKind.TIMEOUT
    assert fake_fal.storage_requests
    assert all(r.at < started + 1 for r in fake_fal.storage_requests)
    assert fake_fal.submissions == []
