"""The reference panel a creator sees beside the prompt, and the @ autocomplete."""

import pytest
from django.urls import reverse

from characters.models import Variation
from keyframes.references import add_additional_reference
from tests.factories import make_asset, make_cut, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(project):
    make_asset(project=project, handle="Jake", name="Jake Kim", variations=("Casual", "Suit"))
    make_asset(project=project, handle="Seohee", name="Seo-hee Park")
    make_asset(project=project, handle="Cafe", kind="location", name="Corner cafe")


def panel(client, cut, **params):
    response = client.get(reverse("keyframes:cut_references", args=[cut.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def positions(html, *needles):
    return [html.index(needle) for needle in needles]


def test_cards_follow_the_reference_order(owner_client, cut, cast):
    add_additional_reference(cut=cut, file=upload())
    html = panel(owner_client, cut, prompt="@Cafe at night, @Seohee and @Jake")

    title = '<strong class="ref-title">'
    seohee, jake, cafe, additional = positions(
        html, f"{title}@Seohee", f"{title}@Jake", f"{title}@Cafe", "Additional reference 1"
    )
    assert seohee < jake < cafe < additional
    assert "Mentioned as @Seohee" in html
    assert "Added by you" in html
    assert "Additional references: 1 of 5" in html


def test_prompt_defaults_to_the_saved_prompt(owner_client, project, cast):
    cut = make_cut(project=project, prompt="@Jake alone")
    html = panel(owner_client, cut)
    assert "@Jake" in html and "@Seohee" not in html


def test_without_a_prompt_the_panel_previews_the_scripts_mentions(owner_client, project, cast):
    cut = make_cut(project=project, script="@Seohee waits in @Cafe", prompt="")
    html = panel(owner_client, cut, prompt="")
    assert '<strong class="ref-title">@Seohee' in html
    assert '<strong class="ref-title">@Cafe' in html
    assert "No prompt yet: these are the references the script mentions." in html


def test_unknown_mention_is_flagged(owner_client, cut, cast):
    html = panel(owner_client, cut, prompt="@Jake and @Mina")
    assert "Unknown mention" in html and "<strong>@Mina</strong>" in html
    assert reverse("characters:asset_create", args=[cut.project_id]) in html


def test_missing_primary_image_is_flagged_with_a_link(owner_client, project, cut):
    mina = make_asset(project=project, handle="Mina", variations=())
    Variation.objects.create(asset=mina, name="Casual")
    html = panel(owner_client, cut, prompt="@Mina")
    assert "No primary sheet in “Casual”" in html
    assert mina.get_absolute_url() in html


def test_references_beyond_the_models_limit_are_marked(owner_client, cut, cast):
    html = panel(owner_client, cut, prompt="@Jake @Seohee @Cafe", model="ip-adapter-faceid")
    assert html.count("Not sent to this model") == 2
    assert "the last 2 below are not sent" in html


def test_model_without_references_gets_the_prompt_alone(owner_client, cut, cast):
    html = panel(owner_client, cut, prompt="@Jake @Cafe", model="recraft-v3")
    assert "takes no reference images: only the prompt is sent" in html
    assert html.count("Not sent to this model") == 2


def test_variation_select_offers_the_assets_variations(owner_client, cut, cast):
    html = panel(owner_client, cut, prompt="@Jake")
    assert '<option value="">Casual (default)</option>' in html
    assert ">Suit</option>" in html


def test_adding_moving_and_removing_additional_references(owner_client, cut):
    add_url = reverse("keyframes:additional_add", args=[cut.pk])
    owner_client.post(add_url, {"file": upload(name="a.png")}, HTTP_HX_REQUEST="true")
    html = owner_client.post(add_url, {"file": upload()}, HTTP_HX_REQUEST="true").content.decode()
    first, second = cut.additional_references.all()
    assert "Additional reference 2" in html

    owner_client.post(
        reverse("keyframes:additional_move", args=[cut.pk, second.pk]),
        {"direction": "left"},
        HTTP_HX_REQUEST="true",
    )
    assert list(cut.additional_references.all()) == [second, first]

    owner_client.post(
        reverse("keyframes:additional_remove", args=[cut.pk, second.pk]), HTTP_HX_REQUEST="true"
    )
    assert list(cut.additional_references.all()) == [first]
    first.refresh_from_db()
    assert first.position == 0


def test_sixth_additional_reference_is_refused_in_the_panel(owner_client, cut):
    for _ in range(5):
        add_additional_reference(cut=cut, file=upload())
    html = panel(owner_client, cut, prompt="")
    assert "Limit reached" in html and "+ Add image" not in html

    response = owner_client.post(
        reverse("keyframes:additional_add", args=[cut.pk]),
        {"file": upload()},
        HTTP_HX_REQUEST="true",
    )
    assert "A cut can have at most 5 additional references." in response.content.decode()
    assert cut.additional_references.count() == 5


def test_editor_loads_the_panel_lazily(owner_client, cut):
    html = owner_client.get(cut.get_absolute_url()).content.decode()
    assert f'hx-get="{reverse("keyframes:cut_references", args=[cut.pk])}"' in html
    assert 'data-mention-url="' in html and "js/mentions.js" in html


def test_autocomplete_lists_matching_handles(owner_client, project, cast):
    url = reverse("characters:handles", args=[project.pk])
    found = owner_client.get(url, {"q": "se"}).json()["handles"]
    assert [item["handle"] for item in found] == ["Seohee"]
    assert found[0]["name"] == "Seo-hee Park" and found[0]["kind"] == "Character"
    assert found[0]["thumbnail"].endswith(".webp")

    everything = owner_client.get(url, {"q": ""}).json()["handles"]
    assert [item["handle"] for item in everything] == ["Cafe", "Jake", "Seohee"]
