"""Rendered HTML fragments kept in the cache under a key made of everything they show.

A fragment's *version* is a tuple of the plain values its HTML depends on. Two requests
with equal versions get the same HTML, so nothing is ever invalidated: a change to what
the fragment shows changes its version, and the old entry simply ages out.
"""

import hashlib
import time
import uuid
from collections.abc import Callable, Hashable

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

FRAGMENT_TIMEOUT = 600  # seconds; entries are never stale, so this only bounds memory
# Each process keeps its own entries, so HTML rendered by an older release (another
# template) is never served from a shared cache after a deploy.
PROCESS = uuid.uuid4().hex[:12]


def fragment_key(name: str, version: tuple) -> str:
    digest = hashlib.blake2b(repr(version).encode(), digest_size=16).hexdigest()
    return f"fragment:{PROCESS}:{name}:{digest}"


def cached_fragment(
    name: str, version: tuple, render: Callable[[], tuple[tuple, str]]
) -> SafeString:
    """The fragment's HTML from the cache, or rendered and stored for the next request.

    ``render`` returns the version of the data it actually rendered along with the HTML:
    the data may have moved on since ``version`` was read, and HTML is only ever stored
    under the version it shows.
    """
    html = cache.get(fragment_key(name, version))
    if html is None:
        rendered_version, html = render()
        cache.set(fragment_key(name, rendered_version), html, FRAGMENT_TIMEOUT)
    return mark_safe(html)


def cached_fragments(
    name: str,
    versions: dict[Hashable, tuple],
    render_missing: Callable[[list[Hashable]], dict[Hashable, tuple[tuple, str]]],
) -> dict[Hashable, SafeString]:
    """Many fragments in one cache round trip. ``render_missing`` gets the ids not cached
    and returns, by id, the version it rendered and the HTML (as ``cached_fragment``)."""
    return _fragments(name, versions, render_missing)[0]


def cached_joined_fragments(
    name: str,
    whole_version: tuple,
    versions: Callable[[], dict[Hashable, tuple]],
    render_missing: Callable[[list[Hashable]], dict[Hashable, tuple[tuple, str]]],
) -> SafeString:
    """Fragments joined in order and cached as a whole too, so a list none of whose items
    changed is one read. ``whole_version`` must change whenever any item's version does;
    ``versions()`` (the items' versions, in order) is only called when the whole is not
    cached, and the items are then found as ``cached_fragments`` finds them."""
    key = fragment_key(f"{name}:joined", whole_version)
    html = cache.get(key)
    if html is None:
        parts, all_found = _fragments(name, versions(), render_missing)
        html = "".join(parts.values())
        if all_found:  # a part rendered now may show newer data than its version says
            cache.set(key, html, FRAGMENT_TIMEOUT)
    return mark_safe(html)


def _fragments(name, versions, render_missing) -> tuple[dict, bool]:
    keys = {item_id: fragment_key(name, version) for item_id, version in versions.items()}
    found = cache.get_many(list(keys.values()))
    html = {item_id: found[key] for item_id, key in keys.items() if key in found}
    missing = [item_id for item_id in keys if item_id not in html]
    if missing:
        rendered = render_missing(missing)
        cache.set_many(
            {fragment_key(name, version): text for version, text in rendered.values()},
            FRAGMENT_TIMEOUT,
        )
        html |= {item_id: text for item_id, (_, text) in rendered.items()}
    ordered = {item_id: mark_safe(html[item_id]) for item_id in versions if item_id in html}
    return ordered, not missing


def request_version(request) -> tuple:
    """What a fragment with forms and relative times owes to the request: the session's
    CSRF secret (its tokens must stay valid) and the current minute ("2 minutes ago")."""
    get_token(request)  # makes sure the secret exists before the fragment is rendered
    secret = request.META["CSRF_COOKIE"]
    return (hashlib.blake2b(secret.encode(), digest_size=8).hexdigest(), int(time.time() // 60))
