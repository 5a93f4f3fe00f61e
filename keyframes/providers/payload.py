"""The JSON input of hosts that take a prompt plus image inputs (Replicate and fal)."""

import base64
from typing import Any

from keyframes.providers.base import CandidateRequest, ReferenceImage, labelled_prompt
from keyframes.providers.registry import Route, size_inputs


def data_uri(reference: ReferenceImage) -> str:
    # Stored bytes travel inline: a provider never needs to reach a URL of ours.
    encoded = base64.b64encode(reference.data).decode("ascii")
    return f"data:{reference.mime_type};base64,{encoded}"


def json_input(
    route: Route, request: CandidateRequest, *, image_urls: list[str] | None = None
) -> dict[str, Any]:
    """The model's input object; the request's references must fit the model already.

    `image_urls` are the references as uploaded to the provider, in order; without them the
    references travel inline as data URIs."""
    inputs: dict[str, Any] = {"prompt": labelled_prompt(request), **route.extra}
    inputs.update(size_inputs(route.size_style, request.aspect_ratio))
    if route.seed_param:
        inputs[route.seed_param] = request.seed
    if route.negative_param and request.negative_prompt:
        inputs[route.negative_param] = request.negative_prompt
    images = image_urls
    if images is None:
        images = [data_uri(reference) for reference in request.references]
    if route.reference_param and images:
        inputs[route.reference_param] = images if route.reference_is_list else images[0]
    return inputs


def decode_data_uri(uri: str) -> bytes:
    _, encoded = uri.split(",", 1)
    return base64.b64decode(encoded)
