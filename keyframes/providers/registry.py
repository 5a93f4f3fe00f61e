"""The catalogue of image models: what each costs, how consistent it is, and how it is called.

Model keys are stable: they appear in URLs, the admin, `--model` and the database.
The facts behind each entry, with their sources, are in docs/PROVIDERS.md; the few it marks
unconfirmed are commented in `MODELS` below.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from keyframes.providers.base import Provider

DEFAULT_MODEL_KEY = "flux-2-pro"
LOCAL_DRAFT_KEY = "local-draft"

PROVIDER_CLASSES = {
    "replicate": "keyframes.providers.replicate_provider.ReplicateProvider",
    "fal": "keyframes.providers.fal_provider.FalProvider",
    "gemini": "keyframes.providers.gemini_provider.GeminiProvider",
    "local": "keyframes.providers.local_provider.LocalDraftProvider",
}


@dataclass(frozen=True)
class Route:
    """Where a model is served and how a request maps onto its inputs."""

    # Replicate "owner/name" or "owner/name:version", fal endpoint id, or Gemini model id.
    endpoint: str
    # fal models whose reference input only exists on their /edit endpoint.
    edit_endpoint: str = ""
    # "input_images", "input_image", "image_urls", "image_url", "face_image"; "" = none.
    reference_param: str = ""
    reference_is_list: bool = False
    size_style: str = (
        "aspect_ratio"  # "aspect_ratio" | "fal_image_size" | "[sd15_]width_height" | "gemini"
    )
    negative_param: str = ""
    seed_param: str = "seed"
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ModelSpec:
    key: str
    label: str
    provider: str  # "replicate" | "fal" | "gemini" | "local"
    credits_per_image: int
    tier: str  # "fast" | "standard" | "premium"
    consistency: str  # "none" | "weak" | "medium" | "strong"
    max_references: int
    supports_negative_prompt: bool
    features: str
    route: Route
    # The host refuses a call without a reference image (its schema requires one).
    needs_reference: bool = False
    # Why the default route must not be used here; a MODEL_ROUTES entry for the model lifts it.
    unavailable_by_default: str = ""


@dataclass(frozen=True)
class AspectSize:
    fal_image_size: str | Mapping[str, int]
    width: int
    height: int


# fal has presets for three ratios; 4:5 needs an explicit size. Width/height uses sizes of
# about one megapixel in multiples of 32.
ASPECT_SIZES = {
    "9:16": AspectSize("portrait_16_9", 768, 1344),
    "16:9": AspectSize("landscape_16_9", 1344, 768),
    "1:1": AspectSize("square_hd", 1024, 1024),
    "4:5": AspectSize(MappingProxyType({"width": 896, "height": 1120}), 896, 1120),
}


# Stable Diffusion 1.5 models (IP-Adapter Face ID) degrade far from their 512 px training size.
SD15_SIZES = {"9:16": (512, 896), "16:9": (896, 512), "1:1": (512, 512), "4:5": (512, 640)}


class UnknownModel(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"Unknown image model {key!r}. Known models: {', '.join(MODELS)}.")
        self.key = key


def _constants(**values: Any) -> Mapping[str, Any]:
    return MappingProxyType(values)


_REPLICATE_FLUX_2 = {"reference_param": "input_images", "reference_is_list": True}
_FAL_FLUX_2 = {
    "reference_param": "image_urls",
    "reference_is_list": True,
    "size_style": "fal_image_size",
    "extra": _constants(num_images=1, output_format="png"),
}
_PNG = _constants(output_format="png")

MODELS: dict[str, ModelSpec] = {
    spec.key: spec
    for spec in [
        ModelSpec(
            key="flux-2-flash",
            label="Flux 2 Flash",
            provider="fal",
            credits_per_image=1,
            tier="fast",
            consistency="weak",
            max_references=4,  # unconfirmed on fal's schema (secondary sources say 4)
            supports_negative_prompt=False,
            features="Lowest cost, for quick previews",
            route=Route(
                endpoint="fal-ai/flux-2/flash",
                edit_endpoint="fal-ai/flux-2/flash/edit",
                **_FAL_FLUX_2,
            ),
        ),
        ModelSpec(
            key="flux-2-turbo",
            label="Flux 2 Turbo",
            provider="fal",
            credits_per_image=2,
            tier="fast",
            consistency="medium",
            max_references=4,  # unconfirmed on fal's schema (secondary sources say 4)
            supports_negative_prompt=False,
            features="Quickest turnaround",
            route=Route(
                endpoint="fal-ai/flux-2/turbo",
                edit_endpoint="fal-ai/flux-2/turbo/edit",
                **_FAL_FLUX_2,
            ),
        ),
        ModelSpec(
            key="gemini-2.5-flash-image",
            label="Gemini 3.1 Flash Image",
            provider="gemini",
            credits_per_image=2,
            tier="fast",
            consistency="medium",
            max_references=3,
            supports_negative_prompt=False,
            features="Google's fast image model",
            # Google retired gemini-2.5-flash-image on 2026-10-02; this is its named successor.
            route=Route(endpoint="gemini-3.1-flash-image", size_style="gemini"),
        ),
        ModelSpec(
            key="flux-2-dev",
            label="Flux 2 Dev",
            provider="replicate",
            credits_per_image=3,
            tier="standard",
            consistency="medium",
            max_references=4,
            supports_negative_prompt=False,
            features="LoRA custom support",
            route=Route(endpoint="black-forest-labs/flux-2-dev", extra=_PNG, **_REPLICATE_FLUX_2),
        ),
        ModelSpec(
            key="gemini-3-pro-image",
            label="Gemini 3 Pro Image",
            provider="gemini",
            credits_per_image=4,
            tier="standard",
            consistency="medium",
            max_references=14,
            supports_negative_prompt=False,
            features="Google's model for many references",
            route=Route(endpoint="gemini-3-pro-image", size_style="gemini"),
        ),
        ModelSpec(
            key="flux-2-pro",
            label="Flux 2 Pro",
            provider="replicate",
            credits_per_image=5,
            tier="standard",
            consistency="medium",
            max_references=8,
            supports_negative_prompt=False,
            features="Balanced quality, the default",
            route=Route(endpoint="black-forest-labs/flux-2-pro", extra=_PNG, **_REPLICATE_FLUX_2),
        ),
        ModelSpec(
            key="instant-character",
            label="InstantCharacter",
            provider="fal",
            credits_per_image=5,
            tier="standard",
            consistency="strong",
            max_references=1,
            supports_negative_prompt=True,
            needs_reference=True,
            features="Keeps a character's look from one sheet, no training",
            route=Route(
                endpoint="fal-ai/instant-character",
                reference_param="image_url",
                size_style="fal_image_size",
                negative_param="negative_prompt",
                extra=_constants(num_images=1, output_format="png"),
            ),
        ),
        ModelSpec(
            key="ip-adapter-faceid",
            label="IP-Adapter Face ID",
            provider="replicate",
            credits_per_image=5,
            tier="standard",
            consistency="strong",
            max_references=1,
            supports_negative_prompt=True,
            needs_reference=True,
            features="Built for keeping a face the same",
            unavailable_by_default=(
                "IP-Adapter Face ID is off: its hosted versions are licensed for research only "
                "(lucataco/ip-adapter-faceid asks agree_to_research_only; fal lists its "
                "endpoint as research only). An operator may route it with MODEL_ROUTES once a "
                "commercially licensed host is confirmed (see docs/PROVIDERS.md)."
            ),
            # Community model: version pinned; schema beyond these inputs unconfirmed.
            route=Route(
                endpoint=(
                    "lucataco/ip-adapter-faceid:"
                    "fb81ef963e74776af72e6f380949013533d46dd5c6228a9e586c57db6303d7cd"
                ),
                reference_param="face_image",
                size_style="sd15_width_height",
                negative_param="negative_prompt",
                extra=_constants(num_outputs=1, agree_to_research_only=True),
            ),
        ),
        ModelSpec(
            key="flux-kontext-pro",
            label="Flux Kontext Pro",
            provider="replicate",
            credits_per_image=6,
            tier="premium",
            consistency="strong",
            max_references=1,
            supports_negative_prompt=False,
            features="Built for editing around a character",
            route=Route(
                endpoint="black-forest-labs/flux-kontext-pro",
                reference_param="input_image",
                extra=_PNG,
            ),
        ),
        ModelSpec(
            key="recraft-v3",
            label="Recraft V3",
            provider="replicate",
            credits_per_image=6,
            tier="premium",
            consistency="none",
            max_references=0,
            supports_negative_prompt=False,
            features="Vector art and legible text; no reference images",
            route=Route(endpoint="recraft-ai/recraft-v3", seed_param=""),
        ),
        ModelSpec(
            key="flux-2-flex",
            label="Flux 2 Flex",
            provider="replicate",
            credits_per_image=8,
            tier="premium",
            consistency="strong",
            max_references=10,  # read from a mirror of the Replicate schema, unconfirmed
            supports_negative_prompt=False,
            features="Many references at once",
            # prompt_upsampling defaults to true and would rewrite our handles and image labels.
            route=Route(
                endpoint="black-forest-labs/flux-2-flex",
                extra=_constants(output_format="png", prompt_upsampling=False),
                **_REPLICATE_FLUX_2,
            ),
        ),
        ModelSpec(
            key=LOCAL_DRAFT_KEY,
            label="Local draft (offline)",
            provider="local",
            credits_per_image=0,
            tier="fast",
            consistency="weak",
            max_references=14,
            supports_negative_prompt=False,
            features="Free storyboard sketch, no AI and no API key",
            route=Route(endpoint="local-draft"),
        ),
    ]
}

_ROUTE_FIELDS = frozenset(f.name for f in fields(Route))


def get_model(key: str) -> ModelSpec:
    try:
        return MODELS[key]
    except KeyError:
        raise UnknownModel(key) from None


def models_for_tier(tier: str) -> list[ModelSpec]:
    return [spec for spec in MODELS.values() if spec.tier == tier]


def _route_override(spec: ModelSpec) -> Mapping[str, Any]:
    override = settings.MODEL_ROUTES.get(spec.key, {})
    unknown = set(override) - _ROUTE_FIELDS - {"provider"}
    if unknown:
        raise ImproperlyConfigured(
            f"MODEL_ROUTES[{spec.key!r}] has unknown keys {sorted(unknown)}; "
            f"use 'provider' and Route fields {sorted(_ROUTE_FIELDS)}."
        )
    return override


def route_for(spec: ModelSpec) -> Route:
    """The model's route with this deployment's `MODEL_ROUTES` overrides applied."""
    override = {k: v for k, v in _route_override(spec).items() if k != "provider"}
    return replace(spec.route, **override)


def provider_name_for(spec: ModelSpec) -> str:
    name = _route_override(spec).get("provider", spec.provider)
    if name not in PROVIDER_CLASSES:
        raise ImproperlyConfigured(f"MODEL_ROUTES[{spec.key!r}] names unknown provider {name!r}.")
    return name


def provider_for(spec: ModelSpec) -> "Provider":
    # Imported by path: the provider modules import this registry.
    return import_string(PROVIDER_CLASSES[provider_name_for(spec)])()


def unavailable_reason(spec: ModelSpec) -> str:
    """Empty when the model can be used here, else what an operator must configure."""
    if spec.unavailable_by_default and spec.key not in settings.MODEL_ROUTES:
        return spec.unavailable_by_default
    return provider_for(spec).unavailable_reason()


def size_inputs(size_style: str, aspect_ratio: str) -> dict[str, Any]:
    """The inputs that ask a host for this aspect ratio, in the host's own terms."""
    try:
        size = ASPECT_SIZES[aspect_ratio]
    except KeyError:
        raise ValueError(f"Unsupported aspect ratio {aspect_ratio!r}") from None
    if size_style == "aspect_ratio":
        return {"aspect_ratio": aspect_ratio}
    if size_style == "fal_image_size":
        image_size = size.fal_image_size
        return {"image_size": image_size if isinstance(image_size, str) else dict(image_size)}
    if size_style == "width_height":
        return {"width": size.width, "height": size.height}
    if size_style == "sd15_width_height":
        width, height = SD15_SIZES[aspect_ratio]
        return {"width": width, "height": height}
    raise ValueError(f"Size style {size_style!r} has no JSON inputs")
