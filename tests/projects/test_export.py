import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import OrmQ
from pypdf import PdfReader

from projects import export, export_csv, export_jobs, export_pdf, export_zip, tasks
from projects.export_files import export_storage
from tests.factories import make_cut, make_project
from tests.projects.export_data import give_representative, transparent_png

pytestmark = pytest.mark.django_db

SHOTS = ["wide", "medium_close_up", "close_up"]


@pytest.fixture
def storyboard(project):
    """Seven cuts; cuts 2 and 5 have no representative keyframe."""
    cuts = []
    for number in range(1, 8):
        cut = make_cut(
            project=project,
            script=f"Scene {number}: @Seohee walks past the window.",
            prompt=f"prompt for cut {number}",
            shot_size=SHOTS[number % 3],
        )
        if number not in (2, 5):
            give_representative(cut, colour=(20 * number, 80, 40), seed=100 + number)
        cuts.append(cut)
    return cuts


def stored_bytes(keyframe) -> bytes:
    with default_storage.open(keyframe.image.name, "rb") as stored:
        return stored.read()


def test_pdf_puts_six_cuts_on_a_page_with_number_shot_and_script(project, storyboard):
    pdf = PdfReader(io.BytesIO(export_pdf.export_pdf(project, cuts_per_page=6)))

    assert len(pdf.pages) == 2
    first, second = (page.extract_text() for page in pdf.pages)
    for number in range(1, 7):
        assert f"Cut {number}" in first
        assert f"Scene {number}: @Seohee walks" in first
    assert "Cut 7" in second and "Cut 7" not in first
    assert "Medium close-up" in first and "Close-up" in first and "Wide" in first
    assert "Cafe story" in first and "Page 1 of 2" in first and "Page 2 of 2" in second
    # Cuts 2 and 5 are kept, with a placeholder instead of an image.
    assert first.count("No keyframe yet") == 2
    assert len(pdf.pages[0].images) == 4
    assert len(pdf.pages[1].images) == 1


def test_pdf_frames_follow_the_project_aspect_ratio():
    wide = export_pdf.grid_for(6, frame_ratio=16 / 9)
    tall = export_pdf.grid_for(6, frame_ratio=9 / 16)

    assert (wide.columns, wide.rows) == (3, 2)
    assert wide.frame_width / wide.frame_height == pytest.approx(16 / 9)
    assert tall.frame_width / tall.frame_height == pytest.approx(9 / 16)
    assert tall.columns * tall.rows >= 6


def test_pdf_of_a_project_without_cuts_is_one_page(user):
    empty = make_project(owner=user, title="Nothing yet")

    pdf = PdfReader(io.BytesIO(export_pdf.export_pdf(empty)))

    assert len(pdf.pages) == 1
    assert "no cuts yet" in pdf.pages[0].extract_text()


def test_zip_holds_each_representative_at_full_size_in_cut_order(project, storyboard):
    archive = zipfile.ZipFile(io.BytesIO(export_zip.export_zip(project)))

    images = [name for name in archive.namelist() if name != "MISSING.txt"]
    assert images == ["cut-01.jpg", "cut-03.jpg", "cut-04.jpg", "cut-06.jpg", "cut-07.jpg"]
    for name in images:
        cut = storyboard[int(name[4:6]) - 1]
        assert archive.read(name) == stored_bytes(cut.representative)
    missing = archive.read("MISSING.txt").decode()
    assert "Cut 2: no keyframe yet" in missing
    assert "Cut 5: no keyframe yet" in missing
    assert "Cut 1:" not in missing


def test_zip_keeps_the_stored_png_extension_and_lists_lost_files(project):
    png_cut, lost_cut = make_cut(project=project), make_cut(project=project)
    give_representative(png_cut, data=transparent_png())
    lost = give_representative(lost_cut)
    default_storage.delete(lost.image.name)

    archive = zipfile.ZipFile(io.BytesIO(export_zip.export_zip(project)))

    assert archive.namelist() == ["cut-01.png", "MISSING.txt"]
    assert "Cut 2: image file missing" in archive.read("MISSING.txt").decode()


def test_zip_without_missing_cuts_has_no_missing_list(project):
    give_representative(make_cut(project=project))

    archive = zipfile.ZipFile(io.BytesIO(export_zip.export_zip(project)))

    assert archive.namelist() == ["cut-01.jpg"]


def test_csv_shot_list_round_trips_through_dictreader(project, storyboard):
    third = storyboard[2]
    third.script = 'She says, "Wait,\nplease" — and leaves.'
    third.camera_angle = "low"
    third.camera_movement = "dolly_in"
    third.save()

    rows = list(csv.DictReader(io.StringIO(export_csv.export_csv(project), newline="")))

    assert [row["cut"] for row in rows] == [str(n) for n in range(1, 8)]
    assert rows[2] == {
        "cut": "3",
        "status": "Keyframe generated",
        "shot_size": "Wide",
        "camera_angle": "Low angle",
        "camera_movement": "Dolly in",
        "duration_seconds": "3.5",
        "script": 'She says, "Wait,\nplease" — and leaves.',
        "prompt": "prompt for cut 3",
        "keyframe_file": "cut-03.jpg",
        "keyframe_model": "local-draft",
        "keyframe_seed": "103",
    }
    assert rows[1]["keyframe_file"] == "" and rows[1]["status"] == "Draft"


def test_the_shot_list_gives_each_cut_its_seconds_as_a_number_to_add_up(project, storyboard):
    storyboard[0].duration_seconds = 12
    storyboard[1].duration_seconds = "6.5"
    for cut in storyboard[:2]:
        cut.save()

    rows = list(csv.DictReader(io.StringIO(export_csv.export_csv(project), newline="")))

    seconds = [row["duration_seconds"] for row in rows]
    # Cuts 1 and 2 as set; the others by their shot size: wide, medium close-up, close-up...
    assert seconds == ["12", "6.5", "3.5", "2.5", "2", "3.5", "2.5"]
    assert sum(Decimal(value) for value in seconds) == Decimal("32.5")


def test_a_downloaded_shot_list_keeps_korean_and_japanese_beside_the_durations(
    owner_client, project
):
    korean = "서희는 창가에 앉아 커피잔을 감싸 쥔다."
    japanese = "ミナは窓辺で「おはよう」と微笑む。"
    make_cut(project=project, script=korean, shot_size="close_up")
    make_cut(project=project, script=japanese, duration_override=Decimal("4.5"))

    response = owner_client.get(reverse("projects:export_download", args=[project.pk, "csv"]))

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert [(row["script"], row["duration_seconds"]) for row in rows] == [
        (korean, "2"),
        (japanese, "4.5"),
    ]


def test_pdf_captions_give_each_cut_its_duration_and_the_header_the_running_time(
    project, storyboard
):
    storyboard[0].duration_seconds = 30
    storyboard[0].save()

    grid, notes = (
        PdfReader(io.BytesIO(export_jobs.build_export(project, export.get_format(layout))))
        for layout in ("pdf", "pdf-notes")
    )

    first_grid, first_note = grid.pages[0].extract_text(), notes.pages[0].extract_text()
    # 30 s for cut 1, then its six others by their shot sizes: 2 + 3.5 + 2.5 + 2 + 3.5 + 2.5.
    assert "7 cuts · 0:46 running time" in first_grid
    assert "7 cuts · 0:46 running time" in first_note
    assert "30 s" in first_grid and "3.5 s" in first_grid and "2.5 s" in first_grid
    assert "30 s" in first_note and "3.5 s" in notes.pages[2].extract_text()  # a wide shot


def test_exports_read_the_cuts_in_a_constant_number_of_queries(user):
    def queries_for(cut_count):
        project = make_project(owner=user)
        for _ in range(cut_count):
            give_representative(make_cut(project=project))
        with CaptureQueriesContext(connection) as captured:
            export_csv.export_csv(project)
            export_zip.export_zip(project)
            export_pdf.export_pdf(project)
        return len(captured)

    # One read of the cuts per format, and one of the representatives' face scores (CSV).
    assert queries_for(2) == queries_for(7) == 4


@pytest.mark.parametrize(
    ("format_key", "content_type", "extension"),
    [
        ("pdf", "application/pdf", "pdf"),
        ("zip", "application/zip", "zip"),
        ("csv", "text/csv; charset=utf-8", "csv"),
    ],
)
def test_download_is_an_attachment_of_the_right_type(
    owner_client, project, storyboard, format_key, content_type, extension
):
    response = owner_client.get(reverse("projects:export_download", args=[project.pk, format_key]))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="cafe-story-storyboard.{extension}"'
    )
    assert len(response.content) > 100


def test_export_page_offers_the_three_downloads_and_the_animatic(owner_client, project, storyboard):
    response = owner_client.get(reverse("projects:export", args=[project.pk]))

    html = response.content.decode()
    for format_key in ("pdf", "zip", "csv"):
        assert reverse("projects:export_download", args=[project.pk, format_key]) in html
    # Only the animatic, whatever the storyboard's size, is prepared in the background.
    assert html.count("Prepare MP4") == 2
    assert "Prepare PDF" not in html and "Prepare ZIP" not in html


def test_storyboard_links_to_export_and_settings(owner_client, project, storyboard):
    html = owner_client.get(storyboard[0].get_absolute_url()).content.decode()

    assert reverse("projects:export", args=[project.pk]) in html
    assert reverse("projects:settings", args=[project.pk]) in html


def test_unknown_format_is_not_found(owner_client, project):
    response = owner_client.get(reverse("projects:export_download", args=[project.pk, "docx"]))

    assert response.status_code == 404


@pytest.fixture
def large_limit(monkeypatch):
    """Makes a seven-cut storyboard count as large."""
    monkeypatch.setattr(export_jobs, "EXPORT_SYNC_MAX_CUTS", 3)


def start_background_export(client, project, format_key, capture):
    with capture(execute=True):
        response = client.post(reverse("projects:export_start", args=[project.pk, format_key]))
    assert response.status_code == 302
    return response["Location"].rstrip("/").split("/")[-1]


def test_large_project_exports_in_the_background_with_progress(
    owner_client, project, storyboard, large_limit, django_capture_on_commit_callbacks
):
    page = owner_client.get(reverse("projects:export", args=[project.pk])).content.decode()
    assert "Prepare PDF" in page and "Prepare ZIP" in page
    assert reverse("projects:export_download", args=[project.pk, "csv"]) in page
    direct = owner_client.get(reverse("projects:export_download", args=[project.pk, "zip"]))
    assert direct.status_code == 302

    token = start_background_export(
        owner_client, project, "zip", django_capture_on_commit_callbacks
    )
    assert OrmQ.objects.count() == 1  # queued for a worker
    status_url = reverse("projects:export_status", args=[project.pk, token])
    waiting = owner_client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Preparing… 0 of 7 cuts" in waiting and 'hx-trigger="every 1s"' in waiting

    tasks.run_export(project.pk, "zip", token)

    with export_storage().open(f"exports/{project.pk}/{token}/progress.json") as stored:
        progress = json.load(stored)
    assert progress["status"] == "ready" and progress["done"] == progress["total"] == 7
    ready = owner_client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in ready
    result_url = reverse("projects:export_result", args=[project.pk, token])
    assert result_url in ready
    download = owner_client.get(result_url)
    assert download["Content-Disposition"] == 'attachment; filename="cafe-story-storyboard.zip"'
    assert b"".join(download.streaming_content) == export_zip.export_zip(project)


def test_background_pdf_is_the_same_storyboard(
    owner_client, project, storyboard, large_limit, django_capture_on_commit_callbacks
):
    token = start_background_export(
        owner_client, project, "pdf", django_capture_on_commit_callbacks
    )
    tasks.run_export(project.pk, "pdf", token)

    download = owner_client.get(reverse("projects:export_result", args=[project.pk, token]))

    pdf = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert len(pdf.pages) == 2


def test_an_export_that_stopped_says_so(
    owner_client, project, storyboard, large_limit, django_capture_on_commit_callbacks
):
    token = start_background_export(
        owner_client, project, "pdf", django_capture_on_commit_callbacks
    )
    name = export_jobs.progress_file(project, token)
    with export_storage().open(name) as stored:
        progress = json.load(stored)
    progress["updated_at"] -= 3600
    export_storage().delete(name)
    export_storage().save(name, io.BytesIO(json.dumps(progress).encode()))

    html = owner_client.get(reverse("projects:export_status", args=[project.pk, token]))

    assert "stopped before it finished" in html.content.decode()
    result = owner_client.get(reverse("projects:export_result", args=[project.pk, token]))
    assert result.status_code == 404


def test_an_export_token_only_opens_its_own_project(
    owner_client, user, project, storyboard, large_limit, django_capture_on_commit_callbacks
):
    token = start_background_export(
        owner_client, project, "zip", django_capture_on_commit_callbacks
    )
    tasks.run_export(project.pk, "zip", token)
    other = make_project(owner=user, title="Other")

    for name in ("projects:export_status", "projects:export_result"):
        assert owner_client.get(reverse(name, args=[other.pk, token])).status_code == 404
        assert owner_client.get(reverse(name, args=[project.pk, "x" * 32])).status_code == 404


def test_strangers_get_404_on_every_export_url(
    client, stranger, project, storyboard, large_limit, django_capture_on_commit_callbacks
):
    client.force_login(project.owner)
    token = start_background_export(client, project, "zip", django_capture_on_commit_callbacks)
    tasks.run_export(project.pk, "zip", token)
    client.force_login(stranger)

    gets = [
        reverse("projects:export", args=[project.pk]),
        reverse("projects:export_download", args=[project.pk, "csv"]),
        reverse("projects:export_status", args=[project.pk, token]),
        reverse("projects:export_result", args=[project.pk, token]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    start = reverse("projects:export_start", args=[project.pk, "pdf"])
    assert client.post(start).status_code == 404


@pytest.mark.parametrize("format_key", ["pdf", "zip", "csv"])
def test_command_writes_each_format(project, storyboard, tmp_path, format_key):
    output = tmp_path / f"out.{format_key}"

    call_command(
        "export", str(project.pk), "--format", format_key, "-o", str(output), stdout=io.StringIO()
    )

    content = output.read_bytes()
    if format_key == "pdf":
        assert len(PdfReader(io.BytesIO(content)).pages) == 2
    elif format_key == "zip":
        assert "cut-07.jpg" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    else:
        assert len(list(csv.DictReader(io.StringIO(content.decode(), newline="")))) == 7


def test_command_explains_a_missing_project_or_a_bad_format(project, tmp_path):
    output = str(tmp_path / "out")
    with pytest.raises(CommandError, match="no project with id 999999"):
        call_command("export", "999999", "--format", "pdf", "-o", output)
    with pytest.raises(CommandError, match="Unknown export format “docx”"):
        call_command("export", str(project.pk), "--format", "docx", "-o", output)
    assert not (tmp_path / "out").exists()


def test_deleting_the_project_removes_its_exports(
    owner_client, project, storyboard, large_limit, django_capture_on_commit_callbacks
):
    token = start_background_export(
        owner_client, project, "zip", django_capture_on_commit_callbacks
    )
    export_jobs.run_export(project=project, export_format=export.get_format("zip"), token=token)
    names = export_jobs.stored_export_files(project)
    assert len(names) == 2 and all(export_storage().exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("projects:delete", args=[project.pk]))

    assert not any(export_storage().exists(name) for name in names)
