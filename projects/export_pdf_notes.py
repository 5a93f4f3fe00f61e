"""The PDF storyboard with one frame per page: the keyframe on the left, and on the right the
cut's caption above ruled lines for handwritten notes."""

import io

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from cutflow.line_breaking import wrap_text
from cutflow.typeface import pdf_font
from projects.export import Progress, export_cuts, shot_label
from projects.export_pdf import (
    CAPTION_SIZE,
    GUTTER,
    HEADER_HEIGHT,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SCRIPT_LEADING,
    SCRIPT_SIZE,
    aspect_ratio_of,
    caption_scripts,
    draw_cut_number,
    draw_fitted,
    draw_header,
    draw_placeholder,
    keyframe_image,
)
from projects.models import Cut, Project

FRAME_SHARE = 0.62  # of the page's usable width, at most
NOTE_LINE_GAP = 20
SCRIPT_MAX_LINES = 12


def export_pdf_notes(project: Project, *, on_progress: Progress | None = None) -> bytes:
    cuts = export_cuts(project)
    scripts = caption_scripts(project, cuts)
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    pdf.setTitle(f"{project.title} storyboard")
    pdf.setAuthor("Cutflow")
    pages = max(1, len(cuts))
    for index, cut in enumerate(cuts):
        draw_header(pdf, project, page=index + 1, pages=pages, cuts=cuts)
        draw_page(pdf, cut, script=scripts[cut.pk], ratio=aspect_ratio_of(project))
        pdf.showPage()
        if on_progress:
            on_progress(index + 1, len(cuts))
    if not cuts:
        draw_header(pdf, project, page=1, pages=1, cuts=[])
        pdf.setFont("Helvetica", 12)
        pdf.drawString(MARGIN, PAGE_HEIGHT / 2, "This storyboard has no cuts yet.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def draw_page(pdf: Canvas, cut: Cut, *, script: str, ratio: float) -> None:
    top = PAGE_HEIGHT - MARGIN - HEADER_HEIGHT
    usable_width = PAGE_WIDTH - 2 * MARGIN
    usable_height = top - MARGIN
    width = min(usable_width * FRAME_SHARE, usable_height * ratio)
    height = width / ratio
    frame = (MARGIN, top - height, width, height)
    image = keyframe_image(cut, frame=frame) if cut.representative else None
    if image is None:
        reason = "Image file missing" if cut.representative else "No keyframe yet"
        draw_placeholder(pdf, frame, reason)
    else:
        draw_fitted(pdf, image, frame)
    left = MARGIN + width + GUTTER
    right = PAGE_WIDTH - MARGIN
    line = draw_caption(pdf, cut, script=script, left=left, top=top, width=right - left)
    draw_note_lines(pdf, left=left, top=line - NOTE_LINE_GAP, right=PAGE_WIDTH - MARGIN)


def draw_caption(pdf: Canvas, cut: Cut, *, script: str, left: float, top: float, width: float):
    """The cut's number, duration, shot and script; returns the height where the notes
    start."""
    line = top - CAPTION_SIZE - 4
    draw_cut_number(pdf, cut, left=left, line=line, width=width, size=CAPTION_SIZE + 4)
    shot = shot_label(cut)
    if shot:
        line -= CAPTION_SIZE + 6
        pdf.setFont("Helvetica-Oblique", CAPTION_SIZE)
        pdf.drawString(left, line, shot)
    font, size = pdf_font(), SCRIPT_SIZE + 1
    pdf.setFont(font, size)
    measure = lambda text: stringWidth(text, font, size)  # noqa: E731
    lines = wrap_text(script.strip() or "(no script)", width=width, measure=measure)
    line -= 6
    for text in lines[:SCRIPT_MAX_LINES]:
        line -= SCRIPT_LEADING + 1
        pdf.drawString(left, line, text)
    line -= NOTE_LINE_GAP
    pdf.setFont("Helvetica-Bold", CAPTION_SIZE)
    pdf.drawString(left, line, "Notes")
    return line


def draw_note_lines(pdf: Canvas, *, left: float, top: float, right: float) -> None:
    pdf.setStrokeGray(0.8)
    line = top
    while line > MARGIN:
        pdf.line(left, line, right, line)
        line -= NOTE_LINE_GAP
