import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from tests.factories import png_bytes, upload

pytestmark = pytest.mark.django_db


def settings_url(project):
    return reverse("projects:settings", args=[project.pk])


def form_data(**changes):
    data = {
        "title": "Cafe story",
        "quality_preset": "standard",
        "default_model": "",
        "label_references": "on",
        "style_text": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def files_under(media_root, folder):
    root = media_root / folder
    return sorted(path.name for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_settings_page_shows_the_fixed_ratio_and_the_tier_models(owner_client, project):
    html = owner_client.get(settings_url(project)).content.decode()

    assert "9:16 vertical" in html and "Fixed when the project was created" in html
    assert 'name="aspect_ratio"' not in html
    assert "Automatic (Cutflow picks per cut)" in html
    assert 'value="flux-2-pro"' in html and 'value="local-draft"' in html
    assert 'value="flux-2-flex"' not in html  # premium tier


def test_saving_settings_updates_the_project(owner_client, project, settings):
    settings.REPLICATE_API_TOKEN = "r8_test-token"
    data = form_data(
        title="Cafe story, final",
        quality_preset="premium",
        default_model="flux-2-flex",
        label_references=None,
        style_text="muted watercolour",
    )

    response = owner_client.post(settings_url(project), data, follow=True)

    project.refresh_from_db()
    assert project.title == "Cafe story, final"
    assert project.quality_preset == "premium"
    assert project.default_model == "flux-2-flex"
    assert project.label_references is False
    assert project.style_text == "muted watercolour"
    assert "Settings saved." in response.content.decode()


def test_a_model_outside_the_tier_is_refused(owner_client, project, settings):
    settings.REPLICATE_API_TOKEN = "r8_test-token"

    data = form_data(quality_preset="fast", default_model="flux-2-flex", title="New")

    response = owner_client.post(settings_url(project), data)

    assert response.status_code == 200
    assert "Flux 2 Flex is not in this project&#x27;s fast tier." in response.content.decode()
    project.refresh_from_db()
    assert (project.title, project.quality_preset, project.default_model) == (
        "Cafe story",
        "standard",
        "",
    )


def test_an_unknown_model_is_refused(owner_client, project):
    response = owner_client.post(settings_url(project), form_data(default_model="dall-e-9"))

    assert "There is no model called “dall-e-9”." in response.content.decode()
    project.refresh_from_db()
    assert project.default_model == ""


def test_the_offline_draft_model_can_be_the_default(owner_client, project):
    owner_client.post(settings_url(project), form_data(default_model="local-draft"))

    project.refresh_from_db()
    assert project.default_model == "local-draft"


def test_style_image_is_stored_with_a_thumbnail_and_replaced(
    owner_client, project, media_in_tmp, django_capture_on_commit_callbacks
):
    owner_client.post(settings_url(project), form_data(style_image=upload("style.png")))
    project.refresh_from_db()
    first = (project.style_image.name, project.style_thumbnail.name)
    assert default_storage.exists(first[0]) and first[1].endswith(".webp")

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            settings_url(project),
            form_data(style_image=upload("new.png", png_bytes(colour=(10, 200, 10)))),
        )

    project.refresh_from_db()
    assert project.style_image.name != first[0]
    assert not default_storage.exists(first[0]) and not default_storage.exists(first[1])
    assert len(files_under(media_in_tmp, "styles")) == 2


def test_style_image_can_be_removed(
    owner_client, project, media_in_tmp, django_capture_on_commit_callbacks
):
    owner_client.post(settings_url(project), form_data(style_image=upload("style.png")))

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(settings_url(project), form_data(remove_style_image="on"))

    project.refresh_from_db()
    assert not project.style_image and not project.style_thumbnail
    assert files_under(media_in_tmp, "styles") == []


def test_a_bad_style_upload_leaves_nothing_behind(owner_client, project, media_in_tmp):
    bad = upload("style.png", b"not an image at all", "image/png")

    response = owner_client.post(
        settings_url(project), form_data(style_image=bad, style_text="changed")
    )

    assert "not a PNG, JPEG or WebP image" in response.content.decode()
    project.refresh_from_db()
    assert not project.style_image and project.style_text == ""
    assert files_under(media_in_tmp, "") == []


def test_a_tiny_style_image_is_refused(owner_client, project, media_in_tmp):
    tiny = upload("tiny.png", png_bytes(size=(40, 40)))

    response = owner_client.post(settings_url(project), form_data(style_image=tiny))

    assert "too small" in response.content.decode()
    assert files_under(media_in_tmp, "") == []


def test_strangers_get_404_on_settings(stranger_client, project):
    assert stranger_client.get(settings_url(project)).status_code == 404
    response = stranger_client.post(settings_url(project), form_data(title="Taken"))
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.title == "Cafe story"
