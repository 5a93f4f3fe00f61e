"""A fresh cut editor page shows the cut's heading, text and shot from the cache; whatever
changes the cut (a worker's writer too) or its prompt history shows on the next view."""

import re

import pytest
from django.test import Client

from projects.models import Cut, PromptRevision
from projects.services import record_prompt
from projects.text_form import prompt_history
from tests.factories import make_cut

pytestmark = pytest.mark.django_db


@pytest.fixture
def cut(project):
    return make_cut(project=project, script="Mina waits.", prompt="A door")


def view(client, cut) -> str:
    response = client.get(cut.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str, name: str) -> str:
    return re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S).group(1)


def test_text_written_straight_to_the_row_shows_on_the_next_view(owner_client, cut):
    first = view(owner_client, cut)
    assert text_of(first, "prompt").strip() == "A door"
    # As the prompt writer does it on the worker: an UPDATE, no save().
    Cut.objects.filter(pk=cut.pk).update(
        prompt="A red door at dusk",
        shot_size="wide",
        prompt_task=Cut.PromptTask.FAILED,
        prompt_task_message="The writer gave up.",
    )
    again = view(owner_client, cut)
    assert text_of(again, "prompt").strip() == "A red door at dusk"
    assert re.search(r'<option value="wide" selected>', again)
    assert "The writer gave up." in again


def test_a_new_prompt_in_the_history_shows_on_the_next_view(owner_client, cut):
    view(owner_client, cut)
    record_prompt(cut=cut, prompt="An older idea of the door", source=PromptRevision.Source.MANUAL)
    assert "An older idea of the door" in view(owner_client, cut)


def test_the_history_offers_the_five_latest_prompts_newest_first(owner_client, cut):
    for number in range(7):
        record_prompt(cut=cut, prompt=f"Idea {number}", source=PromptRevision.Source.MANUAL)
    shown = prompt_history(cut)
    assert shown == list(cut.prompt_revisions.all()[:5])
    assert [revision.prompt for revision in shown] == [f"Idea {n}" for n in (6, 5, 4, 3, 2)]
    html = view(owner_client, cut)
    assert html.index("Idea 6") < html.index("Idea 2") and "Idea 1" not in html


def test_each_session_gets_its_own_form_tokens(user, cut):
    sessions = [Client(enforce_csrf_checks=True) for _ in range(2)]
    tokens = []
    for session in sessions:
        session.force_login(user)
        view(session, cut)  # the first view sets the session's CSRF cookie
        html = view(session, cut)
        form = re.search(r'<form id="cut-text".*?</form>', html, re.S).group(0)
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1))
    for session, token in zip(sessions, tokens, strict=True):
        response = session.post(
            cut.get_absolute_url() + "text/",
            {"csrfmiddlewaretoken": token, "script": "Mina waits.", "prompt": "A door"},
        )
        assert response.status_code == 200
