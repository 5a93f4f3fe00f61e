"""The saved provider contracts, and the error bodies each host answers a violation with."""

from pathlib import Path

from keyframes.providers.contracts import Contract, contract_for, load_contracts, violations

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
CONTRACTS = load_contracts(CONTRACTS_DIR)


def replicate_contract(*, model: str, version: str) -> Contract | None:
    if version:
        return next(
            (c for c in CONTRACTS if any(e.endswith(f":{version}") for e in c.endpoints)), None
        )
    return contract_for(CONTRACTS, host="replicate", endpoint=model)


def replicate_model_contract(model: str) -> Contract | None:
    """The contract of a model, whether we call its model endpoint or a pinned version."""
    return next(
        (
            c
            for c in CONTRACTS
            if c.host == "replicate" and any(e.partition(":")[0] == model for e in c.endpoints)
        ),
        None,
    )


def replicate_rejection(contract: Contract, inputs: dict) -> dict | None:
    """Replicate's 422 body for an input its schema refuses, else None."""
    found = violations(contract.schema, inputs, path="input")
    if not found:
        return None
    return {
        "title": "Input validation failed",
        "detail": "".join(f"- {v.field}: {v.message}\n" for v in found),
        "status": 422,
        "invalid_fields": [
            {"type": v.kind, "field": v.field, "description": v.message} for v in found
        ],
    }


def gemini_not_found(model: str, api_version: str) -> dict:
    message = (
        f"models/{model} is not found for API version {api_version}, or is not supported "
        "for generateContent. Call ListModels to see the list of available models and their "
        "supported methods."
    )
    return {"error": {"code": 404, "message": message, "status": "NOT_FOUND"}}


def gemini_contract(*, model: str, api_version: str) -> Contract | None:
    contract = contract_for(CONTRACTS, host="gemini", endpoint=model)
    if contract is None or contract.api_version != api_version:
        return None
    return contract


def gemini_rejection(contract: Contract, body: dict) -> dict | None:
    """Gemini's 400 body for a request its API refuses, else None."""
    found = violations(contract.schema, body, path="request")
    if not found:
        return None
    messages = [
        f'Invalid JSON payload received. Unknown name "{v.field.rsplit(".", 1)[-1]}" at '
        f"'{v.field.rsplit('.', 1)[0]}': Cannot find field."
        if v.kind == "unknown_field"
        else f"Invalid value at '{v.field}': {v.message}"
        for v in found
    ]
    return {"error": {"code": 400, "message": "\n".join(messages), "status": "INVALID_ARGUMENT"}}


def fal_rejection(endpoint: str, arguments: dict) -> tuple[int, dict] | None:
    """fal's answer (status, body) for an unknown endpoint or refused input, else None."""
    contract = contract_for(CONTRACTS, host="fal", endpoint=endpoint)
    if contract is None:
        return 404, {"detail": f"Application '{endpoint}' not found"}
    found = violations(contract.schema, arguments, path="body")
    if not found:
        return None
    detail = [{"loc": v.field.split("."), "msg": v.message, "type": v.kind} for v in found]
    return 422, {"detail": detail}


def fal_output(endpoint: str) -> str:
    """What a fal endpoint answers with: "image" or "video"."""
    contract = contract_for(CONTRACTS, host="fal", endpoint=endpoint)
    return contract.output if contract is not None else "image"
