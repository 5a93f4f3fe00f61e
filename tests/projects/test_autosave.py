"""The editor's autosave: its answer is a status, never the fields being typed in, and a save
typed over text that changed elsewhere is refused with both texts kept."""

import pytest
from django.urls import reverse

from projects.models import Cut

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def save(client, cut, *, base_version, **text):
    data = {"script": cut.script, "prompt": cut.prompt, "negative_prompt": ""} | text
    url = reverse("projects:cut_text", args=[cut.project_id, cut.pk])
    return client.post(url, data | {"base_version": base_version}, **HTMX)


def test_an_autosave_answers_with_the_status_and_the_new_version(owner_client, cut):
    response = save(owner_client, cut, base_version=cut.text_version, prompt="Seohee waits")

    html = response.content.decode()
    cut.refresh_from_db()
    assert response.status_code == 200 and cut.prompt == "Seohee waits"
    assert 'id="save-status"' in html and "Saved" in html
    assert f'data-version="{cut.text_version}"' in html
    assert "<textarea" not in html and "<input" not in html


def test_a_save_from_a_stale_tab_keeps_the_newer_text_and_shows_both(owner_client, cut):
    loaded = cut.text_version
    save(owner_client, cut, base_version=loaded, prompt="Written in the first tab")

    response = save(owner_client, cut, base_version=loaded, prompt="Typed in the second tab")

    html = response.content.decode()
    assert response.status_code == 409
    assert Cut.objects.get(pk=cut.pk).prompt == "Written in the first tab"
    assert "changed in another tab or window" in html
    assert "Written in the first tab" in html  # the newer text, shown beside the typed one
    assert "Save my text instead" in html


def test_keeping_my_text_after_a_conflict_saves_it_over_the_newer_one(owner_client, cut):
    loaded = cut.text_version
    save(owner_client, cut, base_version=loaded, prompt="Written in the first tab")
    newer = Cut.objects.get(pk=cut.pk).text_version

    response = save(owner_client, cut, base_version=newer, prompt="Typed in the second tab")

    assert response.status_code == 200
    assert Cut.objects.get(pk=cut.pk).prompt == "Typed in the second tab"


def test_the_same_text_from_two_tabs_is_no_conflict(owner_client, cut):
    loaded = cut.text_version
    save(owner_client, cut, base_version=loaded, prompt="Same words")

    response = save(owner_client, cut, base_version=loaded, prompt="Same words")

    assert response.status_code == 200 and "Saved" in response.content.decode()


def test_refused_text_says_why_in_the_status_and_saves_nothing(owner_client, cut):
    response = save(owner_client, cut, base_version=cut.text_version, script="x\x07y")

    html = response.content.decode()
    assert 'data-state="invalid"' in html and "invisible control characters" in html
    assert Cut.objects.get(pk=cut.pk).script == "@Seohee sits by the window."


def test_without_javascript_a_conflict_shows_the_page_with_both_texts(owner_client, cut):
    loaded = cut.text_version
    save(owner_client, cut, base_version=loaded, prompt="Written in the first tab")
    url = reverse("projects:cut_text", args=[cut.project_id, cut.pk])

    data = {"script": cut.script, "prompt": "Mine", "negative_prompt": "", "base_version": loaded}
    html = owner_client.post(url, data).content.decode()

    assert "Mine</textarea>" in html and "Written in the first tab" in html
    assert f'name="base_version" value="{loaded}"' in html


def test_a_strangers_autosave_is_a_404(stranger_client, cut):
    response = save(stranger_client, cut, base_version=cut.text_version, prompt="Mine now")

    assert response.status_code == 404
    assert Cut.objects.get(pk=cut.pk).prompt == ""


def test_the_editor_tells_autosave_how_often_to_save_a_long_burst(owner_client, cut, settings):
    default = owner_client.get(cut.get_absolute_url()).content.decode()
    settings.AUTOSAVE_MAX_WAIT_MS = 1000
    shortened = owner_client.get(cut.get_absolute_url()).content.decode()

    assert 'js/autosave.js" data-max-wait-ms="2500"' in default
    assert 'js/autosave.js" data-max-wait-ms="1000"' in shortened
