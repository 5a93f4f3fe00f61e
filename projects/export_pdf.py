"""The PDF storyboard export: landscape A4 pages with a grid of cuts (2×3, 3×3 or any count),
or one frame per page with room for notes (projects/export_pdf_notes.py)."""

import io
import math
from dataclasses import dataclass

from PIL import Image
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from cutflow.line_breaking import wrap_text
from cutflow.typeface import pdf_font
from projects.durations import clock, running_seconds, seconds_text
from projects.export import Progress, export_cuts, read_stored, shot_label
from projects.models import Cut, Project
from projects.signals import named_texts

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


# Fixed grids by name: (columns, rows) on a landscape page.
GRIDS = {"2x3": (3, 2), "3x3": (3, 3)}


def export_pdf(
    project: Project,
    *,
    cuts_per_page: int = 6,
    grid_name: str | None = None,
    on_progress: Progress | None = None,
) -> bytes:
    """A grid of cuts per page: ``grid_name`` is one of GRIDS, or None for the layout that
    gives ``cuts_per_page`` frames the largest area."""
    cuts = export_cuts(project)
    scripts = caption_scripts(project, cuts)
    if grid_name is not None:
        columns, rows = GRIDS[grid_name]
        grid = grid_of(columns, rows, aspect_ratio_of(project))
        cuts_per_page = columns * rows
    else:
        cuts_per_page = max(1, cuts_per_page)
        grid = grid_for(cuts_per_page, frame_ratio=aspect_ratio_of(project))
    pages = max(1, math.ceil(len(cuts) / cuts_per_page))
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    pdf.setTitle(f"{project.title} storyboard")
    pdf.setAuthor("Cutflow")
    for page in range(pages):
        draw_header(pdf, project, page=page + 1, pages=pages, cuts=cuts)
        page_cuts = cuts[page * cuts_per_page : (page + 1) * cuts_per_page]
        for slot, cut in enumerate(page_cuts):
            draw_cut(pdf, cut, grid=grid, slot=slot, script=scripts[cut.pk])
            if on_progress:
                on_progress(page * cuts_per_page + slot + 1, len(cuts))
        if not cuts:
            pdf.setFont("Helvetica", 12)
            pdf.drawString(MARGIN, PAGE_HEIGHT / 2, "This storyboard has no cuts yet.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def caption_scripts(project: Project, cuts: list[Cut]) -> dict[int, str]:
    """Each cut's script as printed: @handles written as the names they stand for."""
    return named_texts(project, {cut.pk: cut.script for cut in cuts})


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


def draw_header(pdf: Canvas, project: Project, *, page: int, pages: int, cuts: list[Cut]) -> None:
    top = PAGE_HEIGHT - MARGIN
    pdf.setFillGray(0)
    pdf.setFont(pdf_font(), 14)
    pdf.drawString(MARGIN, top - 14, project.title)
    pdf.setFont("Helvetica", 9)
    count = f"{len(cuts)} cut{'s' if len(cuts) != 1 else ''}"
    running_time = f"{clock(running_seconds(cuts))} running time"
    pdf.drawString(MARGIN, top - 27, f"{count} · {running_time} · {project.aspect_ratio}")
    pdf.drawRightString(PAGE_WIDTH - MARGIN, top - 14, f"Page {page} of {pages}")


def draw_cut(pdf: Canvas, cut: Cut, *, grid: Grid, slot: int, script: str) -> None:
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
        script=script,
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


def draw_caption(
    pdf: Canvas, cut: Cut, *, script: str, left: float, top: float, width: float, bottom: float
):
    line = top - CAPTION_SIZE
    draw_cut_number(pdf, cut, left=left, line=line, width=width, size=CAPTION_SIZE)
    shot = shot_label(cut)
    if shot:
        line -= CAPTION_SIZE + 3
        pdf.setFont("Helvetica-Oblique", CAPTION_SIZE)
        for part in simpleSplit(shot, "Helvetica-Oblique", CAPTION_SIZE, width)[:2]:
            pdf.drawString(left, line, part)
            line -= CAPTION_SIZE + 3
        line += CAPTION_SIZE + 3
    pdf.setFont(pdf_font(), SCRIPT_SIZE)
    room = max(0, int((line - SCRIPT_LEADING - bottom) // SCRIPT_LEADING) + 1)
    lines = script_lines(script, width=width, room=room)
    for text in lines:
        line -= SCRIPT_LEADING
        pdf.drawString(left, line, text)


def draw_cut_number(pdf: Canvas, cut: Cut, *, left: float, line: float, width: float, size: int):
    """The cut's number on the left and its duration on the right, as a shot list's timing."""
    pdf.setFillGray(0)
    pdf.setFont("Helvetica-Bold", size)
    pdf.drawString(left, line, f"Cut {cut.number}")
    pdf.setFont("Helvetica", size)
    pdf.drawRightString(left + width, line, f"{seconds_text(cut.duration_seconds)} s")


def script_lines(script: str, *, width: float, room: int) -> list[str]:
    font = pdf_font()
    lines = wrap_text(
        script.strip(), width=width, measure=lambda text: stringWidth(text, font, SCRIPT_SIZE)
    )
    if not script.strip():
        lines = ["(no script)"]
    if len(lines) > room:
        lines = lines[:room]
        if lines:
            lines[-1] = lines[-1][: max(0, len(lines[-1]) - 1)] + "…"
    return lines
