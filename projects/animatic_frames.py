"""The pictures of the animatic that are not a take: a keyframe fitted to the frame, the card
that stands in for a cut without one, and the cut number burned in over either."""

import io

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from cutflow.line_breaking import wrap_text
from cutflow.typeface import image_font
from projects.export import read_stored
from projects.models import Cut

Size = tuple[int, int]

CARD_BACKGROUND = (28, 31, 38)
CARD_TEXT = (236, 238, 242)
CARD_MUTED = (150, 156, 168)
LABEL_BACKGROUND = (0, 0, 0, 150)
SCRIPT_LINES = 3


def frame_size(aspect_ratio: str, long_side: int) -> Size:
    """The animatic's frame for a project's ratio ("16:9"), both sides even as H.264 wants."""
    across, down = (int(part) for part in aspect_ratio.split(":"))
    scale = long_side / max(across, down)
    return _even(across * scale), _even(down * scale)


def keyframe_picture(cut: Cut, size: Size) -> Image.Image | None:
    """The representative keyframe letterboxed into ``size``, or None when the cut has none or
    its file is gone or unreadable."""
    if cut.representative is None:
        return None
    content = read_stored(cut.representative.image.name)
    if content is None:
        return None
    try:
        with Image.open(io.BytesIO(content)) as opened:
            picture = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError):
        return None
    return ImageOps.pad(picture, size, Image.Resampling.LANCZOS, color="black")


def placeholder_card(cut: Cut, size: Size) -> Image.Image:
    """A dark card naming the cut and the start of its script, so the animatic keeps the
    storyboard's timing while a cut still has no keyframe."""
    card = Image.new("RGB", size, CARD_BACKGROUND)
    draw = ImageDraw.Draw(card)
    width, height = size
    unit = min(width, height)
    title, note, body = image_font(_px(unit, 0.12)), image_font(_px(unit, 0.06)), None
    lines = [(f"Cut {cut.number}", title, CARD_TEXT), ("No keyframe yet", note, CARD_MUTED)]
    script = cut.script.strip()
    if script:
        body = image_font(_px(unit, 0.055))
        wrapped = wrap_text(script, width=width * 0.8, measure=body.getlength)
        shown = wrapped[:SCRIPT_LINES]
        if len(wrapped) > SCRIPT_LINES:
            shown[-1] = shown[-1].rstrip() + "…"
        lines += [(line, body, CARD_TEXT) for line in shown]
    gap = round(unit * 0.03)
    heights = [_line_height(font) for _, font, _ in lines]
    top = (height - sum(heights) - gap * (len(lines) - 1)) / 2
    for (text, font, colour), line_height in zip(lines, heights, strict=True):
        draw.text((width / 2, top), text, font=font, fill=colour, anchor="ma")
        top += line_height + gap
    return card


def number_layer(cut: Cut, size: Size) -> Image.Image:
    """A transparent layer with "Cut N" in a dark tab at the top left, to lay over a frame."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    unit = min(size)
    font = image_font(_px(unit, 0.08))
    margin, padding = round(unit * 0.04), round(unit * 0.025)
    text = f"Cut {cut.number}"
    left, top, right, bottom = draw.textbbox((margin + padding, margin + padding), text, font=font)
    draw.rectangle(
        (left - padding, top - padding, right + padding, bottom + padding), fill=LABEL_BACKGROUND
    )
    draw.text((margin + padding, margin + padding), text, font=font, fill=(255, 255, 255, 255))
    return layer


def with_layer(picture: Image.Image, layer: Image.Image | None) -> Image.Image:
    if layer is None:
        return picture
    return Image.alpha_composite(picture.convert("RGBA"), layer).convert("RGB")


def _line_height(font) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _px(unit: int, share: float) -> int:
    # Tiny test frames still get legible (if small) text rather than a zero-size font.
    return max(8, round(unit * share))


def _even(length: float) -> int:
    return max(2, round(length / 2) * 2)
