"""Auto-Flight on the storyboard: the plan page, Confirm, and the cut list's progress."""

import io

import pytest
from django.urls import reverse

from credits.services import balance_of
from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes.flight_dispatch import dispatch_flight
from keyframes.models import Candidate, Flight, GenerationJob, Keyframe
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_project, make_user, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return make_user(email="owner@example.com", credits=100)


@pytest.fixture
def story(owner, fake_provider):
    """Three cuts at the fake Replicate: two ready, one whose prompt is still missing."""
    project = make_project(owner=owner, title="Harbour", default_model="flux-2-pro")
    make_asset(project=project, handle="Mina")
    make_cut(project=project, script="@Mina waits", prompt="@Mina waits on the pier")
    make_cut(project=project, script="Gulls circle", prompt="Gulls circle the mast")
    make_cut(project=project, script="@Mina waves goodbye")
    return project


@pytest.fixture
def client_of(client, owner):
    client.force_login(owner)
    return client


def plan_url(project, **query):
    url = reverse("keyframes:flight_plan", args=[project.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def test_a_stranger_gets_404_for_every_auto_flight_page(story, stranger_client):
    launch = reverse("keyframes:flight_launch", args=[story.pk])
    cut_list = reverse("keyframes:flight_cut_list", args=[story.pk])
    assert stranger_client.get(plan_url(story)).status_code == 404
    assert stranger_client.post(launch, {"launch_key": "x"}).status_code == 404
    assert stranger_client.get(cut_list).status_code == 404
    assert not GenerationJob.objects.exists()


def test_the_storyboard_links_to_auto_flight(story, client_of):
    page = client_of.get(story.cuts.first().get_absolute_url()).content.decode()
    assert f'href="{plan_url(story)}"' in page


def test_the_plan_page_lists_each_cut_its_cost_and_the_total_against_the_balance(story, client_of):
    page = client_of.get(plan_url(story)).content.decode()

    assert page.count('id="plan-cut-') == 3
    assert "Write the prompt, then generate" in page  # cut 3 has no prompt yet
    assert "@Mina&#x27;s character sheet" in page
    assert '<td class="num" id="flight-total">60</td>' in page
    assert "your balance is 100" in page
    assert "Confirm and spend 60 credits</button>" in page
    assert "disabled>Confirm" not in page
    assert not GenerationJob.objects.exists() and balance_of(user=story.owner) == 100


def test_the_plan_page_shows_problems_and_cannot_be_confirmed(story, client_of):
    make_cut(project=story, script="@Ghost hides", prompt="@Ghost hides in the fog")

    page = client_of.get(plan_url(story, count=1)).content.decode()

    assert "Unknown mention: @Ghost." in page
    assert "This plan cannot start yet." in page
    assert "disabled>Confirm and spend 20 credits" in page


def test_a_plan_above_the_balance_offers_to_buy_credits(client, fake_provider):
    poorer = make_user(credits=10)
    project = make_project(owner=poorer, default_model="local-draft")
    make_cut(project=project, script="Fog", prompt="Fog rolls in", model="flux-2-dev")
    client.force_login(poorer)

    page = client.get(plan_url(project)).content.decode()

    assert "The plan costs 12 credits and the balance is 10." in page
    assert 'data-open-dialog="purchase-dialog"' in page


def test_cuts_with_a_representative_are_skipped_unless_included(story, client_of):
    first = story.cuts.first()
    keyframe = Keyframe(cut=first, source=Keyframe.Source.UPLOADED)
    with stored_image(keyframe, ingest_image(io.BytesIO(png_bytes()))):
        keyframe.save()
    first.set_representative(keyframe)
    first.save()

    page = client_of.get(plan_url(story)).content.decode()
    assert "Skipped: Already has a representative keyframe." in page
    assert '<td class="num" id="flight-total">40</td>' in page
    page = client_of.get(plan_url(story, include_done="on")).content.decode()
    assert '<td class="num" id="flight-total">60</td>' in page


def test_confirm_records_the_flight_and_its_worker_writes_the_prompt_and_starts_each_cut(
    story, client_of
):
    response = client_of.post(
        reverse("keyframes:flight_launch", args=[story.pk]),
        {"model": "", "count": "", "launch_key": "form-1"},
    )

    flight = Flight.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("keyframes:flight_detail", args=[story.pk, flight.pk])
    assert flight.credits_planned == 60
    assert not GenerationJob.objects.exists() and balance_of(user=story.owner) == 100

    dispatch_flight(flight=flight)  # what the queued task does in a worker

    jobs = GenerationJob.objects.filter(flight=flight)
    assert sorted(job.cut.position for job in jobs) == [0, 1, 2]
    assert all(job.model_key == "flux-2-pro" and job.count == 4 for job in jobs)
    assert "@Mina" in story.cuts.get(position=2).prompt  # written before its job started
    assert balance_of(user=story.owner) == 100 - 60

    again = client_of.post(
        reverse("keyframes:flight_launch", args=[story.pk]),
        {"model": "", "count": "", "launch_key": "form-1"},
    )
    assert again.status_code == 302
    assert Flight.objects.count() == 1 and GenerationJob.objects.count() == 3
    assert balance_of(user=story.owner) == 40


def test_a_refused_confirm_spends_nothing_and_shows_why(story, client_of):
    make_cut(project=story, script="@Ghost hides", prompt="@Ghost hides in the fog")

    response = client_of.post(
        reverse("keyframes:flight_launch", args=[story.pk]), {"launch_key": "form-2"}
    )

    assert response.status_code == 409
    assert "Unknown mention: @Ghost." in response.content.decode()
    assert not Flight.objects.exists() and balance_of(user=story.owner) == 100


def test_the_cut_list_shows_each_generating_cuts_images_and_polls_until_done(story, client_of):
    client_of.post(reverse("keyframes:flight_launch", args=[story.pk]), {"launch_key": "form-3"})
    dispatch_flight(flight=Flight.objects.get())
    first_job = GenerationJob.objects.get(cut=story.cuts.first())
    first_job.candidates.filter(slot__in=[0, 1]).update(status=Candidate.Status.SUCCEEDED)
    cut_list = reverse("keyframes:flight_cut_list", args=[story.pk])
    storyboard = client_of.get(story.cuts.first().get_absolute_url()).content.decode()
    assert storyboard.count('hx-trigger="every 2s"') == 1  # one poller for three busy cuts

    page = client_of.get(cut_list, HTTP_HX_REQUEST="true").content.decode()

    assert page.count('class="flight-progress"') == 3
    assert ">2/4</span>" in page and page.count(">0/4</span>") == 2
    assert page.count('hx-trigger="every 2s"') == 1

    GenerationJob.objects.update(status=GenerationJob.Status.SUCCEEDED)
    Cut.objects.update(status=Cut.Status.PROMPT_READY)
    page = client_of.get(cut_list, HTTP_HX_REQUEST="true").content.decode()
    assert "flight-progress" not in page
    assert "every 2s" not in page


def test_a_flight_finishes_when_its_last_job_ends_and_polling_writes_nothing(story, client_of):
    from keyframes.job_runner import run_generation

    client_of.post(
        reverse("keyframes:flight_launch", args=[story.pk]),
        {"model": "", "count": "", "launch_key": "form-1"},
    )
    flight = Flight.objects.get()
    dispatch_flight(flight=flight)
    jobs = list(GenerationJob.objects.filter(flight=flight).order_by("pk"))
    poll = reverse("keyframes:flight_cut_list", args=[story.pk])

    for job in jobs[:-1]:
        run_generation(job=job)
        before = Flight.objects.values("status", "finished_at").get()
        assert client_of.get(poll, HTTP_HX_REQUEST="true").status_code == 200
        assert Flight.objects.values("status", "finished_at").get() == before
        assert before["status"] == Flight.Status.RUNNING

    run_generation(job=jobs[-1])
    flight.refresh_from_db()
    assert flight.status == Flight.Status.FINISHED and flight.finished_at is not None
