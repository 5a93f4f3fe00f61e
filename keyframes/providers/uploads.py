"""Reference images put on a provider's own storage once, and reused while the upload lives.

An Auto-Flight sends the same character sheet with every candidate of every cut; uploading it
each time would cost a request and seconds per call. The URL is kept in the cache (shared by
all workers when Redis is configured) under the provider and the image's sha256, a little
shorter than the provider keeps the file.
"""

import hashlib
import threading
from collections.abc import Callable

from django.core.cache import cache

from keyframes.providers.base import ReferenceImage

EXPIRY_MARGIN_SECONDS = 600
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()

# Given a reference, puts it on the provider's storage: (its URL, seconds the URL lives).
Upload = Callable[[ReferenceImage], tuple[str, float]]


def uploaded_url(*, provider: str, reference: ReferenceImage, upload: Upload) -> str:
    sha256 = reference.sha256 or hashlib.sha256(reference.data).hexdigest()
    key = f"provider-upload:{provider}:{sha256}"
    # Candidates of one job run in threads at once: one uploads, the others wait for its URL.
    with _lock_for(key):
        url = cache.get(key)
        if url is None:
            url, lifetime = upload(reference)
            if lifetime > EXPIRY_MARGIN_SECONDS:
                cache.set(key, url, timeout=lifetime - EXPIRY_MARGIN_SECONDS)
    return url


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())
