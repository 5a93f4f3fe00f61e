"""Google's Gemini image models, through the official `google-genai` client.

References travel as inline image parts. With more than one, a short text part before each
image says what it shows ("Image 2: the location @Cafe"); the prompt is the last part.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pydantic
from django.conf import settings

from keyframes.providers.base import (
    CandidateRequest,
    ErrorKind,
    GeneratedImage,
    KeyedProvider,
    ProviderError,
    fit_to_model,
    from_httpx_error,
    image_mime_type,
    mentions_moderation,
    needs_reference_labels,
    seconds_mentioned,
)
from keyframes.providers.lazy_sdk import genai
from keyframes.providers.lazy_sdk import genai_errors as errors
from keyframes.providers.lazy_sdk import genai_types as types
from keyframes.providers.registry import ModelSpec, route_for
from keyframes.providers.retries import seconds_left

GEMINI_API_VERSION = "v1beta"

# Members of google-genai's FinishReason, by name: a member equals its name, and naming them
# here leaves the SDK unimported until a call.
REFUSAL_REASONS = frozenset(
    {
        "SAFETY",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)
# The model stopped without an image and without naming a rule.
NO_IMAGE_REASONS = frozenset({"IMAGE_OTHER", "NO_IMAGE"})


class GeminiProvider(KeyedProvider):
    name = "gemini"
    key_setting = "GEMINI_API_KEY"
    family = "Gemini"

    def generate(self, spec: ModelSpec, request: CandidateRequest) -> GeneratedImage:
        self.require_configured()
        request = fit_to_model(spec, request)
        contents = request_parts(request)
        client = _client()  # held here: a genai.Client closes its connections when collected
        # A retry gets what is left of the candidate's time, not a fresh timeout.
        config = generation_config(request).model_copy(
            update={"http_options": types.HttpOptions(timeout=max(1, int(seconds_left() * 1000)))}
        )
        with _translated_errors():
            response = client.models.generate_content(
                model=route_for(spec).endpoint, contents=contents, config=config
            )
        request_id = response.response_id or ""
        data = _image_bytes(response, request_id=request_id)
        return GeneratedImage(
            data=data,
            mime_type=image_mime_type(data),
            seed=request.seed,
            request_id=request_id,
            sent_prompt="\n".join(part.text for part in contents if part.text),
        )


def request_parts(request: CandidateRequest) -> list[types.Part]:
    """Reference images in order (each after its label when labelled), then the prompt."""
    labelled = needs_reference_labels(request)
    parts: list[types.Part] = []
    for number, reference in enumerate(request.references, 1):
        if labelled:
            parts.append(types.Part.from_text(text=f"Image {number}: {reference.label}"))
        parts.append(types.Part.from_bytes(data=reference.data, mime_type=reference.mime_type))
    parts.append(types.Part.from_text(text=request.prompt))
    return parts


def generation_config(request: CandidateRequest) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(
        response_modalities=["IMAGE"],
        image_config=types.ImageConfig(aspect_ratio=request.aspect_ratio),
        seed=request.seed,
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )


def _client() -> genai.Client:
    return _cached_client(
        settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL, settings.PROVIDER_TIMEOUT_SECONDS
    )


@functools.lru_cache(maxsize=8)
def _cached_client(api_key: str, base_url: str, timeout: float) -> genai.Client:
    return genai.Client(api_key=api_key, http_options=http_options(base_url, timeout))


def http_options(base_url: str, timeout: float) -> types.HttpOptions:
    """How every Gemini call of ours is sent: pinned version, httpx, no SDK retries."""
    return types.HttpOptions(
        # google-genai 3 defaults to v1; imageConfig, response modalities and structured
        # output are documented on v1beta.
        api_version=GEMINI_API_VERSION,
        base_url=base_url or None,
        timeout=int(timeout * 1000),
        # google-genai prefers the httpx2 fork when it is installed; an httpx transport keeps
        # it on httpx like the other SDKs, so its errors (and respx) are httpx's.
        client_args={"transport": httpx.HTTPTransport()},
        # One retry policy per provider: ours (providers/retries.py), never the SDK's too.
        retry_options=types.HttpRetryOptions(attempts=1),
    )


def _image_bytes(response: types.GenerateContentResponse, *, request_id: str) -> bytes:
    candidate = response.candidates[0] if response.candidates else None
    parts = (candidate.content.parts if candidate and candidate.content else None) or []
    for part in parts:
        if part.inline_data and part.inline_data.data and not part.thought:
            return part.inline_data.data
    raise _no_image_error(response, candidate, request_id=request_id)


def _no_image_error(
    response: types.GenerateContentResponse,
    candidate: types.Candidate | None,
    *,
    request_id: str,
) -> ProviderError:
    block_reason = response.prompt_feedback.block_reason if response.prompt_feedback else None
    finish_reason = candidate.finish_reason if candidate else None
    text = " ".join(p.text for p in (response.parts or []) if p.text and not p.thought)
    detail = f"no image; finish_reason={finish_reason} block_reason={block_reason} text={text!r}"
    return ProviderError(
        _no_image_kind(block_reason, finish_reason, text), detail, request_id=request_id
    )


def _no_image_kind(block_reason, finish_reason, text: str) -> ErrorKind:
    if block_reason is not None or finish_reason in REFUSAL_REASONS:
        return ErrorKind.MODERATION
    if text:  # it answered in words instead: a refusal, or an explanation of one
        return ErrorKind.MODERATION if mentions_moderation(text) else ErrorKind.NO_IMAGE
    if finish_reason in NO_IMAGE_REASONS:
        return ErrorKind.NO_IMAGE
    return ErrorKind.BAD_RESPONSE


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except errors.ClientError as error:
        raise _from_client_error(error) from error
    except errors.ServerError as error:
        raise ProviderError(ErrorKind.PROVIDER_DOWN, str(error)) from error
    except httpx.HTTPError as error:
        raise from_httpx_error(error) from error
    except (json.JSONDecodeError, pydantic.ValidationError) as error:
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"unreadable answer: {error}") from error


def _from_client_error(error: errors.ClientError) -> ProviderError:
    detail = str(error)
    if error.code == 429:
        retry_after = _retry_delay(error.details)
        return ProviderError(ErrorKind.RATE_LIMITED, detail, retry_after=retry_after)
    if mentions_moderation(detail):
        return ProviderError(ErrorKind.MODERATION, detail)
    if error.code in (401, 403, 404):
        return ProviderError(ErrorKind.NOT_CONFIGURED, detail)
    return ProviderError(ErrorKind.BAD_RESPONSE, detail)


def _retry_delay(details: object) -> float | None:
    """Google's RetryInfo detail ("retryDelay": "17s"), when the error carries one."""
    error = details.get("error", {}) if isinstance(details, dict) else {}
    for item in error.get("details", []) if isinstance(error, dict) else []:
        if isinstance(item, dict) and "retryDelay" in item:
            return seconds_mentioned(str(item["retryDelay"]))
    return None
