"""Selling credits through Stripe Checkout, and crediting the sessions Stripe reports paid."""

import logging

import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from credits.models import CreditTransaction
from credits.packages import CreditPackage, get_package
from credits.services import credit_purchase

logger = logging.getLogger(__name__)


def stripe_secret_key() -> str:
    if settings.STRIPE_LIVE_MODE:
        return settings.STRIPE_LIVE_SECRET_KEY
    return settings.STRIPE_TEST_SECRET_KEY


def purchases_enabled() -> bool:
    return bool(stripe_secret_key())


def session_reference(session_id: str) -> str:
    return f"stripe:checkout:{session_id}"


def _stripe_client() -> stripe.StripeClient:
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(stripe_secret_key(), base_addresses=base_addresses)


def start_checkout(*, user, package_key: str, success_url: str, cancel_url: str) -> str:
    """Creates a Checkout Session for one package and returns the URL to send the buyer to."""
    if not purchases_enabled():
        raise ValidationError("Credit purchases are not set up on this server.")
    package = get_package(package_key)
    if package is None:
        raise ValidationError({"package": "Choose one of the credit packages."})
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": package.currency,
                    "unit_amount": package.price_cents,
                    "product_data": {"name": f"Cutflow {package.name}: {package.credits} credits"},
                },
                "quantity": 1,
            }
        ],
        "metadata": {
            "user_id": str(user.pk),
            "package_key": package.key,
            "credits": str(package.credits),
        },
        "client_reference_id": str(user.pk),
        "customer_email": user.email or None,
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    params = {name: value for name, value in params.items() if value is not None}
    try:
        session = _stripe_client().v1.checkout.sessions.create(params=params)
    except stripe.StripeError as exc:
        logger.warning("Stripe refused a checkout session: %s", exc)
        raise ValidationError("Checkout is not available right now. Try again shortly.") from exc
    return session.url


def credit_checkout_session(*, session: dict) -> bool:
    """Credits a paid Checkout Session once. `session` is the object of a signature-verified
    webhook event. Returns False for sessions that are unpaid, foreign, paid a different
    amount than their package costs, or already credited."""
    if session.get("mode") != "payment" or session.get("payment_status") != "paid":
        return False
    metadata = session.get("metadata") or {}
    user_id = str(metadata.get("user_id", ""))
    user = get_user_model().objects.filter(pk=user_id).first() if user_id.isdigit() else None
    package = get_package(metadata.get("package_key", ""))
    if user is None or package is None:
        logger.warning("Checkout session %s is not a Cutflow credit purchase", session.get("id"))
        return False
    if not paid_for(session, package):
        # Never credit more than was paid; support settles it from the admin with a memo.
        logger.error(
            "Checkout session %s paid %s %s, but %s costs %s %s: not credited",
            session.get("id"),
            session.get("amount_total"),
            session.get("currency"),
            package.name,
            package.price_cents,
            package.currency,
        )
        return False
    return credit_purchase(
        user=user,
        credits=package.credits,
        external_reference=session_reference(session["id"]),
        memo=f"{package.name} package · Stripe Checkout",
    )


def paid_for(session: dict, package: CreditPackage) -> bool:
    return (
        session.get("amount_total") == package.price_cents
        and str(session.get("currency", "")).lower() == package.currency.lower()
    )


def purchase_for_session(*, user, session_id: str) -> CreditTransaction | None:
    """The purchase row a Checkout Session produced for this user, once the webhook has run."""
    return CreditTransaction.objects.filter(
        account__user=user,
        kind=CreditTransaction.Kind.PURCHASE,
        external_reference=session_reference(session_id),
    ).first()
