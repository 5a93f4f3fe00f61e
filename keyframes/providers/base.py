"""What every image provider takes, returns and raises (the retry policy is in `retries.py`).

A provider turns one `CandidateRequest` into one `GeneratedImage` (one call per candidate) or
raises a `ProviderError` whose kind is one of a small set the rest of the app understands.
"""

import dataclasses
import io
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import httpx
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from keyframes.providers.registry import ModelSpec

MODERATION_WORDS = (
    "nsfw",
    "flagged",
    "safety",
    "moderation",
    "sensitive",
    "content policy",
    "content_policy",
    "prohibited",
    "moderated",
)


@dataclass(frozen=True)
class ReferenceImage:
    label: str  # "@Jake's character sheet", "the location @Cafe", "additional reference 1"
    data: bytes
    mime_type: str
    role: str = "additional"  # character / location / additional / style
    # Filled in by reference_prep.prepared_reference, as sent.
    width: int = 0
    height: int = 0
    sha256: str = ""


@dataclass(frozen=True)
class CandidateRequest:
    model_key: str
    prompt: str
    negative_prompt: str
    aspect_ratio: str  # "9:16" | "16:9" | "1:1" | "4:5"
    references: tuple[ReferenceImage, ...]
    seed: int
    label_references: bool = True


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes
    mime_type: str
    seed: int | None
    request_id: str
    sent_prompt: str  # the exact text the provider received


class ErrorKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    MODERATION = "moderation"
    TIMEOUT = "timeout"
    BAD_RESPONSE = "bad_response"
    PROVIDER_DOWN = "provider_down"
    NOT_CONFIGURED = "not_configured"
    NO_IMAGE = "no_image"  # the model answered, but without an image
    NO_FACE = "no_face"  # a face model found no face in its reference
    TOO_LARGE = "too_large"  # the returned file is over our size limit


USER_MESSAGES = {
    ErrorKind.RATE_LIMITED: (
        "The image provider is busy right now (rate limited). Try again in a minute."
    ),
    ErrorKind.MODERATION: (
        "The image provider refused this request under its content rules. "
        "Rephrase the prompt or change the reference images."
    ),
    ErrorKind.TIMEOUT: "The image provider took too long to answer. Try again.",
    ErrorKind.BAD_RESPONSE: (
        "The image provider did not return a usable image. Try again or pick another model."
    ),
    ErrorKind.PROVIDER_DOWN: "The image provider is unavailable at the moment. Try again later.",
    ErrorKind.NOT_CONFIGURED: (
        "This model is not set up on this server. Pick another model or ask support."
    ),
    ErrorKind.NO_IMAGE: (
        "The model answered without an image this time. Try again, or reword the prompt."
    ),
    ErrorKind.NO_FACE: (
        "This model needs a clearly visible face in its reference image and found none. "
        "Use a character sheet that shows the face, or pick another model."
    ),
    ErrorKind.TOO_LARGE: (
        "The provider returned a file larger than this site accepts, so it was refused. "
        "Try a shorter length or another model."
    ),
}


class ProviderError(Exception):
    """A failed provider call: `kind` for the app, `detail` (raw text) for support staff."""

    def __init__(
        self,
        kind: ErrorKind,
        detail: str,
        *,
        retry_after: float | None = None,
        request_id: str = "",
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after
        self.request_id = request_id

    @property
    def user_message(self) -> str:
        return USER_MESSAGES[self.kind]


class Provider(Protocol):
    name: str
    # Error kinds the provider's SDK already retries itself; ours must not retry them again.
    sdk_retries: frozenset["ErrorKind"]

    def unavailable_reason(self) -> str:
        """Empty when the provider can be called, else what an operator must do."""

    def generate(self, spec: ModelSpec, request: CandidateRequest) -> GeneratedImage: ...


class KeyedProvider:
    """A provider that can be called once its API key setting is set."""

    name: str
    key_setting: str
    family: str  # how the reason names the provider's models
    sdk_retries: frozenset[ErrorKind] = frozenset()

    def unavailable_reason(self) -> str:
        if getattr(settings, self.key_setting):
            return ""
        return f"Set {self.key_setting} to use {self.family} models."

    def require_configured(self) -> None:
        if reason := self.unavailable_reason():
            raise ProviderError(ErrorKind.NOT_CONFIGURED, reason)


def fit_to_model(spec: ModelSpec, request: CandidateRequest) -> CandidateRequest:
    """Keep only the first references the model takes (the caller normally did already)."""
    if len(request.references) <= spec.max_references:
        return request
    return dataclasses.replace(request, references=request.references[: spec.max_references])


def needs_reference_labels(request: CandidateRequest) -> bool:
    return request.label_references and len(request.references) > 1


def reference_caption(references: tuple[ReferenceImage, ...]) -> str:
    """'Image 1 is @Jake's character sheet, image 2 is the location @Cafe.'"""
    clauses = [f"image {number} is {ref.label}" for number, ref in enumerate(references, 1)]
    sentence = ", ".join(clauses) + "."
    return sentence[0].upper() + sentence[1:]


def labelled_prompt(request: CandidateRequest) -> str:
    """The prompt as sent to models that take references as a list of images."""
    if not needs_reference_labels(request):
        return request.prompt
    return f"{reference_caption(request.references)} {request.prompt}"


def image_mime_type(data: bytes) -> str:
    """The MIME type of a returned image; a body that is not an image is a bad response."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return Image.MIME[image.format]
    except (UnidentifiedImageError, OSError, SyntaxError, KeyError) as error:
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"not a readable image: {error}") from error


def mentions_moderation(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in MODERATION_WORDS)


def seconds_mentioned(text: str) -> float | None:
    """The wait a throttling message asks for ("available in 5 seconds", "resets in ~10s")."""
    match = re.search(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)", text or "")
    return float(match.group(1)) if match else None


def retry_after_header(headers: httpx.Headers) -> float | None:
    """The seconds a `Retry-After` header asks for (the HTTP-date form is not used by our hosts)."""
    try:
        return float(headers.get("Retry-After", ""))
    except ValueError:
        return None


def from_httpx_error(error: httpx.HTTPError, *, request_id: str = "") -> ProviderError:
    """An HTTP-level failure (not an API error body) as a provider error."""
    detail = f"{type(error).__name__}: {error}"
    if isinstance(error, httpx.TimeoutException):
        return ProviderError(ErrorKind.TIMEOUT, detail, request_id=request_id)
    if isinstance(error, httpx.HTTPStatusError) and error.response.status_code < 500:
        return ProviderError(ErrorKind.BAD_RESPONSE, detail, request_id=request_id)
    if isinstance(error, httpx.DecodingError):
        return ProviderError(ErrorKind.BAD_RESPONSE, detail, request_id=request_id)
    return ProviderError(ErrorKind.PROVIDER_DOWN, detail, request_id=request_id)
