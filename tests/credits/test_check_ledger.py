"""`manage.py check_ledger`: every balance equals its ledger, or the operator hears about it."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from credits.checkout import credit_checkout_session
from credits.services import adjust_credits, get_account, grant_signup_credits
from keyframes.job_credits import charge_job, refund_image
from tests.credits.jobs import make_job
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]


def move_money() -> list:
    users = [make_user(), make_user(), make_user()]
    for user in users:
        grant_signup_credits(user=user)
        credit_checkout_session(
            session={
                "id": f"cs_test_{user.pk}",
                "mode": "payment",
                "payment_status": "paid",
                "amount_total": 1000,
                "currency": "usd",
                "metadata": {"user_id": str(user.pk), "package_key": "starter", "credits": "200"},
            }
        )
        job = make_job(user=user)
        charge_job(user=user, job=job, amount=20)
        refund_image(job=job, slot=0, amount=5)
        refund_image(job=job, slot=0, amount=5)
    adjust_credits(user=users[0], amount=-3, memo="Correction", staff_user=users[1])
    return users


def shift_balance(account, by: int) -> None:
    """Tampers behind the ledger's back, as a stray SQL statement would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE credits_creditaccount SET balance = balance + %s WHERE id = %s",
            [by, account.pk],
        )


@pytest.mark.django_db
def test_check_ledger_passes_after_money_moves():
    move_money()
    out = io.StringIO()

    call_command("check_ledger", stdout=out)

    assert out.getvalue() == "OK: all 3 credit accounts match their ledger.\n"


@pytest.mark.django_db
def test_check_ledger_fails_on_a_tampered_balance_and_names_the_difference():
    tampered = get_account(user=move_money()[1])
    shift_balance(tampered, 7)
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("check_ledger", stdout=out)

    assert failure.value.returncode == 1
    assert str(failure.value) == "1 account(s) differ from their ledger."
    assert out.getvalue() == (
        f"account {tampered.pk} ({tampered.user}): balance 212, ledger sum 205, difference +7\n"
    )
    shift_balance(tampered, -7)  # put it back, so the suite's own ledger check holds


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_manage_py_check_ledger_exits_0_when_exact_and_1_when_tampered():
    tampered = get_account(user=move_money()[2])
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "cutflow.settings_test",
        "DATABASE_URL": "postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(
            **connection.settings_dict
        ),
    }

    def run():
        return subprocess.run(
            [sys.executable, "manage.py", "check_ledger"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    exact = run()
    shift_balance(tampered, -4)
    tampered_run = run()
    shift_balance(tampered, 4)

    assert (exact.returncode, exact.stdout) == (
        0,
        "OK: all 3 credit accounts match their ledger.\n",
    )
    assert tampered_run.returncode == 1
    assert "difference -4" in tampered_run.stdout
    assert "1 account(s) differ from their ledger." in tampered_run.stderr


@pytest.mark.django_db
def test_check_ledger_fails_on_a_charge_whose_job_is_gone():
    user = make_user(credits=50)
    job = make_job(user=user)
    charge_job(user=user, job=job, amount=20)
    charge_id = job.ledger_rows.get(kind="charge").pk
    # Removed behind the app's back, as the cascade of a racing delete once did.
    job.delete()
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("check_ledger", stdout=out)

    assert str(failure.value) == "1 charge(s) or job(s) disagree with the ledger."
    assert out.getvalue().startswith(f"charge {charge_id} of account ")
    assert "-20 on" in out.getvalue() and "belongs to no job" in out.getvalue()


@pytest.mark.django_db
def test_check_ledger_fails_on_a_job_whose_figures_differ_from_its_ledger_rows():
    user = make_user(credits=50)
    job = make_job(user=user)
    charge_job(user=user, job=job, amount=20)
    refund_image(job=job, slot=0, amount=5)
    type(job).objects.filter(pk=job.pk).update(credits_refunded=10)
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("check_ledger", stdout=out)

    assert out.getvalue() == (
        f"job {job.pk} of {user}: says charged 20, refunded 10; "
        "its ledger rows say charged 20, refunded 5\n"
    )


@pytest.mark.django_db
def test_a_deleted_cut_leaves_its_finished_job_and_the_ledger_whole():
    from projects.services import delete_cut

    user = make_user(credits=50)
    job = make_job(user=user)
    charge_job(user=user, job=job, amount=20)
    type(job).objects.filter(pk=job.pk).update(status="succeeded")

    delete_cut(cut=job.cut)

    job.refresh_from_db()
    assert job.cut is None and job.ledger_rows.count() == 1
    call_command("check_ledger", stdout=io.StringIO())
