"""One call to Gemini's text model for a JSON answer, shared by the prompt writer and the script
breakdown: the same client options, the same delimiters around creator text, the same failures
in the same plain words."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from django.conf import settings

from keyframes.providers.gemini_provider import http_options
from keyframes.providers.lazy_sdk import genai, genai_errors, genai_types

# A creator could type "</script>" to close the data block early and write "instructions" after it.
_DELIMITER_TAG_RE = re.compile(r"<(\s*/?\s*)(script|assets)\b", re.IGNORECASE)


class GeminiTextError(Exception):
    """The call failed; ``user_message`` is safe to show the creator, ``detail`` is for support."""

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail


def escape_delimiters(text: str) -> str:
    """Creator text made safe to place between <script> or <assets> tags."""
    return _DELIMITER_TAG_RE.sub(r"&lt;\1\2", text)


def json_answer(
    *,
    system_instruction: str,
    user_text: str,
    schema: dict[str, Any],
    temperature: float,
    timeout: float,
) -> str:
    """The model's JSON text for ``user_text``, or a GeminiTextError saying what went wrong."""
    config = genai_types.GenerateContentConfig(
        system_instruction=system_instruction,
        response_mime_type="application/json",
        response_json_schema=schema,
        temperature=temperature,
    )
    options = http_options(settings.GEMINI_BASE_URL, timeout)
    try:
        with genai.Client(api_key=settings.GEMINI_API_KEY, http_options=options) as client:
            response = client.models.generate_content(
                model=settings.PROMPT_WRITER_MODEL, contents=[user_text], config=config
            )
    except httpx.TimeoutException as exc:
        raise GeminiTextError("Gemini did not answer in time.", detail=repr(exc)) from exc
    except httpx.HTTPError as exc:
        raise GeminiTextError("Gemini could not be reached.", detail=repr(exc)) from exc
    except genai_errors.APIError as exc:
        raise GeminiTextError(_api_error_message(exc), detail=str(exc)) from exc
    except json.JSONDecodeError as exc:  # the SDK reads the HTTP body as JSON
        raise GeminiTextError("Gemini sent an unreadable answer.", detail=exc.doc[:500]) from exc
    if not response.text:
        raise GeminiTextError("Gemini returned an empty answer.", detail=repr(response)[:1000])
    return response.text


def _api_error_message(exc: genai_errors.APIError) -> str:
    if exc.code == 429:
        return "Gemini is receiving too many requests right now."
    if isinstance(exc, genai_errors.ServerError):
        return "Gemini is having trouble right now."
    return "Gemini refused the request."
