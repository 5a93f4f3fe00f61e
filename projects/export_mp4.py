"""The animatic export: the storyboard played as one H.264 MP4 at the project's aspect ratio.

Each cut lasts its duration and shows, in this order of preference, its representative take
(asked of the apps above through ``cut_videos_wanted``: projects may not import takes), its
representative keyframe held still, or a card with its number and script. Every cut gets its
own clip, and the clips are joined without re-encoding.
"""

import logging
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from cutflow.video import Size, VideoError, concat, encode_still, fit_clip
from projects.animatic_frames import (
    frame_size,
    keyframe_picture,
    number_layer,
    placeholder_card,
    with_layer,
)
from projects.export import Progress, export_cuts
from projects.models import Cut, Project
from projects.signals import answers, cut_videos_wanted

logger = logging.getLogger(__name__)

NO_CUTS = "The storyboard has no cuts yet, so there is nothing to play."


def export_mp4(
    project: Project, *, numbered: bool = False, on_progress: Progress | None = None
) -> bytes:
    """The animatic's bytes; ``numbered`` burns "Cut N" into the corner of every frame."""
    cuts = export_cuts(project)
    if not cuts:
        raise ValidationError(NO_CUTS)
    fps = settings.ANIMATIC_FPS
    size = frame_size(project.aspect_ratio, settings.ANIMATIC_LONG_SIDE)
    videos = cut_videos(cuts)
    with tempfile.TemporaryDirectory(prefix="cutflow-animatic-") as work:
        folder = Path(work)
        clips = []
        lengths = cut_lengths([cut.duration_seconds for cut in cuts], fps=fps)
        for index, (cut, seconds) in enumerate(zip(cuts, lengths, strict=True), start=1):
            clip = Clip(cut=cut, seconds=seconds, size=size, fps=fps, folder=folder)
            clips.append(clip.render(video=videos.get(cut.pk), numbered=numbered))
            if on_progress:
                on_progress(index, len(cuts))
        return concat(clips, path=folder / "animatic.mp4").read_bytes()


def cut_videos(cuts: list[Cut]) -> dict[int, str]:
    videos: dict[int, str] = {}
    for answer in answers(cut_videos_wanted, cut_ids=[cut.pk for cut in cuts]):
        videos |= answer
    return videos


def cut_lengths(durations: list[Decimal], *, fps: int) -> list[float]:
    """Each cut's length rounded to whole frames, with the rounding carried from cut to cut:
    the animatic lasts the sum of the durations to within one frame, however many cuts."""
    lengths, elapsed, frames_so_far = [], Decimal(0), 0
    for duration in durations:
        elapsed += duration
        frames_by_now = round(elapsed * fps)
        lengths.append((frames_by_now - frames_so_far) / fps)
        frames_so_far = frames_by_now
    return lengths


class Clip:
    """One cut's clip, written into the export's working folder."""

    def __init__(self, *, cut: Cut, seconds: float, size: Size, fps: int, folder: Path):
        self.cut, self.seconds, self.size, self.fps = cut, seconds, size, fps
        self.path = folder / f"cut-{cut.number:05d}.mp4"

    def render(self, *, video: str | None, numbered: bool) -> Path:
        layer = number_layer(self.cut, self.size) if numbered else None
        if video and self.from_take(video, layer):
            return self.path
        picture = keyframe_picture(self.cut, self.size) or placeholder_card(self.cut, self.size)
        picture = with_layer(picture, layer)
        return encode_still(
            picture, seconds=self.seconds, size=self.size, fps=self.fps, path=self.path
        )

    def from_take(self, stored_name: str, layer: Image.Image | None) -> bool:
        source = self.path.with_suffix(".take")
        try:
            with default_storage.open(stored_name, "rb") as stored, source.open("wb") as copy:
                shutil.copyfileobj(stored, copy)
            fit_clip(
                source,
                seconds=self.seconds,
                size=self.size,
                fps=self.fps,
                path=self.path,
                overlay=layer,
            )
        except (OSError, VideoError) as error:
            # A take that is gone or unplayable must not sink the export: the keyframe plays.
            logger.warning(
                "Animatic: take %s of cut %s unusable: %s", stored_name, self.cut.pk, error
            )
            return False
        finally:
            source.unlink(missing_ok=True)
        return True
