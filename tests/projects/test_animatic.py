"""The animatic export: takes, keyframes or cards, each for its cut's duration, in one MP4."""

import io
from decimal import Decimal
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_q.models import OrmQ
from PIL import Image

from cutflow.video import encode_still, probe, probe_bytes
from keyframes.models import GenerationJob, Take
from projects import tasks
from projects.export_files import export_storage
from projects.export_mp4 import cut_lengths, export_mp4
from tests.factories import make_cut, make_project
from tests.projects.export_data import give_representative

pytestmark = pytest.mark.django_db

FPS = 8  # cutflow.settings_test: ANIMATIC_FPS
RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 40), (30, 40, 220), (230, 220, 30)


def make_take(cut, *, colour, representative=True, status=Take.Status.SUCCEEDED, tmp_path):
    """A take whose video is one colour, at another size and rate than the animatic's."""
    clip = encode_still(
        Image.new("RGB", (120, 120), colour), seconds=1, size=(120, 120), fps=12,
        path=tmp_path / f"take-{cut.pk}-{colour}.mp4",
    )  # fmt: skip
    job = GenerationJob.objects.create(
        kind=GenerationJob.Kind.TAKE, user=cut.project.owner, cut=cut, model_key="local-motion",
        count=1, prompt="she turns", aspect_ratio=cut.project.aspect_ratio,
        credits_per_image=0, idempotency_key=f"take-{cut.pk}-{colour}", status="succeeded",
    )  # fmt: skip
    take = Take(
        cut=cut, job=job, source_keyframe=cut.representative, motion_prompt="she turns",
        model_key="local-motion", duration_seconds=Decimal(1), aspect_ratio="9:16",
        status=status, is_representative=representative,
    )  # fmt: skip
    take.video.save("take.mp4", ContentFile(clip.read_bytes()))
    return take


def middle_frames(data: bytes, lengths: list[float], tmp_path: Path) -> list[tuple[int, ...]]:
    """The centre pixel of the frame in the middle of each cut's stretch of the animatic."""
    path = tmp_path / "animatic.mp4"
    path.write_bytes(data)
    reader = imageio_ffmpeg.read_frames(str(path))
    width, height = next(reader)["size"]
    frames = list(reader)
    pixels, start = [], 0.0
    for seconds in lengths:
        frame = frames[int((start + seconds / 2) * FPS)]
        offset = 3 * (height // 2 * width + width // 2)
        pixels.append(tuple(frame[offset : offset + 3]))
        start += seconds
    return pixels


def looks_like(pixel, colour) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=True))


def test_the_animatic_lasts_the_sum_of_the_cut_durations_at_the_projects_ratio(project):
    durations = [Decimal("1.5"), Decimal("2"), Decimal("1.3")]
    with_keyframe = make_cut(project=project, duration_seconds=durations[0])
    give_representative(with_keyframe)
    make_cut(project=project, script="No picture yet", shot_size="close_up")  # 2 s by its shot
    make_cut(project=project, duration_seconds=durations[2])

    info = probe_bytes(export_mp4(project))

    assert (info.width, info.height) == (90, 160)  # 9:16, long side 160 in the tests
    assert info.seconds == pytest.approx(float(sum(durations)), abs=1 / FPS)


def test_a_widescreen_project_makes_a_widescreen_animatic(user):
    project = make_project(owner=user, aspect_ratio="16:9")
    make_cut(project=project)

    info = probe_bytes(export_mp4(project))

    assert (info.width, info.height) == (160, 90)


def test_rounding_to_frames_never_drifts_from_the_sum_of_the_durations():
    durations = [Decimal("1.1")] * 40  # 8.8 frames each at 8 fps

    lengths = cut_lengths(durations, fps=FPS)

    assert sum(lengths) == pytest.approx(44.0, abs=1 / FPS)
    assert all(seconds * FPS == int(seconds * FPS) for seconds in lengths)


def test_each_cut_plays_its_representative_take_else_its_keyframe(project, tmp_path):
    taken = make_cut(project=project, duration_seconds=2)
    give_representative(taken, colour=RED)
    make_take(taken, colour=GREEN, tmp_path=tmp_path)
    not_picked = make_cut(project=project, duration_seconds=2)
    give_representative(not_picked, colour=BLUE)
    make_take(not_picked, colour=YELLOW, representative=False, tmp_path=tmp_path)
    failed = make_cut(project=project, duration_seconds=2)
    give_representative(failed, colour=RED)
    make_take(failed, colour=YELLOW, status=Take.Status.FAILED, tmp_path=tmp_path)

    data = export_mp4(project)

    take, keyframe, failed_take = middle_frames(data, [2, 2, 2], tmp_path)
    assert looks_like(take, GREEN)
    assert looks_like(keyframe, BLUE)
    assert looks_like(failed_take, RED)
    # The take lasts 1 s; its last frame is held to fill the cut's 2 s.
    assert probe_bytes(data).seconds == pytest.approx(6, abs=1 / FPS)


def test_a_take_whose_file_is_gone_gives_way_to_the_keyframe(project, tmp_path):
    cut = make_cut(project=project, duration_seconds=1)
    give_representative(cut, colour=BLUE)
    take = make_take(cut, colour=GREEN, tmp_path=tmp_path)
    take.video.storage.delete(take.video.name)

    (pixel,) = middle_frames(export_mp4(project), [1], tmp_path)

    assert looks_like(pixel, BLUE)


@pytest.mark.parametrize("with_take", [False, True], ids=["over a keyframe", "over a take"])
def test_cut_numbers_are_burned_in_only_when_asked(project, tmp_path, with_take):
    cut = make_cut(project=project, duration_seconds=1)
    give_representative(cut, colour=BLUE)
    if with_take:
        make_take(cut, colour=GREEN, tmp_path=tmp_path)

    plain = first_frame(export_mp4(project), tmp_path / "plain.mp4")
    numbered = first_frame(export_mp4(project, numbered=True), tmp_path / "numbered.mp4")

    assert corner_changed(plain, numbered)


def first_frame(data: bytes, path: Path) -> Image.Image:
    path.write_bytes(data)
    reader = imageio_ffmpeg.read_frames(str(path))
    size = next(reader)["size"]
    return Image.frombytes("RGB", size, next(reader))


def corner_changed(plain: Image.Image, numbered: Image.Image) -> bool:
    """The label's corner differs, the middle of the picture does not (beyond the encoder's
    rounding)."""
    corner = (0, 0, plain.width // 2, plain.height // 8)
    centre = (plain.width // 3, plain.height // 2, 2 * plain.width // 3, plain.height // 2 + 4)
    labelled = mean_difference(plain, numbered, corner) > 4
    return labelled and mean_difference(plain, numbered, centre) < 2


def mean_difference(first: Image.Image, second: Image.Image, box) -> float:
    a, b = first.crop(box).tobytes(), second.crop(box).tobytes()
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def test_the_web_export_runs_in_the_background_with_progress_and_a_download(
    owner_client, project, django_capture_on_commit_callbacks
):
    for seconds in (1, 1.5):
        give_representative(make_cut(project=project, duration_seconds=seconds))
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("projects:export_start", args=[project.pk, "mp4"]))
    token = response["Location"].rstrip("/").split("/")[-1]
    assert OrmQ.objects.count() == 1  # queued for a worker
    status_url = reverse("projects:export_status", args=[project.pk, token])
    waiting = owner_client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Preparing… 0 of 2 cuts" in waiting and "<progress" in waiting

    tasks.run_export(project.pk, "mp4", token)

    ready = owner_client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    result_url = reverse("projects:export_result", args=[project.pk, token])
    assert result_url in ready and "every 1s" not in ready
    download = owner_client.get(result_url)
    assert download["Content-Type"] == "video/mp4"
    assert download["Content-Disposition"] == 'attachment; filename="cafe-story-animatic.mp4"'
    assert probe_bytes(b"".join(download.streaming_content)).seconds == pytest.approx(2.5)


def test_strangers_can_neither_start_nor_follow_nor_download_an_animatic(
    client, stranger, project, django_capture_on_commit_callbacks
):
    give_representative(make_cut(project=project, duration_seconds=1))
    client.force_login(project.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:export_start", args=[project.pk, "mp4"]))
    token = response["Location"].rstrip("/").split("/")[-1]
    tasks.run_export(project.pk, "mp4", token)

    client.force_login(stranger)

    start = reverse("projects:export_start", args=[project.pk, "mp4-numbered"])
    assert client.post(start).status_code == 404
    for name in ("projects:export_status", "projects:export_result"):
        assert client.get(reverse(name, args=[project.pk, token])).status_code == 404
    assert OrmQ.objects.count() == 1  # the stranger queued nothing


def test_an_empty_storyboard_is_refused_with_a_reason_and_nothing_queued(
    owner_client, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("projects:export_start", args=[project.pk, "mp4"]), follow=True
        )

    assert "no cuts yet" in response.content.decode()
    assert OrmQ.objects.count() == 0
    assert not export_storage().exists(f"exports/{project.pk}")


def test_the_command_writes_the_animatic(project, tmp_path):
    give_representative(make_cut(project=project, duration_seconds=2))
    make_cut(project=project, duration_seconds=1)
    output = tmp_path / "animatic.mp4"

    call_command(
        "export", str(project.pk), "--format", "mp4", "-o", str(output), stdout=io.StringIO()
    )

    info = probe(output)
    assert (info.width, info.height) == (90, 160)
    assert info.seconds == pytest.approx(3, abs=1 / FPS)


def test_the_command_explains_an_empty_storyboard(project, tmp_path):
    with pytest.raises(CommandError, match="no cuts yet"):
        call_command("export", str(project.pk), "--format", "mp4", "-o", str(tmp_path / "a.mp4"))
    assert not (tmp_path / "a.mp4").exists()
