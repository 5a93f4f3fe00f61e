"""A camera move over a still: the offline stand-in for a video model.

Each frame is a window on the image; the move says how that window travels (slides for a pan,
shrinks for a dolly in) over the clip. The names are the values of ``Cut.CameraMovement``;
this module sits below ``projects`` and so repeats them, and a test keeps both lists equal.
"""

import io
import math
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from cutflow.video import Size, check_size, encode_frames, frame_count


@dataclass(frozen=True)
class Window:
    """Where the camera looks at progress ``t``: ``zoom`` 1 shows the whole framed image,
    ``x``/``y`` run from -1 (left/top edge) to 1 (right/bottom edge) of the room the zoom
    leaves."""

    zoom: float = 1.0
    x: float = 0.0
    y: float = 0.0


def _ease(t: float) -> float:
    # Starts and stops gently, as a camera operator would.
    return t * t * (3 - 2 * t)


def _static(t: float) -> Window:
    return Window()


def _pan(t: float) -> Window:
    return Window(zoom=1.2, x=-1 + 2 * _ease(t))


def _tilt(t: float) -> Window:
    return Window(zoom=1.2, y=-1 + 2 * _ease(t))


def _dolly_in(t: float) -> Window:
    return Window(zoom=1 + 0.25 * _ease(t))


def _dolly_out(t: float) -> Window:
    return Window(zoom=1.25 - 0.25 * _ease(t))


def _tracking(t: float) -> Window:
    # Alongside the subject: a lateral slide that drifts slightly closer.
    return Window(zoom=1.15 + 0.05 * t, x=1 - 2 * _ease(t))


def _handheld(t: float) -> Window:
    # Incommensurate sines: a sway that never visibly repeats, the same on every render.
    seconds = t * 4
    x = 0.5 * math.sin(seconds * 2.1) + 0.3 * math.sin(seconds * 5.3 + 1)
    y = 0.4 * math.sin(seconds * 1.7 + 2) + 0.3 * math.sin(seconds * 6.1)
    return Window(zoom=1.08, x=x, y=y)


MOVES: dict[str, Callable[[float], Window]] = {
    "static": _static,
    "pan": _pan,
    "tilt": _tilt,
    "dolly_in": _dolly_in,
    "dolly_out": _dolly_out,
    "tracking": _tracking,
    "handheld": _handheld,
}


def render_camera_move(
    image_bytes: bytes, movement: str, seconds: float, size: Size, fps: int
) -> bytes:
    """An H.264 MP4 of ``seconds`` at ``size`` and ``fps``: ``movement`` over the image, which
    is first cropped to the clip's aspect ratio around its centre. An empty movement is
    static."""
    move = MOVES.get(movement or "static")
    if move is None:
        raise ValueError(f"Unknown camera movement {movement!r}.")
    check_size(size)
    image = _framed(image_bytes, size)
    count = frame_count(seconds, fps)
    with tempfile.TemporaryDirectory(prefix="cutflow-move-") as work:
        path = Path(work) / "move.mp4"
        encode_frames(_frames(image, move, count, size), size=size, fps=fps, path=path)
        return path.read_bytes()


def _framed(image_bytes: bytes, size: Size) -> Image.Image:
    """The image cropped to ``size``'s aspect ratio, kept a little larger than ``size`` so the
    closest window (zoom 1.25) still has a pixel of source per pixel of output."""
    with Image.open(io.BytesIO(image_bytes)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    width, height = size
    working = (math.ceil(width * 1.25), math.ceil(height * 1.25))
    return ImageOps.fit(image, working, Image.Resampling.LANCZOS)


def _frames(
    image: Image.Image, move: Callable[[float], Window], count: int, size: Size
) -> Iterator[Image.Image]:
    for index in range(count):
        t = index / (count - 1) if count > 1 else 0.0
        yield image.resize(size, Image.Resampling.BICUBIC, box=_box(image.size, move(t)))


def _box(full: Size, window: Window) -> tuple[float, float, float, float]:
    width, height = full
    view_w, view_h = width / window.zoom, height / window.zoom
    room_x, room_y = (width - view_w) / 2, (height - view_h) / 2
    left = room_x + _clamp(window.x) * room_x
    top = room_y + _clamp(window.y) * room_y
    return left, top, left + view_w, top + view_h


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))
