"""Auto-Flight's Confirm answers at once; a worker writes the prompts and starts the jobs.

The prompt writer is Gemini at the fake provider server (``prompt_latency`` seconds per
prompt); the images come from its fake Replicate. ``run_queued_tasks`` plays the worker.
"""

import importlib
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import OrmQ, Schedule

from credits.models import CreditTransaction
from credits.services import balance_of
from keyframes.flight_dispatch import dispatch_flight, resume_stalled_flights
from keyframes.flight_launch import launch_flight
from keyframes.flight_progress import flight_progress
from keyframes.flights import plan_flight
from keyframes.management.commands.autoflight import progress_bar
from keyframes.models import Flight, GenerationJob, Keyframe
from projects.models import Cut
from tests.factories import make_cut, make_project, make_user
from tests.keyframes.queued_tasks import run_queued_tasks

CREDITS = 500


@pytest.fixture
def owner(db):
    return make_user(email="flyer@example.com", credits=CREDITS)


def storyboard(owner, *, cuts: int, with_prompts: int = 0):
    """``cuts`` cuts with scripts; the first ``with_prompts`` of them also have a prompt."""
    project = make_project(owner=owner, title="Harbour", default_model="flux-2-pro")
    for number in range(cuts):
        prompt = f"A lantern on pier {number}" if number < with_prompts else ""
        make_cut(project=project, script=f"A lantern swings on pier {number}", prompt=prompt)
    return project


def confirm(client, project, key="form-1", count="1"):
    url = reverse("keyframes:flight_launch", args=[project.pk])
    return client.post(url, {"model": "", "count": count, "launch_key": key})


def max_overlap(requests) -> int:
    """How many of these requests were being answered at the same moment, at most."""
    edges = sorted(
        [(r.started_at, 1) for r in requests] + [(r.finished_at, -1) for r in requests],
        key=lambda edge: (edge[0], edge[1]),
    )
    overlap = most = 0
    for _, step in edges:
        overlap += step
        most = max(most, overlap)
    return most


@pytest.mark.django_db(transaction=True)
def test_confirm_for_ten_cuts_answers_before_any_prompt_and_the_worker_generates_every_cut(
    fake_provider, owner, client, settings, capsys
):
    # Long enough that prompts written in parallel overlap at the fake: 3 rounds of 4.
    fake_provider.prompt_latency = 0.4
    settings.PROMPT_WRITER_CONCURRENCY = 4
    project = storyboard(owner, cuts=10)
    client.force_login(owner)

    started = time.perf_counter()
    response = confirm(client, project)
    server_seconds = time.perf_counter() - started

    flight = Flight.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("keyframes:flight_detail", args=[project.pk, flight.pk])
    # The request never waited on the prompt writer: not one prompt was asked for during it.
    assert fake_provider.prompt_requests == []
    assert OrmQ.objects.count() == 1  # the launcher, queued for a worker
    assert not GenerationJob.objects.exists() and balance_of(user=owner) == CREDITS
    with capsys.disabled():
        print(f"\nConfirm for 10 cuts: {server_seconds * 1000:.0f} ms in the test client")

    run_queued_tasks()

    assert len(fake_provider.prompt_requests) == 10
    assert 1 < max_overlap(fake_provider.prompt_requests) <= 4
    page = client.get(response.url).content.decode()
    assert page.count(">Done</span>") == 10 and "every 2s" not in page
    flight.refresh_from_db()
    assert flight.status == Flight.Status.FINISHED
    for cut in project.cuts.all():
        assert cut.prompt.startswith("A storyboard frame: A lantern swings")
        assert Keyframe.objects.filter(cut=cut, job__flight=flight).count() == 1
    charges = CreditTransaction.objects.filter(kind=CreditTransaction.Kind.CHARGE)
    assert charges.count() == 10
    assert balance_of(user=owner) == CREDITS - 10 * 5


@pytest.mark.django_db
def test_the_flight_page_shows_every_cut_from_the_first_second_and_polls_until_done(
    fake_provider, owner, client
):
    project = storyboard(owner, cuts=3, with_prompts=1)
    client.force_login(owner)
    flight_url = confirm(client, project).url

    page = client.get(flight_url).content.decode()

    assert page.count('id="flight-cut-') == 3
    assert page.count(">Writing the prompt</span>") == 2
    assert page.count(">Queued</span>") == 1
    assert "2 prompts to write · 0/3 images · 0/3 cuts ended" in page
    assert 'hx-trigger="every 2s"' in page
    cut = project.cuts.get(position=1)
    assert cut.prompt_task == Cut.PromptTask.WRITING  # the editor says so too

    dispatch_flight(flight=Flight.objects.get())
    page = client.get(flight_url, HTTP_HX_REQUEST="true").content.decode()
    assert page.count(">Queued</span>") == 3  # three jobs wait for a worker
    GenerationJob.objects.filter(cut__position=0).update(status=GenerationJob.Status.RUNNING)
    GenerationJob.objects.filter(cut__position=1).update(status=GenerationJob.Status.SUCCEEDED)
    page = client.get(flight_url, HTTP_HX_REQUEST="true").content.decode()
    assert ">Generating</span>" in page and ">Done</span>" in page

    GenerationJob.objects.update(status=GenerationJob.Status.SUCCEEDED)
    page = client.get(flight_url, HTTP_HX_REQUEST="true").content.decode()
    assert page.count(">Done</span>") == 3
    assert "every 2s" not in page


@pytest.mark.django_db
def test_a_stranger_gets_404_for_the_flight_page(fake_provider, owner, stranger_client):
    project = storyboard(owner, cuts=1)
    flight = launch_flight(plan=plan_flight(project=project, user=owner))
    other = make_project(owner=owner, title="Elsewhere")

    url = reverse("keyframes:flight_detail", args=[project.pk, flight.pk])
    assert stranger_client.get(url).status_code == 404
    owner_client = Client()
    owner_client.force_login(owner)
    assert owner_client.get(url).status_code == 200
    wrong_project = reverse("keyframes:flight_detail", args=[other.pk, flight.pk])
    assert owner_client.get(wrong_project).status_code == 404


@pytest.mark.django_db
def test_a_cut_whose_prompt_cannot_be_written_is_reported_and_never_charged(
    fake_provider, owner, client
):
    project = storyboard(owner, cuts=2)
    client.force_login(owner)
    flight_url = confirm(client, project).url
    # Emptied in the editor after Confirm, before the worker got to it.
    Cut.objects.filter(project=project, position=1).update(script="")

    dispatch_flight(flight=Flight.objects.get())

    flight = Flight.objects.get()
    second = project.cuts.get(position=1)
    assert not GenerationJob.objects.filter(cut=second).exists()
    assert GenerationJob.objects.filter(flight=flight).count() == 1
    assert balance_of(user=owner) == CREDITS - 5
    page = client.get(flight_url).content.decode()
    assert ">Failed</span>" in page
    assert "The prompt could not be written: Write a script before asking for a prompt." in page


@pytest.mark.django_db
def test_a_launcher_run_twice_starts_and_charges_each_cut_once(fake_provider, owner):
    project = storyboard(owner, cuts=4, with_prompts=2)
    plan = plan_flight(project=project, user=owner, count=1)
    flight = launch_flight(plan=plan, launch_key="twice")

    dispatch_flight(flight=flight)
    dispatch_flight(flight=flight)  # a redelivered task, or the sweep after a slow start

    assert GenerationJob.objects.filter(flight=flight).count() == 4
    assert CreditTransaction.objects.filter(kind=CreditTransaction.Kind.CHARGE).count() == 4
    assert len(fake_provider.prompt_requests) == 2
    assert balance_of(user=owner) == CREDITS - 4 * 5


@pytest.mark.django_db
def test_the_command_progress_counts_the_prompts_still_to_write(fake_provider, owner):
    project = storyboard(owner, cuts=3, with_prompts=1)
    flight = launch_flight(plan=plan_flight(project=project, user=owner, count=2))

    line = progress_bar(flight_progress(flight=flight))

    assert line.endswith("] 2 prompts to write · 0/6 images · 0/3 cuts ended")


@pytest.mark.django_db
def test_the_sweep_for_stalled_flights_runs_every_minute(owner):
    migration = importlib.import_module("keyframes.migrations.0005_flight_launcher")
    Schedule.objects.filter(func=migration.SWEEP).delete()  # present when migrations ran
    migration.schedule_sweep(apps, None)
    schedule = Schedule.objects.get(func=migration.SWEEP)
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)
    assert import_string(schedule.func)() == 0


@pytest.mark.django_db
def test_only_a_flight_whose_launcher_went_silent_is_resumed(fake_provider, owner):
    project = storyboard(owner, cuts=2)
    flight = launch_flight(plan=plan_flight(project=project, user=owner, count=1))

    assert resume_stalled_flights() == 0  # its launcher was seen a moment ago
    later = timezone.now() + timedelta(seconds=3600)
    assert resume_stalled_flights(now=later) == 1
    assert resume_stalled_flights(now=later) == 0  # just resumed: not twice

    dispatch_flight(flight=flight)
    much_later = later + timedelta(seconds=3600)
    assert resume_stalled_flights(now=much_later) == 0  # nothing is owed any more
