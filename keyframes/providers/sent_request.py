"""What a candidate request puts on the wire: the body a host's schema describes, and the
summary a job keeps of it (served model id, input keys, each reference's role, sha256, size)."""

from typing import Any

from keyframes.providers.base import CandidateRequest, fit_to_model
from keyframes.providers.gemini_provider import generation_config
from keyframes.providers.payload import json_input
from keyframes.providers.registry import ModelSpec, Route, provider_name_for, route_for


def sent_body(host: str, route: Route, request: CandidateRequest) -> tuple[str, dict[str, Any]]:
    """(the endpoint or model id called, the JSON body its schema describes)."""
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
    return endpoint, json_input(route, request)


def sent_request(spec: ModelSpec, request: CandidateRequest) -> dict[str, Any]:
    request = fit_to_model(spec, request)
    host = provider_name_for(spec)
    served_model, body = sent_body(host, route_for(spec), request)
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
