"""Auto-Flight's "select first": every cut ends with its first new image as representative,
marked as picked by the flight until the creator picks by hand."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_q.conf import Conf

from keyframes.keyframe_actions import select_representative
from keyframes.management.commands.demo import DEMO_TITLE
from keyframes.models import Flight, Keyframe
from projects.models import Project
from tests.factories import make_cut, make_project, make_user


@pytest.fixture
def jobs_run_inline(monkeypatch, settings):
    monkeypatch.setattr(Conf, "SYNC", True)
    settings.DEBUG = True  # the demo storyboard is a development convenience: demo refuses DEBUG=0


@pytest.mark.django_db(transaction=True)
def test_select_first_with_wait_leaves_every_cut_with_its_first_image(client, jobs_run_inline):
    call_command("demo", stdout=io.StringIO())
    project = Project.objects.get(title=DEMO_TITLE)
    call_command(
        "autoflight", str(project.pk), "--count", "2", "--select", "first", "--wait",
        stdout=io.StringIO(),
    )  # fmt: skip

    flight = Flight.objects.get()
    assert flight.options["select_first"] is True
    cuts = list(project.cuts.select_related("representative"))
    for cut in cuts:
        first = Keyframe.objects.get(cut=cut, job__flight=flight, slot=0)
        assert cut.representative == first
        assert cut.status == "keyframe_generated"
        assert first.picked_by_flight
    client.force_login(project.owner)
    board = client.get(project.get_absolute_url()).content.decode()
    assert board.count("Picked by Auto-Flight") == len(cuts)

    # Picking by hand, even the same image, makes it the creator's choice.
    select_representative(cut=cuts[0], keyframe=cuts[0].representative)
    second = Keyframe.objects.get(cut=cuts[1], job__flight=flight, slot=1)
    select_representative(cut=cuts[1], keyframe=second)
    board = client.get(project.get_absolute_url()).content.decode()
    assert board.count("Picked by Auto-Flight") == len(cuts) - 2


@pytest.mark.django_db(transaction=True)
def test_without_select_first_the_cuts_wait_for_a_pick(jobs_run_inline):
    call_command("demo", stdout=io.StringIO())
    project = Project.objects.get(title=DEMO_TITLE)
    call_command("autoflight", str(project.pk), "--count", "1", "--wait", stdout=io.StringIO())

    assert not project.cuts.filter(representative__isnull=False).exists()
    assert not Keyframe.objects.filter(picked_by_flight=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_web_plan_offers_select_first_and_confirm_keeps_it(client, jobs_run_inline):
    owner = make_user(credits=10)
    project = make_project(owner=owner, default_model="local-draft")
    cuts = [make_cut(project=project, prompt=f"A quiet street, shot {n}") for n in (1, 2)]
    client.force_login(owner)
    plan_url = reverse("keyframes:flight_plan", args=[project.pk])

    plan = client.get(plan_url, {"count": "1", "select_first": "on"}).content.decode()
    assert "Pick each cut&#x27;s first image as its keyframe" in plan
    assert '<input type="hidden" name="select_first" value="on">' in plan

    response = client.post(
        reverse("keyframes:flight_launch", args=[project.pk]),
        {"count": "1", "select_first": "on", "launch_key": "k1"},
    )
    assert response.status_code == 302
    for cut in cuts:
        cut.refresh_from_db()
        assert cut.representative is not None and cut.representative.picked_by_flight
