import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache(settings):
    """Rate-limit counters live in the cache: every test starts from none."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def htmx(**headers):
    """The headers htmx sends with every request."""
    return {"HTTP_HX_REQUEST": "true", **headers}
