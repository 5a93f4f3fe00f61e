"""Models served by fal.ai, through the official `fal-client` queue API.

A candidate is submitted to the queue, its status polled until it completes (or the
candidate's deadline passes, then it is cancelled), and its result image downloaded.
fal-client retries rate limits itself and cannot be told not to: hooks on its HTTP clients
(the queue's, and the one it makes for each storage upload) count each 429 against the
candidate's retry budget and stop it at the deadline.
FLUX.2 Flash and Turbo take reference images only on their `/edit` endpoints.
"""

import functools
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
    retry_after_header,
)
from keyframes.providers.payload import decode_data_uri, json_input
from keyframes.providers.registry import ModelSpec, Route, route_for
from keyframes.providers.retries import (
    candidate_deadline,
    check_deadline,
    cleanup_time,
    count_sdk_rate_limit,
    seconds_left,
    timeouts_within_deadline,
)
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
    # (no setting turns that off); its 429s are counted (retries.py), we add no retry on top.
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


class _CandidateClient(fal_client.SyncClient):
    """fal-client's client whose storage uploads answer to the candidate too: each upload
    goes out on a new HTTP client, which fal-client retries on as it does on the queue's."""

    def _get_cdn_client(self) -> httpx.Client:
        check_deadline()  # it may first fetch a storage token, on a client of its own
        return _held_to_candidate(super()._get_cdn_client())


@functools.lru_cache(maxsize=8)
def cached_client(key: str, timeout: float) -> fal_client.SyncClient:
    client = _CandidateClient(key=key, default_timeout=timeout)
    # The queue's one HTTP client (a cached property), also used by the fallback storage.
    _held_to_candidate(client._client)
    return client


def _held_to_candidate(http_client: httpx.Client) -> httpx.Client:
    """Every request of this client within the candidate's deadline, each 429 counted."""
    hooks = http_client.event_hooks
    hooks["request"].append(_within_deadline)
    hooks["response"].append(_count_rate_limit)
    return http_client


def _within_deadline(request: httpx.Request) -> None:
    request.extensions["timeout"] = timeouts_within_deadline(request.extensions.get("timeout"))


def _count_rate_limit(response: httpx.Response) -> None:
    if response.status_code == 429:
        detail = f"HTTP 429 on {response.request.method} {response.request.url.path}"
        count_sdk_rate_limit(detail, wait=retry_after_header(response.headers))


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
    """Submits to the queue and waits for the result; cancels it at the deadline of the call
    it belongs to, or ``timeout`` seconds (default PROVIDER_TIMEOUT_SECONDS) from now when none
    is running."""
    with candidate_deadline(timeout):
        left = seconds_left()
        start_timeout = left if left > MIN_START_TIMEOUT_SECONDS else None
        with translated_errors():
            handle = client.submit(endpoint, arguments=inputs, start_timeout=start_timeout)
        with translated_errors(request_id=handle.request_id):
            for status in handle.iter_events(interval=POLL_INTERVAL_SECONDS):
                if isinstance(status, fal_client.Completed):
                    break
                if seconds_left() <= POLL_INTERVAL_SECONDS:
                    _cancel(handle)
                    raise ProviderError(
                        ErrorKind.TIMEOUT,
                        f"request still {type(status).__name__} at the deadline; cancelled",
                        request_id=handle.request_id,
                    )
            return handle.request_id, handle.get(interval=POLL_INTERVAL_SECONDS)


def _cancel(handle: fal_client.SyncRequestHandle) -> None:
    # A failed cancel still times out for the creator; the queue drops abandoned requests.
    with cleanup_time(), suppress(fal_client.FalClientError, httpx.HTTPError, ProviderError):
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
    check_deadline()
    response = httpx.get(url, timeout=seconds_left(), follow_redirects=True)
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
            retry_after=retry_after_header(httpx.Headers(error.response_headers)),
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
