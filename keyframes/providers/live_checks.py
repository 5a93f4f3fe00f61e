"""`check_providers --live`: ask each provider about the models we route to it.

Replicate answers with the model's latest (or pinned) version and its OpenAPI `Input` schema,
and fal's Platform API (`GET /v1/models?endpoint_id=…&expand=openapi-3.0`) with each endpoint's
status and OpenAPI document, whose submit request body is the input schema. Each is compared
with the saved one: a field or enum value we rely on that is gone is a problem, and so is a new
field or value (the schema drifted; review it and save the new one). An endpoint fal no longer
lists, or marks deprecated, is reported. Gemini's `models.get` tells whether a model id still
exists.
"""

from typing import Any

import httpx
from django.conf import settings
from google import genai
from google.genai import errors as genai_errors
from replicate.exceptions import ReplicateError

from keyframes.providers.contracts import Contract
from keyframes.providers.gemini_provider import http_options
from keyframes.providers.replicate_provider import shared_client

FAL_MODELS_URL = "https://api.fal.ai/v1/models"  # fal's Platform API, model search


def live_problems(contracts: list[Contract], *, prompt_writer_model: str) -> list[str]:
    problems = []
    if settings.REPLICATE_API_TOKEN:
        for contract in contracts:
            if contract.host == "replicate":
                problems += _replicate_problems(contract)
    else:
        problems.append("Replicate not asked: REPLICATE_API_TOKEN is not set.")
    if settings.FAL_KEY:
        problems += _fal_problems([contract for contract in contracts if contract.host == "fal"])
    else:
        problems.append("fal not asked: FAL_KEY is not set.")
    if settings.GEMINI_API_KEY:
        model_ids = {e for c in contracts if c.host == "gemini" for e in c.endpoints}
        problems += _gemini_problems(sorted(model_ids | {prompt_writer_model}))
    else:
        problems.append("Gemini not asked: GEMINI_API_KEY is not set.")
    return problems


def _replicate_problems(contract: Contract) -> list[str]:
    problems = []
    for endpoint in contract.endpoints:
        model, _, version = endpoint.partition(":")
        try:
            schema = _replicate_input_schema(model, version)
        except ReplicateError as error:
            problems.append(f"{endpoint}: Replicate answered {error.status}: {error.detail}")
            continue
        except httpx.HTTPError as error:
            problems.append(f"{endpoint}: Replicate could not be reached ({error})")
            continue
        problems += [f"{endpoint}: {drift}" for drift in schema_drift(contract.schema, schema)]
    return problems


def _replicate_input_schema(model: str, version: str) -> dict[str, Any]:
    client = shared_client()
    found = client.models.get(model)
    latest = found.versions.get(version) if version else found.latest_version
    openapi = latest.openapi_schema if latest else {}
    components = openapi.get("components", {}).get("schemas", {})
    return _resolved(components.get("Input", {}), components)


def _resolved(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """Cog writes enums as `allOf: [{$ref: ...}]`; inline them so both schemas compare."""
    properties = {}
    for name, prop in schema.get("properties", {}).items():
        for part in prop.get("allOf", []):
            ref = part.get("$ref", "").rsplit("/", 1)[-1]
            prop = {**components.get(ref, {}), **{k: v for k, v in prop.items() if k != "allOf"}}
        properties[name] = prop
    return {**schema, "properties": properties}


def schema_drift(saved: dict[str, Any], live: dict[str, Any]) -> list[str]:
    saved_props, live_props = saved.get("properties", {}), live.get("properties", {})
    drift = [f"field {name} is gone" for name in sorted(set(saved_props) - set(live_props))]
    drift += [f"new field {name}" for name in sorted(set(live_props) - set(saved_props))]
    for name in sorted(set(saved_props) & set(live_props)):
        was, now = saved_props[name].get("enum"), live_props[name].get("enum")
        if was is not None and now is not None and set(was) != set(now):
            gone, added = sorted(set(was) - set(now)), sorted(set(now) - set(was))
            drift.append(f"{name} values changed (gone: {gone}, new: {added})")
    return drift


def _fal_problems(contracts: list[Contract]) -> list[str]:
    endpoints = sorted({endpoint for contract in contracts for endpoint in contract.endpoints})
    try:
        listed = _fal_models(endpoints)
    except httpx.HTTPStatusError as error:
        return [f"fal answered {error.response.status_code}: {error.response.text[:200]}"]
    except httpx.HTTPError as error:
        return [f"fal could not be reached ({error})"]
    problems = []
    for contract in contracts:
        for endpoint in contract.endpoints:
            problems += [f"{endpoint}: {p}" for p in _fal_drift(contract, listed.get(endpoint))]
    return problems


def _fal_models(endpoints: list[str]) -> dict[str, dict[str, Any]]:
    """fal's model entries by endpoint id (one page holds up to 50 ids; we route far fewer)."""
    response = httpx.get(
        FAL_MODELS_URL,
        params={"endpoint_id": endpoints, "expand": "openapi-3.0"},
        headers={"Authorization": f"Key {settings.FAL_KEY}"},
        timeout=settings.PROVIDER_TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    return {model["endpoint_id"]: model for model in response.json().get("models", [])}


def _fal_drift(contract: Contract, model: dict[str, Any] | None) -> list[str]:
    if model is None:
        return ["fal no longer lists it (retired or renamed)"]
    problems = []
    if model.get("metadata", {}).get("status") == "deprecated":
        problems.append("fal marks it deprecated")
    schema = _fal_input_schema(model.get("openapi") or {}, model["endpoint_id"])
    if schema is None:
        return [*problems, "fal published no input schema for it"]
    return problems + schema_drift(contract.schema, schema)


def _fal_input_schema(openapi: dict[str, Any], endpoint: str) -> dict[str, Any] | None:
    """The schema of the body the queue's submit (`POST /<endpoint>`) takes."""
    submit = openapi.get("paths", {}).get(f"/{endpoint}", {}).get("post", {})
    body = submit.get("requestBody", {}).get("content", {}).get("application/json", {})
    name = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
    components = openapi.get("components", {}).get("schemas", {})
    return _resolved(components[name], components) if name in components else None


def _gemini_problems(model_ids: list[str]) -> list[str]:
    options = http_options(settings.GEMINI_BASE_URL, settings.PROVIDER_TIMEOUT_SECONDS)
    problems = []
    with genai.Client(api_key=settings.GEMINI_API_KEY, http_options=options) as client:
        for model_id in model_ids:
            try:
                client.models.get(model=model_id)
            except genai_errors.APIError as error:
                reason = "retired or unknown" if error.code == 404 else f"error {error.code}"
                problems.append(f"{model_id}: Gemini says {reason} ({error.message})")
            except httpx.HTTPError as error:
                problems.append(f"{model_id}: Gemini could not be reached ({error})")
    return problems
