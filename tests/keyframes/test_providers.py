"""What each provider sends, seen by the fake servers the real SDKs talk to."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from keyframes.providers.base import ErrorKind, ProviderError
from keyframes.providers.registry import get_model
from keyframes.providers.retries import generate_with_retries
from tests.fakes.images import png_size
from tests.fakes.provider_server import gemini_parts, uploaded_bytes
from tests.keyframes.provider_requests import (
    CAFE,
    CAPTION,
    JAKE,
    PROMPT,
    SEOHEE,
    TWO_CHARACTERS_AND_A_LOCATION,
    additional,
    candidate,
)

FAKE_VERSION = "fb81ef963e74776af72e6f380949013533d46dd5c6228a9e586c57db6303d7cd"


def generate(model_key, **overrides):
    return generate_with_retries(get_model(model_key), candidate(model_key, **overrides))


# --- Replicate ------------------------------------------------------------------------------
def test_flux_2_pro_sends_labelled_references_in_order(fake_provider):
    image = generate("flux-2-pro", references=TWO_CHARACTERS_AND_A_LOCATION)

    (request,) = fake_provider.generation_requests
    assert request.path == "/v1/models/black-forest-labs/flux-2-pro/predictions"
    assert request.headers["authorization"] == "Bearer r8_fake-token"
    sent = request.body["input"]
    assert sent["prompt"] == f"{CAPTION} {PROMPT}"
    assert [uploaded_bytes(fake_provider, url) for url in sent["input_images"]] == [
        JAKE.data,
        SEOHEE.data,
        CAFE.data,
    ]
    assert {upload.content_type for upload in fake_provider.uploads.values()} == {"image/png"}
    assert sent["aspect_ratio"] == "9:16"
    assert sent["seed"] == 1234
    assert image.sent_prompt == sent["prompt"]
    assert image.data == request.served_image
    assert image.mime_type == "image/png"
    assert image.seed == 1234
    assert image.request_id.startswith("pred")


def test_unlabelled_request_sends_the_prompt_alone(fake_provider):
    generate("flux-2-pro", references=TWO_CHARACTERS_AND_A_LOCATION, label_references=False)

    assert fake_provider.replicate_inputs()[0]["prompt"] == PROMPT


def test_a_single_reference_gets_no_label(fake_provider):
    generate("flux-2-pro", references=(JAKE,))

    assert fake_provider.replicate_inputs()[0]["prompt"] == PROMPT


def test_replicate_image_has_the_requested_aspect_ratio(fake_provider):
    image = generate("flux-2-flex", aspect_ratio="16:9")

    width, height = png_size(image.data)
    assert width > height


def test_flux_models_never_get_a_negative_prompt(fake_provider):
    generate("flux-2-pro", negative_prompt="blurry, extra fingers")

    assert "negative_prompt" not in fake_provider.replicate_inputs()[0]


def test_flux_2_dev_keeps_only_its_first_four_references(fake_provider):
    references = (JAKE, SEOHEE, CAFE, additional(1), additional(2), additional(3))

    generate("flux-2-dev", references=references)

    sent = fake_provider.replicate_inputs()[0]["input_images"]
    assert [uploaded_bytes(fake_provider, url) for url in sent] == [r.data for r in references[:4]]


def test_flux_kontext_pro_sends_one_reference_as_input_image(fake_provider):
    generate("flux-kontext-pro", references=(JAKE, SEOHEE))

    sent = fake_provider.replicate_inputs()[0]
    assert uploaded_bytes(fake_provider, sent["input_image"]) == JAKE.data
    assert "input_images" not in sent
    assert sent["prompt"] == PROMPT


def test_recraft_v3_gets_the_prompt_alone(fake_provider):
    image = generate("recraft-v3", references=(JAKE,), aspect_ratio="4:5")

    assert fake_provider.replicate_inputs() == [{"prompt": PROMPT, "aspect_ratio": "4:5"}]
    assert image.seed is None


def test_ip_adapter_faceid_runs_the_pinned_version(fake_provider):
    image = generate(
        "ip-adapter-faceid",
        references=(JAKE, SEOHEE),
        aspect_ratio="4:5",
        negative_prompt="blurry",
    )

    creates = [r for r in fake_provider.generation_requests]
    assert [r.path for r in creates] == ["/v1/predictions"]
    body = creates[0].body
    assert body["version"] == FAKE_VERSION
    sent = body["input"]
    assert uploaded_bytes(fake_provider, sent["face_image"]) == JAKE.data
    assert (sent["width"], sent["height"]) == (512, 640)  # SD 1.5 native
    assert sent["negative_prompt"] == "blurry"
    assert sent["agree_to_research_only"] is True
    assert sent["num_outputs"] == 1
    assert image.data == creates[0].served_image  # read from a list output


def test_a_quick_replicate_prediction_comes_back_with_its_create_and_costs_no_poll(
    fake_provider, settings
):
    settings.REPLICATE_CREATE_TIMEOUT_SECONDS = 15
    settings.PROVIDER_TIMEOUT_SECONDS = 60
    fake_provider.latency = 0.3

    image = generate("flux-2-pro")

    (create,) = fake_provider.generation_requests
    assert create.headers["prefer"] == "wait=13"  # held 2 s inside the create's timeout
    assert not [r for r in fake_provider.requests if r.path.startswith("/v1/predictions/")]
    assert image.data == create.served_image


def test_a_replicate_prediction_still_running_after_the_create_is_polled_until_it_succeeds(
    fake_provider,
):
    fake_provider.latency = 0.3
    fake_provider.max_prefer_wait = 0  # Replicate answers the create before the image is done

    image = generate("flux-2-pro")

    (create,) = fake_provider.generation_requests
    polls = [r for r in fake_provider.requests if r.path == f"/v1/predictions/{image.request_id}"]
    assert polls
    assert image.data == create.served_image


def test_a_create_timeout_too_short_to_hold_asks_for_no_wait(fake_provider, settings):
    settings.REPLICATE_CREATE_TIMEOUT_SECONDS = 2.5
    fake_provider.latency = 0.3

    generate("flux-2-pro")

    (create,) = fake_provider.generation_requests
    assert "prefer" not in create.headers


def test_replicate_prediction_past_the_deadline_is_cancelled(fake_provider, settings):
    # Long enough for the create to answer on a busy machine, far short of the 30 s image.
    settings.PROVIDER_TIMEOUT_SECONDS = 3
    settings.PROVIDER_MAX_RETRIES = 0
    fake_provider.latency = 30

    with pytest.raises(ProviderError) as caught:
        generate("flux-2-pro")

    assert caught.value.kind == ErrorKind.TIMEOUT
    prediction_id = caught.value.request_id
    assert fake_provider.requests[-1].path == f"/v1/predictions/{prediction_id}/cancel"


def test_a_rerouted_model_is_called_where_the_setting_says(fake_provider, settings):
    settings.MODEL_ROUTES = {
        "flux-2-flash": {
            "provider": "replicate",
            "endpoint": "black-forest-labs/flux-2-dev",
            "edit_endpoint": "",
            "reference_param": "input_images",
            "size_style": "aspect_ratio",
            "extra": {"output_format": "png"},
        }
    }

    generate("flux-2-flash", references=(JAKE, CAFE))

    (request,) = fake_provider.generation_requests
    assert request.path == "/v1/models/black-forest-labs/flux-2-dev/predictions"
    assert len(request.body["input"]["input_images"]) == 2
    assert request.body["input"]["aspect_ratio"] == "9:16"


# --- Gemini ---------------------------------------------------------------------------------
def test_gemini_labels_each_reference_before_its_image(fake_provider):
    image = generate("gemini-3-pro-image", references=TWO_CHARACTERS_AND_A_LOCATION)

    (request,) = fake_provider.generation_requests
    assert request.path.endswith("/v1beta/models/gemini-3-pro-image:generateContent")
    assert request.headers["x-goog-api-key"] == "fake-gemini-key"
    assert gemini_parts(request.body) == [
        ("text", "Image 1: @Jake's character sheet"),
        ("image", ("image/png", JAKE.data)),
        ("text", "Image 2: @Seohee's character sheet"),
        ("image", ("image/png", SEOHEE.data)),
        ("text", "Image 3: the location @Cafe"),
        ("image", ("image/png", CAFE.data)),
        ("text", PROMPT),
    ]
    assert image.sent_prompt == (
        "Image 1: @Jake's character sheet\nImage 2: @Seohee's character sheet\n"
        f"Image 3: the location @Cafe\n{PROMPT}"
    )
    assert image.data == request.served_image


def test_gemini_without_labels_sends_images_then_prompt(fake_provider):
    generate("gemini-3-pro-image", references=(JAKE, CAFE), label_references=False)

    assert gemini_parts(fake_provider.gemini_bodies()[0]) == [
        ("image", ("image/png", JAKE.data)),
        ("image", ("image/png", CAFE.data)),
        ("text", PROMPT),
    ]


def test_gemini_asks_for_an_image_at_the_aspect_ratio(fake_provider):
    image = generate("gemini-2.5-flash-image", aspect_ratio="16:9")

    config = fake_provider.gemini_bodies()[0]["generationConfig"]
    assert config["responseModalities"] == ["IMAGE"]
    assert config["imageConfig"] == {"aspectRatio": "16:9"}
    width, height = png_size(image.data)
    assert width > height


def test_gemini_2_5_flash_image_keeps_only_three_references(fake_provider):
    references = (JAKE, SEOHEE, CAFE, additional(1))

    generate("gemini-2.5-flash-image", references=references)

    images = [v for kind, v in gemini_parts(fake_provider.gemini_bodies()[0]) if kind == "image"]
    assert [data for _, data in images] == [JAKE.data, SEOHEE.data, CAFE.data]


def test_gemini_thought_images_are_skipped(fake_provider):
    fake_provider.include_thought_image = True

    image = generate("gemini-3-pro-image")

    assert image.data == fake_provider.generation_requests[0].served_image


# --- fal ------------------------------------------------------------------------------------
def test_flux_2_flash_without_references_uses_text_to_image(fake_fal):
    image = generate("flux-2-flash", aspect_ratio="16:9")

    (submission,) = fake_fal.submissions
    assert submission.endpoint == "fal-ai/flux-2/flash"
    assert submission.headers["authorization"] == "Key fake-fal-key"
    assert submission.arguments == {
        "prompt": PROMPT,
        "num_images": 1,
        "output_format": "png",
        "image_size": "landscape_16_9",
        "seed": 1234,
    }
    assert image.data == submission.image
    assert image.request_id == submission.request_id
    assert image.seed == 1234


def test_flux_2_turbo_with_references_uses_the_edit_endpoint(fake_fal):
    references = (JAKE, SEOHEE, CAFE, additional(1), additional(2))

    image = generate("flux-2-turbo", references=references, aspect_ratio="4:5")

    (submission,) = fake_fal.submissions
    assert submission.endpoint == "fal-ai/flux-2/turbo/edit"
    sent = submission.arguments
    assert [fake_fal.uploads[url] for url in sent["image_urls"]] == [r.data for r in references[:4]]
    assert sent["image_size"] == {"width": 896, "height": 1120}
    assert sent["prompt"].startswith("Image 1 is @Jake's character sheet, image 2 is")
    assert image.sent_prompt == sent["prompt"]


def test_instant_character_sends_one_image_url_and_the_negative_prompt(fake_fal):
    generate("instant-character", references=(JAKE, CAFE), negative_prompt="blurry")

    (submission,) = fake_fal.submissions
    assert submission.endpoint == "fal-ai/instant-character"
    sent = submission.arguments
    assert fake_fal.uploads[sent["image_url"]] == JAKE.data
    assert sent["negative_prompt"] == "blurry"
    assert sent["image_size"] == "portrait_16_9"
    assert sent["prompt"] == PROMPT


# --- concurrency ----------------------------------------------------------------------------
def test_four_replicate_candidates_are_in_flight_at_once(fake_provider):
    fake_provider.expect_concurrent(4)

    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(lambda seed: generate("flux-2-pro", seed=seed), range(4)))

    assert fake_provider.max_in_flight == 4
    assert len({image.request_id for image in images}) == 4
    assert sorted(inputs["seed"] for inputs in fake_provider.replicate_inputs()) == [0, 1, 2, 3]


def test_four_gemini_candidates_are_in_flight_at_once(fake_provider):
    fake_provider.expect_concurrent(4)

    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(lambda seed: generate("gemini-3-pro-image", seed=seed), range(4)))

    assert fake_provider.max_in_flight == 4
    assert len({image.data for image in images}) == 4


# --- local draft ----------------------------------------------------------------------------
def test_local_draft_renders_offline_with_no_keys(settings):
    settings.REPLICATE_API_TOKEN = settings.FAL_KEY = settings.GEMINI_API_KEY = ""

    image = generate("local-draft", references=TWO_CHARACTERS_AND_A_LOCATION, aspect_ratio="4:5")

    width, height = png_size(image.data)
    assert width / height == pytest.approx(4 / 5, abs=0.01)
    assert image.mime_type == "image/png"
    assert image.seed == 1234
    assert image.sent_prompt == PROMPT
