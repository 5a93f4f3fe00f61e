"""Storyboard exports: a printable PDF, a ZIP of the representative keyframes, a CSV shot list,
an MP4 animatic.

Small projects are exported while the request waits. Larger ones run as a django-q2 task that
writes the file and a small progress file to default storage under an unguessable folder:
with the ORM broker the worker is another process, so a local-memory cache would not be seen
by the web process, while a stored JSON file is (on local disk and on S3 alike).
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils.text import slugify

from projects.models import Cut, Project

# Above this many cuts, PDF and ZIP exports run as a background task.
EXPORT_SYNC_MAX_CUTS = 40
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    extension: str
    content_type: str
    description: str
    always_sync: bool = False
    always_background: bool = False
    # Formats that play the cuts cannot be made of none (an empty video is no file at all).
    needs_cuts: bool = False
    name_suffix: str = "storyboard"


FORMATS = {
    "pdf": ExportFormat(
        "pdf",
        "PDF storyboard, 6 cuts a page",
        "pdf",
        "application/pdf",
        "Landscape A4 pages in a 2 × 3 grid: keyframe, cut number, duration, shot and script.",
    ),
    "pdf-9": ExportFormat(
        "pdf-9",
        "PDF storyboard, 9 cuts a page",
        "pdf",
        "application/pdf",
        "A denser 3 × 3 grid, for an overview of a long storyboard.",
    ),
    "pdf-notes": ExportFormat(
        "pdf-notes",
        "PDF storyboard with notes",
        "pdf",
        "application/pdf",
        "One cut a page: the keyframe large, its caption, and ruled lines for notes.",
    ),
    "zip": ExportFormat(
        "zip",
        "Keyframes (ZIP)",
        "zip",
        "application/zip",
        "The representative keyframes at full size, named by cut order.",
    ),
    "csv": ExportFormat(
        "csv",
        "Shot list (CSV)",
        "csv",
        "text/csv; charset=utf-8",
        "One row per cut: status, shot, duration in seconds, script, prompt and keyframe.",
        always_sync=True,
    ),
    "mp4": ExportFormat(
        "mp4",
        "Animatic (MP4)",
        "mp4",
        "video/mp4",
        "The cuts played in order, each for its duration: its chosen take, else its keyframe "
        "held still, else a card with its number and script. Prepared in the background.",
        always_background=True,
        needs_cuts=True,
        name_suffix="animatic",
    ),
    "mp4-numbered": ExportFormat(
        "mp4-numbered",
        "Animatic with cut numbers (MP4)",
        "mp4",
        "video/mp4",
        "The same animatic with “Cut N” in the corner of every frame, for review notes.",
        always_background=True,
        needs_cuts=True,
        name_suffix="animatic-numbered",
    ),
}

CSV_FIELDS = [
    "cut",
    "status",
    "shot_size",
    "camera_angle",
    "camera_movement",
    "duration_seconds",
    "script",
    "prompt",
    "keyframe_file",
    "keyframe_model",
    "keyframe_seed",
]


class UnknownExportFormat(ValueError):
    pass


def get_format(key: str) -> ExportFormat:
    try:
        return FORMATS[key]
    except KeyError as exc:
        raise UnknownExportFormat(
            f"Unknown export format “{key}”; choose one of {', '.join(FORMATS)}."
        ) from exc


# --- The cuts, numbered ---------------------------------------------------------------


def export_cuts(project: Project) -> list[Cut]:
    """The project's cuts in storyboard order, numbered from 1, in one query."""
    cuts = list(project.cuts.select_related("representative"))
    for number, cut in enumerate(cuts, start=1):
        cut.display_number = number
    return cuts


def shot_parts(cut: Cut) -> tuple[str, str, str]:
    """The cut's shot size, camera angle and camera movement as creators read them; "" for
    one left empty."""
    return (
        cut.get_shot_size_display() if cut.shot_size else "",
        cut.get_camera_angle_display() if cut.camera_angle else "",
        cut.get_camera_movement_display() if cut.camera_movement else "",
    )


def shot_label(cut: Cut) -> str:
    return " · ".join(part for part in shot_parts(cut) if part)


def keyframe_file_name(cut: Cut, *, total: int) -> str:
    """``cut-01.jpg``: the name a representative gets in the ZIP and the CSV."""
    width = max(2, len(str(total)))
    extension = os.path.splitext(cut.representative.image.name)[1].lower() or ".jpg"
    return f"cut-{cut.number:0{width}d}{extension}"


def export_file_name(project: Project, export_format: ExportFormat) -> str:
    stem = slugify(project.title)[:60] or f"project-{project.pk}"
    return f"{stem}-{export_format.name_suffix}.{export_format.extension}"


def read_stored(name: str, *, storage=default_storage) -> bytes | None:
    """A stored file's bytes, or None when it is gone from storage."""
    try:
        with storage.open(name, "rb") as stored:
            return stored.read()
    except OSError:
        return None
