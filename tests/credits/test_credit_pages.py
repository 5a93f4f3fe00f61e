"""What a creator sees: the badge, the purchase dialog and the credit history."""

import re

import pytest
from django.urls import reverse

from credits.services import grant_credits
from keyframes.job_credits import charge_job, refund_image
from tests.credits.jobs import make_job
from tests.factories import make_cut, make_user

pytestmark = pytest.mark.django_db


def badge(html: str) -> str:
    return re.search(r'<button[^>]*id="credit-badge"[^>]*>.*?</button>', html, re.S)[0]


def page_for(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("credits:history")).content.decode()


def test_the_badge_turns_amber_below_fifty_credits(client):
    low = badge(page_for(client, make_user(credits=49)))
    enough = badge(page_for(client, make_user(credits=50)))

    assert 'class="credit-badge low"' in low and ">49</span>" in low
    assert 'class="credit-badge"' in enough and ">50</span>" in enough
    assert 'data-open-dialog="purchase-dialog"' in enough


def test_the_purchase_dialog_lists_the_packages_with_buy_buttons(client, stripe_keys):
    html = page_for(client, make_user())
    dialog = re.search(r'<dialog id="purchase-dialog".*?</dialog>', html, re.S)[0]
    rows = re.findall(r'<tr class="package" data-package="(\w+)">(.*?)</tr>', dialog, re.S)

    assert [key for key, _ in rows] == ["starter", "creator", "studio"]
    starter = re.sub(r"\s+", " ", rows[0][1])
    assert '<th scope="row">Starter</th>' in starter
    assert "200 credits" in starter and "$10<" in starter
    assert f'action="{reverse("credits:checkout")}"' in starter
    assert 'name="package" value="starter"' in starter and ">Buy</button>" in starter


def test_without_stripe_keys_the_dialog_says_purchases_are_not_set_up(client, no_stripe_keys):
    html = page_for(client, make_user())
    dialog = re.search(r'<dialog id="purchase-dialog".*?</dialog>', html, re.S)[0]

    assert "Credit purchases are not set up on this server" in dialog
    assert ">Buy</button>" not in dialog


def test_history_shows_what_a_job_cost_and_what_was_refunded_linked_to_the_cut(client, project):
    user = project.owner
    grant_credits(user=user, amount=20, memo="Test credits")
    cut = make_cut(project=project)
    job = make_job(user=user, cut=cut)
    charge_job(user=user, job=job, amount=20)
    refund_image(job=job, slot=1, amount=5, reason="Image 2 was blocked by moderation")

    html = page_for(client, user)
    rows = re.findall(r'<tr class="ledger-row (\w+)">(.*?)</tr>', html, re.S)

    assert [kind for kind, _ in rows] == ["refund", "charge", "grant"]
    refund, charge, _ = (re.sub(r"\s+", " ", row) for _, row in rows)
    assert "flux-2-pro × 4" in charge and ">-20<" in charge
    assert "Image 2 was blocked by moderation" in refund and ">+5<" in refund
    assert f'href="{cut.get_absolute_url()}"' in charge and "Cafe story · cut" in charge
    assert 'id="history-balance">5<' in html


def test_history_is_paginated(client, user):
    for number in range(55):
        grant_credits(user=user, amount=1, memo=f"grant {number}")

    first = page_for(client, user)
    second = client.get(reverse("credits:history") + "?page=2").content.decode()

    assert first.count('class="ledger-row') == 50 and "grant 54" in first
    assert second.count('class="ledger-row') == 5 and "grant 0<" in second
    assert "Page 2 of 2" in second
