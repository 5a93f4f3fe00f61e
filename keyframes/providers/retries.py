"""The retry policy: one deadline and one retry budget per candidate, whoever retries.

A candidate's every attempt, retry wait, poll and download share `PROVIDER_TIMEOUT_SECONDS`
from its first call. A rate limit is retried up to `PROVIDER_MAX_RETRIES` times and an outage
once; nothing is retried when the wait would end past the deadline. Some SDKs retry on their
own (fal-client: 429, 408, 409 and lost connections, up to 10 times; the `replicate` client:
GETs answered 429, 503 or 504, up to 10 times, waiting up to 60 s). Their providers report each
rate limit they are about to retry to `count_sdk_rate_limit`, which counts it against the same
budget and stops the SDK (by raising) once the budget is spent or the deadline is near. The
budget lives in the calling thread, where both SDKs run their retries and their HTTP hooks.
"""

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from keyframes.providers.base import CandidateRequest, ErrorKind, GeneratedImage, ProviderError
from keyframes.providers.registry import ModelSpec, provider_for

MAX_RETRY_DELAY_SECONDS = 60.0
# After the deadline, the time a provider gets to find and cancel what the candidate started.
CLEANUP_SECONDS = 10.0
# Retrying a failed call makes a second paid request, so a provider outage is retried once.
PROVIDER_DOWN_RETRIES = 1


@dataclass
class _Budget:
    deadline: float
    retries: Counter = field(default_factory=Counter)  # by ErrorKind, ours and the SDK's


_local = threading.local()


def generate_with_retries(
    spec: ModelSpec,
    request: CandidateRequest,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> GeneratedImage:
    """One candidate, retried when the provider is rate limited (or down, once)."""
    provider = provider_for(spec)
    return call_with_retries(
        lambda: provider.generate(spec, request), sdk_retries=provider.sdk_retries, sleep=sleep
    )


def call_with_retries(
    call: Callable[[], Any],
    *,
    sdk_retries: frozenset[ErrorKind],
    sleep: Callable[[float], None] = time.sleep,
    timeout: float | None = None,
) -> Any:
    """Runs one provider call under this policy, within ``timeout`` seconds (default
    PROVIDER_TIMEOUT_SECONDS); `sdk_retries` are the kinds the SDK already retried itself."""
    with candidate_deadline(timeout) as budget:
        while True:
            try:
                return call()
            except ProviderError as error:
                if error.kind in sdk_retries:
                    raise  # the SDK spent the budget already: one policy per provider
                delay = retry_delay(error, retries_so_far=budget.retries[error.kind])
                if delay is None or delay >= seconds_left():
                    raise
                budget.retries[error.kind] += 1
                sleep(delay)


def retry_delay(error: ProviderError, *, retries_so_far: int) -> float | None:
    """Seconds to wait before the next attempt, or None when this error is final."""
    allowed = {
        ErrorKind.RATE_LIMITED: settings.PROVIDER_MAX_RETRIES,
        ErrorKind.PROVIDER_DOWN: min(PROVIDER_DOWN_RETRIES, settings.PROVIDER_MAX_RETRIES),
    }.get(error.kind, 0)
    if retries_so_far >= allowed:
        return None
    if error.retry_after is not None:
        return min(error.retry_after, MAX_RETRY_DELAY_SECONDS)
    backoff = settings.PROVIDER_RETRY_BASE_DELAY * 2**retries_so_far
    return min(backoff * random.uniform(0.5, 1.5), MAX_RETRY_DELAY_SECONDS)


@contextmanager
def candidate_deadline(seconds: float | None = None) -> Iterator[_Budget]:
    """Starts a call's deadline (``seconds`` from now, default PROVIDER_TIMEOUT_SECONDS) and
    budget, or joins the one already running in this thread."""
    running = getattr(_local, "budget", None)
    if running is not None:
        yield running
        return
    seconds = seconds or settings.PROVIDER_TIMEOUT_SECONDS
    _local.budget = _Budget(deadline=time.monotonic() + seconds)
    try:
        yield _local.budget
    finally:
        _local.budget = None


def seconds_left() -> float:
    budget = getattr(_local, "budget", None)
    if budget is None:
        return settings.PROVIDER_TIMEOUT_SECONDS
    return budget.deadline - time.monotonic()


@contextmanager
def cleanup_time() -> Iterator[None]:
    """Lets requests that stop paid work (finding, cancelling) go out after the deadline."""
    with candidate_deadline() as budget:
        deadline = budget.deadline
        budget.deadline = max(deadline, time.monotonic() + CLEANUP_SECONDS)
        try:
            yield
        finally:
            budget.deadline = deadline


def check_deadline(*, request_id: str = "") -> None:
    """Raises a timeout once the candidate's time is up, before another request goes out."""
    if seconds_left() <= 0:
        detail = f"no result within {settings.PROVIDER_TIMEOUT_SECONDS:g}s"
        raise ProviderError(ErrorKind.TIMEOUT, detail, request_id=request_id)


def timeouts_within_deadline(timeouts: dict | None, *, at_most: float | None = None) -> dict:
    """An httpx request's timeouts (its `timeout` extension), none past the candidate's
    deadline; raises a timeout instead when the deadline has passed."""
    check_deadline()
    limit = seconds_left() if at_most is None else min(seconds_left(), at_most)
    timeouts = timeouts or {}
    return {
        name: min(timeouts.get(name) or limit, limit)
        for name in ("connect", "read", "write", "pool")
    }


def count_sdk_rate_limit(detail: str, *, wait: float | None = None) -> None:
    """Counts a 429 the SDK is about to retry by itself; raises instead when the budget is
    spent or the wait would run past the deadline, so the SDK never sends that retry."""
    with candidate_deadline() as budget:
        spent = budget.retries[ErrorKind.RATE_LIMITED] >= settings.PROVIDER_MAX_RETRIES
        if spent or (wait or 0) >= seconds_left():
            raise ProviderError(ErrorKind.RATE_LIMITED, detail, retry_after=wait)
        budget.retries[ErrorKind.RATE_LIMITED] += 1
