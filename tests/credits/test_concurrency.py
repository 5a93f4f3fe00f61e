"""On PostgreSQL, many requests at once: nothing is spent twice, refunded twice or lost."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from credits.models import CreditTransaction
from credits.services import InsufficientCredits, balance_of, credit_purchase
from keyframes.job_credits import charge_job, refund_image
from tests.credits.jobs import make_job
from tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(function, arguments: list) -> list:
    """Calls function(argument) in one thread each, released together by a barrier.

    Any error other than the ones `function` handles fails the test through map()."""
    barrier = threading.Barrier(len(arguments), timeout=30)

    def call(argument):
        try:
            barrier.wait()
            return function(argument)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(call, arguments))


def test_fifty_spends_at_once_against_credits_for_twenty_charge_exactly_twenty():
    user = make_user(credits=100)
    jobs = [make_job(user=user) for _ in range(50)]

    def spend(job):
        try:
            charge_job(user=user, job=job, amount=5)
        except InsufficientCredits:
            return "refused"
        return "charged"

    outcomes = run_at_once(spend, jobs)

    assert outcomes.count("charged") == 20
    assert outcomes.count("refused") == 30
    assert balance_of(user=user) == 0
    charges = CreditTransaction.objects.filter(kind="charge")
    assert charges.count() == 20
    assert sorted(charges.values_list("balance_after", flat=True)) == list(range(0, 100, 5))


def test_the_same_refund_requested_at_once_is_paid_once():
    user = make_user(credits=20)
    job = make_job(user=user)
    charge_job(user=user, job=job, amount=20)

    results = run_at_once(lambda _: refund_image(job=job, slot=1, amount=5), range(10))

    assert results.count(True) == 1
    assert balance_of(user=user) == 5
    assert CreditTransaction.objects.filter(kind="refund").count() == 1
    job.refresh_from_db()
    assert job.credits_refunded == 5


def test_refunds_of_different_images_at_once_are_each_paid():
    user = make_user(credits=20)
    job = make_job(user=user)
    charge_job(user=user, job=job, amount=20)

    slots = [0, 1, 2, 3] * 5
    results = run_at_once(lambda slot: refund_image(job=job, slot=slot, amount=5), slots)

    assert results.count(True) == 4
    assert balance_of(user=user) == 20
    job.refresh_from_db()
    assert job.credits_refunded == 20


def test_one_payment_delivered_many_times_at_once_is_credited_once():
    user = make_user()

    results = run_at_once(
        lambda _: credit_purchase(
            user=user, credits=200, external_reference="stripe:checkout:cs_race", memo="Starter"
        ),
        range(10),
    )

    assert results.count(True) == 1
    assert balance_of(user=user) == 200
