import io
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image, ImageDraw

from cutflow.camera_moves import MOVES, render_camera_move
from cutflow.video import (
    VideoError,
    concat,
    encode_still,
    fit_clip,
    frame_count,
    probe,
    probe_bytes,
)
from projects.models import Cut

SIZE = (160, 90)
FPS = 8


def _striped_png(size=(640, 360)) -> bytes:
    """A picture whose every region looks different, so a moving window changes the frame."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for index, x in enumerate(range(0, size[0], 40)):
        draw.rectangle([x, 0, x + 20, size[1]], fill=(index * 15 % 256, 40, 200))
    draw.ellipse([size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2], fill="orange")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _frames(data: bytes, folder: Path) -> list[bytes]:
    path = folder / f"clip-{len(list(folder.iterdir()))}.mp4"
    path.write_bytes(data)
    reader = imageio_ffmpeg.read_frames(str(path))
    next(reader)  # the metadata
    return list(reader)


def test_every_camera_movement_of_a_cut_has_a_renderer():
    assert set(MOVES) == set(Cut.CameraMovement.values)


@pytest.mark.parametrize("movement", sorted(MOVES))
def test_camera_move_is_a_playable_mp4_of_the_asked_size_and_length(movement):
    data = render_camera_move(_striped_png(), movement, 1.5, SIZE, FPS)

    info = probe_bytes(data)
    assert (info.width, info.height) == SIZE
    assert info.frames == 12
    assert info.seconds == pytest.approx(1.5, abs=1 / FPS)


def test_a_pan_moves_across_the_picture_and_a_static_shot_holds_still(tmp_path):
    image = _striped_png()
    panned = _frames(render_camera_move(image, "pan", 1, SIZE, FPS), tmp_path)
    held = _frames(render_camera_move(image, "static", 1, SIZE, FPS), tmp_path)

    assert _difference(panned[0], panned[-1]) > 10
    assert _difference(held[0], held[-1]) < 2


def test_a_portrait_keyframe_fills_a_portrait_clip():
    data = render_camera_move(_striped_png((360, 640)), "dolly_in", 1, (90, 160), FPS)

    assert (probe_bytes(data).width, probe_bytes(data).height) == (90, 160)


def test_an_unknown_movement_or_an_odd_size_is_refused():
    with pytest.raises(ValueError, match="crane"):
        render_camera_move(_striped_png(), "crane", 1, SIZE, FPS)
    with pytest.raises(ValueError, match="even"):
        render_camera_move(_striped_png(), "pan", 1, (161, 90), FPS)


def test_clips_of_any_source_are_fitted_and_joined_to_the_sum_of_their_lengths(tmp_path):
    still = encode_still(
        Image.new("RGB", SIZE, "red"), seconds=1.25, size=SIZE, fps=FPS, path=tmp_path / "a.mp4"
    )
    # A take from elsewhere: another size, rate and length than the animatic's.
    foreign = tmp_path / "foreign.mp4"
    foreign.write_bytes(render_camera_move(_striped_png(), "pan", 1, (120, 120), 12))
    longer = fit_clip(foreign, seconds=2, size=SIZE, fps=FPS, path=tmp_path / "b.mp4")
    shorter = fit_clip(foreign, seconds=0.5, size=SIZE, fps=FPS, path=tmp_path / "c.mp4")

    joined = probe(concat([still, longer, shorter], path=tmp_path / "all.mp4"))

    assert (joined.width, joined.height) == SIZE
    assert joined.frames == frame_count(1.25, FPS) + frame_count(2, FPS) + frame_count(0.5, FPS)
    assert joined.seconds == pytest.approx(3.75, abs=1 / FPS)


def test_a_file_that_is_no_video_is_reported(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")

    with pytest.raises(VideoError):
        probe(broken)


def _difference(first: bytes, second: bytes) -> float:
    return sum(abs(a - b) for a, b in zip(first, second, strict=True)) / len(first)
