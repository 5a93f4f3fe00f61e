"""Provider failures: what kind each becomes, what the creator reads, and what is retried."""

import pytest

from keyframes.providers.base import ErrorKind, ProviderError
from keyframes.providers.registry import get_model, unavailable_reason
from keyframes.providers.retries import generate_with_retries
from tests.keyframes.provider_requests import JAKE, candidate

FAULT_KINDS = [
    ("rate_limit", ErrorKind.RATE_LIMITED),
    ("server_error", ErrorKind.PROVIDER_DOWN),
    ("moderation", ErrorKind.MODERATION),
    ("malformed", ErrorKind.BAD_RESPONSE),
    ("timeout", ErrorKind.TIMEOUT),
    ("reset", ErrorKind.PROVIDER_DOWN),
]
USER_WORDING = {
    ErrorKind.RATE_LIMITED: "busy right now (rate limited)",
    ErrorKind.PROVIDER_DOWN: "unavailable at the moment",
    ErrorKind.MODERATION: "refused this request under its content rules",
    ErrorKind.BAD_RESPONSE: "did not return a usable image",
    ErrorKind.TIMEOUT: "took too long",
    ErrorKind.NOT_CONFIGURED: "not set up on this server",
    ErrorKind.NO_IMAGE: "answered without an image",
    ErrorKind.NO_FACE: "found none",
}


def generate_once(model_key, **overrides):
    return generate_with_retries(
        get_model(model_key), candidate(model_key, **overrides), sleep=_never_sleep
    )


def _never_sleep(seconds):
    raise AssertionError(f"retried after {seconds}s although retries are off")


@pytest.fixture
def no_retries(settings):
    settings.PROVIDER_MAX_RETRIES = 0
    settings.PROVIDER_TIMEOUT_SECONDS = 1


@pytest.mark.parametrize("model_key", ["flux-2-pro", "gemini-2.5-flash-image"])
@pytest.mark.parametrize(("fault", "kind"), FAULT_KINDS)
def test_fake_server_fault_becomes_its_error_kind(
    fake_provider, no_retries, model_key, fault, kind
):
    fake_provider.hang_seconds = 3
    fake_provider.fail_next(1, fault)

    with pytest.raises(ProviderError) as caught:
        generate_once(model_key, references=(JAKE,))

    assert caught.value.kind == kind
    assert USER_WORDING[kind] in caught.value.user_message
    assert caught.value.detail


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("server_error", ErrorKind.PROVIDER_DOWN),
        ("moderation", ErrorKind.MODERATION),
        ("nsfw", ErrorKind.MODERATION),
        ("malformed", ErrorKind.BAD_RESPONSE),
        ("timeout", ErrorKind.TIMEOUT),
        ("reset", ErrorKind.PROVIDER_DOWN),
    ],
)
def test_fal_fault_becomes_its_error_kind(fake_fal, no_retries, settings, fault, kind):
    settings.PROVIDER_TIMEOUT_SECONDS = 5  # fal only sends a request timeout above 1 s
    fake_fal.fail_next(1, fault)

    with pytest.raises(ProviderError) as caught:
        generate_once("flux-2-flash")

    assert caught.value.kind == kind


def test_fal_client_sends_no_retry_of_its_own_when_retries_are_off(fake_fal, no_retries):
    fake_fal.fail_next(1, "rate_limit")

    with pytest.raises(ProviderError) as caught:
        generate_once("flux-2-flash")

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert fake_fal.rate_limited_submits == 1
    assert fake_fal.submissions == []


def test_replicate_moderation_detail_keeps_the_raw_error(fake_provider, no_retries):
    fake_provider.fail_next(1, "moderation")

    with pytest.raises(ProviderError) as caught:
        generate_once("flux-2-pro")

    assert "(E005)" in caught.value.detail
    assert caught.value.request_id.startswith("pred")


def test_rate_limit_is_retried_after_the_wait_the_provider_asks_for(fake_provider):
    fake_provider.fail_next(2, "rate_limit")
    slept = []

    image = generate_with_retries(
        get_model("flux-2-pro"), candidate("flux-2-pro"), sleep=slept.append
    )

    assert slept == [1.0, 1.0]
    assert len(fake_provider.generation_requests) == 3
    assert image.data == fake_provider.generation_requests[-1].served_image


def test_gemini_rate_limit_retry_honours_its_retry_delay(fake_provider):
    fake_provider.retry_after_seconds = 7
    fake_provider.fail_next(1, "rate_limit")
    slept = []

    generate_with_retries(
        get_model("gemini-2.5-flash-image"), candidate("gemini-2.5-flash-image"), sleep=slept.append
    )

    assert slept == [7.0]


def test_rate_limit_retries_stop_at_the_configured_maximum(fake_provider, settings):
    settings.PROVIDER_MAX_RETRIES = 2
    fake_provider.fail_next(5, "rate_limit")
    slept = []

    with pytest.raises(ProviderError) as caught:
        generate_with_retries(get_model("flux-2-pro"), candidate("flux-2-pro"), sleep=slept.append)

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert len(slept) == 2
    assert len(fake_provider.generation_requests) == 3


def test_provider_outage_is_retried_once_with_jittered_backoff(fake_provider, settings):
    settings.PROVIDER_RETRY_BASE_DELAY = 2.0
    fake_provider.fail_next(2, "server_error")
    slept = []

    with pytest.raises(ProviderError) as caught:
        generate_with_retries(get_model("flux-2-pro"), candidate("flux-2-pro"), sleep=slept.append)

    assert caught.value.kind == ErrorKind.PROVIDER_DOWN
    assert len(slept) == 1
    assert 1.0 <= slept[0] <= 3.0
    assert len(fake_provider.generation_requests) == 2


def test_moderation_is_not_retried(fake_provider):
    fake_provider.fail_next(1, "moderation")

    with pytest.raises(ProviderError):
        generate_once("flux-2-pro")

    assert len(fake_provider.generation_requests) == 1


@pytest.mark.parametrize(
    ("model_key", "setting", "reason"),
    [
        ("flux-2-pro", "REPLICATE_API_TOKEN", "Set REPLICATE_API_TOKEN to use Replicate models."),
        ("flux-2-flash", "FAL_KEY", "Set FAL_KEY to use fal.ai models."),
        ("gemini-3-pro-image", "GEMINI_API_KEY", "Set GEMINI_API_KEY to use Gemini models."),
    ],
)
def test_unconfigured_provider_says_what_to_set(
    fake_provider, settings, model_key, setting, reason
):
    setattr(settings, setting, "")
    spec = get_model(model_key)

    assert unavailable_reason(spec) == reason
    with pytest.raises(ProviderError) as caught:
        generate_once(model_key)
    assert caught.value.kind == ErrorKind.NOT_CONFIGURED
    assert caught.value.detail == reason
    assert USER_WORDING[ErrorKind.NOT_CONFIGURED] in caught.value.user_message
    assert fake_provider.requests == []


def test_configured_providers_are_available(fake_provider, fake_fal):
    for key in ["flux-2-pro", "flux-2-flash", "gemini-3-pro-image", "local-draft"]:
        assert unavailable_reason(get_model(key)) == ""


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("no_image", ErrorKind.NO_IMAGE),
        ("image_other", ErrorKind.NO_IMAGE),
        ("text_refusal", ErrorKind.MODERATION),
        ("text_only", ErrorKind.NO_IMAGE),
    ],
)
def test_a_gemini_answer_without_an_image_says_why(fake_provider, no_retries, fault, kind):
    fake_provider.fail_next(1, fault)

    with pytest.raises(ProviderError) as caught:
        generate_once("gemini-3-pro-image")

    assert caught.value.kind == kind
    assert USER_WORDING[kind] in caught.value.user_message


def test_a_moderated_replicate_output_is_a_moderation_refusal(fake_provider, no_retries):
    fake_provider.fail_next(1, "moderated")

    with pytest.raises(ProviderError) as caught:
        generate_once("flux-2-pro")

    assert caught.value.kind == ErrorKind.MODERATION


def test_a_face_model_without_a_face_in_its_reference_says_so(fake_provider, no_retries):
    fake_provider.fail_next(1, "no_face")

    with pytest.raises(ProviderError) as caught:
        generate_once("ip-adapter-faceid", references=(JAKE,))

    assert caught.value.kind == ErrorKind.NO_FACE
    assert "needs a clearly visible face" in caught.value.user_message
    assert "IndexError" in caught.value.detail


def test_ip_adapter_face_id_is_off_until_an_operator_routes_it(fake_provider, settings):
    spec = get_model("ip-adapter-faceid")

    assert "licensed for research only" in unavailable_reason(spec)

    settings.MODEL_ROUTES = {"ip-adapter-faceid": {"provider": "replicate"}}
    assert unavailable_reason(spec) == ""


def test_fal_rate_limits_are_retried_by_fal_client_alone(fake_fal, settings):
    settings.PROVIDER_MAX_RETRIES = 3
    fake_fal.fail_next(2, "rate_limit")

    image = generate_with_retries(get_model("flux-2-flash"), candidate("flux-2-flash"))

    # fal-client re-sent the submit itself; we never submitted a second request of our own.
    assert image.request_id == fake_fal.submissions[0].request_id
    assert len(fake_fal.submissions) == 1
    assert fake_fal.rate_limited_submits == 2
