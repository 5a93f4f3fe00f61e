"""Script breakdown: a Fountain or plain-text script becomes proposed cuts with @mentions and
proposed assets; nothing is written until a reviewed breakdown is imported, once."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from characters.models import Asset
from keyframes.breakdown.proposal import Breakdown, ProposedAsset, ProposedCut
from keyframes.breakdown.reading import decode_script_file
from keyframes.breakdown.review import AssetRow, CutRow, reviewed_breakdown
from keyframes.breakdown.services import import_breakdown, propose_breakdown
from keyframes.models import ScriptImport
from tests.factories import make_asset, make_cut, png_bytes

RAIN = (Path(__file__).parent / "scripts" / "rain.fountain").read_text()

pytestmark = pytest.mark.django_db


@pytest.fixture
def cafe_project(project):
    make_asset(project=project, handle="Seohee", name="Seohee")
    make_asset(project=project, handle="Cafe", name="Corner cafe", kind="location")
    return project


def scripts(breakdown):
    return [cut.script for cut in breakdown.cuts]


def test_fountain_sample_becomes_cuts_in_order_with_mentions(cafe_project):
    breakdown = propose_breakdown(project=cafe_project, text=RAIN, filename="rain.fountain")

    assert scripts(breakdown) == [
        "Rain streaks the windows. @Seohee hurries in, shaking out her umbrella. At @Cafe.",
        "@Jake (looking up): “You made it.” At @Cafe.",
        "@Seohee: “Barely. Is the window seat free?” At @Cafe.",
        "CLOSE ON @Seohee's hands around a coffee cup. At @Cafe.",
        "@Mina, a courier in a yellow raincoat, waits under an awning with a parcel. "
        "At @MarketStreet.",
        "@Mina: “Third delivery tonight.” At @MarketStreet.",
    ]
    assert breakdown.writer == "offline"


def test_shot_size_is_set_only_where_the_text_implies_one(cafe_project):
    breakdown = propose_breakdown(project=cafe_project, text=RAIN)

    assert [cut.shot_size for cut in breakdown.cuts] == ["", "", "", "close_up", "", ""]


def test_new_characters_and_locations_are_proposed_with_text_from_the_script(cafe_project):
    breakdown = propose_breakdown(project=cafe_project, text=RAIN)

    proposed = {asset.handle: asset for asset in breakdown.new_assets}
    assert sorted(proposed) == ["Jake", "MarketStreet", "Mina"]
    assert proposed["Jake"].kind == "character"
    assert proposed["Jake"].description == "Says: “You made it.”"
    assert proposed["Mina"].name == "Mina"
    assert "yellow raincoat" in proposed["Mina"].description
    assert proposed["MarketStreet"].kind == "location"
    assert proposed["MarketStreet"].name == "Market Street"
    assert proposed["MarketStreet"].description.startswith("Exterior, night.")


def test_proposing_writes_nothing(cafe_project):
    cuts_before = list(cafe_project.cuts.values_list("pk", "script"))

    propose_breakdown(project=cafe_project, text=RAIN)

    assert list(cafe_project.cuts.values_list("pk", "script")) == cuts_before
    assert cafe_project.assets.count() == 2
    assert not ScriptImport.objects.exists()


def test_hangul_names_cues_and_glued_particles_become_mentions(project):
    make_asset(project=project, handle="서희", name="서희")
    script = (
        "INT. 카페 - 밤\n\n서희는 창가에 앉아 있다.\n\n서희\n(조용히)\n안녕.\n\n@민준\n늦었어.\n"
    )

    breakdown = propose_breakdown(project=project, text=script)

    assert scripts(breakdown) == [
        "@서희는 창가에 앉아 있다. At @카페.",
        "@서희 (조용히): “안녕.” At @카페.",
        "@민준: “늦었어.” At @카페.",
    ]
    assert [(a.kind, a.handle) for a in breakdown.new_assets] == [
        ("location", "카페"),
        ("character", "민준"),
    ]


def test_plain_text_becomes_one_cut_per_paragraph_with_names_as_mentions(cafe_project):
    text = (
        "SEOHEE waits at the corner cafe while rain falls.\n\n"
        "A close-up of the note in her hand.\n\n"
        "She smiles, and seohee's phone buzzes."
    )

    breakdown = propose_breakdown(project=cafe_project, text=text)

    assert scripts(breakdown) == [
        "@Seohee waits at the @Cafe while rain falls.",
        "A close-up of the note in her hand.",
        "She smiles, and @Seohee's phone buzzes.",
    ]
    assert [cut.shot_size for cut in breakdown.cuts] == ["", "close_up", ""]
    assert breakdown.new_assets == []


def test_new_assets_and_cuts_are_created_on_import(cafe_project):
    breakdown = propose_breakdown(project=cafe_project, text=RAIN)

    record, created = import_breakdown(
        project=cafe_project, breakdown=breakdown, mode="append", import_key="k1"
    )

    assert created and record.cuts_created == 6 and record.assets_created == 3
    # The project's only cut was blank, so the script's cuts start the storyboard.
    assert list(cafe_project.cuts.values_list("position", "script")) == list(
        enumerate(scripts(breakdown))
    )
    assert cafe_project.cuts.get(position=3).shot_size == "close_up"
    mina = Asset.objects.get(project=cafe_project, handle="Mina")
    assert mina.kind == "character" and "yellow raincoat" in mina.description
    assert mina.default_variation is not None
    assert Asset.objects.get(project=cafe_project, handle="MarketStreet").kind == "location"


def test_a_second_import_of_the_same_review_creates_nothing(cafe_project):
    breakdown = propose_breakdown(project=cafe_project, text=RAIN)
    import_breakdown(project=cafe_project, breakdown=breakdown, mode="append", import_key="k1")

    record, created = import_breakdown(
        project=cafe_project, breakdown=breakdown, mode="append", import_key="k1"
    )

    assert not created and record.cuts_created == 6
    assert cafe_project.cuts.count() == 6
    assert cafe_project.assets.count() == 5


def test_append_keeps_written_cuts_and_adds_after_them(cafe_project):
    make_cut(project=cafe_project, script="Opening shot.")
    breakdown = Breakdown(cuts=[ProposedCut(script="Closing shot.")])

    import_breakdown(project=cafe_project, breakdown=breakdown, mode="append", import_key="k")

    assert list(cafe_project.cuts.values_list("script", flat=True)) == [
        "Opening shot.",
        "Closing shot.",
    ]


def test_replace_deletes_the_existing_cuts(cafe_project):
    make_cut(project=cafe_project, script="Old cut.")
    breakdown = Breakdown(cuts=[ProposedCut(script="New cut.")])

    import_breakdown(project=cafe_project, breakdown=breakdown, mode="replace", import_key="k")

    assert list(cafe_project.cuts.values_list("position", "script")) == [(0, "New cut.")]


def test_a_taken_handle_refuses_the_whole_import(cafe_project):
    breakdown = Breakdown(
        cuts=[ProposedCut(script="@Mina runs."), ProposedCut(script="@Jake waves.")],
        new_assets=[
            ProposedAsset(kind="character", name="Mina", handle="Mina", description=""),
            ProposedAsset(kind="character", name="Jake", handle="seohee", description=""),
        ],
    )
    cuts_before = list(cafe_project.cuts.values_list("pk", flat=True))

    with pytest.raises(ValidationError) as refused:
        import_breakdown(project=cafe_project, breakdown=breakdown, mode="replace", import_key="k")

    assert "@seohee" in refused.value.messages[0] and "already used" in refused.value.messages[0]
    assert list(cafe_project.cuts.values_list("pk", flat=True)) == cuts_before
    assert not Asset.objects.filter(handle="Mina").exists()
    assert not ScriptImport.objects.exists()


def test_too_many_cuts_is_refused_with_the_limit(cafe_project, settings):
    settings.BREAKDOWN_MAX_CUTS = 3

    with pytest.raises(ValidationError) as refused:
        propose_breakdown(project=cafe_project, text=RAIN)

    assert refused.value.messages == [
        "This script breaks down into 6 cuts; one import makes at most 3. "
        "Import it in parts (for example one scene at a time)."
    ]


def test_too_long_a_script_is_refused_with_the_limit(cafe_project, settings):
    settings.BREAKDOWN_MAX_CHARS = 100

    with pytest.raises(ValidationError) as refused:
        propose_breakdown(project=cafe_project, text="Rain falls. " * 20)

    assert "one import takes at most 100 characters" in refused.value.messages[0]


@pytest.mark.parametrize(
    "data", [png_bytes(), b"%PDF-1.7\n\x00\x01binary", "caf\u00e9".encode("latin-1")]
)
def test_a_file_that_is_not_text_is_refused(data):
    with pytest.raises(ValidationError) as refused:
        decode_script_file(data)

    assert "not a text script" in refused.value.messages[0]


def test_utf8_and_utf16_scripts_are_read():
    assert decode_script_file("\ufeffINT. 카페 - 밤".encode()) == "INT. 카페 - 밤"
    assert decode_script_file("INT. 카페 - 밤".encode("utf-16")) == "INT. 카페 - 밤"


def test_a_long_paragraph_is_split_at_sentences_to_fit_a_cut(cafe_project, settings):
    settings.SCRIPT_MAX_CHARS = 60
    text = "Seohee opens the door. The rain is loud. A bus passes. She steps out into it."

    breakdown = propose_breakdown(project=cafe_project, text=text)

    assert scripts(breakdown) == [
        "@Seohee opens the door. The rain is loud. A bus passes.",
        "She steps out into it.",
    ]


def test_review_drops_merges_and_renames():
    rows = [
        CutRow(script="@Mina runs.", shot_size="wide"),
        CutRow(script="@Mina stops.", merge=True),
        CutRow(script="@Jake waves at @Mina.", keep=False),
        CutRow(script="@Jake laughs at @Minas joke.", shot_size="close_up"),
    ]
    assets = [
        AssetRow("character", "Mina", "MinaPark", "A courier.", proposed_handle="Mina"),
        AssetRow("character", "Jake", "Jake", "", proposed_handle="Jake", create=False),
    ]

    breakdown = reviewed_breakdown(cut_rows=rows, asset_rows=assets)

    assert [(cut.script, cut.shot_size) for cut in breakdown.cuts] == [
        ("@MinaPark runs.\n@MinaPark stops.", "wide"),
        ("Jake laughs at @MinaParks joke.", "close_up"),
    ]
    assert [asset.handle for asset in breakdown.new_assets] == ["MinaPark"]


def test_replacing_while_images_are_generating_is_refused(cafe_project):
    from keyframes.models import GenerationJob

    cut = make_cut(project=cafe_project, script="@Seohee waits.", prompt="@Seohee waits.")
    GenerationJob.objects.create(
        user=cafe_project.owner,
        cut=cut,
        model_key="local-draft",
        count=1,
        prompt=cut.prompt,
        aspect_ratio=cafe_project.aspect_ratio,
        credits_per_image=0,
        idempotency_key="running",
    )
    breakdown = Breakdown(cuts=[ProposedCut(script="New cut.")])

    with pytest.raises(ValidationError, match="still being generated for this storyboard"):
        import_breakdown(project=cafe_project, breakdown=breakdown, mode="replace", import_key="k")

    assert list(cafe_project.cuts.values_list("script", flat=True)) == ["@Seohee waits."]
    assert not ScriptImport.objects.exists()
