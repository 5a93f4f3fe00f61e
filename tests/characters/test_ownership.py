"""Every characters URL answers 404 to another user, and changes nothing."""

import pytest
from django.urls import reverse

from characters.models import Asset, Variation, VariationImage
from keyframes.references import add_additional_reference
from tests.factories import make_asset, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(project, cut):
    asset = make_asset(project=project, handle="Jake", variations=("Casual", "Suit"))
    variation = asset.default_variation
    return {
        "project_id": project.pk,
        "asset_id": asset.pk,
        "variation_id": variation.pk,
        "image_id": variation.images.get().pk,
        "cut_id": cut.pk,
        "reference_id": add_additional_reference(cut=cut, file=upload()).pk,
    }


ROUTES = [
    ("get", "assets", ["project_id"]),
    ("get", "asset_create", ["project_id"]),
    ("post", "asset_create", ["project_id"]),
    ("get", "asset", ["project_id", "asset_id"]),
    ("post", "asset", ["project_id", "asset_id"]),
    ("post", "asset_delete", ["project_id", "asset_id"]),
    ("post", "variation_add", ["project_id", "asset_id"]),
    ("post", "variation_rename", ["project_id", "variation_id"]),
    ("post", "variation_delete", ["project_id", "variation_id"]),
    ("post", "variation_default", ["project_id", "variation_id"]),
    ("post", "image_upload", ["project_id", "variation_id"]),
    ("post", "image_primary", ["project_id", "image_id"]),
    ("post", "image_delete", ["project_id", "image_id"]),
    ("get", "handles", ["project_id"]),
    ("get", "keyframes:cut_references", ["cut_id"]),
    ("post", "keyframes:reference_variation", ["cut_id"]),
    ("post", "keyframes:additional_add", ["cut_id"]),
    ("post", "keyframes:additional_remove", ["cut_id", "reference_id"]),
    ("post", "keyframes:additional_move", ["cut_id", "reference_id"]),
]


@pytest.mark.parametrize(("method", "name", "args"), ROUTES, ids=[f"{m} {n}" for m, n, _ in ROUTES])
def test_stranger_gets_404(stranger_client, owned, method, name, args):
    url = reverse(name if ":" in name else f"characters:{name}", args=[owned[arg] for arg in args])
    data = {
        "name": "Taken",
        "handle": "Taken",
        "kind": "character",
        "asset": owned["asset_id"],
        "variation": owned["variation_id"],
        "file": upload(),
        "direction": "left",
    }
    response = getattr(stranger_client, method)(url, data if method == "post" else {})
    assert response.status_code == 404
    assert Asset.objects.get().handle == "Jake"
    assert Variation.objects.count() == 2 and VariationImage.objects.count() == 2


def test_asset_of_one_project_is_404_under_another_project_of_the_same_owner(
    owner_client, user, owned
):
    from tests.factories import make_project

    other = make_project(owner=user)
    url = reverse("characters:asset", args=[other.pk, owned["asset_id"]])
    assert owner_client.get(url).status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(client, owned):
    response = client.get(reverse("characters:assets", args=[owned["project_id"]]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
