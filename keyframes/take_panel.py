"""What the cut editor's Takes panel shows: the cut's takes, the player, and the form that
starts the next one (model, motion prompt, length, cost)."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from uuid import uuid4

from keyframes.model_choice import NOT_SET_UP
from keyframes.models import Take
from keyframes.providers.video_registry import (
    DEFAULT_VIDEO_MODEL_KEY,
    VIDEO_MODELS,
    VideoModelSpec,
    video_unavailable_reason,
)
from keyframes.takes import default_motion_prompt, duration_rule
from projects.models import Cut


@dataclass(frozen=True)
class VideoModelOption:
    spec: VideoModelSpec
    unavailable: bool

    @property
    def choice_label(self) -> str:
        spec = self.spec
        rate = spec.credits_per_second.normalize()
        price = "free" if not rate else f"{rate:f} credit{'' if rate == 1 else 's'}/s"
        label = f"{spec.label} · {price}"
        return f"{label} · unavailable: {NOT_SET_UP}" if self.unavailable else label


@dataclass(frozen=True)
class TakeChoice:
    """The model, motion prompt and length the form shows, and what they cost."""

    spec: VideoModelSpec
    motion_prompt: str
    seconds: Decimal  # a length the model makes: the one typed, else the cut's
    typed_seconds: str = ""  # what the creator typed, shown again even when refused

    @property
    def shown_seconds(self) -> str:
        return self.typed_seconds or f"{self.seconds:g}"

    @property
    def credits(self) -> int:
        return self.spec.credits_for(self.seconds)

    @property
    def cost_text(self) -> str:
        return "free" if not self.credits else f"{self.credits} credits"

    @property
    def lengths(self) -> str:
        return duration_rule(self.spec)


def take_choice(
    cut: Cut, *, model_key: str = "", motion_prompt: str | None = None, typed_seconds: str = ""
) -> TakeChoice:
    """What the form offers: the model asked for (else the free offline one), the prompt as
    typed (else one from the script and camera move), the length typed (else the cut's, as
    the model can make it)."""
    spec = VIDEO_MODELS.get(model_key) or VIDEO_MODELS[DEFAULT_VIDEO_MODEL_KEY]
    if motion_prompt is None:
        motion_prompt = default_motion_prompt(cut)
    try:
        seconds = Decimal(typed_seconds)
    except (InvalidOperation, ValueError):
        seconds = None
    if seconds is None or not seconds.is_finite() or not spec.allows(seconds):
        seconds = spec.duration_for(cut.duration_seconds)
    return TakeChoice(spec, motion_prompt, seconds, typed_seconds=typed_seconds.strip())


def takes_panel_context(cut: Cut, *, choice: TakeChoice | None = None, errors=None) -> dict:
    takes = list(cut.takes.select_related("source_keyframe", "job").order_by("-created_at", "-id"))
    options = [
        VideoModelOption(spec, unavailable=bool(video_unavailable_reason(spec)))
        for spec in VIDEO_MODELS.values()
    ]
    return {
        "cut": cut,
        "takes": takes,
        "representative_take": next((take for take in takes if take.is_representative), None),
        "takes_busy": any(take.status in Take.ACTIVE_STATUSES for take in takes),
        "take_choice": choice or take_choice(cut),
        "video_options": options,
        "take_errors": errors or {},
        # A fresh key per rendered form: a double submit of this form starts one take.
        "take_key": uuid4().hex,
    }
