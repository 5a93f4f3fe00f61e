"""Support staff adjust balances through the admin, as ledger rows with a memo."""

import pytest
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.urls import reverse

from credits.models import CreditTransaction
from credits.services import balance_of, get_account
from keyframes.job_credits import charge_job, refund_image
from tests.credits.jobs import make_job
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:credits_creditaccount_changelist")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser(
        username="support", email="support@example.com", password="pass-word-123"
    )


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def adjust(admin_client, account, **fields):
    data = {"action": "adjust_credits_action", helpers.ACTION_CHECKBOX_NAME: [account.pk]}
    if fields:
        data |= {"apply": "1", **fields}
    return admin_client.post(CHANGELIST, data)


def test_the_action_asks_for_an_amount_and_a_memo_first(admin_client):
    account = get_account(user=make_user(credits=10))

    page = adjust(admin_client, account).content.decode()

    assert 'name="amount"' in page and 'name="memo"' in page
    assert not CreditTransaction.objects.filter(kind="adjustment").exists()


def test_adjusting_writes_an_adjustment_row_with_the_memo_and_the_staff_member(admin_client, staff):
    user = make_user(credits=10)
    account = get_account(user=user)

    response = adjust(admin_client, account, amount="15", memo="Outage on 3 May")

    assert response.status_code == 302
    (row,) = CreditTransaction.objects.filter(kind="adjustment")
    assert (row.amount, row.memo, row.created_by, row.balance_after) == (
        15,
        "Outage on 3 May",
        staff,
        25,
    )
    assert balance_of(user=user) == 25


def test_an_empty_memo_is_refused(admin_client):
    user = make_user(credits=10)

    response = adjust(admin_client, get_account(user=user), amount="15", memo="   ")

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not CreditTransaction.objects.filter(kind="adjustment").exists()
    assert balance_of(user=user) == 10


def test_an_adjustment_below_zero_is_refused_with_the_reason(admin_client):
    user = make_user(credits=10)

    response = adjust(admin_client, get_account(user=user), amount="-11", memo="Chargeback")

    assert "This needs 11 credits and you have 10." in response.content.decode()
    assert balance_of(user=user) == 10


def test_the_account_page_shows_its_ledger_and_no_editable_balance(admin_client):
    account = get_account(user=make_user(credits=10))

    page = admin_client.get(
        reverse("admin:credits_creditaccount_change", args=[account.pk])
    ).content.decode()

    assert "Test credits" in page
    assert 'name="balance"' not in page


def test_the_ledger_cannot_be_edited_or_deleted_in_the_admin(admin_client):
    make_user(credits=10)
    row = CreditTransaction.objects.get()

    change = admin_client.post(
        reverse("admin:credits_credittransaction_change", args=[row.pk]), {"amount": "999"}
    )
    delete = admin_client.post(
        reverse("admin:credits_credittransaction_delete", args=[row.pk]), {"post": "yes"}
    )

    assert change.status_code == 403 and delete.status_code == 403
    row.refresh_from_db()
    assert row.amount == 10


def test_a_job_in_the_admin_shows_its_refund_state(admin_client):
    user = make_user(credits=20)
    job = make_job(user=user)
    charge_job(user=user, job=job, amount=20)
    refund_image(job=job, slot=3, amount=5)

    page = admin_client.get(
        reverse("admin:keyframes_generationjob_change", args=[job.pk])
    ).content.decode()
    listing = admin_client.get(reverse("admin:keyframes_generationjob_changelist")).content.decode()

    assert "charged 20 · refunded 5 (1 refund row)" in page
    assert "charged 20 · refunded 5 (1 refund row)" in listing
