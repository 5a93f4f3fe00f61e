"""Storyboard exports: a printable PDF, a ZIP of the representative keyframes, a CSV shot list.

Small projects are exported while the request waits. Larger ones run as a django-q2 task that
writes the file and a small progress file to default storage under an unguessable folder:
with the ORM broker the worker is another process, so a local-memory cache would not be seen
by the web process, while a stored JSON file is (on local disk and on S3 alike).
"""

import csv
import io
import json
import math
import os
import re
import secrets
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify
from django_q.tasks import async_task
from PIL import Image
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from projects.models import Cut, Project

# Above this many cuts, PDF and ZIP exports run as a background task.
EXPORT_SYNC_MAX_CUTS = 40
EXPORT_FOLDER = "exports"
PROGRESS_FILE = "progress.json"
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


FORMATS = {
    "pdf": ExportFormat(
        "pdf",
        "PDF storyboard",
        "pdf",
        "application/pdf",
        "Landscape A4 pages: keyframe, cut number, shot and script for each cut.",
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
        "One row per cut: status, shot, script, prompt and keyframe.",
        always_sync=True,
    ),
}

CSV_FIELDS = [
    "cut",
    "status",
    "shot_size",
    "camera_angle",
    "camera_movement",
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
    return f"{stem}-storyboard.{export_format.extension}"


def read_stored(name: str) -> bytes | None:
    """A stored file's bytes, or None when it is gone from storage."""
    try:
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    except OSError:
        return None


# --- CSV ----------------------------------------------------------------------------------


def export_csv(project: Project) -> str:
    cuts = export_cuts(project)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for cut in cuts:
        writer.writerow(csv_row(cut, total=len(cuts)))
    return buffer.getvalue()


def csv_row(cut: Cut, *, total: int) -> dict[str, str]:
    keyframe = cut.representative
    seed = keyframe.seed if keyframe and keyframe.seed is not None else ""
    shot_size, camera_angle, camera_movement = shot_parts(cut)
    return {
        "cut": str(cut.number),
        "status": cut.get_status_display(),
        "shot_size": shot_size,
        "camera_angle": camera_angle,
        "camera_movement": camera_movement,
        "script": cut.script,
        "prompt": cut.prompt,
        "keyframe_file": keyframe_file_name(cut, total=total) if keyframe else "",
        "keyframe_model": keyframe.model_key if keyframe else "",
        "keyframe_seed": str(seed),
    }


# --- ZIP ----------------------------------------------------------------------------------


def export_zip(project: Project, *, on_progress: Progress | None = None) -> bytes:
    cuts = export_cuts(project)
    missing = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, cut in enumerate(cuts, start=1):
            content = read_stored(cut.representative.image.name) if cut.representative else None
            if content is None:
                reason = "image file missing" if cut.representative else "no keyframe yet"
                missing.append(f"Cut {cut.number}: {reason}")
            else:
                # Keyframes are JPEG or PNG already: compressing them again gains nothing.
                archive.writestr(keyframe_file_name(cut, total=len(cuts)), content)
            if on_progress:
                on_progress(index, len(cuts))
        if missing:
            text = "Cuts without a representative keyframe:\n" + "\n".join(missing) + "\n"
            archive.writestr("MISSING.txt", text, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 28
HEADER_HEIGHT = 34
GUTTER = 14
CAPTION_SIZE = 9
SCRIPT_SIZE = 8
SCRIPT_LEADING = 10
# Room kept under each frame: the cut number, the shot line and a few lines of script.
TEXT_MIN_HEIGHT = 2 * (CAPTION_SIZE + 3) + 3 * SCRIPT_LEADING
IMAGE_DPI = 200
PLACEHOLDER_GREY = 0.93


@dataclass(frozen=True)
class Grid:
    columns: int
    rows: int
    cell_width: float
    cell_height: float
    frame_width: float
    frame_height: float


def export_pdf(
    project: Project, *, cuts_per_page: int = 6, on_progress: Progress | None = None
) -> bytes:
    cuts = export_cuts(project)
    cuts_per_page = max(1, cuts_per_page)
    grid = grid_for(cuts_per_page, frame_ratio=aspect_ratio_of(project))
    pages = max(1, math.ceil(len(cuts) / cuts_per_page))
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    pdf.setTitle(f"{project.title} storyboard")
    pdf.setAuthor("Cutflow")
    for page in range(pages):
        draw_header(pdf, project, page=page + 1, pages=pages, cut_count=len(cuts))
        page_cuts = cuts[page * cuts_per_page : (page + 1) * cuts_per_page]
        for slot, cut in enumerate(page_cuts):
            draw_cut(pdf, cut, grid=grid, slot=slot)
            if on_progress:
                on_progress(page * cuts_per_page + slot + 1, len(cuts))
        if not cuts:
            pdf.setFont("Helvetica", 12)
            pdf.drawString(MARGIN, PAGE_HEIGHT / 2, "This storyboard has no cuts yet.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def aspect_ratio_of(project: Project) -> float:
    width, height = (int(part) for part in project.aspect_ratio.split(":"))
    return width / height


def grid_for(count: int, *, frame_ratio: float) -> Grid:
    """The columns × rows layout that gives each cut's frame the largest area."""
    grids = [
        grid_of(columns, math.ceil(count / columns), frame_ratio) for columns in range(1, count + 1)
    ]
    return max(grids, key=lambda grid: grid.frame_width * grid.frame_height)


def grid_of(columns: int, rows: int, frame_ratio: float) -> Grid:
    usable_width = PAGE_WIDTH - 2 * MARGIN
    usable_height = PAGE_HEIGHT - 2 * MARGIN - HEADER_HEIGHT
    cell_width = (usable_width - (columns - 1) * GUTTER) / columns
    cell_height = (usable_height - (rows - 1) * GUTTER) / rows
    frame_width = max(1.0, min(cell_width, (cell_height - TEXT_MIN_HEIGHT) * frame_ratio))
    return Grid(columns, rows, cell_width, cell_height, frame_width, frame_width / frame_ratio)


def draw_header(pdf: Canvas, project: Project, *, page: int, pages: int, cut_count: int) -> None:
    top = PAGE_HEIGHT - MARGIN
    pdf.setFillGray(0)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(MARGIN, top - 14, project.title)
    pdf.setFont("Helvetica", 9)
    cuts = f"{cut_count} cut{'s' if cut_count != 1 else ''}"
    pdf.drawString(MARGIN, top - 27, f"{cuts} · {project.aspect_ratio}")
    pdf.drawRightString(PAGE_WIDTH - MARGIN, top - 14, f"Page {page} of {pages}")


def draw_cut(pdf: Canvas, cut: Cut, *, grid: Grid, slot: int) -> None:
    column, row = slot % grid.columns, slot // grid.columns
    left = MARGIN + column * (grid.cell_width + GUTTER)
    top = PAGE_HEIGHT - MARGIN - HEADER_HEIGHT - row * (grid.cell_height + GUTTER)
    frame_left = left + (grid.cell_width - grid.frame_width) / 2
    frame_bottom = top - grid.frame_height
    frame = (frame_left, frame_bottom, grid.frame_width, grid.frame_height)
    image = keyframe_image(cut, frame=frame) if cut.representative else None
    if image is None:
        reason = "Image file missing" if cut.representative else "No keyframe yet"
        draw_placeholder(pdf, frame, reason)
    else:
        draw_fitted(pdf, image, frame)
    draw_caption(
        pdf,
        cut,
        left=left,
        top=frame_bottom - 4,
        width=grid.cell_width,
        bottom=top - grid.cell_height,
    )


def keyframe_image(cut: Cut, *, frame: tuple[float, float, float, float]) -> Image.Image | None:
    """The representative, scaled down to print resolution for its frame."""
    content = read_stored(cut.representative.image.name)
    if content is None:
        return None
    try:
        image = Image.open(io.BytesIO(content))
        image.load()
    except OSError:
        return None
    _, _, width, height = frame
    image.thumbnail((round(width * IMAGE_DPI / 72), round(height * IMAGE_DPI / 72)))
    return image.convert("RGB")


def draw_fitted(pdf: Canvas, image: Image.Image, frame: tuple[float, float, float, float]):
    left, bottom, width, height = frame
    scale = min(width / image.width, height / image.height)
    drawn_width, drawn_height = image.width * scale, image.height * scale
    pdf.drawImage(
        ImageReader(image),
        left + (width - drawn_width) / 2,
        bottom + (height - drawn_height) / 2,
        drawn_width,
        drawn_height,
    )
    pdf.setStrokeGray(0.7)
    pdf.rect(left, bottom, width, height, stroke=1, fill=0)


def draw_placeholder(pdf: Canvas, frame: tuple[float, float, float, float], text: str) -> None:
    left, bottom, width, height = frame
    pdf.setFillGray(PLACEHOLDER_GREY)
    pdf.setStrokeGray(0.7)
    pdf.rect(left, bottom, width, height, stroke=1, fill=1)
    pdf.setFillGray(0.45)
    pdf.setFont("Helvetica", CAPTION_SIZE)
    pdf.drawCentredString(left + width / 2, bottom + height / 2 - 3, text)
    pdf.setFillGray(0)


def draw_caption(pdf: Canvas, cut: Cut, *, left: float, top: float, width: float, bottom: float):
    line = top - CAPTION_SIZE
    pdf.setFillGray(0)
    pdf.setFont("Helvetica-Bold", CAPTION_SIZE)
    pdf.drawString(left, line, f"Cut {cut.number}")
    shot = shot_label(cut)
    if shot:
        line -= CAPTION_SIZE + 3
        pdf.setFont("Helvetica-Oblique", CAPTION_SIZE)
        for part in simpleSplit(shot, "Helvetica-Oblique", CAPTION_SIZE, width)[:2]:
            pdf.drawString(left, line, part)
            line -= CAPTION_SIZE + 3
        line += CAPTION_SIZE + 3
    pdf.setFont("Helvetica", SCRIPT_SIZE)
    room = max(0, int((line - SCRIPT_LEADING - bottom) // SCRIPT_LEADING) + 1)
    lines = script_lines(cut.script, width=width, room=room)
    for text in lines:
        line -= SCRIPT_LEADING
        pdf.drawString(left, line, text)


def script_lines(script: str, *, width: float, room: int) -> list[str]:
    lines = []
    for paragraph in script.strip().splitlines() or [""]:
        lines += simpleSplit(paragraph, "Helvetica", SCRIPT_SIZE, width) or [""]
    if not script.strip():
        lines = ["(no script)"]
    if len(lines) > room:
        lines = lines[:room]
        if lines:
            lines[-1] = lines[-1][: max(0, len(lines[-1]) - 1)] + "…"
    return lines


# --- Background exports -------------------------------------------------------------------


@dataclass(frozen=True)
class ExportStatus:
    token: str
    project_id: int
    format: str
    status: str  # "working" or "ready"
    done: int
    total: int
    file_name: str
    stored_name: str
    updated_at: float

    @property
    def is_ready(self) -> bool:
        return self.status == "ready"

    @property
    def percent(self) -> int:
        if self.is_ready:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def stalled(self) -> bool:
        """A worker that died leaves a working export that never moves again."""
        limit = settings.Q_CLUSTER["timeout"] + 60
        return not self.is_ready and time.time() - self.updated_at > limit


def needs_background_export(project: Project, export_format: ExportFormat) -> bool:
    return not export_format.always_sync and project.cuts.count() > EXPORT_SYNC_MAX_CUTS


def build_export(
    project: Project, export_format: ExportFormat, *, on_progress: Progress | None = None
) -> bytes:
    if export_format.key == "pdf":
        return export_pdf(project, on_progress=on_progress)
    if export_format.key == "zip":
        return export_zip(project, on_progress=on_progress)
    return export_csv(project).encode("utf-8")


def start_export(*, project: Project, export_format: ExportFormat) -> ExportStatus:
    """Records a queued export and hands it to a worker once the transaction commits."""
    token = secrets.token_urlsafe(24)
    status = write_status(
        token=token,
        project=project,
        export_format=export_format,
        done=0,
        total=project.cuts.count(),
    )
    transaction.on_commit(
        partial(async_task, "projects.tasks.run_export", project.pk, export_format.key, token)
    )
    return status


def run_export(*, project: Project, export_format: ExportFormat, token: str) -> ExportStatus:
    """Builds the file, reporting progress, then stores it next to its progress file."""
    last_written = [0.0]

    def report(done: int, total: int) -> None:
        # Rewriting the progress file for every cut would cost more than the cut itself.
        if time.monotonic() - last_written[0] >= 1 or done == total:
            last_written[0] = time.monotonic()
            write_status(
                token=token, project=project, export_format=export_format, done=done, total=total
            )

    content = build_export(project, export_format, on_progress=report)
    file_name = export_file_name(project, export_format)
    stored_name = f"{export_folder(project, token)}/{file_name}"
    default_storage.delete(stored_name)
    stored_name = default_storage.save(stored_name, ContentFile(content))
    total = project.cuts.count()
    return write_status(
        token=token,
        project=project,
        export_format=export_format,
        done=total,
        total=total,
        stored_name=stored_name,
    )


def write_status(
    *,
    token: str,
    project: Project,
    export_format: ExportFormat,
    done: int,
    total: int,
    stored_name: str = "",
) -> ExportStatus:
    status = ExportStatus(
        token=token,
        project_id=project.pk,
        format=export_format.key,
        status="ready" if stored_name else "working",
        done=done,
        total=total,
        file_name=export_file_name(project, export_format),
        stored_name=stored_name,
        updated_at=time.time(),
    )
    name = progress_file(project, token)
    default_storage.delete(name)
    default_storage.save(name, ContentFile(json.dumps(status.__dict__).encode()))
    return status


def read_status(*, project: Project, token: str) -> ExportStatus | None:
    """The export's progress, or None when the token is unknown or another project's."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    content = read_stored(progress_file(project, token))
    if content is None:
        return None
    try:
        status = ExportStatus(**json.loads(content))
    except (ValueError, TypeError):
        return None  # caught halfway through a rewrite; the next poll reads it whole
    return status if status.project_id == project.pk else None


def export_folder(project: Project, token: str) -> str:
    """Exports live under their project's folder, so deleting the project can find them."""
    return f"{EXPORT_FOLDER}/{project.pk}/{token}"


def progress_file(project: Project, token: str) -> str:
    return f"{export_folder(project, token)}/{PROGRESS_FILE}"


def stored_export_files(project: Project) -> list[str]:
    """Every export file and progress file kept for the project."""
    root = f"{EXPORT_FOLDER}/{project.pk}"
    try:
        tokens, _ = default_storage.listdir(root)
    except FileNotFoundError:
        return []
    names = []
    for token in tokens:
        _, files = default_storage.listdir(f"{root}/{token}")
        names += [f"{root}/{token}/{name}" for name in files]
    return names
