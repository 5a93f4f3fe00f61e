"""Pytest fixtures that point the real provider SDKs at the fakes (import into a conftest)."""

import pytest
import respx

from tests.fakes.fal_queue import FakeFalQueue
from tests.fakes.provider_server import FakeProviderServer


@pytest.fixture
def fake_provider(settings):
    """A running fake Replicate + Gemini server, with both providers configured to use it."""
    server = FakeProviderServer().start()
    settings.REPLICATE_API_TOKEN = "r8_fake-token"
    settings.REPLICATE_BASE_URL = server.replicate_base_url
    settings.GEMINI_API_KEY = "fake-gemini-key"
    settings.GEMINI_BASE_URL = server.gemini_base_url
    yield server
    server.stop()


@pytest.fixture
def fake_fal(settings):
    """A fake fal.ai queue on respx, with FAL_KEY set.

    Any other https host fails the test; 127.0.0.1 (the fake provider server) passes through.
    """
    settings.FAL_KEY = "fake-fal-key"
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield FakeFalQueue().mount(router)
