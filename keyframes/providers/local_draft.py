"""The ``local-draft`` model: a storyboard frame composed with Pillow, offline and free.

It lays the references out the way a storyboard artist would pin them up: the location as the
backdrop, the characters as labelled cut-outs standing left to right in mention order, other
references as small insets, and the prompt as a caption. The seed varies the tint, the
gradient, the cut-outs' placement and the vignette; the same inputs always give the same bytes.
"""

import colorsys
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

from cutflow.line_breaking import wrap_text
from cutflow.typeface import image_font as _font

ASPECT_RATIOS = {"9:16": (9, 16), "16:9": (16, 9), "1:1": (1, 1), "4:5": (4, 5)}

_INK = (24, 24, 28)
_PAPER = (246, 243, 236)
_WHITE = (255, 255, 255)
_MAX_CAPTION_LINES = 4
_ELLIPSIS = "…"


@dataclass(frozen=True)
class DraftReference:
    role: str  # "character" | "location" | "additional" | "style"
    label: str
    data: bytes


@dataclass(frozen=True)
class _Frame:
    """Sizes shared by every element, derived from the canvas so all ratios look alike."""

    width: int
    height: int

    @property
    def unit(self) -> float:
        return min(self.width, self.height) / 100

    @property
    def margin(self) -> int:
        return round(self.unit * 3)


def canvas_size(aspect_ratio: str, long_side: int) -> tuple[int, int]:
    if aspect_ratio not in ASPECT_RATIOS:
        raise ValueError(f"Unknown aspect ratio {aspect_ratio!r}.")
    across, down = ASPECT_RATIOS[aspect_ratio]
    if across >= down:
        return long_side, round(long_side * down / across)
    return round(long_side * across / down), long_side


def render_draft(
    *,
    prompt: str,
    aspect_ratio: str,
    references: Sequence[DraftReference],
    seed: int,
    long_side: int = 1024,
) -> bytes:
    """A PNG storyboard frame at ``aspect_ratio`` whose long side is ``long_side`` pixels."""
    frame = _Frame(*canvas_size(aspect_ratio, long_side))
    rng = random.Random(seed)
    hue = rng.random()
    locations = [ref for ref in references if ref.role == "location"]
    characters = [ref for ref in references if ref.role == "character"]
    insets = [ref for ref in references if ref.role in ("additional", "style")]

    if locations:
        canvas = _location_backdrop(frame, locations[0].data, hue=hue)
    else:
        canvas = _sketch_backdrop(frame, rng=rng, hue=hue)
    _vignette(canvas, strength=0.8 + rng.random() * 0.6)

    caption_lines = _caption_lines(frame, prompt)
    caption_top = frame.height - _caption_height(frame, len(caption_lines))
    location_label = locations[0].label if locations else None
    top = _draw_tags(canvas, frame, seed=seed, hue=hue, location_label=location_label)
    _draw_characters(canvas, frame, characters, top=top, bottom=caption_top, rng=rng)
    _draw_insets(canvas, frame, insets)
    _draw_caption(canvas, frame, caption_lines, top=caption_top)
    border = max(2, round(frame.unit * 0.5))
    ImageDraw.Draw(canvas).rectangle(
        (0, 0, frame.width - 1, frame.height - 1), outline=_INK, width=border
    )
    return _encode_png(canvas)


def _location_backdrop(frame: _Frame, data: bytes, *, hue: float) -> Image.Image:
    size = (frame.width, frame.height)
    photo = ImageOps.fit(_decode(data, size).convert("RGB"), size, Image.Resampling.BILINEAR)
    muted = ImageEnhance.Color(photo).enhance(0.8)
    return Image.blend(muted, Image.new("RGB", size, _colour(hue, 0.5, 0.5)), 0.12)


def _sketch_backdrop(frame: _Frame, *, rng: random.Random, hue: float) -> Image.Image:
    """A tinted gradient with a horizon and perspective lines, like an empty storyboard set."""
    size = (frame.width, frame.height)
    ramp = Image.linear_gradient("L").rotate(rng.random() * 360, Image.Resampling.BICUBIC)
    # The centre square stays inside the rotated ramp, clear of its black corners.
    ramp = ramp.crop((38, 38, 218, 218)).resize(size, Image.Resampling.BILINEAR)
    canvas = ImageOps.colorize(ramp, _colour(hue, 0.30, 0.35), _colour(hue + 0.08, 0.78, 0.30))

    lines = Image.new("L", size, 0)
    draw = ImageDraw.Draw(lines)
    horizon = round(frame.height * (0.42 + rng.random() * 0.16))
    vanishing_x = round(frame.width * (0.3 + rng.random() * 0.4))
    width = max(1, round(frame.unit * 0.25))
    draw.line((0, horizon, frame.width, horizon), fill=90, width=width)
    for step in range(-4, 5):
        foot_x = vanishing_x + step * frame.width // 3
        draw.line((vanishing_x, horizon, foot_x, frame.height), fill=45, width=width)
    canvas.paste(_INK, (0, 0), lines)
    return canvas


def _vignette(canvas: Image.Image, *, strength: float) -> None:
    falloff = Image.radial_gradient("L").resize(canvas.size, Image.Resampling.BILINEAR)
    mask = falloff.point(lambda value: 0 if value < 140 else round((value - 140) * strength))
    canvas.paste((0, 0, 0), (0, 0), mask)


def _draw_tags(
    canvas: Image.Image,
    frame: _Frame,
    *,
    seed: int,
    hue: float,
    location_label: str | None,
) -> int:
    """The DRAFT tag and the location's handle, top left; returns the y below them."""
    font = _font(round(frame.unit * 2.6))
    x = y = frame.margin
    bottom = _pill(canvas, (x, y), f"DRAFT · seed {seed}", font=font, dot=_colour(hue, 0.6, 0.8))
    if location_label:
        bottom = _pill(canvas, (x, bottom + round(frame.unit)), _handle(location_label), font=font)
    return bottom


def _draw_characters(
    canvas: Image.Image,
    frame: _Frame,
    characters: Sequence[DraftReference],
    *,
    top: int,
    bottom: int,
    rng: random.Random,
) -> None:
    if not characters:
        return
    font = _font(round(frame.unit * 2.8))
    label_height = round(font.size * 1.9)
    floor = bottom - label_height - frame.margin
    slot_width = (frame.width - 2 * frame.margin) / len(characters)
    box = (
        round(min(slot_width * 0.86, frame.width * 0.55)),
        round((floor - top - frame.margin) * 0.92),
    )
    for index, character in enumerate(characters):
        card = _card(character.data, box, frame=frame)
        card = card.rotate((rng.random() - 0.5) * 5, Image.Resampling.BILINEAR, expand=True)
        centre = frame.margin + slot_width * (index + 0.5) + (rng.random() - 0.5) * slot_width * 0.1
        left = round(centre - card.width / 2)
        card_top = floor - card.height - round(rng.random() * frame.unit * 2)
        shadow = card.getchannel("A").point(lambda alpha: alpha * 2 // 5)
        offset = max(2, round(frame.unit * 0.8))
        canvas.paste((0, 0, 0), (left + offset, card_top + offset), shadow)
        canvas.paste(card, (left, card_top), card)
        label = _fit_text(_handle(character.label), font, max_width=slot_width * 0.95)
        label_width = font.getlength(label) + font.size
        _pill(
            canvas, (round(centre - label_width / 2), floor + round(frame.unit)), label, font=font
        )


def _draw_insets(canvas: Image.Image, frame: _Frame, insets: Sequence[DraftReference]) -> None:
    """Small pinned thumbnails along the top right, the first reference nearest the corner."""
    if not insets:
        return
    gap = round(frame.unit)
    side = round(min(frame.unit * 14, (frame.width * 0.5 - gap * len(insets)) / len(insets)))
    font = _font(max(9, round(frame.unit * 1.8)))
    right = frame.width - frame.margin
    for inset in insets:
        card = _card(inset.data, (side, side), frame=frame)
        left = right - card.width
        canvas.paste(card, (left, frame.margin), card)
        label = _fit_text(inset.label or inset.role, font, max_width=card.width)
        label_top = frame.margin + card.height + gap // 2
        _outlined_text(canvas, (left, label_top), label, font=font)
        right = left - gap


def _draw_caption(canvas: Image.Image, frame: _Frame, lines: list[str], *, top: int) -> None:
    if not lines:
        return
    band = (0, top, frame.width, frame.height)
    canvas.paste(_INK, band, Image.new("L", (band[2], band[3] - top), 205))
    font = _caption_font(frame)
    draw = ImageDraw.Draw(canvas)
    for number, line in enumerate(lines):
        y = top + frame.margin + round(number * font.size * 1.35)
        draw.text((frame.margin, y), line, font=font, fill=_WHITE)


def _caption_font(frame: _Frame) -> ImageFont.FreeTypeFont:
    return _font(max(11, round(frame.unit * 3.2)))


def _caption_height(frame: _Frame, line_count: int) -> int:
    if not line_count:
        return 0
    font = _caption_font(frame)
    return 2 * frame.margin + round((line_count - 1) * font.size * 1.35) + round(font.size * 1.2)


def _caption_lines(frame: _Frame, prompt: str) -> list[str]:
    """The prompt wrapped to the frame's width; what does not fit ends in an ellipsis."""
    font = _caption_font(frame)
    max_width = frame.width - 2 * frame.margin
    # Only the first lines show: wrapping a prefix that fills them is enough.
    shown = " ".join(prompt.split())[: _MAX_CAPTION_LINES * max_width // 2]
    lines = [line for line in wrap_text(shown, width=max_width, measure=font.getlength) if line]
    if len(lines) > _MAX_CAPTION_LINES:
        lines = lines[:_MAX_CAPTION_LINES]
        lines[-1] = _fit_text(lines[-1] + _ELLIPSIS, font, max_width=max_width)
    return lines


def _fit_text(text: str, font: ImageFont.FreeTypeFont, *, max_width: float) -> str:
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(text + _ELLIPSIS) > max_width:
        text = text[:-1]
    return text + _ELLIPSIS


def _card(data: bytes, box: tuple[int, int], *, frame: _Frame) -> Image.Image:
    """The picture on a paper mount with a thin border, as an RGBA cut-out."""
    mount = max(2, round(frame.unit * 0.6))
    inner = (max(1, box[0] - 2 * mount), max(1, box[1] - 2 * mount))
    picture = _decode(data, inner)
    if picture.width > inner[0] or picture.height > inner[1]:
        picture.thumbnail(inner, Image.Resampling.BILINEAR, reducing_gap=2.0)
    else:
        picture = ImageOps.contain(picture, inner, Image.Resampling.BILINEAR)
    card = Image.new("RGBA", (picture.width + 2 * mount, picture.height + 2 * mount), _PAPER)
    card.paste(picture, (mount, mount), picture if picture.mode == "RGBA" else None)
    ImageDraw.Draw(card).rectangle((0, 0, card.width - 1, card.height - 1), outline=(90, 90, 90))
    return card


def _decode(data: bytes, size: tuple[int, int]) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    # A JPEG decodes straight at a fraction of its size: far faster than decoding it whole.
    image.draft("RGB", size)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")


def _pill(
    canvas: Image.Image,
    position: tuple[int, int],
    text: str,
    *,
    font: ImageFont.FreeTypeFont,
    dot: tuple[int, int, int] | None = None,
) -> int:
    """A rounded dark tag with white text; returns its bottom edge."""
    padding = round(font.size * 0.5)
    dot_width = round(font.size * 0.9) if dot else 0
    width = round(font.getlength(text)) + 2 * padding + dot_width
    height = round(font.size * 1.6)
    x, y = position
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, width - 1, height - 1), height // 2, fill=215)
    canvas.paste(_INK, (x, y, x + width, y + height), mask)
    draw = ImageDraw.Draw(canvas)
    if dot:
        radius = font.size // 4
        centre = (x + padding + radius, y + height // 2)
        draw.ellipse(
            (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
            fill=dot,
        )
    draw.text((x + padding + dot_width, y + height // 2), text, font=font, fill=_WHITE, anchor="lm")
    return y + height


def _outlined_text(
    canvas: Image.Image, position: tuple[int, int], text: str, *, font: ImageFont.FreeTypeFont
) -> None:
    ImageDraw.Draw(canvas).text(
        position,
        text,
        font=font,
        fill=_WHITE,
        stroke_width=max(1, font.size // 8),
        stroke_fill=_INK,
    )


def _handle(label: str) -> str:
    """The tag shown on the frame: labels such as "the location @Cafe" already name it."""
    return label if "@" in label else f"@{label}"


def _colour(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue % 1, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def _encode_png(canvas: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Fast compression: the app re-encodes every generated image on intake anyway.
    canvas.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
