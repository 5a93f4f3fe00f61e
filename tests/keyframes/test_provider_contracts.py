"""Our requests against each provider's saved contract (tests/contracts), as the fakes enforce it.

The fake servers answer a request the real schema refuses the way the real API does (Replicate
422, fal 422, Gemini 400 or 404), so a test here failing means a real call would fail too.
"""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from keyframes.generation import plan_generation
from keyframes.models import ProviderCheck
from keyframes.providers.base import ErrorKind, ProviderError
from keyframes.providers.contracts import contract_for
from keyframes.providers.prompt_writers import GeminiPromptWriter, PromptWriterError
from keyframes.providers.registry import MODELS, get_model
from keyframes.providers.retries import generate_with_retries
from tests.factories import make_cut, make_project
from tests.fakes.contracts import CONTRACTS
from tests.keyframes.provider_requests import additional, candidate
from tests.keyframes.test_prompt_writers import cafe_request, shot_json

IMAGE_MODELS = sorted(key for key, spec in MODELS.items() if spec.provider != "local")


@pytest.fixture
def no_retries(settings):
    settings.PROVIDER_MAX_RETRIES = 0


def as_many_references_as_it_takes(model_key):
    count = get_model(model_key).max_references
    return tuple(additional(n) for n in range(1, count + 1))


@pytest.mark.parametrize("aspect_ratio", ["9:16", "4:5"])
@pytest.mark.parametrize("model_key", IMAGE_MODELS)
def test_our_request_passes_the_models_contract(
    model_key, aspect_ratio, fake_provider, fake_fal, no_retries
):
    spec = get_model(model_key)
    request = candidate(
        model_key,
        aspect_ratio=aspect_ratio,
        negative_prompt="blurry",
        references=as_many_references_as_it_takes(model_key),
    )

    image = generate_with_retries(spec, request)

    assert image.data
    assert len(fake_provider.generation_requests) + len(fake_fal.submissions) == 1


@pytest.mark.parametrize("model_key", ["flux-2-flash", "flux-2-turbo"])
def test_fal_text_to_image_endpoint_passes_without_references(model_key, fake_fal, no_retries):
    generate_with_retries(get_model(model_key), candidate(model_key))

    assert fake_fal.submissions[0].endpoint == get_model(model_key).route.endpoint


def test_a_misspelt_replicate_input_is_refused_with_replicates_422(
    fake_provider, settings, no_retries
):
    settings.MODEL_ROUTES = {"flux-2-pro": {"extra": {"output_fromat": "png"}}}

    with pytest.raises(ProviderError) as caught:
        generate_with_retries(get_model("flux-2-pro"), candidate("flux-2-pro"))

    assert caught.value.kind == ErrorKind.BAD_RESPONSE
    assert "HTTP 422 Input validation failed" in caught.value.detail
    assert "Additional property output_fromat is not allowed" in caught.value.detail


def test_an_enum_value_replicate_does_not_know_is_refused(fake_provider, settings, no_retries):
    settings.MODEL_ROUTES = {"flux-kontext-pro": {"extra": {"output_format": "webp"}}}

    with pytest.raises(ProviderError) as caught:
        generate_with_retries(get_model("flux-kontext-pro"), candidate("flux-kontext-pro"))

    assert "input.output_format must be one of the following: png, jpg" in caught.value.detail


def test_a_misspelt_fal_argument_is_refused_with_fals_422(fake_fal, settings, no_retries):
    settings.MODEL_ROUTES = {"flux-2-flash": {"extra": {"num_image": 1}}}

    with pytest.raises(ProviderError) as caught:
        generate_with_retries(get_model("flux-2-flash"), candidate("flux-2-flash"))

    assert caught.value.kind == ErrorKind.BAD_RESPONSE
    assert "HTTP 422" in caught.value.detail
    assert fake_fal.submissions == []


def test_a_retired_gemini_model_id_is_a_404(fake_provider, settings, no_retries):
    settings.MODEL_ROUTES = {"gemini-2.5-flash-image": {"endpoint": "gemini-2.5-flash-image"}}

    with pytest.raises(ProviderError) as caught:
        generate_with_retries(
            get_model("gemini-2.5-flash-image"), candidate("gemini-2.5-flash-image")
        )

    assert caught.value.kind == ErrorKind.NOT_CONFIGURED
    assert "models/gemini-2.5-flash-image is not found for API version v1beta" in (
        caught.value.detail
    )


def test_gemini_refuses_an_aspect_ratio_it_does_not_offer(fake_provider, no_retries):
    with pytest.raises(ProviderError) as caught:
        generate_with_retries(
            get_model("gemini-3-pro-image"), candidate("gemini-3-pro-image", aspect_ratio="7:3")
        )

    assert caught.value.kind == ErrorKind.BAD_RESPONSE
    assert "400" in caught.value.detail


def test_prompt_writer_request_passes_the_text_model_contract(fake_provider, settings):
    fake_provider.answer_text(shot_json("@Seohee sits by the window."))

    written = GeminiPromptWriter().write(cafe_request())

    assert written.writer == settings.PROMPT_WRITER_MODEL == "gemini-3.5-flash"
    assert "@Seohee" in written.prompt


def test_prompt_writer_on_a_retired_model_fails_loudly(fake_provider, settings):
    settings.PROMPT_WRITER_MODEL = "gemini-2.5-flash"

    with pytest.raises(PromptWriterError) as caught:
        GeminiPromptWriter().write(cafe_request())

    assert "not found" in caught.value.detail


# --- manage.py check_providers ---------------------------------------------------------------
def test_check_providers_passes_on_the_route_table_as_shipped(db, capsys):
    call_command("check_providers")

    assert "Every route matches" in capsys.readouterr().out
    assert ProviderCheck.objects.get().ok


def test_check_providers_exits_1_on_a_broken_route(db, settings, capsys):
    settings.MODEL_ROUTES = {"flux-2-flex": {"extra": {"prompt_upsamplng": False}}}

    with pytest.raises(CommandError) as caught:
        call_command("check_providers")

    assert caught.value.returncode == 1
    out = capsys.readouterr().out
    assert "flux-2-flex (black-forest-labs/flux-2-flex)" in out
    assert "Additional property prompt_upsamplng is not allowed" in out
    assert not ProviderCheck.objects.get().ok


def test_check_providers_names_a_retired_prompt_writer_model(db, settings, capsys):
    settings.PROMPT_WRITER_MODEL = "gemini-2.5-flash"

    with pytest.raises(CommandError):
        call_command("check_providers")

    assert "prompt writer (gemini-2.5-flash)" in capsys.readouterr().out


def test_a_reference_model_without_any_reference_is_refused_before_charging(funded, fake_fal):
    cut = make_cut(project=make_project(owner=funded), script="A street.", prompt="A street")

    with pytest.raises(ValidationError) as caught:
        plan_generation(cut=cut, prompt="A street", count=1, model_key="instant-character")

    assert caught.value.message_dict["prompt"] == [
        "InstantCharacter needs a reference image: mention a character or add one."
    ]


def test_live_check_finds_nothing_when_the_providers_match(db, fake_provider, fake_fal, capsys):
    call_command("check_providers", "--live")

    assert "Every route matches" in capsys.readouterr().out
    assert ProviderCheck.objects.get().live
    (asked,) = fake_fal.platform_requests  # every fal endpoint in one model search
    assert "fal-ai/instant-character" in asked.url.params.get_list("endpoint_id")
    assert asked.headers["authorization"] == "Key fake-fal-key"


def test_live_check_reports_fal_schema_drift_and_retired_endpoints(
    db, fake_provider, fake_fal, capsys
):
    flash = "fal-ai/flux-2/flash"
    drifted = copy.deepcopy(contract_for(CONTRACTS, host="fal", endpoint=flash).schema)
    drifted["properties"].pop("seed")
    drifted["properties"]["acceleration"] = {"type": "string", "enum": ["none", "high"]}
    fake_fal.live_schemas[flash] = drifted
    fake_fal.retired.add("fal-ai/flux-2/turbo/edit")
    fake_fal.deprecated.add("fal-ai/instant-character")

    with pytest.raises(CommandError):
        call_command("check_providers", "--live")

    out = capsys.readouterr().out
    assert f"{flash}: field seed is gone" in out
    assert f"{flash}: new field acceleration" in out
    assert "fal-ai/flux-2/turbo/edit: fal no longer lists it (retired or renamed)" in out
    assert "fal-ai/instant-character: fal marks it deprecated" in out
    assert "fal-ai/flux-2/flash/edit" not in out  # unchanged endpoints say nothing


def test_live_check_reports_schema_drift_and_retired_ids(db, fake_provider, capsys):
    pro = "black-forest-labs/flux-2-pro"
    saved = contract_for(CONTRACTS, host="replicate", endpoint=pro).schema
    drifted = copy.deepcopy(saved)
    drifted["properties"].pop("output_format")
    drifted["properties"]["aspect_ratio"]["enum"].append("7:3")
    fake_provider.live_schemas[pro] = drifted
    fake_provider.retired.add("gemini-3-pro-image")

    with pytest.raises(CommandError):
        call_command("check_providers", "--live")

    out = capsys.readouterr().out
    assert f"{pro}: field output_format is gone" in out
    assert f"{pro}: aspect_ratio values changed (gone: [], new: ['7:3'])" in out
    assert "gemini-3-pro-image: Gemini says retired or unknown" in out


def test_live_check_says_which_providers_it_could_not_ask(db, settings, capsys):
    settings.REPLICATE_API_TOKEN = settings.GEMINI_API_KEY = settings.FAL_KEY = ""

    with pytest.raises(CommandError):
        call_command("check_providers", "--live")

    out = capsys.readouterr().out
    assert "Replicate not asked: REPLICATE_API_TOKEN is not set." in out
    assert "fal not asked: FAL_KEY is not set." in out
    assert "Gemini not asked: GEMINI_API_KEY is not set." in out
