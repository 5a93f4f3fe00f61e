"""Each hosted video model's request against its saved contract, through the real client and
the fake hosts (which answer a refused input as Replicate and fal do: 422)."""

import dataclasses
from decimal import Decimal
from types import MappingProxyType

import pytest

from cutflow.video import probe_bytes
from keyframes.providers.base import ErrorKind, ReferenceImage
from keyframes.providers.route_checks import route_problems
from keyframes.providers.video_hosts import TakeRequest, VideoProviderError, generate_video
from keyframes.providers.video_registry import VIDEO_MODELS
from tests.factories import png_bytes
from tests.fakes.contracts import CONTRACTS

HOSTED = [
    (key, seconds)
    for key, spec in VIDEO_MODELS.items()
    if spec.provider != "local"
    for seconds in spec.durations
]


@pytest.fixture
def no_retries(settings):
    settings.PROVIDER_MAX_RETRIES = 0


def request(seconds=5) -> TakeRequest:
    frame = ReferenceImage(
        label="the representative keyframe",
        data=png_bytes((320, 180)),
        mime_type="image/png",
        role="first_frame",
        sha256="",
    )
    return TakeRequest(
        prompt="She turns to the window.",
        negative_prompt="blurry",
        seconds=Decimal(seconds),
        first_frame=frame,
    )


@pytest.mark.parametrize(("model_key", "seconds"), HOSTED)
def test_our_take_request_passes_the_models_contract(
    model_key, seconds, fake_provider, fake_fal, no_retries
):
    video = generate_video(VIDEO_MODELS[model_key], request(seconds))

    assert probe_bytes(video.data).seconds == pytest.approx(seconds, abs=0.2)
    assert video.sent_input["negative_prompt"] == "blurry"
    calls = len(fake_provider.replicate_inputs()) + len(fake_fal.submissions)
    assert calls == 1


def test_a_misspelt_replicate_video_input_is_refused_with_replicates_422(fake_provider, no_retries):
    spec = dataclasses.replace(
        VIDEO_MODELS["kling-2.1"], extra=MappingProxyType({"mdoe": "standard"})
    )

    with pytest.raises(VideoProviderError) as caught:
        generate_video(spec, request())

    assert caught.value.kind == ErrorKind.BAD_RESPONSE
    assert "HTTP 422 Input validation failed" in caught.value.detail
    assert "Additional property mdoe is not allowed" in caught.value.detail


def test_a_length_fal_does_not_offer_is_refused_with_fals_422(fake_fal, no_retries):
    spec = VIDEO_MODELS["kling-2.5-turbo-pro"]

    with pytest.raises(VideoProviderError) as caught:
        generate_video(spec, request(seconds=7))

    assert "HTTP 422" in caught.value.detail
    assert "did not return a usable video" in caught.value.user_message
    assert fake_fal.submissions == []


def test_check_providers_covers_the_video_models(monkeypatch):
    assert route_problems(CONTRACTS) == []
    broken = dataclasses.replace(VIDEO_MODELS["kling-2.5-turbo-pro"], duration_as_text=False)
    monkeypatch.setitem(VIDEO_MODELS, "kling-2.5-turbo-pro", broken)

    problems = [str(problem) for problem in route_problems(CONTRACTS)]

    assert problems == [
        "kling-2.5-turbo-pro (fal-ai/kling-video/v2.5-turbo/pro/image-to-video): "
        "input.duration must be of type string"
    ]
