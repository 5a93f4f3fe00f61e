"""`manage.py breakdown PROJECT_ID FILE [--dry-run] [--append|--replace]`."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from characters.models import Asset
from keyframes.models import ScriptImport
from tests.factories import make_asset, make_cut, png_bytes

RAIN = Path(__file__).parent / "scripts" / "rain.fountain"

pytestmark = pytest.mark.django_db


def breakdown(*args) -> str:
    out = StringIO()
    call_command("breakdown", *[str(arg) for arg in args], stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def storyboard(project):
    make_asset(project=project, handle="Seohee")
    make_cut(project=project, script="Opening: the city at dawn.")
    return project


def test_dry_run_prints_the_breakdown_and_writes_nothing(storyboard):
    output = breakdown(storyboard.pk, RAIN, "--dry-run")

    assert "Breakdown by offline: 6 cuts." in output
    assert (
        "   4. CLOSE ON @Seohee's hands around a coffee cup. At @CornerCafe. [close_up]" in output
    )
    assert "New character: @Jake (Jake)" in output
    assert "Dry run: nothing was written." in output
    assert list(storyboard.cuts.values_list("script", flat=True)) == ["Opening: the city at dawn."]
    assert Asset.objects.filter(project=storyboard).count() == 1
    assert not ScriptImport.objects.exists()


def test_append_adds_the_cuts_after_the_existing_ones(storyboard):
    output = breakdown(storyboard.pk, RAIN, "--append")

    assert "Imported 6 cuts and 4 new characters and locations" in output
    scripts = list(storyboard.cuts.values_list("script", flat=True))
    assert scripts[0] == "Opening: the city at dawn."
    assert scripts[2] == "@Jake (looking up): “You made it.” At @CornerCafe."
    assert len(scripts) == 7


def test_replace_starts_the_storyboard_over(storyboard):
    breakdown(storyboard.pk, RAIN, "--replace")

    scripts = list(storyboard.cuts.values_list("script", flat=True))
    assert len(scripts) == 6 and "Opening: the city at dawn." not in scripts


def test_append_and_replace_together_are_refused(storyboard):
    with pytest.raises(CommandError):
        breakdown(storyboard.pk, RAIN, "--append", "--replace")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (png_bytes(), "not a text script"),
        (b"   \n\n", "Paste a script or choose a file to import."),
    ],
)
def test_refused_input_exits_1_and_writes_nothing(storyboard, tmp_path, content, message):
    script = tmp_path / "script.txt"
    script.write_bytes(content)

    with pytest.raises(CommandError) as refused:
        breakdown(storyboard.pk, script)

    assert refused.value.returncode == 1
    assert message in str(refused.value)
    assert storyboard.cuts.count() == 1


def test_too_many_cuts_exits_1(storyboard, settings):
    settings.BREAKDOWN_MAX_CUTS = 2

    with pytest.raises(CommandError) as refused:
        breakdown(storyboard.pk, RAIN)

    assert refused.value.returncode == 1
    assert "one import makes at most 2" in str(refused.value)


def test_unknown_project_or_missing_file_exits_1(storyboard, tmp_path):
    with pytest.raises(CommandError, match="There is no project 999999"):
        breakdown(999999, RAIN)
    with pytest.raises(CommandError, match="Cannot read"):
        breakdown(storyboard.pk, tmp_path / "missing.fountain")
