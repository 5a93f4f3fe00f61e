"""What a candidate request puts on the wire: the body a host's schema describes, and the
summary a job keeps of it (served model id, input keys, each reference's role, sha256, size)."""

from typing import Any

from keyframes.providers.base import CandidateRequest, fit_to_model
from keyframes.providers.gemini_provider import generation_config
from keyframes.providers.payload import json_input
from keyframes.providers.registry import ModelSpec, Route, provider_name_for, route_for


def sent_body(
    host: str, route: Route, request: CandidateRequest, *, image_urls: list[str] | None = None
) -> tuple[str, dict[str, Any]]:
    """(the endpoint or model id called, the JSON body its schema describes); without
    ``image_urls`` the references are inline data URIs."""
    if host == "gemini":
        config = generation_config(request).model_dump(by_alias=True, exclude_none=True)
        config.pop("automaticFunctionCalling", None)  # the SDK keeps this one to itself
        parts = [{"text": request.prompt}]
        return route.endpoint, {
            "contents": [{"role": "user", "parts": parts}],
            "generationConfig": config,
        }
    if host == "local":
        return route.endpoint, {}
    endpoint = route.endpoint
    if host == "fal" and request.references and route.edit_endpoint:
        endpoint = route.edit_endpoint
    return endpoint, json_input(route, request, image_urls=image_urls)


def sent_request(spec: ModelSpec, request: CandidateRequest) -> dict[str, Any]:
    request = fit_to_model(spec, request)
    host = provider_name_for(spec)
    # Only the body's keys are kept, so the references need not be encoded: their sha256
    # stands in for the upload URL.
    placeholders = [reference.sha256 for reference in request.references]
    served_model, body = sent_body(host, route_for(spec), request, image_urls=placeholders)
    keys = sorted(body.get("generationConfig", body))
    return {
        "provider": host,
        "served_model": served_model,
        "input_keys": keys,
        "references": [
            {
                "role": reference.role,
                "label": reference.label,
                "sha256": reference.sha256,
                "width": reference.width,
                "height": reference.height,
                "bytes": len(reference.data),
            }
            for reference in request.references
        ],
    }
