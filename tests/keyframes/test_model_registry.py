"""The model catalogue: keys, prices, limits, routes and deployment overrides."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from keyframes.providers.registry import (
    DEFAULT_MODEL_KEY,
    MODELS,
    UnknownModel,
    get_model,
    models_for_tier,
    provider_name_for,
    route_for,
    size_inputs,
    unavailable_reason,
)

CATALOGUE = [
    # key, credits, tier, consistency, max references, provider
    ("flux-2-flash", 1, "fast", "weak", 4, "fal"),
    ("flux-2-turbo", 2, "fast", "medium", 4, "fal"),
    ("gemini-2.5-flash-image", 2, "fast", "medium", 3, "gemini"),
    ("flux-2-dev", 3, "standard", "medium", 4, "replicate"),
    ("gemini-3-pro-image", 4, "standard", "medium", 14, "gemini"),
    ("flux-2-pro", 5, "standard", "medium", 8, "replicate"),
    ("instant-character", 5, "standard", "strong", 1, "fal"),
    ("ip-adapter-faceid", 5, "standard", "strong", 1, "replicate"),
    ("flux-kontext-pro", 6, "premium", "strong", 1, "replicate"),
    ("recraft-v3", 6, "premium", "none", 0, "replicate"),
    ("flux-2-flex", 8, "premium", "strong", 10, "replicate"),
    ("local-draft", 0, "fast", "weak", 14, "local"),
]


def test_catalogue_holds_the_eleven_models_and_the_local_draft():
    assert [
        (s.key, s.credits_per_image, s.tier, s.consistency, s.max_references, s.provider)
        for s in MODELS.values()
    ] == CATALOGUE


def test_flux_2_pro_is_the_default_model():
    assert DEFAULT_MODEL_KEY == "flux-2-pro"
    assert get_model(DEFAULT_MODEL_KEY).label == "Flux 2 Pro"


def test_only_identity_models_take_a_negative_prompt():
    assert {k for k, s in MODELS.items() if s.supports_negative_prompt} == {
        "instant-character",
        "ip-adapter-faceid",
    }


def test_unknown_model_key_is_a_clear_error():
    with pytest.raises(UnknownModel, match="Unknown image model 'flux-9'"):
        get_model("flux-9")


def test_models_for_tier_keeps_catalogue_order():
    assert [s.key for s in models_for_tier("premium")] == [
        "flux-kontext-pro",
        "recraft-v3",
        "flux-2-flex",
    ]


def test_local_draft_is_always_available(settings):
    settings.REPLICATE_API_TOKEN = settings.FAL_KEY = settings.GEMINI_API_KEY = ""

    assert unavailable_reason(get_model("local-draft")) == ""
    assert get_model("local-draft").label == "Local draft (offline)"


def test_model_routes_setting_overrides_the_route(settings):
    settings.MODEL_ROUTES = {
        "flux-2-flash": {"provider": "replicate", "endpoint": "black-forest-labs/flux-2-klein-4b"}
    }
    spec = get_model("flux-2-flash")

    assert provider_name_for(spec) == "replicate"
    assert route_for(spec).endpoint == "black-forest-labs/flux-2-klein-4b"
    assert spec.route.endpoint == "fal-ai/flux-2/flash"


def test_model_routes_setting_with_unknown_field_is_refused(settings):
    settings.MODEL_ROUTES = {"flux-2-pro": {"slug": "someone/else"}}

    with pytest.raises(ImproperlyConfigured, match="unknown keys \\['slug'\\]"):
        route_for(get_model("flux-2-pro"))


@pytest.mark.parametrize(
    ("aspect_ratio", "fal", "width_height"),
    [
        ("9:16", "portrait_16_9", (768, 1344)),
        ("16:9", "landscape_16_9", (1344, 768)),
        ("1:1", "square_hd", (1024, 1024)),
        ("4:5", {"width": 896, "height": 1120}, (896, 1120)),
    ],
)
def test_each_aspect_ratio_maps_to_every_size_style(aspect_ratio, fal, width_height):
    assert size_inputs("aspect_ratio", aspect_ratio) == {"aspect_ratio": aspect_ratio}
    assert size_inputs("fal_image_size", aspect_ratio) == {"image_size": fal}
    width, height = width_height
    assert size_inputs("width_height", aspect_ratio) == {"width": width, "height": height}
    assert width / height == pytest.approx(_ratio(aspect_ratio), rel=0.03)


def _ratio(aspect_ratio):
    width, height = aspect_ratio.split(":")
    return int(width) / int(height)
