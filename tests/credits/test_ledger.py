"""Spending, refunding and granting: every change is a ledger row and the balance follows."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from credits.estimates import estimate
from credits.models import CreditAccount, CreditTransaction
from credits.services import InsufficientCredits, adjust_credits, balance_of, credit_purchase
from keyframes.admin import refund_state
from keyframes.job_credits import charge_job, refund_image
from tests.credits.jobs import make_job
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_spending_writes_a_charge_row_with_the_balance_it_left():
    user = make_user(credits=30)
    job = make_job(user=user)

    charge = charge_job(user=user, job=job, amount=20)

    assert (charge.kind, charge.amount, charge.balance_after, charge.job) == (
        "charge",
        -20,
        10,
        job,
    )
    assert balance_of(user=user) == 10
    job.refresh_from_db()
    assert job.credits_charged == 20


def test_spending_more_than_the_balance_is_refused_and_writes_nothing():
    user = make_user(credits=15)
    job = make_job(user=user)

    with pytest.raises(InsufficientCredits) as refused:
        charge_job(user=user, job=job, amount=20)

    assert (refused.value.needed, refused.value.balance) == (20, 15)
    assert "needs 20 credits and you have 15" in refused.value.messages[0]
    assert balance_of(user=user) == 15
    assert not CreditTransaction.objects.filter(kind="charge").exists()


def test_a_repeated_refund_for_the_same_image_adds_nothing():
    user = make_user(credits=20)
    job = make_job(user=user)
    charge_job(user=user, job=job, amount=20)

    results = [refund_image(job=job, slot=2, amount=5, reason="Moderated") for _ in range(3)]

    assert results == [True, False, False]
    assert balance_of(user=user) == 5
    (refund,) = CreditTransaction.objects.filter(kind="refund")
    assert (refund.amount, refund.candidate_slot, refund.memo) == (5, 2, "Moderated")
    job.refresh_from_db()
    assert job.credits_refunded == 5


def test_each_failed_image_is_refunded_once_and_the_job_shows_its_refund_state():
    user = make_user(credits=20)
    job = make_job(user=user)
    charge_job(user=user, job=job, amount=20)

    for slot in (0, 1, 1, 3):
        refund_image(job=job, slot=slot, amount=5)

    assert balance_of(user=user) == 15
    state = refund_state(job=job)
    assert (state.charged, state.refunded, state.refund_rows) == (20, 15, 3)
    assert str(state) == "charged 20 · refunded 15 (3 refund rows)"


def test_a_refund_can_never_exceed_what_the_job_was_charged():
    user = make_user(credits=10)
    job = make_job(user=user, count=2)
    charge_job(user=user, job=job, amount=10)

    refund_image(job=job, slot=0, amount=5)
    refund_image(job=job, slot=1, amount=5)
    with pytest.raises(IntegrityError, match="job_refund_not_above_charge"):
        refund_image(job=job, slot=2, amount=5)

    assert balance_of(user=user) == 10


def test_a_purchase_reference_is_credited_once():
    user = make_user()

    first = credit_purchase(
        user=user, credits=200, external_reference="stripe:checkout:cs_1", memo="Starter"
    )
    second = credit_purchase(
        user=user, credits=200, external_reference="stripe:checkout:cs_1", memo="Starter"
    )

    assert (first, second) == (True, False)
    assert balance_of(user=user) == 200


def test_an_adjustment_needs_a_memo_and_records_who_made_it():
    user, staff = make_user(credits=5), make_user(email="support@example.com")

    with pytest.raises(ValidationError, match="memo is required"):
        adjust_credits(user=user, amount=10, memo="  ", staff_user=staff)
    row = adjust_credits(user=user, amount=-5, memo="Duplicate grant", staff_user=staff)

    assert (row.kind, row.amount, row.memo, row.created_by) == (
        "adjustment",
        -5,
        "Duplicate grant",
        staff,
    )
    assert balance_of(user=user) == 0


def test_an_adjustment_cannot_take_the_balance_below_zero():
    user, staff = make_user(credits=5), make_user()

    with pytest.raises(InsufficientCredits):
        adjust_credits(user=user, amount=-6, memo="Too much", staff_user=staff)

    assert balance_of(user=user) == 5


def test_the_estimate_multiplies_images_by_their_price():
    cost = estimate(credits_per_image=5, count=4)

    assert (cost.total, cost.text) == (20, "4 × 5 = 20 credits")


def test_the_balance_is_read_for_that_user_only_and_is_nothing_without_an_account():
    user, other = make_user(credits=7), make_user(credits=30)
    assert (balance_of(user=user), balance_of(user=other)) == (7, 30)
    newcomer = make_user(credits=0)
    assert not CreditAccount.objects.filter(user=newcomer).exists()
    assert balance_of(user=newcomer) == 0
