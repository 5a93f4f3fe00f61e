"""dj-stripe's signature-verified webhook credits a paid Checkout Session exactly once."""

import json

import pytest
from django.urls import reverse
from djstripe.models import WebhookEventTrigger

from credits.checkout import start_checkout
from credits.models import CreditTransaction
from credits.services import balance_of
from tests.credits.conftest import WEBHOOK_SECRET
from tests.credits.fake_stripe import sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(client, webhook_endpoint):
    url = reverse("djstripe:djstripe_webhook_by_uuid", args=[webhook_endpoint.djstripe_uuid])

    def post(body: str, signature: str):
        return client.post(
            url, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )

    return post


@pytest.fixture
def session_id(user, fake_stripe):
    start_checkout(
        user=user,
        package_key="starter",
        success_url="https://a.test/s",
        cancel_url="https://a.test/c",
    )
    (session_id,) = fake_stripe.sessions
    return session_id


def purchases():
    return CreditTransaction.objects.filter(kind="purchase")


def test_a_signed_completed_session_credits_the_package(user, session_id, fake_stripe, deliver):
    body, signature = fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET)

    response = deliver(body, signature)

    assert response.status_code == 200
    assert balance_of(user=user) == 200
    (purchase,) = purchases()
    assert purchase.external_reference == f"stripe:checkout:{session_id}"
    assert purchase.memo == "Starter package · Stripe Checkout"
    assert purchase.balance_after == 200


def test_a_replayed_event_credits_nothing(user, session_id, fake_stripe, deliver):
    body, signature = fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET)

    responses = [deliver(body, signature) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert balance_of(user=user) == 200
    assert purchases().count() == 1


def test_a_second_event_for_the_same_session_credits_nothing(
    user, session_id, fake_stripe, deliver
):
    deliver(*fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET, event_id="evt_a"))
    response = deliver(
        *fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET, event_id="evt_b")
    )

    assert response.status_code == 200
    assert balance_of(user=user) == 200
    assert purchases().count() == 1


def test_a_bad_signature_is_rejected_and_credits_nothing(user, session_id, fake_stripe, deliver):
    body, _ = fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET)

    response = deliver(body, sign(body, secret="whsec_someone_else"))

    assert response.status_code == 400
    assert balance_of(user=user) == 0
    assert not purchases().exists()
    assert WebhookEventTrigger.objects.get().valid is False


def test_a_body_changed_after_signing_is_rejected(user, session_id, fake_stripe, deliver):
    body, signature = fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET)
    event = json.loads(body)
    event["data"]["object"]["metadata"]["credits"] = "999999"

    response = deliver(json.dumps(event), signature)

    assert response.status_code == 400
    assert balance_of(user=user) == 0


def test_a_stale_signature_is_rejected(user, session_id, fake_stripe, deliver):
    body, _ = fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET)

    response = deliver(body, sign(body, secret=WEBHOOK_SECRET, timestamp=1_600_000_000))

    assert response.status_code == 400
    assert balance_of(user=user) == 0


def test_an_unpaid_completed_session_waits_for_its_payment(user, session_id, fake_stripe, deliver):
    body, signature = fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET, paid=False)

    response = deliver(body, signature)

    assert response.status_code == 200
    assert balance_of(user=user) == 0


def test_a_delayed_payment_is_credited_when_it_succeeds(user, session_id, fake_stripe, deliver):
    deliver(*fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET, paid=False))
    deliver(
        *fake_stripe.completed_event(
            session_id,
            secret=WEBHOOK_SECRET,
            event_type="checkout.session.async_payment_succeeded",
        )
    )

    assert balance_of(user=user) == 200
    assert purchases().count() == 1


def test_a_session_that_paid_less_than_its_package_credits_nothing(
    user, session_id, fake_stripe, deliver
):
    fake_stripe.sessions[session_id]["amount_total"] = 100  # $1 instead of $10
    body, signature = fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET)

    response = deliver(body, signature)

    assert response.status_code == 200  # received; nothing to retry
    assert balance_of(user=user) == 0
    assert not purchases().exists()


def test_the_package_not_the_metadata_decides_the_credits(user, session_id, fake_stripe, deliver):
    fake_stripe.sessions[session_id]["metadata"]["credits"] = "999999"
    body, signature = fake_stripe.completed_event(session_id, secret=WEBHOOK_SECRET)

    deliver(body, signature)

    assert balance_of(user=user) == 200
