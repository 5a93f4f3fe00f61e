"""resolve_references: which images a prompt sends, in which order, and why."""

import pytest
from django.core.exceptions import ValidationError

from characters.models import Variation
from characters.references import check_references, resolve_references
from characters.services import set_variation_override
from keyframes.references import add_additional_reference
from tests.factories import make_asset, make_cut, make_project, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(project):
    return {
        "jake": make_asset(project=project, handle="Jake", colour=(10, 20, 30)),
        "seohee": make_asset(project=project, handle="Seohee", colour=(40, 50, 60)),
        "cafe": make_asset(project=project, handle="Cafe", kind="location", colour=(70, 80, 90)),
        "park": make_asset(project=project, handle="Park", kind="location"),
    }


def primary_of(asset):
    return asset.default_variation.images.get(is_primary=True)


def summary(references):
    return [(entry.role, entry.handle or entry.label) for entry in references]


def test_characters_come_first_then_locations_then_additional_references(cut, cast):
    first = add_additional_reference(cut=cut, file=upload(data=png_bytes(colour=(1, 1, 1))))
    second = add_additional_reference(cut=cut, file=upload(data=png_bytes(colour=(2, 2, 2))))

    references = resolve_references(
        cut=cut, prompt="@Cafe at dusk. @Jake walks in, @Seohee looks up."
    )

    assert summary(references) == [
        ("character", "Jake"),
        ("character", "Seohee"),
        ("location", "Cafe"),
        ("additional", "additional reference 1"),
        ("additional", "additional reference 2"),
    ]
    names = [entry.image_name for entry in references]
    assert names == [
        primary_of(cast["jake"]).image.name,
        primary_of(cast["seohee"]).image.name,
        primary_of(cast["cafe"]).image.name,
        first.image.name,
        second.image.name,
    ]
    assert references.unknown_handles == []
    assert references.missing_images == []


def test_locations_keep_their_mention_order(cut, cast):
    references = resolve_references(cut=cut, prompt="@Park, then @Jake crosses to @Cafe")
    assert summary(references) == [
        ("character", "Jake"),
        ("location", "Park"),
        ("location", "Cafe"),
    ]


def test_each_entry_says_what_it_is_and_why_it_is_there(cut, cast):
    jake, cafe = resolve_references(cut=cut, prompt="@Jake at @Cafe").entries
    image = primary_of(cast["jake"])

    assert jake.label == "@Jake's character sheet"
    assert jake.reason == "mentioned as @Jake"
    assert jake.asset == cast["jake"]
    assert jake.variation == cast["jake"].default_variation
    assert jake.thumbnail_name == image.thumbnail.name
    assert jake.sha256 == image.sha256
    assert jake.mime_type == "image/jpeg"
    assert cafe.label == "the location @Cafe"


def test_additional_reference_is_labelled_and_attributed_to_the_creator(cut):
    add_additional_reference(cut=cut, file=upload())
    (entry,) = resolve_references(cut=cut, prompt="an empty street").entries
    assert entry.label == "additional reference 1"
    assert entry.reason == "added by you"
    assert entry.asset is None


@pytest.mark.parametrize(
    ("prompt", "handles"),
    [
        ("@Jake, @Seohee.", ["Jake", "Seohee"]),
        ("(@Seohee) and @Jake!", ["Seohee", "Jake"]),
        ("@Seohee's coat and @Jake’s bag", ["Seohee", "Jake"]),
        ("@jake and @SEOHEE", ["Jake", "Seohee"]),
        ("@Jake waves. @Seohee nods. @Jake leaves.", ["Jake", "Seohee"]),
        ("mail jake@Jake.com or @Seohee", ["Seohee"]),
        ("write to seohee@example.com", []),
    ],
    ids=["punctuation", "brackets", "possessives", "case", "repeated", "e-mail", "only-e-mail"],
)
def test_mentions_resolve_through_the_reference_list(cut, cast, prompt, handles):
    references = resolve_references(cut=cut, prompt=prompt)
    assert [entry.handle for entry in references] == handles
    assert references.unknown_handles == []


def test_korean_particle_after_a_handle_still_resolves(project, cut):
    make_asset(project=project, handle="서희")
    references = resolve_references(cut=cut, prompt="@서희는 창가에 앉아 있다")
    assert [entry.handle for entry in references] == ["서희"]


def test_unknown_mention_is_named_and_refused(cut, cast):
    references = resolve_references(cut=cut, prompt="@Jake meets @Mina at @Cafe")

    assert references.unknown_handles == ["Mina"]
    assert [entry.handle for entry in references] == ["Jake", "Cafe"]
    with pytest.raises(ValidationError) as raised:
        check_references(references)
    assert raised.value.message_dict == {
        "prompt": [
            "Unknown mention: @Mina. Add it as a character or location, or fix the spelling."
        ]
    }


def test_a_handle_of_another_project_is_unknown_here(cut):
    make_asset(project=make_project(owner=cut.project.owner), handle="Mina")
    assert resolve_references(cut=cut, prompt="@Mina waits").unknown_handles == ["Mina"]
    make_asset(project=cut.project, handle="Mina")
    assert resolve_references(cut=cut, prompt="@Mina waits").unknown_handles == []


def test_every_unknown_mention_is_named(cut):
    references = resolve_references(cut=cut, prompt="@Mina and @Joon")
    with pytest.raises(ValidationError) as raised:
        check_references(references)
    assert "@Mina, @Joon" in raised.value.message_dict["prompt"][0]


def test_asset_without_a_primary_image_is_reported_in_place(project, cut, cast):
    bare = make_asset(project=project, handle="Mina", variations=())
    Variation.objects.create(asset=bare, name="Casual")

    references = resolve_references(cut=cut, prompt="@Mina and @Jake")

    assert references.missing_images == ["Mina"]
    assert [(entry.handle, entry.has_image) for entry in references] == [
        ("Mina", False),
        ("Jake", True),
    ]
    assert [entry.handle for entry in references.images] == ["Jake"]
    with pytest.raises(ValidationError) as raised:
        check_references(references)
    (message,) = raised.value.message_dict["prompt"]
    assert message.startswith("@Mina has no primary character sheet in “Casual”")


def test_variation_without_default_falls_back_to_the_first_one(project, cut):
    asset = make_asset(project=project, handle="Jake", variations=("Casual", "Suit"))
    asset.default_variation = None
    asset.save()
    (entry,) = resolve_references(cut=cut, prompt="@Jake").entries
    assert entry.variation.name == "Casual"


def test_known_references_pass_the_check(cut, cast):
    check_references(resolve_references(cut=cut, prompt="@Jake at @Cafe"))


def test_override_selects_another_variation_for_this_cut(project, cut):
    jake = make_asset(project=project, handle="Jake", variations=("Casual", "Suit"))
    suit = jake.variations.get(name="Suit")
    set_variation_override(cut=cut, asset=jake, variation=suit)

    (entry,) = resolve_references(cut=cut, prompt="@Jake").entries

    assert entry.variation == suit
    assert entry.overridden is True
    assert entry.image_name == suit.images.get().image.name


def test_project_style_image_rides_after_the_additional_references(project, cut, cast):
    project.style_image.name = "styles/ink.png"
    project.style_thumbnail.name = "styles/ink-thumb.webp"
    project.save()
    add_additional_reference(cut=cut, file=upload())

    references = resolve_references(cut=cut, prompt="@Jake")

    assert [entry.role for entry in references] == ["character", "additional", "style"]
    assert references.entries[-1].label == "the project's style reference"


def test_query_count_does_not_grow_with_mentions(project, cut, django_assert_max_num_queries):
    for index in range(12):
        make_asset(project=project, handle=f"Extra{index}", variations=("A", "B"))
    add_additional_reference(cut=cut, file=upload())
    prompt = " ".join(f"@Extra{index}" for index in range(12))
    with django_assert_max_num_queries(7):
        references = resolve_references(cut=cut, prompt=prompt)
    assert len(references.images) == 13


def test_a_model_taking_fewer_references_gets_the_first_ones(cut, cast):
    references = resolve_references(cut=cut, prompt="@Jake @Seohee @Cafe")
    sent, dropped = references.for_model(2)
    assert [entry.handle for entry in sent] == ["Jake", "Seohee"]
    assert [entry.handle for entry in dropped] == ["Cafe"]
    assert references.for_model(0) == ([], references.images)


def test_snapshot_is_plain_data(cut, cast):
    (snapshot,) = resolve_references(cut=cut, prompt="@Jake").as_json()
    assert snapshot["handle"] == "Jake"
    assert snapshot["asset_id"] == cast["jake"].pk
    assert snapshot["variation_name"] == "Default"
    assert snapshot["label"] == "@Jake's character sheet"


def test_other_projects_assets_are_never_used(cut, cast):
    other_cut = make_cut()
    make_asset(project=other_cut.project, handle="Mina")
    references = resolve_references(cut=cut, prompt="@Mina")
    assert references.unknown_handles == ["Mina"]
    assert references.entries == []
