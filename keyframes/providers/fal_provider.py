"""Models served by fal.ai, through the official `fal-client` queue API.

A candidate is submitted to the queue, its status polled until it completes (or
`PROVIDER_TIMEOUT_SECONDS` pass, then it is cancelled), and its result image downloaded.
FLUX.2 Flash and Turbo take reference images only on their `/edit` endpoints.
"""

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import fal_client
import httpx
from django.conf import settings

from keyframes.providers.base import (
    CandidateRequest,
    ErrorKind,
    GeneratedImage,
    KeyedProvider,
    ProviderError,
    ReferenceImage,
    fit_to_model,
    from_httpx_error,
    image_mime_type,
    mentions_moderation,
)
from keyframes.providers.payload import decode_data_uri, json_input
from keyframes.providers.registry import ModelSpec, Route, route_for
from keyframes.providers.uploads import uploaded_url

POLL_INTERVAL_SECONDS = 0.25
MIN_START_TIMEOUT_SECONDS = 1  # fal rejects a server-side timeout of 1 s or less
# fal keeps uploads far longer by default; an hour of reuse covers a whole Auto-Flight.
UPLOAD_REUSE_SECONDS = 3600.0


class FalProvider(KeyedProvider):
    name = "fal"
    key_setting = "FAL_KEY"
    family = "fal.ai"
    # fal-client retries 429, 408/409 and connection errors up to 10 times inside each call
    # (no setting turns that off), within the call's own timeout; we add none on top.
    sdk_retries = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.PROVIDER_DOWN})

    def generate(self, spec: ModelSpec, request: CandidateRequest) -> GeneratedImage:
        self.require_configured()
        request = fit_to_model(spec, request)
        route = route_for(spec)
        client = cached_client(settings.FAL_KEY, settings.PROVIDER_TIMEOUT_SECONDS)
        inputs = json_input(route, request, image_urls=_uploaded(client, route, request))
        request_id, result = queued_result(client, _endpoint(route, request), inputs)
        url = _image_url(result, request_id=request_id)
        with translated_errors(request_id=request_id):
            data = _download(url)
        return GeneratedImage(
            data=data,
            mime_type=image_mime_type(data),
            seed=result.get("seed", request.seed),
            request_id=request_id,
            sent_prompt=inputs["prompt"],
        )


def _endpoint(route: Route, request: CandidateRequest) -> str:
    if request.references and route.edit_endpoint:
        return route.edit_endpoint
    return route.endpoint


@functools.lru_cache(maxsize=8)
def cached_client(key: str, timeout: float) -> fal_client.SyncClient:
    return fal_client.SyncClient(key=key, default_timeout=timeout)


def _uploaded(client: fal_client.SyncClient, route: Route, request: CandidateRequest) -> list[str]:
    """The references' URLs on fal's storage, where its models read `image_urls` from."""
    if not route.reference_param:
        return []
    return [uploaded_file_url(client, reference) for reference in request.references]


def uploaded_file_url(client: fal_client.SyncClient, reference: ReferenceImage) -> str:
    """The image's URL on fal's storage, uploaded once while the upload lives."""

    def upload(reference: ReferenceImage) -> tuple[str, float]:
        with translated_errors():
            url = client.upload(reference.data, reference.mime_type)
        return url, UPLOAD_REUSE_SECONDS

    return uploaded_url(provider="fal", reference=reference, upload=upload)


def queued_result(
    client: fal_client.SyncClient,
    endpoint: str,
    inputs: dict[str, Any],
    *,
    timeout: float | None = None,
) -> tuple[str, dict[str, Any]]:
    """Submits to the queue and waits for the result; cancels after ``timeout`` seconds
    (default PROVIDER_TIMEOUT_SECONDS)."""
    timeout = timeout or settings.PROVIDER_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    start_timeout = timeout if timeout > MIN_START_TIMEOUT_SECONDS else None
    with translated_errors():
        handle = client.submit(endpoint, arguments=inputs, start_timeout=start_timeout)
    with translated_errors(request_id=handle.request_id):
        for status in handle.iter_events(interval=POLL_INTERVAL_SECONDS):
            if isinstance(status, fal_client.Completed):
                break
            if time.monotonic() >= deadline:
                _cancel(handle)
                raise ProviderError(
                    ErrorKind.TIMEOUT,
                    f"request still {type(status).__name__} after {timeout:g}s",
                    request_id=handle.request_id,
                )
        return handle.request_id, handle.get(interval=POLL_INTERVAL_SECONDS)


def _cancel(handle: fal_client.SyncRequestHandle) -> None:
    # A failed cancel still times out for the creator; the queue drops abandoned requests.
    with suppress(fal_client.FalClientError, httpx.HTTPError):
        handle.cancel()


def _image_url(result: Any, *, request_id: str) -> str:
    if isinstance(result, dict) and any(result.get("has_nsfw_concepts") or []):
        raise ProviderError(
            ErrorKind.MODERATION, "result flagged has_nsfw_concepts", request_id=request_id
        )
    images = result.get("images") if isinstance(result, dict) else None
    if not images or not isinstance(images[0], dict) or not images[0].get("url"):
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, f"no image in result {result!r:.300}", request_id=request_id
        )
    return images[0]["url"]


def _download(url: str) -> bytes:
    if url.startswith("data:"):
        return decode_data_uri(url)
    response = httpx.get(url, timeout=settings.PROVIDER_TIMEOUT_SECONDS, follow_redirects=True)
    response.raise_for_status()
    return response.content


@contextmanager
def translated_errors(*, request_id: str = "") -> Iterator[None]:
    try:
        yield
    except fal_client.FalClientHTTPError as error:
        raise _from_fal_error(error, request_id=request_id) from error
    except fal_client.FalClientTimeoutError as error:
        raise ProviderError(ErrorKind.TIMEOUT, str(error), request_id=request_id) from error
    except httpx.HTTPError as error:
        raise from_httpx_error(error, request_id=request_id) from error
    except (ValueError, KeyError) as error:
        # fal-client raises these on an answer it cannot parse (bad JSON, unknown status).
        detail = f"unreadable answer: {type(error).__name__}: {error}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, detail, request_id=request_id) from error


def _from_fal_error(error: fal_client.FalClientHTTPError, *, request_id: str) -> ProviderError:
    status = error.status_code
    detail = f"HTTP {status} {error.error_type or ''}: {error.message}"
    if status == 429:
        return ProviderError(
            ErrorKind.RATE_LIMITED,
            detail,
            retry_after=_retry_after(error.response_headers),
            request_id=request_id,
        )
    if mentions_moderation(detail):
        kind = ErrorKind.MODERATION
    elif status >= 500:
        kind = ErrorKind.PROVIDER_DOWN
    elif status in (401, 403, 404):
        kind = ErrorKind.NOT_CONFIGURED
    else:
        kind = ErrorKind.BAD_RESPONSE
    return ProviderError(kind, detail, request_id=request_id)


def _retry_after(headers: dict[str, str]) -> float | None:
    value = {name.lower(): value for name, value in headers.items()}.get("retry-after", "")
    try:
        return float(value)
    except ValueError:
        return None
