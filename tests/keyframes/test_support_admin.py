"""What support staff see about jobs and providers in the admin."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from credits.services import balance_of
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import GenerationJob
from tests.factories import make_cut, make_project, make_user
from tests.keyframes.takes_setup import run, take_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = make_user(email="support@example.com")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def start(user, cut, key, count=4):
    return start_generation(
        cut=cut,
        user=user,
        prompt="a quiet street",
        count=count,
        idempotency_key=key,
        model_key="flux-2-pro",
    )


def test_a_failing_provider_is_reported_on_the_jobs_page(fake_provider, staff_client):
    user = make_user(credits=100)
    cut = make_cut(project=make_project(owner=user))
    fake_provider.fail_next(4, "moderation")
    run_generation(job=start(user, cut, "a"))
    response = staff_client.get(reverse("admin:keyframes_generationjob_changelist"))
    html = response.content.decode().lower()
    assert "replicate: 4 of 4 image calls failed in the last hour" in html
    assert "nsfw content detected" in html  # the raw detail, for support


def test_a_healthy_provider_raises_no_warning(fake_provider, staff_client):
    user = make_user(credits=100)
    cut = make_cut(project=make_project(owner=user))
    run_generation(job=start(user, cut, "a"))
    response = staff_client.get(reverse("admin:keyframes_generationjob_changelist"))
    assert "image calls failed" not in response.content.decode()


def test_support_can_cancel_a_queued_job_and_the_credits_come_back(fake_provider, staff_client):
    user = make_user(credits=100)
    job = start(user, make_cut(project=make_project(owner=user)), "a")
    assert balance_of(user=user) == 80
    staff_client.post(
        reverse("admin:keyframes_generationjob_changelist"),
        {"action": "cancel_jobs", "_selected_action": [job.pk]},
    )
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.CANCELLED
    assert balance_of(user=user) == 100


def test_the_last_provider_check_is_shown_on_the_jobs_page(staff_client, settings):
    settings.MODEL_ROUTES = {"recraft-v3": {"extra": {"style": "any", "colour": "red"}}}
    with pytest.raises(CommandError):
        call_command("check_providers", stdout=io.StringIO())

    response = staff_client.get(reverse("admin:keyframes_generationjob_changelist"))

    html = response.content.decode()
    assert "Offline provider check of" in html
    assert "found 1 problem(s): recraft-v3 (recraft-ai/recraft-v3)" in html
    assert "Additional property colour is not allowed" in html


def test_support_finds_a_failed_take_and_its_refunded_job(
    fake_provider, staff_client, creator, shot_cut
):
    fake_provider.fail_next(1, "server_error")
    take = run(take_of(shot_cut, creator, model="kling-2.1", seconds="5"))

    takes_page = staff_client.get(reverse("admin:keyframes_take_changelist")).content.decode()
    jobs_page = staff_client.get(
        reverse("admin:keyframes_generationjob_changelist"), {"kind": "take"}
    ).content.decode()
    job_page = staff_client.get(
        reverse("admin:keyframes_generationjob_change", args=[take.job_id])
    ).content.decode()

    assert "kling-2.1" in takes_page and "Failed" in takes_page
    assert f">{take.job_id}<" in jobs_page
    assert "kwaivgi/kling-v2.1" in job_page  # what was sent, kept for support
    assert "HTTP 500" in job_page
