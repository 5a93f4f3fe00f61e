"""The catalogue of video models a take can use, beside the image models of `registry.py`.

A take animates one image, the cut's representative keyframe, into a short clip. Keys are
stable (URLs, the admin, the database). Prices are the host's published price per second of
output; the facts behind each entry, with their sources, are in docs/PROVIDERS.md.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.utils.module_loading import import_string

from keyframes.providers.registry import ASPECT_SIZES, PROVIDER_CLASSES

LOCAL_MOTION_KEY = "local-motion"
DEFAULT_VIDEO_MODEL_KEY = LOCAL_MOTION_KEY
# Images and takes cost the same per dollar: the Starter package sells 200 credits for $10.
CREDITS_PER_DOLLAR = Decimal(20)
# local-motion renders any length in tenths of a second between these.
LOCAL_MIN_SECONDS = Decimal(1)
LOCAL_MAX_SECONDS = Decimal(30)


class UnknownVideoModel(ValueError):
    def __init__(self, key: str) -> None:
        known = ", ".join(VIDEO_MODELS)
        super().__init__(f"Unknown video model {key!r}. Known models: {known}.")
        self.key = key


@dataclass(frozen=True)
class VideoModelSpec:
    key: str
    label: str
    provider: str  # "replicate" | "fal" | "local"
    dollars_per_second: Decimal
    # The lengths the host accepts; empty: any length from LOCAL_MIN to LOCAL_MAX seconds.
    durations: tuple[int, ...]
    aspect_ratios: tuple[str, ...]
    features: str
    # Replicate "owner/name", fal endpoint id; "" for local-motion.
    endpoint: str = ""
    # The input that takes the first frame ("start_image", "image_url").
    image_param: str = ""
    # fal's Kling endpoints take the duration as a string enum ("5"), Replicate's as a number.
    duration_as_text: bool = False
    negative_param: str = ""
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def credits_per_second(self) -> Decimal:
        return self.dollars_per_second * CREDITS_PER_DOLLAR

    @property
    def max_duration(self) -> Decimal:
        return Decimal(max(self.durations)) if self.durations else LOCAL_MAX_SECONDS

    def credits_for(self, seconds: Decimal) -> int:
        """What a take of ``seconds`` costs; a started credit is a whole credit."""
        return math.ceil(self.credits_per_second * Decimal(seconds))

    def allows(self, seconds: Decimal) -> bool:
        if self.durations:
            return seconds in self.durations
        return LOCAL_MIN_SECONDS <= seconds <= LOCAL_MAX_SECONDS and seconds == round(seconds, 1)

    def duration_for(self, wanted: Decimal) -> Decimal:
        """The length a take of a cut lasting ``wanted`` seconds gets by default: the shortest
        the host offers that covers it (the animatic trims the rest), else its longest."""
        if not self.durations:
            return min(max(Decimal(wanted), LOCAL_MIN_SECONDS), LOCAL_MAX_SECONDS)
        covering = [seconds for seconds in self.durations if seconds >= wanted]
        return Decimal(min(covering) if covering else max(self.durations))


_ALL_RATIOS = tuple(ASPECT_SIZES)

VIDEO_MODELS: dict[str, VideoModelSpec] = {
    spec.key: spec
    for spec in [
        VideoModelSpec(
            key=LOCAL_MOTION_KEY,
            label="Local motion (offline)",
            provider="local",
            dollars_per_second=Decimal(0),
            durations=(),
            aspect_ratios=_ALL_RATIOS,
            features="Free: the cut's camera move over its keyframe, no AI and no API key",
        ),
        VideoModelSpec(
            key="kling-2.1",
            label="Kling 2.1 Standard",
            provider="replicate",
            # Replicate bills 720p (standard mode) output per second (see docs/PROVIDERS.md).
            dollars_per_second=Decimal("0.05"),
            durations=(5, 10),
            # The clip takes the first frame's shape; Kling accepts 1:2.5 to 2.5:1.
            aspect_ratios=_ALL_RATIOS,
            features="720p, natural motion from one image",
            endpoint="kwaivgi/kling-v2.1",
            image_param="start_image",
            negative_param="negative_prompt",
            extra=MappingProxyType({"mode": "standard"}),
        ),
        VideoModelSpec(
            key="kling-2.5-turbo-pro",
            label="Kling 2.5 Turbo Pro",
            provider="fal",
            # fal: $0.35 for 5 s, $0.07 for each further second.
            dollars_per_second=Decimal("0.07"),
            durations=(5, 10),
            aspect_ratios=_ALL_RATIOS,
            features="1080p, cinematic camera work",
            endpoint="fal-ai/kling-video/v2.5-turbo/pro/image-to-video",
            image_param="image_url",
            duration_as_text=True,
            negative_param="negative_prompt",
        ),
    ]
}


def get_video_model(key: str) -> VideoModelSpec:
    try:
        return VIDEO_MODELS[key]
    except KeyError:
        raise UnknownVideoModel(key) from None


def video_unavailable_reason(spec: VideoModelSpec) -> str:
    """Empty when the model can be used here, else what an operator must configure."""
    if spec.provider == "local":
        return ""
    # Video models use the same keys as the provider's image models.
    return import_string(PROVIDER_CLASSES[spec.provider])().unavailable_reason()


def video_input(
    spec: VideoModelSpec, *, prompt: str, negative_prompt: str, seconds: Decimal, image_url: str
) -> dict[str, Any]:
    """The model's input object, in the host's own names."""
    duration = int(seconds)
    inputs: dict[str, Any] = {
        "prompt": prompt,
        spec.image_param: image_url,
        "duration": str(duration) if spec.duration_as_text else duration,
        **spec.extra,
    }
    if spec.negative_param and negative_prompt:
        inputs[spec.negative_param] = negative_prompt
    return inputs
