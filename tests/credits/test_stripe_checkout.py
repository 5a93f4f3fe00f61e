"""Buying credits: the Checkout Session the real stripe client sends, and the pages around it."""

import pytest
from django.urls import reverse

from credits.checkout import start_checkout
from credits.models import CreditTransaction
from tests.credits.conftest import FAKE_SECRET_KEY, WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def test_checkout_sends_the_package_price_and_who_is_buying(owner_client, user, fake_stripe):
    response = owner_client.post(reverse("credits:checkout"), {"package": "starter"})

    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_0001"
    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert request.headers["authorization"] == f"Bearer {FAKE_SECRET_KEY}"
    assert request.form == {
        "mode": "payment",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "1000",
        "line_items[0][price_data][product_data][name]": "Cutflow Starter: 200 credits",
        "line_items[0][quantity]": "1",
        "metadata[user_id]": str(user.pk),
        "metadata[package_key]": "starter",
        "metadata[credits]": "200",
        "client_reference_id": str(user.pk),
        "customer_email": "owner@example.com",
        "success_url": "http://testserver/credits/checkout/success/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://testserver/credits/checkout/cancel/",
    }


def test_a_larger_package_is_priced_from_settings(user, fake_stripe):
    start_checkout(
        user=user,
        package_key="studio",
        success_url="https://a.test/s",
        cancel_url="https://a.test/c",
    )

    (request,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert request.form["line_items[0][price_data][unit_amount]"] == "10000"
    assert request.form["metadata[credits]"] == "2400"


def test_an_unknown_package_never_reaches_stripe(owner_client, fake_stripe):
    response = owner_client.post(
        reverse("credits:checkout"), {"package": "free-lunch"}, follow=True
    )

    assert "Choose one of the credit packages." in response.content.decode()
    assert fake_stripe.requests == []


def test_without_stripe_keys_checkout_says_purchases_are_not_set_up(owner_client, no_stripe_keys):
    response = owner_client.post(reverse("credits:checkout"), {"package": "starter"}, follow=True)

    assert response.redirect_chain == [(reverse("credits:history"), 302)]
    assert "Credit purchases are not set up on this server." in response.content.decode()
    assert not CreditTransaction.objects.filter(kind="purchase").exists()


def test_success_page_waits_for_the_webhook_then_shows_the_credits(
    client, owner_client, user, webhook_endpoint, fake_stripe
):
    owner_client.post(reverse("credits:checkout"), {"package": "starter"})
    success = reverse("credits:checkout_success") + "?session_id=cs_test_0001"

    waiting = owner_client.get(success).content.decode()
    body, signature = fake_stripe.completed_event("cs_test_0001", secret=WEBHOOK_SECRET)
    client.post(
        reverse("djstripe:djstripe_webhook_by_uuid", args=[webhook_endpoint.djstripe_uuid]),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    credited = owner_client.get(success, HTTP_HX_REQUEST="true").content.decode()

    assert "Your credits arrive in a moment" in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert "200 credits were added to your account." in credited
    assert "hx-trigger" not in credited
    assert 'id="credit-badge"' in credited and 'hx-swap-oob="true"' in credited


def test_cancel_page_says_nothing_was_charged(owner_client):
    page = owner_client.get(reverse("credits:checkout_cancel")).content.decode()

    assert "Nothing was charged" in page
