"""`check_providers --live`: ask each provider about the models we route to it.

Replicate answers with the model's latest (or pinned) version and its OpenAPI `Input` schema,
compared here with the saved one: a field or enum value we rely on that is gone is a problem,
and so is a new field or value (the schema drifted; review it and save the new one). Gemini's
`models.get` tells whether a model id still exists. fal publishes no schema endpoint the client
reads, so its routes are checked offline only.
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


def live_problems(contracts: list[Contract], *, prompt_writer_model: str) -> list[str]:
    problems = []
    if settings.REPLICATE_API_TOKEN:
        for contract in contracts:
            if contract.host == "replicate":
                problems += _replicate_problems(contract)
    else:
        problems.append("Replicate not asked: REPLICATE_API_TOKEN is not set.")
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
