"""Per-user request limits: a fixed-window counter in Django's cache.

Rates are written like allauth's: "30/m", "500/h", "5/s", "1000/d" (a count per period).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
WAIT_WORDS = {"s": "a moment", "m": "a minute", "h": "an hour", "d": "a day"}
ACTION_WORDS = {
    "generate": "generating",
    "prompt": "asking for prompts",
    "breakdown": "importing scripts",
    "upload": "uploading images",
}


class RateLimited(ValidationError):
    """Too many requests of one kind in the current window. A ValidationError, so forms and
    views that already show ValidationErrors show this one too (as a non-field error)."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__({NON_FIELD_ERRORS: [ValidationError(message, code="rate_limited")]})
        self.retry_after = retry_after
        self.message_text = message


def parse_rate(rate: str) -> tuple[int, str]:
    """("30/m") -> (30, "m"); a malformed rate is a configuration error, raised loudly."""
    count, _, unit = rate.strip().partition("/")
    unit = unit.strip().lower()[:1]
    if not count.strip().isdigit() or unit not in PERIOD_SECONDS:
        raise ValueError(f"Rate {rate!r} is not like '30/m' (per s, m, h or d).")
    return int(count), unit


def check_rate_limit(*, user, action: str, rate: str) -> None:
    """Counts one request of `action` by `user`; raises RateLimited once the window's count
    is over the rate. An empty rate means no limit."""
    if not rate:
        return
    limit, unit = parse_rate(rate)
    period = PERIOD_SECONDS[unit]
    now = time.time()
    window = int(now // period)
    key = f"ratelimit:{action}:{user.pk}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * period - now))
        raise RateLimited(rate_limit_message(action, unit), retry_after=retry_after)


def check_upload_rate(*, user) -> None:
    """Every image upload decodes a file: one limit per user across all upload forms."""
    check_rate_limit(user=user, action="upload", rate=settings.UPLOAD_RATE_LIMIT)


def rate_limit_message(action: str, unit: str) -> str:
    doing = ACTION_WORDS.get(action, "sending requests")
    return f"You are {doing} very quickly; try again in {WAIT_WORDS[unit]}."
