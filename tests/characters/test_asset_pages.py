"""The characters & locations pages, as a creator uses them."""

import pytest
from django.urls import reverse

from characters.models import Asset, Variation, VariationImage
from characters.services import create_asset
from tests.factories import add_variation_image, make_asset, png_bytes, upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


@pytest.fixture
def jake(project):
    return create_asset(project=project, kind="character", handle="Jake", name="Jake Kim")


def test_list_groups_characters_and_locations_with_thumbnails(owner_client, project):
    make_asset(project=project, handle="Seohee", name="Seo-hee Park")
    make_asset(project=project, handle="Cafe", kind="location", name="Corner cafe")
    create_asset(project=project, kind="character", handle="Jake", name="Jake Kim")

    response = owner_client.get(reverse("characters:assets", args=[project.pk]))

    html = response.content.decode()
    characters, locations = html.split('id="locations-heading"')
    assert "@Seohee" in characters and "@Jake" in characters and "@Cafe" not in characters
    assert "@Cafe" in locations and "Corner cafe" in locations
    seohee_thumb = Asset.objects.get(handle="Seohee").default_variation.images.get().thumbnail
    assert seohee_thumb.url in html
    assert "no image yet" in characters  # Jake has no image


def test_empty_list_invites_the_first_asset(owner_client, project):
    html = owner_client.get(reverse("characters:assets", args=[project.pk])).content.decode()
    assert "No characters yet" in html and "No locations yet" in html
    assert reverse("characters:asset_create", args=[project.pk]) + "?kind=location" in html


def test_project_bar_links_to_the_asset_pages(owner_client, cut):
    html = owner_client.get(cut.get_absolute_url()).content.decode()
    assert reverse("characters:assets", args=[cut.project_id]) in html


def test_creating_an_asset_opens_its_page_with_a_first_variation(owner_client, project):
    response = owner_client.post(
        reverse("characters:asset_create", args=[project.pk]),
        {"kind": "location", "handle": "@Cafe", "name": "Corner cafe", "description": "Warm"},
    )

    asset = Asset.objects.get()
    assert response.status_code == 302 and response.url == asset.get_absolute_url()
    assert (asset.kind, asset.handle, asset.name) == ("location", "Cafe", "Corner cafe")
    assert asset.default_variation.name == "Default"
    page = owner_client.get(response.url).content.decode()
    assert "Upload a picture of the place" in page


def test_duplicate_handle_in_another_case_is_explained(owner_client, project, jake):
    response = owner_client.post(
        reverse("characters:asset_create", args=[project.pk]),
        {"kind": "character", "handle": "jake", "name": "Another Jake"},
    )
    assert response.status_code == 200
    assert "@jake is already used in this project" in response.content.decode()
    assert Asset.objects.count() == 1


@pytest.mark.parametrize("handle", ["Seo hee", "1st", "jake!"])
def test_badly_shaped_handle_is_explained(owner_client, project, handle):
    response = owner_client.post(
        reverse("characters:asset_create", args=[project.pk]),
        {"kind": "character", "handle": handle, "name": "Someone"},
    )
    assert "A handle starts with a letter and contains only letters" in response.content.decode()
    assert not Asset.objects.exists()


def test_editing_keeps_the_handle_unique(owner_client, project, jake):
    create_asset(project=project, kind="character", handle="Mina", name="Mina")
    url = reverse("characters:asset", args=[project.pk, jake.pk])

    clash = owner_client.post(url, {"handle": "MINA", "name": "Jake"}, **HTMX)
    assert "@MINA is already used in this project" in clash.content.decode()

    saved = owner_client.post(
        url, {"handle": "Jay", "name": "Jay Kim", "description": "Tall"}, **HTMX
    )
    jake.refresh_from_db()
    assert (jake.handle, jake.name, jake.description) == ("Jay", "Jay Kim", "Tall")
    assert "Saved" in saved.content.decode()
    assert jake.kind == "character"


def test_deleting_an_asset_removes_its_files_after_commit(
    owner_client, project, media_in_tmp, django_capture_on_commit_callbacks
):
    asset = make_asset(project=project, handle="Jake", variations=("Casual", "Suit"))
    assert len(stored_files(media_in_tmp)) == 4

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("characters:asset_delete", args=[project.pk, asset.pk])
        )

    assert response.url == reverse("characters:assets", args=[project.pk])
    assert not Asset.objects.exists() and not VariationImage.objects.exists()
    assert stored_files(media_in_tmp) == []


def test_uploading_the_first_image_makes_it_primary(owner_client, project, jake, media_in_tmp):
    variation = jake.default_variation
    url = reverse("characters:image_upload", args=[project.pk, variation.pk])

    response = owner_client.post(url, {"file": upload(data=png_bytes((600, 800)))}, **HTMX)
    owner_client.post(url, {"file": upload(data=png_bytes((400, 400)))}, **HTMX)

    first, second = variation.images.order_by("id")
    assert first.is_primary and not second.is_primary
    assert (first.width, first.height) == (600, 800)
    assert first.thumbnail.name.endswith(".webp") and len(first.sha256) == 64
    assert first.thumbnail.url in response.content.decode()
    assert "Primary sheet" in response.content.decode()
    assert len(stored_files(media_in_tmp)) == 4


BAD_UPLOADS = {
    "svg": ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
    "html": ("page.png", b"<!doctype html><html><body>hi</body></html>"),
    "text": ("notes.png", b"just some words, not an image"),
    "truncated": ("cut.png", png_bytes((400, 400))[:300]),
    "bomb": (
        "bomb.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xc3\x50\x00\x00\xc3\x50\x08\x02\x00\x00\x00"
        b"\x00\x00\x00\x00",
    ),
    "too-small": ("tiny.png", png_bytes((100, 100))),
    "empty": ("empty.png", b""),
}


@pytest.mark.parametrize("name, data", BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_bad_upload_is_refused_and_leaves_nothing_behind(
    owner_client, project, jake, media_in_tmp, name, data
):
    url = reverse("characters:image_upload", args=[project.pk, jake.default_variation.pk])

    response = owner_client.post(url, {"file": upload(name=name, data=data)}, **HTMX)

    assert response.status_code == 200
    assert 'class="error" role="alert"' in response.content.decode()
    assert not VariationImage.objects.exists()
    assert stored_files(media_in_tmp) == []


def test_refusal_reason_is_shown_beside_the_variation(owner_client, project, jake):
    url = reverse("characters:image_upload", args=[project.pk, jake.default_variation.pk])
    response = owner_client.post(url, {"file": upload(data=png_bytes((100, 100)))}, **HTMX)
    assert "The image is too small: each side must be at least 256 pixels" in (
        response.content.decode()
    )


def test_setting_another_primary_image(owner_client, project):
    asset = make_asset(project=project, handle="Jake")
    variation = asset.default_variation
    second = add_variation_image(variation, primary=False)

    owner_client.post(reverse("characters:image_primary", args=[project.pk, second.pk]), **HTMX)

    assert list(variation.images.filter(is_primary=True)) == [second]


def test_deleting_the_primary_image_promotes_the_next_and_removes_files(
    owner_client, project, media_in_tmp, django_capture_on_commit_callbacks
):
    asset = make_asset(project=project, handle="Jake")
    variation = asset.default_variation
    primary = variation.images.get()
    second = add_variation_image(variation, primary=False)
    old_files = {primary.image.path, primary.thumbnail.path}

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("characters:image_delete", args=[project.pk, primary.pk]))

    second.refresh_from_db()
    assert second.is_primary
    remaining = {str(path) for path in stored_files(media_in_tmp)}
    assert not old_files & remaining and len(remaining) == 2


def test_variations_can_be_added_renamed_made_default_and_deleted(owner_client, project, jake):
    add = reverse("characters:variation_add", args=[project.pk, jake.pk])
    response = owner_client.post(add, {"name": "Rain coat"}, **HTMX)
    assert "Rain coat" in response.content.decode()
    coat = Variation.objects.get(name="Rain coat")

    owner_client.post(
        reverse("characters:variation_rename", args=[project.pk, coat.pk]),
        {"name": "Yellow rain coat"},
        **HTMX,
    )
    response = owner_client.post(
        reverse("characters:variation_default", args=[project.pk, coat.pk]), **HTMX
    )
    jake.refresh_from_db()
    assert jake.default_variation.name == "Yellow rain coat"
    assert response.content.decode().count(">Default</span>") == 1

    owner_client.post(reverse("characters:variation_delete", args=[project.pk, coat.pk]), **HTMX)
    jake.refresh_from_db()
    assert list(jake.variations.values_list("name", flat=True)) == ["Default"]
    assert jake.default_variation.name == "Default"


def test_the_last_variation_cannot_be_deleted(owner_client, project, jake):
    only = jake.default_variation
    response = owner_client.post(
        reverse("characters:variation_delete", args=[project.pk, only.pk]), **HTMX
    )
    assert "An asset keeps at least one variation" in response.content.decode()
    assert Variation.objects.filter(pk=only.pk).exists()


def test_adding_a_nameless_variation_is_explained(owner_client, project, jake):
    response = owner_client.post(
        reverse("characters:variation_add", args=[project.pk, jake.pk]), {"name": ""}, **HTMX
    )
    assert "This field is required." in response.content.decode()
    assert jake.variations.count() == 1


def test_plain_form_posts_work_without_htmx(owner_client, project, jake):
    response = owner_client.post(
        reverse("characters:variation_add", args=[project.pk, jake.pk]), {"name": "Night"}
    )
    assert response.status_code == 302 and response.url == jake.get_absolute_url()
