"""The canvas is cached by what it shows: a poll with nothing new costs little, and every
change (even one a worker writes straight to the rows) reaches the next poll."""

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from keyframes import canvas, keyframe_actions
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import Candidate, GenerationJob, Keyframe
from projects.models import Cut, Project
from tests.factories import upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def queued_job(cut, user, key="job-1") -> GenerationJob:
    return start_generation(
        cut=cut, user=user, prompt=cut.prompt, count=2, idempotency_key=key, model_key="local-draft"
    )


def poll(client, cut) -> str:
    response = client.get(reverse("keyframes:canvas", args=[cut.pk]), **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_the_state_read_for_the_cache_is_the_state_the_canvas_is_built_from(draft_cut, funded):
    finished = run_generation(job=queued_job(draft_cut, funded, key="a"))
    Keyframe.objects.filter(job=finished, slot=0).delete()
    keyframe_actions.upload_keyframe(cut=draft_cut, file=upload())
    queued_job(draft_cut, funded, key="b")
    built = canvas.canvas_sets(cut=draft_cut)
    assert canvas.canvas_state(cut=draft_cut) == built.state
    assert len(built.state[0]) == 4 and len(built.state[1]) == 2  # candidates, keyframes


def test_a_poll_with_nothing_new_is_served_from_the_cache(funded_client, draft_cut, funded):
    run_generation(job=queued_job(draft_cut, funded))
    first = poll(funded_client, draft_cut)
    with CaptureQueriesContext(connection) as queries:
        again = poll(funded_client, draft_cut)
    assert again == first
    # Session, user, the cut and the canvas state: nothing to build the sets, and no
    # balance (the cut list's poller refreshes the badge).
    assert len(queries) == 4, [query["sql"][:60] for query in queries]
    assert 'id="credit-badge"' not in again


def set_running(cut, job):
    GenerationJob.objects.filter(pk=job.pk).update(status=GenerationJob.Status.RUNNING)
    Candidate.objects.filter(job=job, slot=0).update(status=Candidate.Status.RUNNING)


def store_one(cut, job):
    Keyframe.objects.create(
        cut=cut, job=job, slot=0, image="k/a.jpg", thumbnail="k/a.webp", source="generated"
    )
    Candidate.objects.filter(job=job, slot=0).update(status=Candidate.Status.SUCCEEDED)


def fail_one(cut, job):
    Candidate.objects.filter(job=job, slot=1).update(
        status=Candidate.Status.FAILED, error_message="The model refused the prompt."
    )


def upload_one(cut, job):
    keyframe_actions.upload_keyframe(cut=cut, file=upload())


def select_upload(cut, job):
    keyframe = Keyframe.objects.create(
        cut=cut, image="k/u.jpg", thumbnail="k/u.webp", source="uploaded"
    )
    Cut.objects.filter(pk=cut.pk).update(representative=keyframe)


def change_aspect_ratio(cut, job):
    Project.objects.filter(pk=cut.project_id).update(aspect_ratio="16:9")


@pytest.mark.parametrize(
    "change, shows",
    [
        (set_running, ["job-running", "Generating…"]),
        (store_one, ["slot-succeeded", "k/a.webp"]),
        (fail_one, ["slot-failed", "The model refused the prompt."]),
        (upload_one, ["slot-uploaded"]),
        (select_upload, ["is-representative", "k/u.webp"]),
        (change_aspect_ratio, ["--frame-ratio: 16 / 9"]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_every_change_reaches_the_next_poll(funded_client, draft_cut, funded, change, shows):
    job = queued_job(draft_cut, funded)
    before = poll(funded_client, draft_cut)
    change(draft_cut, job)
    after = poll(funded_client, draft_cut)
    assert after != before
    for text in shows:
        assert text in after and text not in before, text


def token_in(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_cached_canvas_carries_tokens_valid_for_its_own_session(draft_cut, funded):
    keyframe = Keyframe.objects.filter(
        job=run_generation(job=queued_job(draft_cut, funded))
    ).first()
    sessions = [Client(enforce_csrf_checks=True) for _ in range(2)]
    pages = []
    for session in sessions:
        session.force_login(funded)
        session.get(draft_cut.get_absolute_url())  # sets the session's CSRF cookie
        pages.append(poll(session, draft_cut))
    select = reverse("keyframes:select_keyframe", args=[draft_cut.pk, keyframe.pk])
    for session, html in zip(sessions, pages, strict=True):
        response = session.post(select, {"csrfmiddlewaretoken": token_in(html)}, **HTMX)
        assert response.status_code == 200


def test_relative_times_move_on_with_the_clock(funded_client, draft_cut, funded, monkeypatch):
    job = run_generation(job=queued_job(draft_cut, funded))
    assert "0\xa0minutes ago" in poll(
        funded_client, draft_cut
    )  # Django joins with a no-break space
    later = timezone.now() - timedelta(minutes=5)
    GenerationJob.objects.filter(pk=job.pk).update(created_at=later)
    now = time.time()
    monkeypatch.setattr("cutflow.fragments.time.time", lambda: now + 60)
    assert "5\xa0minutes ago" in poll(funded_client, draft_cut)
