"""What a prompt writer is given and what it returns, shared by the Gemini and offline writers."""

import unicodedata
from dataclasses import dataclass
from typing import Literal

import pydantic
from django.conf import settings
from django.core.exceptions import ValidationError

OFFLINE_WRITER = "offline"
PROMPT_MAX_CHARS = 2000
DESCRIPTION_MAX_CHARS = 240
BRIEF_DESCRIPTION_CHARS = 60
ACTION_MAX_CHARS = 600

ShotSize = Literal[
    "extreme_wide", "wide", "full", "medium", "medium_close_up", "close_up", "extreme_close_up"
]
CameraAngle = Literal["eye_level", "high", "low", "overhead", "dutch", "over_the_shoulder"]
CameraMovement = Literal["static", "pan", "tilt", "dolly_in", "dolly_out", "tracking", "handheld"]


@dataclass(frozen=True)
class AssetBrief:
    handle: str
    kind: str  # "character" or "location"
    name: str
    description: str
    variation_name: str
    variation_description: str

    @property
    def is_location(self) -> bool:
        return self.kind == "location"


@dataclass(frozen=True)
class PromptRequest:
    script: str
    aspect_ratio: str
    assets: tuple[AssetBrief, ...]  # the mentioned, known assets in mention order
    known_handles: tuple[str, ...]  # every handle of the project


class ShotDraft(pydantic.BaseModel):
    location: str = pydantic.Field(description="Where the shot takes place.")
    characters: list[str] = pydantic.Field(
        description="The @handles of the characters in frame, as written in the script."
    )
    action: str = pydantic.Field(description="What happens in the frame.")
    mood: str = pydantic.Field(description="The emotional tone, in a few words.")
    lighting: str = pydantic.Field(description="Light sources, time of day and quality.")
    shot_size: ShotSize
    camera_angle: CameraAngle
    camera_movement: CameraMovement
    prompt: str = pydantic.Field(
        description="The complete image prompt, keeping every @handle exactly as written."
    )


@dataclass(frozen=True)
class WrittenPrompt:
    prompt: str
    shot: ShotDraft
    writer: str  # the Gemini model id, or "offline"
    notice: str = ""  # a plain sentence for the creator when the offline writer stood in


class PromptWriterError(Exception):
    """Gemini could not write a usable prompt; ``user_message`` is safe to show the creator."""

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail


def validate_script(script: str) -> str:
    """The script without control characters (newlines and tabs stay), or a ValidationError."""
    cleaned = "".join(
        char
        for char in script.replace("\r\n", "\n").replace("\r", "\n")
        if char in "\n\t" or unicodedata.category(char) != "Cc"
    ).strip()
    if not cleaned:
        raise ValidationError({"script": "Write a script before asking for a prompt."})
    limit = settings.SCRIPT_MAX_CHARS
    if len(cleaned) > limit:
        raise ValidationError(
            {
                "script": f"The script is {len(cleaned):,} characters long; "
                f"shorten it to {limit:,} characters or fewer."
            }
        )
    return cleaned
