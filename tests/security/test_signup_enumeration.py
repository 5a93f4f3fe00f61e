"""Sign-up never tells whether an e-mail address already has an account: a taken address
gets the same answer as a new one, and its owner gets a mail instead of a second account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

FORM = {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}


def sign_up(client, email):
    return client.post(reverse("account_signup"), {"email": email} | FORM, follow=True)


def test_a_taken_email_gets_the_same_answer_as_a_new_one(client):
    make_user(email="taken@example.com")

    new = sign_up(client, "fresh@example.com")
    client.cookies.clear()
    taken = sign_up(client, "taken@example.com")

    assert new.redirect_chain == taken.redirect_chain
    strip = re.compile(r'csrfmiddlewaretoken" value="[^"]*"|X-CSRFToken": "[^"]*"|fresh|taken')
    assert strip.sub("", new.content.decode()) == strip.sub("", taken.content.decode())
    assert "already registered" not in taken.content.decode()
    assert get_user_model().objects.filter(email="taken@example.com").count() == 1
    # Each address got a mail: a confirmation link, or a note that an account exists.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "fresh@example.com",
        "taken@example.com",
    ]
