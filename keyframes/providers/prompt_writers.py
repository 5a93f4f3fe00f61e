"""Prompt writers: turn a cut's script into an image prompt that keeps the script's @mentions.

A Gemini text model (PROMPT_WRITER_MODEL) writes a structured shot (JSON) when a key is
configured; the offline writer is rule-based and deterministic. The script is creator data:
it reaches Gemini only inside <script> delimiters, never as instructions, and whatever comes
back is checked before use.
"""

import logging
from dataclasses import replace

from django.conf import settings

from keyframes.providers.gemini_writer import GeminiPromptWriter
from keyframes.providers.offline_writer import OfflinePromptWriter
from keyframes.providers.prompt_brief import (
    PromptRequest,
    PromptWriterError,
    WrittenPrompt,
    validate_script,
)

logger = logging.getLogger(__name__)


def write_prompt(request: PromptRequest, *, fallback: bool = True) -> WrittenPrompt:
    """Gemini when a key is configured, the offline writer otherwise or, with ``fallback``,
    when Gemini fails.

    An empty or over-long script is a ValidationError (see validate_script); a PromptWriterError
    means no writer could write a usable prompt.
    """
    request = replace(request, script=validate_script(request.script))
    if not settings.GEMINI_API_KEY:
        return OfflinePromptWriter().write(request)
    try:
        return GeminiPromptWriter().write(request)
    except PromptWriterError as exc:
        if not fallback:
            raise
        logger.warning("Prompt writer fell back to offline: %s %s", exc.user_message, exc.detail)
        written = OfflinePromptWriter().write(request)
        notice = f"{exc.user_message} The offline writer wrote this prompt instead."
        return WrittenPrompt(
            prompt=written.prompt, shot=written.shot, writer=written.writer, notice=notice
        )
