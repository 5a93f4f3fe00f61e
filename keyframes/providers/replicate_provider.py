"""Models served by Replicate, through the official `replicate` client.

One prediction per candidate. Its create asks Replicate to hold the answer until the prediction
ends (`Prefer: wait`), for a few seconds less than the create's own timeout, so a quick model
costs no polls and the answer is not lost to our timeout; a prediction still running then is
polled by id until it finishes, and cancelled at the candidate's deadline so it stops costing
money. A create whose answer is lost (a timeout before any id arrived) may still have
started a prediction: it is looked up in the account's recent predictions by its exact input
(prompt, seed and reference URLs make it ours), then followed or cancelled like any other. The
list is read newest first, a few pages at most, down to the first prediction older than the create.
"""

import functools
import io
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pydantic
import replicate
from django.conf import settings
from replicate.exceptions import ReplicateError
from replicate.helpers import FileOutput
from replicate.pagination import paginate
from replicate.prediction import Prediction

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
    seconds_mentioned,
)
from keyframes.providers.payload import json_input
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

FINISHED = ("succeeded", "failed", "canceled")
# The client retries these methods itself when answered 429, 503 or 504 (RetryTransport).
SDK_RETRIED_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
# How many times a lost create is looked for; the list may lag the create by a moment.
FIND_ATTEMPTS = 2
# Pages of the prediction list (100 each) read per look: a busy account may have started
# more predictions since the lost create than one page holds.
FIND_PAGES = 5
# The list is read down to predictions this much older than the create was sent: our clock
# and Replicate's may disagree a little.
CLOCK_SKEW_SECONDS = 30
CREATE_WAIT_MARGIN = 2.0  # seconds the create's hold ends before its timeout or the deadline
PREFER_WAIT_MAX_SECONDS = 60  # Replicate's own bound for `Prefer: wait=N`
# A face model whose detector found no face fails with this (IP-Adapter Face ID's IndexError).
NO_FACE_ERRORS = ("IndexError", "list index out of range", "no face")
DEFAULT_UPLOAD_LIFETIME_SECONDS = 3600.0  # when a file comes back without expires_at


class ReplicateProvider(KeyedProvider):
    name = "replicate"
    key_setting = "REPLICATE_API_TOKEN"
    family = "Replicate"

    def generate(self, spec: ModelSpec, request: CandidateRequest) -> GeneratedImage:
        self.require_configured()
        request = fit_to_model(spec, request)
        route = route_for(spec)
        client = shared_client()
        inputs = json_input(route, request, image_urls=_uploaded(client, route, request))
        prediction = finished_prediction(client, route.endpoint, inputs)
        with translated_errors(request_id=prediction.id):
            data = FileOutput(output_url(prediction), client).read()
        return GeneratedImage(
            data=data,
            mime_type=image_mime_type(data),
            seed=request.seed if route.seed_param else None,
            request_id=prediction.id,
            sent_prompt=inputs["prompt"],
        )


def _uploaded(client: replicate.Client, route: Route, request: CandidateRequest) -> list[str]:
    """The references' URLs on Replicate's Files API (data URIs are for files of ~1 MB)."""
    if not route.reference_param:
        return []
    return [uploaded_file_url(client, reference) for reference in request.references]


def uploaded_file_url(client: replicate.Client, reference: ReferenceImage) -> str:
    """The image's URL on Replicate's Files API, uploaded once while the upload lives."""

    def upload(reference: ReferenceImage) -> tuple[str, float]:
        extension = reference.mime_type.rsplit("/", 1)[-1]
        with translated_errors():
            uploaded = client.files.create(
                io.BytesIO(reference.data),
                filename=f"{reference.sha256 or 'reference'}.{extension}",
                content_type=reference.mime_type,
            )
        return uploaded.urls["get"], _seconds_until(uploaded.expires_at)

    return uploaded_url(provider="replicate", reference=reference, upload=upload)


def _seconds_until(expires_at: str | None) -> float:
    if not expires_at:
        return DEFAULT_UPLOAD_LIFETIME_SECONDS
    expiry = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    return (expiry - datetime.now(UTC)).total_seconds()


def shared_client() -> replicate.Client:
    return _cached_client(
        settings.REPLICATE_API_TOKEN,
        # The setting names the API root (".../v1"); the client adds "/v1" to every path.
        settings.REPLICATE_BASE_URL.rstrip("/").removesuffix("/v1"),
        settings.PROVIDER_TIMEOUT_SECONDS,
    )


@functools.lru_cache(maxsize=8)
def _cached_client(api_token: str, base_url: str, timeout: float) -> replicate.Client:
    return replicate.Client(
        api_token=api_token,
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        transport=_CandidateTransport(httpx.HTTPTransport()),
    )


class _CandidateTransport(httpx.BaseTransport):
    """Under the client's own retrying transport, so it sees every attempt: none goes out
    after the candidate's deadline, each has a timeout within it (the client sends a create
    without `Prefer: wait` with no timeout at all), and each 429 the client would retry is
    counted against the candidate's retry budget."""

    def __init__(self, wrapped: httpx.BaseTransport) -> None:
        self._wrapped = wrapped

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        creates = request.method == "POST" and request.url.path.endswith("/predictions")
        request.extensions["timeout"] = timeouts_within_deadline(
            request.extensions.get("timeout"),
            at_most=settings.REPLICATE_CREATE_TIMEOUT_SECONDS if creates else None,
        )
        response = self._wrapped.handle_request(request)
        if response.status_code == 429 and request.method in SDK_RETRIED_METHODS:
            response.close()
            count_sdk_rate_limit(
                f"HTTP 429 on {request.method} {request.url.path}",
                wait=retry_after_header(response.headers),
            )
        return response

    def close(self) -> None:
        self._wrapped.close()


def finished_prediction(
    client: replicate.Client, endpoint: str, inputs: dict, *, timeout: float | None = None
) -> Prediction:
    """Creates the prediction and polls it until it ends; cancels it at the deadline of the
    call it belongs to, or ``timeout`` seconds (default PROVIDER_TIMEOUT_SECONDS) from now when
    none is running."""
    with candidate_deadline(timeout):
        prediction = _started_prediction(client, endpoint, inputs)
        with translated_errors(request_id=prediction.id):
            while prediction.status not in FINISHED:
                time.sleep(max(0.0, min(client.poll_interval, seconds_left())))
                try:
                    check_deadline(request_id=prediction.id)
                    prediction.reload()
                except ProviderError as error:
                    if error.kind is ErrorKind.TIMEOUT:
                        _cancel(prediction)
                        error.detail += f"; prediction still {prediction.status}, cancelled"
                    error.request_id = error.request_id or prediction.id
                    raise
        if prediction.status != "succeeded":
            raise _failed_prediction_error(prediction)
        return prediction


def _started_prediction(client: replicate.Client, endpoint: str, inputs: dict) -> Prediction:
    sent_at = datetime.now(UTC)
    try:
        with translated_errors():
            prediction = _create_prediction(client, endpoint, inputs)
    except ProviderError as error:
        if error.kind is not ErrorKind.TIMEOUT:
            raise
        prediction = _find_lost_create(client, endpoint, inputs, sent_at=sent_at)
        if prediction is None:
            raise
    _claim(prediction.id)
    return prediction


def _create_prediction(client: replicate.Client, endpoint: str, inputs: dict) -> Prediction:
    model, _, version = endpoint.partition(":")
    wait = _create_wait_seconds()
    if version:  # a community model has no model endpoint, only versions
        return client.predictions.create(version=version, input=inputs, wait=wait)
    return client.models.predictions.create(model=model, input=inputs, wait=wait)


def _create_wait_seconds() -> int | bool:
    """How long Replicate may hold the create's answer (1-60 s), or False for none: a margin
    inside the create's timeout and the candidate's deadline, so the answer and its id always
    come back before either ends."""
    budget = min(settings.REPLICATE_CREATE_TIMEOUT_SECONDS, seconds_left()) - CREATE_WAIT_MARGIN
    seconds = int(min(PREFER_WAIT_MAX_SECONDS, budget))
    return seconds if seconds >= 1 else False


def _find_lost_create(
    client: replicate.Client, endpoint: str, inputs: dict, *, sent_at: datetime
) -> Prediction | None:
    """The prediction a create sent at ``sent_at`` started before it timed out, if Replicate
    lists one with our input that no other candidate of this process has taken (models
    without a seed send equal inputs)."""
    model, _, version = endpoint.partition(":")
    with cleanup_time():
        for attempt in range(FIND_ATTEMPTS):
            if attempt:
                time.sleep(client.poll_interval)
            with suppress(ReplicateError, httpx.HTTPError, ProviderError):
                for prediction in _predictions_since(client, sent_at):
                    same_model = (
                        prediction.version == version if version else (prediction.model == model)
                    )
                    if same_model and prediction.input == inputs and _claim(prediction.id):
                        return prediction
    return None


def _predictions_since(client: replicate.Client, moment: datetime) -> Iterator[Prediction]:
    """The account's predictions, newest first, following the list's `next` cursor for at
    most FIND_PAGES pages and stopping at the first one created before ``moment``."""
    oldest = moment - timedelta(seconds=CLOCK_SKEW_SECONDS)
    for page in itertools.islice(paginate(client.predictions.list), FIND_PAGES):
        for prediction in page.results:
            created_at = _parsed_time(prediction.created_at)
            if created_at is not None and created_at < oldest:
                return
            yield prediction


def _parsed_time(timestamp: str | None) -> datetime | None:
    """An API timestamp ("2026-12-06T10:00:00.123456Z"), or None when absent or unreadable."""
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_claimed_ids: dict[str, None] = {}  # insertion-ordered: the oldest are forgotten first
_claimed_guard = threading.Lock()
CLAIMS_KEPT = 10_000


def _claim(prediction_id: str) -> bool:
    """True the first time an id is claimed in this process."""
    with _claimed_guard:
        if prediction_id in _claimed_ids:
            return False
        _claimed_ids[prediction_id] = None
        if len(_claimed_ids) > CLAIMS_KEPT:
            del _claimed_ids[next(iter(_claimed_ids))]
        return True


def _cancel(prediction: Prediction) -> None:
    # A failed cancel still times out for the creator; Replicate ends stuck predictions itself.
    with cleanup_time(), suppress(ReplicateError, httpx.HTTPError, ProviderError):
        prediction.cancel()


def _failed_prediction_error(prediction: Prediction) -> ProviderError:
    detail = f"prediction {prediction.status}: {prediction.error}"
    if prediction.status == "canceled":
        kind = ErrorKind.PROVIDER_DOWN
    elif mentions_moderation(str(prediction.error)):
        kind = ErrorKind.MODERATION
    elif any(sign.lower() in str(prediction.error).lower() for sign in NO_FACE_ERRORS):
        kind = ErrorKind.NO_FACE
    else:
        kind = ErrorKind.BAD_RESPONSE
    return ProviderError(kind, detail, request_id=prediction.id)


def output_url(prediction: Prediction) -> str:
    output: Any = prediction.output
    if isinstance(output, list) and output:
        output = output[0]  # models with num_outputs return a list
    if isinstance(output, str) and output.startswith(("https:", "http:", "data:")):
        return output
    raise ProviderError(
        ErrorKind.BAD_RESPONSE, f"unexpected output {output!r:.300}", request_id=prediction.id
    )


@contextmanager
def translated_errors(*, request_id: str = "") -> Iterator[None]:
    try:
        yield
    except ReplicateError as error:
        raise _from_replicate_error(error, request_id=request_id) from error
    except httpx.HTTPError as error:
        raise from_httpx_error(error, request_id=request_id) from error
    except (json.JSONDecodeError, pydantic.ValidationError) as error:
        detail = f"unreadable answer: {error}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, detail, request_id=request_id) from error


def _from_replicate_error(error: ReplicateError, *, request_id: str) -> ProviderError:
    status = error.status or 0
    detail = f"HTTP {status} {error.title or ''}: {error.detail or ''}".strip()
    if status == 429:
        retry_after = seconds_mentioned(error.detail or "")
        return ProviderError(
            ErrorKind.RATE_LIMITED, detail, retry_after=retry_after, request_id=request_id
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
