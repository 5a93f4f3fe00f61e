"""The route table checked against the providers' saved schemas (offline), for check_providers.

For every routed model and every project aspect ratio, the input we would send (with as many
references as the model takes, and a negative prompt) is validated against the endpoint's saved
contract; so is the input of every hosted video model (takes) at each length it offers. A model
id or endpoint with no contract, an unknown input field or a value outside an enum is a problem
to fix before a creator pays for a call that cannot work.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from keyframes.providers.base import CandidateRequest, ReferenceImage
from keyframes.providers.contracts import Contract, contract_for, violations
from keyframes.providers.gemini_provider import GEMINI_API_VERSION
from keyframes.providers.registry import (
    ASPECT_SIZES,
    MODELS,
    ModelSpec,
    Route,
    provider_name_for,
    route_for,
)
from keyframes.providers.sent_request import sent_body
from keyframes.providers.video_registry import VIDEO_MODELS, video_input

_SAMPLE_REFERENCE = ReferenceImage("a reference", b"\x89PNG", "image/png", "character")


@dataclass(frozen=True)
class RouteProblem:
    model_key: str
    endpoint: str
    message: str

    def __str__(self) -> str:
        return f"{self.model_key} ({self.endpoint}): {self.message}"


def route_problems(contracts: list[Contract]) -> list[RouteProblem]:
    """Every way the current route table disagrees with the saved schemas (empty when none)."""
    problems: list[RouteProblem] = []
    for spec in MODELS.values():
        host = provider_name_for(spec)
        if host == "local":
            continue
        route = route_for(spec)
        for aspect_ratio in ASPECT_SIZES:
            problems += _request_problems(contracts, spec, host, route, aspect_ratio)
    problems += prompt_writer_problems(contracts) + video_problems(contracts)
    return sorted(set(problems), key=str)


def video_problems(contracts: list[Contract]) -> list[RouteProblem]:
    """The takes' video models: the input for every length each offers, negative prompt
    included, against the endpoint's saved schema."""
    problems = []
    for spec in VIDEO_MODELS.values():
        if spec.provider == "local":
            continue
        contract = contract_for(contracts, host=spec.provider, endpoint=spec.endpoint)
        if contract is None:
            message = f"no saved {spec.provider} schema"
            problems.append(RouteProblem(spec.key, spec.endpoint, message))
            continue
        for seconds in spec.durations:
            body = video_input(
                spec,
                prompt="She turns to the window.",
                negative_prompt="blurry",
                seconds=Decimal(seconds),
                image_url="https://example.com/first-frame.png",
            )
            found = violations(contract.schema, body, path="input")
            problems += [RouteProblem(spec.key, spec.endpoint, v.message) for v in found]
    return problems


def prompt_writer_problems(contracts: list[Contract]) -> list[RouteProblem]:
    model = settings.PROMPT_WRITER_MODEL
    if contract_for(contracts, host="gemini", endpoint=model) is None:
        return [RouteProblem("prompt writer", model, "no saved Gemini contract for this model id")]
    return []


def _request_problems(
    contracts: list[Contract], spec: ModelSpec, host: str, route: Route, aspect_ratio: str
) -> list[RouteProblem]:
    problems = []
    for references in _reference_cases(spec):
        request = CandidateRequest(
            model_key=spec.key,
            prompt="@Jake waits at @Cafe",
            negative_prompt="blurry" if spec.supports_negative_prompt else "",
            aspect_ratio=aspect_ratio,
            references=references,
            seed=1,
        )
        endpoint, body = sent_body(host, route, request)
        path = "request" if host == "gemini" else "input"
        contract = contract_for(contracts, host=host, endpoint=endpoint)
        if contract is None:
            problems.append(RouteProblem(spec.key, endpoint, f"no saved {host} schema"))
        elif host == "gemini" and contract.api_version != GEMINI_API_VERSION:
            message = f"documented on {contract.api_version}, called on {GEMINI_API_VERSION}"
            problems.append(RouteProblem(spec.key, endpoint, message))
        else:
            found = violations(contract.schema, body, path=path)
            problems += [RouteProblem(spec.key, endpoint, v.message) for v in found]
    return problems


def _reference_cases(spec: ModelSpec) -> list[tuple[ReferenceImage, ...]]:
    """No references, and as many as the model takes (fal switches endpoint on them)."""
    cases: list[tuple[ReferenceImage, ...]] = [] if spec.needs_reference else [()]
    if spec.max_references:
        cases.append((_SAMPLE_REFERENCE,) * spec.max_references)
    return cases
