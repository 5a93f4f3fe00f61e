"""Real MP4 clips for the fake video hosts: small, encoded once per length."""

import functools
import tempfile
from pathlib import Path

from PIL import Image

from cutflow.video import encode_still

SIZE = (160, 90)
FPS = 8


@functools.lru_cache(maxsize=8)
def mp4_clip(seconds: float) -> bytes:
    """A playable H.264 clip of ``seconds``, as a hosted model would answer (much smaller)."""
    with tempfile.TemporaryDirectory(prefix="fake-video-") as work:
        path = Path(work) / "clip.mp4"
        frame = Image.new("RGB", SIZE, (30, 90, 160))
        encode_still(frame, seconds=seconds, size=SIZE, fps=FPS, path=path)
        return path.read_bytes()


def requested_seconds(inputs: dict) -> float:
    """The length a video input asks for (Replicate sends a number, fal's Kling a string)."""
    return float(inputs.get("duration", 5))
