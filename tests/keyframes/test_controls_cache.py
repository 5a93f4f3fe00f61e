"""The cut editor keeps the Generate controls' HTML in the cache by what they show; every
change to the cut, the project, the references or the models reaches the next view, and
each view still gets its own idempotency key and valid form tokens."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keyframes.models import GenerationJob
from keyframes.references import add_additional_reference
from projects.models import Cut, Project
from tests.factories import make_asset, make_cut, make_project, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cut(funded):
    project = make_project(owner=funded, default_model="local-draft")
    return make_cut(project=project, script="Mina waits.", prompt="A woman waits by a window")


def controls(client, cut) -> str:
    response = client.get(cut.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    return re.search(r'<section id="generate-controls".*?</section>', html, re.S).group(0)


def key_of(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]*)"', html).group(1)


def test_the_model_and_count_written_straight_to_the_row_show_on_the_next_view(funded_client, cut):
    assert '<option value="2" selected>' not in controls(funded_client, cut)
    Cut.objects.filter(pk=cut.pk).update(model="local-draft", candidate_count=2)
    html = controls(funded_client, cut)
    assert '<option value="2" selected>' in html and "2 × 0 = 0 credits" in html
    assert re.search(r'<option value="local-draft" selected', html)


def test_a_negative_prompt_the_model_ignores_shows_on_the_next_view(funded_client, cut):
    assert "has no negative prompt" not in controls(funded_client, cut)
    Cut.objects.filter(pk=cut.pk).update(negative_prompt="blurry")
    assert "has no negative prompt; yours is not sent." in controls(funded_client, cut)


def test_a_new_character_answers_the_mention_on_the_next_view(funded_client, cut):
    Cut.objects.filter(pk=cut.pk).update(prompt="@Mina waits by a window")
    assert "Unknown mention: @Mina" in controls(funded_client, cut)
    make_asset(project=cut.project, handle="Mina")
    assert "Unknown mention" not in controls(funded_client, cut)


def test_a_reference_the_model_cannot_take_shows_on_the_next_view(funded_client, cut, settings):
    settings.FAL_KEY = "fal-key"  # nothing is generated
    Cut.objects.filter(pk=cut.pk).update(model="instant-character")
    add_additional_reference(cut=cut, file=upload())
    assert "not sent:" not in controls(funded_client, cut)
    add_additional_reference(cut=cut, file=upload())
    html = controls(funded_client, cut)
    assert "takes 1 reference image; not sent: additional reference 2." in html


def test_the_projects_default_model_shows_on_the_next_view(funded_client, cut):
    assert "Project default (Local draft (offline))" in controls(funded_client, cut)
    Project.objects.filter(pk=cut.project_id).update(default_model="")
    assert "Automatic (" in controls(funded_client, cut)


def test_a_model_whose_provider_loses_its_key_shows_on_the_next_view(funded_client, cut, settings):
    Project.objects.filter(pk=cut.project_id).update(quality_preset="standard")
    settings.REPLICATE_API_TOKEN = "r8-token"  # nothing is generated
    flux = re.compile(r'<option value="flux-2-pro"[^>]*>([^<]*)</option>')
    assert "unavailable" not in flux.search(controls(funded_client, cut)).group(0)
    settings.REPLICATE_API_TOKEN = ""
    option = flux.search(controls(funded_client, cut)).group(0)
    assert " disabled>" in option and "unavailable: not set up on this site" in option


def test_the_first_job_turns_generate_into_regenerate(funded_client, cut, funded):
    assert "Regenerate" not in controls(funded_client, cut)
    GenerationJob.objects.create(
        user=funded,
        cut=cut,
        model_key="local-draft",
        count=1,
        prompt=cut.prompt,
        credits_per_image=0,
    ).candidates.create(slot=0, seed=0)
    assert "Regenerate" in controls(funded_client, cut)


def test_every_view_gets_its_own_idempotency_key(funded_client, cut):
    keys = {key_of(controls(funded_client, cut)) for _ in range(3)}
    assert len(keys) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)


def test_a_cached_form_started_twice_makes_one_job(funded_client, cut):
    controls(funded_client, cut)
    html = controls(funded_client, cut)
    form = {
        "idempotency_key": key_of(html),
        "model": "",
        "count": "1",
        "expected_model": "local-draft",
    }
    for _ in range(2):
        response = funded_client.post(reverse("keyframes:generate", args=[cut.pk]), form)
        assert response.status_code == 302
    assert GenerationJob.objects.filter(cut=cut).count() == 1


def test_each_session_gets_generate_form_tokens_that_validate(funded, cut):
    for _ in range(2):
        session = Client(enforce_csrf_checks=True)
        session.force_login(funded)
        controls(session, cut)  # the first view sets the session's CSRF cookie
        html = controls(session, cut)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        response = session.post(
            reverse("keyframes:choose_generation", args=[cut.pk]),
            {"csrfmiddlewaretoken": token, "model": "", "count": "1"},
        )
        assert response.status_code == 302


def test_a_repeat_view_runs_the_same_nine_queries(funded_client, cut):
    controls(funded_client, cut)
    with CaptureQueriesContext(connection) as queries:
        controls(funded_client, cut)
    # Session, user, the cut, the cut list's rows, the prompt history, the canvas state,
    # the project's handles, the cut's additional references and the balance.
    assert len(queries) == 9, [query["sql"][:60] for query in queries]
