"""A cut can use another variation of an asset; nothing else changes."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from characters.models import CutVariationOverride
from characters.references import resolve_references
from characters.services import clear_variation_override, set_variation_override
from tests.factories import make_asset, make_cut, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def jake(project):
    return make_asset(project=project, handle="Jake", variations=("Casual", "Suit"))


def variation_in(cut, prompt="@Jake"):
    (entry,) = resolve_references(cut=cut, prompt=prompt).entries
    return entry.variation.name


def test_override_changes_one_cut_only(project, cut, jake):
    other_cut = make_cut(project=project)
    suit = jake.variations.get(name="Suit")

    set_variation_override(cut=cut, asset=jake, variation=suit)

    jake.refresh_from_db()
    assert jake.default_variation.name == "Casual"
    assert variation_in(cut) == "Suit"
    assert variation_in(other_cut) == "Casual"


def test_clearing_the_override_returns_to_the_default(cut, jake):
    set_variation_override(cut=cut, asset=jake, variation=jake.variations.get(name="Suit"))
    clear_variation_override(cut=cut, asset=jake)
    assert variation_in(cut) == "Casual"
    assert not CutVariationOverride.objects.exists()


def test_setting_an_override_twice_keeps_one_row(cut, jake):
    for name in ("Suit", "Casual", "Suit"):
        set_variation_override(cut=cut, asset=jake, variation=jake.variations.get(name=name))
    assert CutVariationOverride.objects.get().variation.name == "Suit"


def test_variation_of_another_asset_is_refused(project, cut, jake):
    seohee = make_asset(project=project, handle="Seohee")
    with pytest.raises(ValidationError):
        set_variation_override(cut=cut, asset=jake, variation=seohee.default_variation)
    assert not CutVariationOverride.objects.exists()


def test_asset_of_another_project_is_refused(cut):
    stranger_asset = make_asset(project=make_project(), handle="Jake")
    with pytest.raises(ValidationError):
        set_variation_override(
            cut=cut, asset=stranger_asset, variation=stranger_asset.default_variation
        )
    assert not CutVariationOverride.objects.exists()


def test_panel_select_sets_and_clears_the_override(owner_client, cut, jake):
    url = reverse("keyframes:reference_variation", args=[cut.pk])
    suit = jake.variations.get(name="Suit")

    response = owner_client.post(
        url, {"asset": jake.pk, "variation": suit.pk, "prompt": "@Jake"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert variation_in(cut) == "Suit"
    html = response.content.decode()
    assert f'<option value="{suit.pk}" selected>Suit</option>' in html
    assert "This cut only" in html

    owner_client.post(url, {"asset": jake.pk, "variation": "", "prompt": "@Jake"})
    assert variation_in(cut) == "Casual"


def test_another_users_variation_id_is_a_404_and_never_applied(owner_client, cut, jake):
    foreign = make_asset(project=make_project(), handle="Jake", variations=("Evil",))
    url = reverse("keyframes:reference_variation", args=[cut.pk])

    wrong_variation = owner_client.post(
        url, {"asset": jake.pk, "variation": foreign.default_variation.pk}
    )
    wrong_asset = owner_client.post(
        url, {"asset": foreign.pk, "variation": foreign.default_variation.pk}
    )

    assert wrong_variation.status_code == 404
    assert wrong_asset.status_code == 404
    assert not CutVariationOverride.objects.exists()
