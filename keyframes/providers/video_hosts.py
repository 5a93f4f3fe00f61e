"""Takes on hosted video models: one call per take through the official clients (Replicate's
`replicate`, fal's `fal-client`), the first frame uploaded to the host's storage, the clip
downloaded under a size limit.

Polling, cancelling at the deadline and error mapping are the image providers' own; only the
answer's shape (one video) and the download differ.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings

from keyframes.providers import fal_provider, replicate_provider
from keyframes.providers.base import (
    USER_MESSAGES,
    ErrorKind,
    ProviderError,
    ReferenceImage,
)
from keyframes.providers.payload import decode_data_uri
from keyframes.providers.retries import call_with_retries
from keyframes.providers.video_registry import VideoModelSpec, video_input

# The same sentences as for images where "image" would mislead.
VIDEO_MESSAGES = {
    ErrorKind.BAD_RESPONSE: (
        "The video provider did not return a usable video. Try again or pick another model."
    ),
    ErrorKind.TIMEOUT: "The video provider took too long to answer. Try again.",
    ErrorKind.PROVIDER_DOWN: "The video provider is unavailable at the moment. Try again later.",
    ErrorKind.RATE_LIMITED: (
        "The video provider is busy right now (rate limited). Try again in a minute."
    ),
}
DOWNLOAD_CHUNK_BYTES = 256 * 1024


class VideoProviderError(ProviderError):
    """A failed take call: the same kinds as images, told in words about a video."""

    @classmethod
    def of(cls, error: ProviderError) -> "VideoProviderError":
        if isinstance(error, cls):
            return error
        return cls(
            error.kind, error.detail, retry_after=error.retry_after, request_id=error.request_id
        )

    @property
    def user_message(self) -> str:
        return VIDEO_MESSAGES.get(self.kind, USER_MESSAGES[self.kind])


@dataclass(frozen=True)
class TakeRequest:
    prompt: str
    negative_prompt: str
    seconds: Decimal
    first_frame: ReferenceImage


@dataclass(frozen=True)
class GeneratedVideo:
    data: bytes
    request_id: str
    sent_input: dict[str, Any]  # the input as sent, the first frame's URL left out


def generate_video(spec: VideoModelSpec, request: TakeRequest) -> GeneratedVideo:
    """One take from a hosted model, retried like an image (rate limits, one outage)."""
    host = HOSTS[spec.provider]
    try:
        return call_with_retries(
            lambda: host.generate(spec, request),
            sdk_retries=host.provider.sdk_retries,
            timeout=settings.TAKE_PROVIDER_TIMEOUT_SECONDS,
        )
    except ProviderError as error:
        raise VideoProviderError.of(error) from error


class ReplicateVideos:
    provider = replicate_provider.ReplicateProvider()

    def generate(self, spec: VideoModelSpec, request: TakeRequest) -> GeneratedVideo:
        host = replicate_provider
        self.provider.require_configured()
        client = host.shared_client()
        image_url = host.uploaded_file_url(client, request.first_frame)
        inputs = _inputs(spec, request, image_url)
        prediction = host.finished_prediction(
            client, spec.endpoint, inputs, timeout=settings.TAKE_PROVIDER_TIMEOUT_SECONDS
        )
        with host.translated_errors(request_id=prediction.id):
            data = download_capped(host.output_url(prediction), request_id=prediction.id)
        return GeneratedVideo(data=data, request_id=prediction.id, sent_input=_kept(spec, inputs))


class FalVideos:
    provider = fal_provider.FalProvider()

    def generate(self, spec: VideoModelSpec, request: TakeRequest) -> GeneratedVideo:
        host = fal_provider
        self.provider.require_configured()
        client = host.cached_client(settings.FAL_KEY, settings.TAKE_PROVIDER_TIMEOUT_SECONDS)
        image_url = host.uploaded_file_url(client, request.first_frame)
        inputs = _inputs(spec, request, image_url)
        request_id, result = host.queued_result(
            client, spec.endpoint, inputs, timeout=settings.TAKE_PROVIDER_TIMEOUT_SECONDS
        )
        with host.translated_errors(request_id=request_id):
            data = download_capped(_video_url(result, request_id=request_id), request_id=request_id)
        return GeneratedVideo(data=data, request_id=request_id, sent_input=_kept(spec, inputs))


HOSTS = {"replicate": ReplicateVideos(), "fal": FalVideos()}


def _inputs(spec: VideoModelSpec, request: TakeRequest, image_url: str) -> dict[str, Any]:
    return video_input(
        spec,
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        seconds=request.seconds,
        image_url=image_url,
    )


def _kept(spec: VideoModelSpec, inputs: dict[str, Any]) -> dict[str, Any]:
    """What a take keeps of its request: every input but the (expiring) upload URL."""
    return {name: value for name, value in inputs.items() if name != spec.image_param}


def _video_url(result: Any, *, request_id: str) -> str:
    video = result.get("video") if isinstance(result, dict) else None
    if not isinstance(video, dict) or not video.get("url"):
        detail = f"no video in result {result!r:.300}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, detail, request_id=request_id)
    return video["url"]


def download_capped(url: str, *, request_id: str) -> bytes:
    """The clip's bytes. A clip over TAKE_MAX_VIDEO_BYTES is refused as soon as its declared
    length or the bytes received so far pass the limit, so an oversized file is never kept."""
    if url.startswith("data:"):
        data = decode_data_uri(url)
        _refuse_over_limit(len(data), request_id=request_id)
        return data
    timeout = settings.PROVIDER_TIMEOUT_SECONDS
    with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
        response.raise_for_status()
        _refuse_over_limit(int(response.headers.get("content-length") or 0), request_id=request_id)
        chunks, received = [], 0
        for chunk in response.iter_bytes(DOWNLOAD_CHUNK_BYTES):
            received += len(chunk)
            _refuse_over_limit(received, request_id=request_id)
            chunks.append(chunk)
    return b"".join(chunks)


def _refuse_over_limit(size: int, *, request_id: str) -> None:
    limit = settings.TAKE_MAX_VIDEO_BYTES
    if size > limit:
        detail = f"video of {size} bytes or more is over the {limit}-byte limit"
        raise ProviderError(ErrorKind.TOO_LARGE, detail, request_id=request_id)
