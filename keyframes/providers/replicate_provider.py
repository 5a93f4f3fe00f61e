"""Models served by Replicate, through the official `replicate` client.

One prediction per candidate. The create holds for at most `CREATE_HOLD_SECONDS`
(`Prefer: wait=1`; the client then reads for 1.5 s), so its id is in hand almost at once; the
prediction is then polled by id until it finishes or `PROVIDER_TIMEOUT_SECONDS` have passed,
and cancelled at that deadline so it stops costing money. A create held open for a minute that
timed out would leave a running prediction we could not name. (`wait=False` is worse: the
client then sends the create with no timeout at all.)
"""

import functools
import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

import httpx
import pydantic
import replicate
from django.conf import settings
from replicate.exceptions import ReplicateError
from replicate.helpers import FileOutput
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
    seconds_mentioned,
)
from keyframes.providers.payload import json_input
from keyframes.providers.registry import ModelSpec, Route, route_for
from keyframes.providers.uploads import uploaded_url

FINISHED = ("succeeded", "failed", "canceled")
CREATE_HOLD_SECONDS = 1
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
    return replicate.Client(api_token=api_token, base_url=base_url, timeout=httpx.Timeout(timeout))


def finished_prediction(
    client: replicate.Client, endpoint: str, inputs: dict, *, timeout: float | None = None
) -> Prediction:
    """Creates the prediction and polls it until it ends; cancels it after ``timeout``
    seconds (default PROVIDER_TIMEOUT_SECONDS)."""
    timeout = timeout or settings.PROVIDER_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    with translated_errors():
        prediction = _create_prediction(client, endpoint, inputs)
    with translated_errors(request_id=prediction.id):
        while prediction.status not in FINISHED:
            if time.monotonic() >= deadline:
                detail = f"prediction still {prediction.status} after {timeout:g}s"
                _cancel(prediction)
                raise ProviderError(ErrorKind.TIMEOUT, detail, request_id=prediction.id)
            time.sleep(client.poll_interval)
            prediction.reload()
    if prediction.status != "succeeded":
        raise _failed_prediction_error(prediction)
    return prediction


def _create_prediction(client: replicate.Client, endpoint: str, inputs: dict) -> Prediction:
    model, _, version = endpoint.partition(":")
    if version:  # a community model has no model endpoint, only versions
        return client.predictions.create(version=version, input=inputs, wait=CREATE_HOLD_SECONDS)
    return client.models.predictions.create(model=model, input=inputs, wait=CREATE_HOLD_SECONDS)


def _cancel(prediction: Prediction) -> None:
    # A failed cancel still times out for the creator; Replicate ends stuck predictions itself.
    with suppress(ReplicateError, httpx.HTTPError):
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
