import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from credits.models import CreditTransaction
from credits.services import balance_of

pytestmark = pytest.mark.django_db


def test_signing_up_grants_the_welcome_credits(client, settings):
    settings.SIGNUP_GRANT_CREDITS = 20

    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(email="new@example.com")
    assert balance_of(user=user) == 20
    (grant,) = CreditTransaction.objects.filter(account__user=user)
    assert (grant.kind, grant.amount, grant.memo) == ("grant", 20, "Welcome credits")
    confirm_email(client)
    assert client.get(reverse("credits:history")).status_code == 200  # signed in


def confirm_email(client):
    """Follows the link of the confirmation mail, as the new creator does."""
    [link] = re.findall(r"https?://\S+/confirm-email/\S+/", mail.outbox[-1].body)
    client.post(link)


def test_a_zero_grant_setting_gives_nothing(client, settings):
    settings.SIGNUP_GRANT_CREDITS = 0

    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )

    user = get_user_model().objects.get(email="new@example.com")
    assert balance_of(user=user) == 0
    assert not CreditTransaction.objects.exists()
