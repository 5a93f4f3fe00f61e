"""Generate and delete racing on PostgreSQL: a delete either refuses a job committed a moment
earlier or wins before anything is charged. No credit is lost and no request fails."""

import random
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from credits.ledger_checks import ledger_problems
from credits.models import CreditTransaction
from credits.services import balance_of, ledger_mismatches
from keyframes.models import GenerationJob
from projects.models import Cut, Project
from tests.factories import make_cut, make_project, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20
PRICE = 2 * 5  # two images of Flux 2 Pro


def in_thread(function, results: dict, name: str, delay: float = 0.0) -> threading.Thread:
    def run():
        try:
            time.sleep(delay)
            results[name] = function()
        except Exception as exc:  # reported by the test, with the request that raised it
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def race(user, cut, delete_url: str) -> dict:
    generate_url = reverse("keyframes:generate", args=[cut.pk])
    form = {"model": "flux-2-pro", "count": "2", "idempotency_key": f"race-{cut.pk}"}
    generator, deleter = logged_in(user), logged_in(user)
    results: dict = {}
    threads = [
        in_thread(lambda: generator.post(generate_url, form, HTTP_HX_REQUEST="true"), results, "g"),
        in_thread(lambda: deleter.post(delete_url), results, "d", random.uniform(0, 0.02)),
    ]
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_generate_and_delete_races_lose_no_credit_and_never_fail(fake_provider):
    owner = make_user(credits=ROUNDS * PRICE)
    outcomes = []
    for round_number in range(ROUNDS):
        project = make_project(owner=owner, title=f"Race {round_number}")
        make_cut(project=project, script="Opening")
        cut = make_cut(project=project, prompt="A woman waits under a red umbrella")
        if round_number % 2:
            delete_url = reverse("projects:delete", args=[project.pk])
        else:
            delete_url = reverse("projects:cut_delete", args=[project.pk, cut.pk])

        results = race(owner, cut, delete_url)

        generate, delete = results["g"], results["d"]
        assert not isinstance(generate, Exception), generate
        assert not isinstance(delete, Exception), delete
        assert generate.status_code in (200, 404), generate.content[:500]
        assert delete.status_code == 302
        job = GenerationJob.objects.filter(idempotency_key=f"race-{cut.pk}").first()
        cut_left = Cut.objects.filter(pk=cut.pk).exists()
        if job is not None:
            # Generate won: its job holds the charge, and the delete refused to sweep it away.
            assert generate.status_code == 200 and cut_left and job.cut_id == cut.pk
            assert Project.objects.filter(pk=project.pk).exists()
            outcomes.append("generated")
        else:
            # Delete won: the cut is gone and Generate charged nothing.
            assert not cut_left and generate.status_code == 404
            outcomes.append("deleted")

    jobs = GenerationJob.objects.filter(user=owner)
    assert balance_of(user=owner) == ROUNDS * PRICE - PRICE * jobs.count()
    assert CreditTransaction.objects.filter(kind="charge").count() == jobs.count()
    assert ledger_mismatches() == [] and ledger_problems() == []
    print(
        f"race outcomes: {outcomes.count('generated')} generated, "
        f"{outcomes.count('deleted')} deleted"
    )


def test_saving_the_text_of_a_cut_deleted_meanwhile_says_so(project):
    from projects.services import CutGone, update_cut_text

    cut = make_cut(project=project, prompt="Old")
    Cut.objects.filter(pk=cut.pk).delete()

    with pytest.raises(CutGone):
        update_cut_text(cut=cut, script="New", prompt="New prompt", negative_prompt="")
