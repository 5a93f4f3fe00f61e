"""PDF layouts (2 × 3, 3 × 3, one frame per page with notes) with names in the captions, and
every export in board order."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from projects import export, export_csv, export_jobs, export_zip, services
from tests.factories import make_asset, make_cut
from tests.projects.export_data import give_representative

pytestmark = pytest.mark.django_db


@pytest.fixture
def storyboard(project):
    """Ten cuts mentioning two assets; cut 4 has no keyframe."""
    make_asset(project=project, handle="Seohee", name="Seohee Kim")
    make_asset(project=project, handle="cafe", name="Blue Door Cafe", kind="location")
    cuts = []
    for number in range(1, 11):
        cut = make_cut(project=project, script=f"Scene {number}: @Seohee는 @cafe 안으로 들어간다.")
        if number != 4:
            give_representative(cut, colour=(20 * number, 80, 40))
        cuts.append(cut)
    return cuts


def pdf_pages(project, format_key: str) -> list[str]:
    content = export_jobs.build_export(project, export.get_format(format_key))
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


@pytest.mark.parametrize(("format_key", "per_page"), [("pdf", 6), ("pdf-9", 9), ("pdf-notes", 1)])
def test_each_pdf_layout_prints_names_title_and_page_numbers(
    project, storyboard, format_key, per_page
):
    pages = pdf_pages(project, format_key)

    assert len(pages) == -(-10 // per_page)
    text = "\n".join(pages)
    assert "@" not in text
    assert text.count("Seohee Kim") == 10 and "Blue Door Cafe" in text
    assert text.count("No keyframe yet") == 1
    for number, page in enumerate(pages, start=1):
        assert "Cafe story" in page
        assert f"Page {number} of {len(pages)}" in page
    first_cuts = [f"Cut {n}" for n in range(1, per_page + 1)]
    assert all(cut in pages[0] for cut in first_cuts)
    assert f"Cut {per_page + 1}\n" not in pages[0] + "\n"


def test_the_notes_layout_leaves_room_for_notes(project, storyboard):
    pages = pdf_pages(project, "pdf-notes")
    assert all("Notes" in page for page in pages)
    assert "Cut 4" in pages[3] and "No keyframe yet" in pages[3]


def test_the_export_page_offers_every_layout(owner_client, project, storyboard):
    html = owner_client.get(reverse("projects:export", args=[project.pk])).content.decode()
    for key in ("pdf", "pdf-9", "pdf-notes", "zip", "csv"):
        assert reverse("projects:export_download", args=[project.pk, key]) in html


def test_csv_and_zip_follow_the_board_order(project, storyboard):
    order = [cut.pk for cut in reversed(storyboard)]
    services.reorder_cuts(project=project, ordered_ids=order)

    rows = list(csv.DictReader(io.StringIO(export_csv.export_csv(project), newline="")))
    assert [row["script"].split(":")[0] for row in rows] == [f"Scene {n}" for n in range(10, 0, -1)]
    archive = zipfile.ZipFile(io.BytesIO(export_zip.export_zip(project)))
    first = storyboard[-1].representative
    with first.image.open("rb") as stored:
        assert archive.read("cut-01.jpg") == stored.read()
    assert "Cut 7: no keyframe yet" in archive.read("MISSING.txt").decode()
