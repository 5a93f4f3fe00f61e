"""The model a creator picks stays picked, Generate spends only on the model its button names,
and a preset change moves cuts whose model left the tier."""

import pytest
from django.urls import reverse

from credits.services import balance_of
from keyframes.models import GenerationJob
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_project

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def generate_post(client, cut, **fields):
    data = {
        "model": "",
        "count": "4",
        "idempotency_key": "key-1",
        "script": cut.script,
        "prompt": cut.prompt,
        "negative_prompt": "",
    } | fields
    return client.post(reverse("keyframes:generate", args=[cut.pk]), data, **HTMX)


def test_picking_a_model_keeps_it_for_the_cut(fake_provider, funded_client, draft_cut):
    url = reverse("keyframes:choose_generation", args=[draft_cut.pk])

    response = funded_client.post(url, {"model": "flux-2-pro", "count": "2"}, **HTMX)

    assert "2 × 5 = 10 credits" in response.content.decode()
    cut = Cut.objects.get(pk=draft_cut.pk)
    assert (cut.model, cut.candidate_count) == ("flux-2-pro", 2)
    page = funded_client.get(cut.get_absolute_url()).content.decode()
    assert '<option value="flux-2-pro" selected>' in page


def test_a_model_outside_the_tier_is_not_kept(fake_provider, funded_client, draft_cut):
    url = reverse("keyframes:choose_generation", args=[draft_cut.pk])

    response = funded_client.post(url, {"model": "flux-2-flex", "count": "4"}, **HTMX)

    assert "not in this project" in response.content.decode()
    assert Cut.objects.get(pk=draft_cut.pk).model == ""


def test_a_refused_generate_shows_the_chosen_model_and_cost(
    fake_provider, funded_client, draft_cut
):
    response = generate_post(funded_client, draft_cut, model="local-draft", prompt="@Nobody waves")

    html = response.content.decode()
    assert '<option value="local-draft" selected>' in html
    assert "4 × 0 = 0 credits" in html
    assert not GenerationJob.objects.exists()


def test_generate_refuses_a_model_other_than_the_one_on_the_button(
    fake_provider, funded_client, funded
):
    project = make_project(owner=funded)  # automatic: the model follows the prompt's mentions
    make_asset(project=project, handle="Mina")
    cut = make_cut(project=project, prompt="@Mina waits by the window")

    response = generate_post(funded_client, cut, expected_model="local-draft")

    html = response.content.decode()
    assert "Nothing was charged: this would now run" in html
    assert "not Local draft (offline) as shown" in html
    assert not GenerationJob.objects.exists() and balance_of(user=funded) == 100


def test_a_preset_change_moves_cuts_whose_model_left_the_tier(owner_client, project):
    kept = make_cut(project=project, model="local-draft")
    moved = make_cut(project=project, model="flux-2-pro")
    url = reverse("projects:settings", args=[project.pk])
    data = {"title": project.title, "quality_preset": "fast", "default_model": ""}

    response = owner_client.post(url, data, follow=True)

    assert Cut.objects.get(pk=moved.pk).model == ""
    assert Cut.objects.get(pk=kept.pk).model == "local-draft"
    html = response.content.decode()
    assert "1 cut&#x27;s model is not in the Fast tier" in html


def test_creators_read_no_operator_instructions_for_unavailable_models(
    funded_client, draft_cut, settings
):
    settings.REPLICATE_API_TOKEN = ""
    page = funded_client.get(draft_cut.get_absolute_url()).content.decode()
    assert "unavailable: not set up on this site" in page
    assert "REPLICATE_API_TOKEN" not in page


def test_the_panel_names_script_mentions_the_prompt_lacks(funded_client, funded):
    project = make_project(owner=funded)
    make_asset(project=project, handle="Mina")
    cut = make_cut(project=project, script="@Mina waits.", prompt="A woman waits")
    url = reverse("keyframes:cut_references", args=[cut.pk])

    html = funded_client.get(url, {"prompt": cut.prompt, "script": cut.script}, **HTMX)

    assert 'data-add-mentions="@Mina"' in html.content.decode()
    with_mention = funded_client.get(url, {"prompt": "@Mina waits", "script": cut.script}, **HTMX)
    assert "data-add-mentions" not in with_mention.content.decode()
