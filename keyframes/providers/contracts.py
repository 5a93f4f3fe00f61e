"""Saved provider contracts: each route's input schema, and what a request breaks in it.

A contract is a JSON file (kept with the tests, in `tests/contracts/`) holding the host's own
schema for one endpoint, model id or request body, with the address it was read from and when.
The schemas use the subset of JSON Schema / OpenAPI that the hosts publish: type, enum,
minimum/maximum, maxItems, items, properties, required, anyOf. An input property the schema
does not list is a violation: a host that silently drops it would lose what we meant to send.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


@dataclass(frozen=True)
class Violation:
    field: str  # "input.aspect_ratio", "generationConfig.imageConfig.aspectRatio"
    kind: str  # "unknown_field" | "enum" | "type" | "range" | "max_items" | "required"
    message: str


@dataclass(frozen=True)
class Contract:
    name: str  # the file's stem
    host: str  # "replicate" | "fal" | "gemini"
    endpoints: tuple[str, ...]  # Replicate model or version, fal endpoint, Gemini model ids
    schema: dict[str, Any]
    source: str
    read_on: str
    api_version: str = ""  # Gemini: the version these fields are documented on
    output: str = "image"  # "video" for the image-to-video models of takes


def load_contracts(directory: Path) -> list[Contract]:
    contracts = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text())
        contracts.append(
            Contract(
                name=path.stem,
                host=data["host"],
                endpoints=tuple(data["endpoints"]),
                schema=data["schema"],
                source=data["source"],
                read_on=data["read_on"],
                api_version=data.get("api_version", ""),
                output=data.get("output", "image"),
            )
        )
    return contracts


def contract_for(contracts: list[Contract], *, host: str, endpoint: str) -> Contract | None:
    for contract in contracts:
        if contract.host == host and endpoint in contract.endpoints:
            return contract
    return None


def violations(schema: dict[str, Any], value: Any, *, path: str) -> list[Violation]:
    """Everything in `value` that the schema does not allow, as readable violations."""
    if "anyOf" in schema:
        options = [violations(option, value, path=path) for option in schema["anyOf"]]
        return [] if any(not found for found in options) else min(options, key=len)
    expected = schema.get("type")
    if expected and not _has_type(value, expected):
        return [Violation(path, "type", f"{path} must be of type {expected}")]
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(option) for option in schema["enum"])
        return [Violation(path, "enum", f"{path} must be one of the following: {allowed}")]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _range_violations(schema, value, path=path)
    if isinstance(value, list):
        return _array_violations(schema, value, path=path)
    if isinstance(value, dict) and "properties" in schema:
        return _object_violations(schema, value, path=path)
    return []


def _has_type(value: Any, expected: str) -> bool:
    if isinstance(value, bool) and expected in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[expected])


def _range_violations(schema: dict, value: float, *, path: str) -> list[Violation]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        return [Violation(path, "range", f"{path} must be between {low} and {high}")]
    return []


def _array_violations(schema: dict, value: list, *, path: str) -> list[Violation]:
    most = schema.get("maxItems")
    if most is not None and len(value) > most:
        return [Violation(path, "max_items", f"{path} takes at most {most} items")]
    items = schema.get("items", {})
    return [v for n, item in enumerate(value) for v in violations(items, item, path=f"{path}.{n}")]


def _object_violations(schema: dict, value: dict, *, path: str) -> list[Violation]:
    properties = schema["properties"]
    found = [
        Violation(f"{path}.{name}", "required", f"{path}.{name} is required")
        for name in schema.get("required", [])
        if name not in value
    ]
    for name, item in value.items():
        if name not in properties:
            message = f"Additional property {name} is not allowed"
            found.append(Violation(f"{path}.{name}", "unknown_field", message))
        else:
            found.extend(violations(properties[name], item, path=f"{path}.{name}"))
    return found
