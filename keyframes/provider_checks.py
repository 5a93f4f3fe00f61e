"""Run the provider contract check and keep its result for the admin's provider health."""

from pathlib import Path

from django.conf import settings

from keyframes.models import ProviderCheck
from keyframes.providers.contracts import load_contracts
from keyframes.providers.live_checks import live_problems
from keyframes.providers.route_checks import route_problems


def check_providers(*, contracts_dir: Path, live: bool = False) -> ProviderCheck:
    contracts = load_contracts(contracts_dir)
    if not contracts:
        return ProviderCheck.objects.create(
            live=live, problems=[f"No saved provider contracts in {contracts_dir}."]
        )
    problems = [str(problem) for problem in route_problems(contracts)]
    if live:
        problems += live_problems(contracts, prompt_writer_model=settings.PROMPT_WRITER_MODEL)
    return ProviderCheck.objects.create(live=live, problems=problems)
