"""How each image provider has been doing lately, for support staff."""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from keyframes.models import Candidate, ProviderCheck
from keyframes.providers.registry import MODELS, provider_name_for

FAILING_RATE = 0.5
MIN_CALLS = 4


@dataclass(frozen=True)
class ProviderHealth:
    provider: str
    calls: int
    failures: int
    last_error: str

    @property
    def failing(self) -> bool:
        """Most recent calls failed, and there were enough calls to tell."""
        return self.calls >= MIN_CALLS and self.failures / self.calls >= FAILING_RATE

    def summary(self) -> str:
        return (
            f"{self.provider}: {self.failures} of {self.calls} image calls failed in the last "
            f"hour. Latest error: {self.last_error or 'none recorded'}"
        )


def provider_health(*, window: timedelta = timedelta(hours=1)) -> list[ProviderHealth]:
    """Finished candidate calls per provider within the window (one query)."""
    provider_of = {key: provider_name_for(spec) for key, spec in MODELS.items()}
    finished = Candidate.objects.filter(
        finished_at__gte=timezone.now() - window,
        status__in=[Candidate.Status.SUCCEEDED, Candidate.Status.FAILED],
    ).order_by("finished_at")
    calls, failures, last_error = Counter(), Counter(), {}
    for model_key, status, detail in finished.values_list(
        "job__model_key", "status", "error_detail"
    ):
        provider = provider_of.get(model_key, model_key)
        calls[provider] += 1
        if status == Candidate.Status.FAILED:
            failures[provider] += 1
            last_error[provider] = detail[:200]
    return [
        ProviderHealth(provider, calls[provider], failures[provider], last_error.get(provider, ""))
        for provider in sorted(calls)
    ]


def last_provider_check() -> ProviderCheck | None:
    """The newest contract check (`manage.py check_providers`)."""
    return ProviderCheck.objects.first()
