import pytest
import stripe
from djstripe.models import WebhookEndpoint

from credits.services import ledger_mismatches
from tests.credits.fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_fake_signing_secret"
FAKE_SECRET_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dcFAKE"


@pytest.fixture(autouse=True)
def ledger_stays_exact(request):
    """After every credits test that touched the database, each balance equals its ledger."""
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or "db" in request.fixturenames
    if uses_db and marker is None:
        request.getfixturevalue("db")  # set up first, so it is still there at teardown
    yield
    if uses_db:
        assert ledger_mismatches() == []


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_LIVE_MODE = False
    settings.STRIPE_TEST_SECRET_KEY = FAKE_SECRET_KEY


@pytest.fixture
def no_stripe_keys(settings):
    settings.STRIPE_LIVE_MODE = False
    settings.STRIPE_TEST_SECRET_KEY = ""
    settings.STRIPE_LIVE_SECRET_KEY = ""


@pytest.fixture
def fake_stripe(settings, monkeypatch, stripe_keys):
    """A fake Stripe API on 127.0.0.1, used by our checkout calls and by dj-stripe's syncs."""
    server = FakeStripe().start()
    settings.STRIPE_API_BASE = server.url
    monkeypatch.setattr(stripe, "api_base", server.url)
    yield server
    server.stop()


@pytest.fixture
def webhook_endpoint(db, fake_stripe):
    """The endpoint row dj-stripe's webhook view verifies signatures with."""
    return WebhookEndpoint.objects.create(
        id="we_fake0001",
        livemode=False,
        url="https://cutflow.test/stripe/webhook/",
        enabled_events=["checkout.session.completed", "checkout.session.async_payment_succeeded"],
        status="enabled",
        secret=WEBHOOK_SECRET,
        api_version="2026-05-27.dahlia",
    )
