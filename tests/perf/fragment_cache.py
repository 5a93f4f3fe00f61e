"""`python -m tests.perf.fragment_cache [--entries 200] [--cache redis://127.0.0.1:6379/15]`

A cut list whose entries are all cached, read two ways: Django's template fragment cache
(`{% cache %}` around each entry, varying on the entry's version) and
`cutflow.fragments.cached_fragments` (every entry's key in one `get_many`). Prints the cache
round trips and the time per list of each, and their ratio. Without `--cache` it uses the
local-memory cache, where a round trip costs almost nothing. See docs/PERFORMANCE.md.
"""

import argparse
import os
import time

import django
from django.conf import settings

ENTRY = '<li id="cut-item-{{ id }}">Cut {{ number }} · {{ script|truncatechars:80 }}</li>'


def configure(cache_url: str) -> None:
    backend = "django.core.cache.backends.locmem.LocMemCache"
    if cache_url:
        backend = "django.core.cache.backends.redis.RedisCache"
    settings.configure(
        # Its own key prefix, and no clear(): a shared Redis keeps other users' keys.
        CACHES={
            "default": {
                "BACKEND": backend,
                "LOCATION": cache_url,
                "KEY_PREFIX": f"fragment-bench-{os.getpid()}",
            }
        },
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    )
    django.setup()


class RoundTrips:
    """Counts the calls the cache makes to its backend while reading."""

    def __init__(self, cache) -> None:
        self.count = 0
        for name in ("get", "get_many", "set", "set_many"):
            setattr(self, name, self._counted(getattr(cache, name)))

    def _counted(self, method):
        def call(*args, **kwargs):
            self.count += 1
            return method(*args, **kwargs)

        return call


def entries(count: int) -> list[dict]:
    return [
        {"id": pk, "number": pk, "script": f"@Mina walks into the rain, shot {pk}.", "v": (pk, 1)}
        for pk in range(1, count + 1)
    ]


def with_django_tag(rows: list[dict]) -> tuple[str, int]:
    from django.core import cache as cache_module
    from django.template import engines

    template = engines["django"].from_string(
        "{% load cache %}{% for row in rows %}{% cache 600 cut-entry row.v %}"
        + ENTRY.replace("{{ ", "{{ row.")
        + "{% endcache %}{% endfor %}"
    )
    counted = RoundTrips(cache_module.caches["default"])
    original = cache_module.caches["default"]
    # The tag looks its cache up by alias; hand it the counting wrapper for this render.
    cache_module.caches._connections.default = counted
    try:
        html = template.render({"rows": rows})
    finally:
        cache_module.caches._connections.default = original
    return html, counted.count


def with_cutflow_fragments(rows: list[dict]) -> tuple[str, int]:
    from django.template import engines

    from cutflow import fragments

    template = engines["django"].from_string(ENTRY)
    original = fragments.cache
    counted = RoundTrips(original)
    fragments.cache = counted
    try:
        found = fragments.cached_fragments(
            "cut-entry",
            {row["id"]: row["v"] for row in rows},
            lambda missing: {
                row["id"]: (row["v"], template.render(row)) for row in rows if row["id"] in missing
            },
        )
    finally:
        fragments.cache = original
    return "".join(found.values()), counted.count


def timed(read, rows: list[dict], repeats: int) -> tuple[float, int]:
    read(rows)  # fills the cache
    started = time.perf_counter()
    for _ in range(repeats):
        _, trips = read(rows)
    return (time.perf_counter() - started) / repeats, trips


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.fragment_cache")
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--cache", default="", help="a Redis URL; local memory when empty")
    args = parser.parse_args(argv)
    configure(args.cache)
    rows = entries(args.entries)
    tag_seconds, tag_trips = timed(with_django_tag, rows, args.repeats)
    ours_seconds, our_trips = timed(with_cutflow_fragments, rows, args.repeats)
    where = args.cache or "local memory"
    print(f"{args.entries} cached entries, {where}, mean of {args.repeats} reads")
    print(
        f"  Django {{% cache %}} per entry: {tag_seconds * 1000:7.2f} ms, {tag_trips} round trips"
    )
    print(f"  cached_fragments (get_many):  {ours_seconds * 1000:7.2f} ms, {our_trips} round trips")
    print(f"  ratio: {tag_seconds / ours_seconds:.1f}x")


if __name__ == "__main__":
    main()
