import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from credits.services import balance_of, grant_credits
from keyframes.models import GenerationJob
from projects.models import Cut, Project, PromptRevision
from tests.factories import make_cut, make_project

pytestmark = pytest.mark.django_db


def test_signing_up_lands_on_an_empty_project_list(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
        follow=True,
    )
    assert b"confirm" in response.content.lower()
    [link] = re.findall(r"https?://\S+/confirm-email/\S+/", mail.outbox[-1].body)
    response = client.post(link, follow=True)
    assert response.status_code == 200
    assert b"No storyboards yet" in response.content


def test_creating_a_project_opens_its_first_cut(owner_client, user):
    response = owner_client.post(
        reverse("projects:create"),
        {"title": "Night shift", "aspect_ratio": "16:9", "quality_preset": "fast"},
        follow=True,
    )
    project = Project.objects.get(owner=user, title="Night shift")
    assert project.aspect_ratio == "16:9"
    assert project.cuts.count() == 1
    assert b"Cut 1" in response.content


def test_project_form_refuses_an_unknown_ratio(owner_client, user):
    response = owner_client.post(
        reverse("projects:create"), {"title": "x", "aspect_ratio": "21:9", "quality_preset": "fast"}
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not Project.objects.filter(owner=user).exists()


def test_cut_list_shows_cuts_in_order_with_status(owner_client, project):
    make_cut(project=project, script="First scene")
    make_cut(project=project, script="Second scene", prompt="a prompt", status="prompt_ready")
    response = owner_client.get(project.get_absolute_url(), follow=True)
    html = response.content.decode()
    assert html.index("First scene") < html.index("Second scene")
    assert "Prompt ready" in html


def test_reordering_cuts_is_persisted(owner_client, project):
    first, second, third = (make_cut(project=project, script=s) for s in "abc")
    response = owner_client.post(
        reverse("projects:cut_reorder", args=[project.pk]),
        {"order": f"{third.pk},{first.pk},{second.pk}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert list(project.cuts.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]


def test_reorder_must_name_every_cut_once(owner_client, project):
    first, second = make_cut(project=project), make_cut(project=project)
    response = owner_client.post(
        reverse("projects:cut_reorder", args=[project.pk]), {"order": f"{first.pk},{first.pk}"}
    )
    assert b"every cut of this storyboard once" in response.content
    assert list(project.cuts.values_list("pk", flat=True)) == [first.pk, second.pk]


def test_moving_a_cut_up(owner_client, project):
    first, second = make_cut(project=project), make_cut(project=project)
    response = owner_client.post(
        reverse("projects:cut_move", args=[project.pk]),
        {"up": second.pk, "selected": first.pk},
        HTTP_HX_REQUEST="true",
    )
    assert list(project.cuts.values_list("pk", flat=True)) == [second.pk, first.pk]
    html = response.content.decode()
    # The list comes back in the new order, the open cut still highlighted.
    assert html.index(f'id="cut-item-{second.pk}"') < html.index(f'id="cut-item-{first.pk}"')
    assert re.search(rf'class="cut-item selected" id="cut-item-{first.pk}"', html)


def test_moving_a_cut_down_without_htmx_opens_it(owner_client, project):
    first, second = make_cut(project=project), make_cut(project=project)
    response = owner_client.post(
        reverse("projects:cut_move", args=[project.pk]), {"down": first.pk}
    )
    assert response.status_code == 302
    assert response.url == first.get_absolute_url()
    assert list(project.cuts.values_list("pk", flat=True)) == [second.pk, first.pk]


@pytest.mark.parametrize("data", [{}, {"up": "x"}, {"up": "1", "down": "2"}])
def test_a_move_that_names_no_single_cut_is_refused(owner_client, project, data):
    first, second = make_cut(project=project), make_cut(project=project)
    response = owner_client.post(
        reverse("projects:cut_move", args=[project.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert "Choose one cut to move up or down." in response.content.decode()
    assert list(project.cuts.values_list("pk", flat=True)) == [first.pk, second.pk]


def test_moving_another_projects_cut_is_a_404(owner_client, project, user):
    other = make_cut(project=make_project(owner=user))
    response = owner_client.post(reverse("projects:cut_move", args=[project.pk]), {"up": other.pk})
    assert response.status_code == 404


def test_saving_script_and_prompt_without_reload(owner_client, project, cut):
    response = owner_client.post(
        reverse("projects:cut_text", args=[project.pk, cut.pk]),
        {"script": "@Seohee waves.", "prompt": "A woman waves", "negative_prompt": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Saved" in response.content
    cut.refresh_from_db()
    assert (cut.script, cut.prompt, cut.status) == (
        "@Seohee waves.",
        "A woman waves",
        "prompt_ready",
    )
    assert PromptRevision.objects.filter(cut=cut, source="manual").count() == 1


def test_an_earlier_prompt_can_be_restored(owner_client, project, cut):
    url = reverse("projects:cut_text", args=[project.pk, cut.pk])
    owner_client.post(url, {"script": "", "prompt": "first", "negative_prompt": ""})
    owner_client.post(url, {"script": "", "prompt": "second", "negative_prompt": ""})
    first = cut.prompt_revisions.get(prompt="first")
    owner_client.post(
        reverse("projects:prompt_restore", args=[project.pk, cut.pk]), {"revision": first.pk}
    )
    cut.refresh_from_db()
    assert cut.prompt == "first"


def test_too_long_script_gets_a_clear_message(owner_client, project, cut, settings):
    response = owner_client.post(
        reverse("projects:cut_text", args=[project.pk, cut.pk]),
        {"script": "x" * (settings.SCRIPT_MAX_CHARS + 1), "prompt": "", "negative_prompt": ""},
        HTTP_HX_REQUEST="true",
    )
    assert b"at most" in response.content
    cut.refresh_from_db()
    assert cut.script == "@Seohee sits by the window."


def test_deleting_a_cut_renumbers_the_rest(owner_client, project):
    first, second, third = (make_cut(project=project) for _ in range(3))
    owner_client.post(reverse("projects:cut_delete", args=[project.pk, second.pk]))
    assert not Cut.objects.filter(pk=second.pk).exists()
    assert list(project.cuts.values_list("position", flat=True)) == [0, 1]


def test_a_cut_with_a_running_job_is_not_deleted_and_keeps_its_credits(owner_client, user, project):
    grant_credits(user=user, amount=20, memo="test")
    cut = make_cut(project=project, prompt="a street")
    GenerationJob.objects.create(
        user=user,
        cut=cut,
        model_key="flux-2-pro",
        count=4,
        prompt="a street",
        aspect_ratio="9:16",
        credits_per_image=5,
        idempotency_key="running",
        status="running",
    )
    response = owner_client.post(
        reverse("projects:cut_delete", args=[project.pk, cut.pk]), follow=True
    )
    assert Cut.objects.filter(pk=cut.pk).exists()
    assert "still being generated" in response.content.decode()
    assert balance_of(user=user) == 20


def test_a_project_with_a_queued_job_is_not_deleted(owner_client, user, project):
    cut = make_cut(project=project, prompt="a street")
    GenerationJob.objects.create(
        user=user,
        cut=cut,
        model_key="local-draft",
        count=1,
        prompt="a street",
        aspect_ratio="9:16",
        credits_per_image=0,
        idempotency_key="queued",
    )
    owner_client.post(reverse("projects:delete", args=[project.pk]))
    assert Project.objects.filter(pk=project.pk).exists()


def test_saving_the_text_reads_nothing_but_what_the_form_shows(owner_client, project, cut):
    """Autosave runs on every pause in typing: it must not build the canvas, the cut list
    or the Generate controls it does not send back."""
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.post(
            reverse("projects:cut_text", args=[project.pk, cut.pk]),
            {"script": "@Seohee waves.", "prompt": "A woman waves", "negative_prompt": ""},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200 and "Saved" in response.content.decode()
    read = " ".join(query["sql"] for query in queries)
    for table in ("keyframes_candidate", "keyframes_additionalreference", "characters_asset"):
        assert table not in read, table
