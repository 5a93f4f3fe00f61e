"""Real PNG images for the fake providers, shaped like what the request asked for."""

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

LONG_SIDE = 256


def size_for_ratio(width: float, height: float) -> tuple[int, int]:
    scale = LONG_SIDE / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def size_for_aspect_ratio(aspect_ratio: str) -> tuple[int, int]:
    width, _, height = aspect_ratio.partition(":")
    try:
        return size_for_ratio(float(width), float(height))
    except ValueError:
        return LONG_SIDE, LONG_SIDE


def png_image(size: tuple[int, int], *, seed: int | None = None) -> bytes:
    rng = random.Random(seed)
    colour = tuple(rng.randrange(40, 220) for _ in range(3))
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse(
        (width // 4, height // 4, 3 * width // 4, 3 * height // 4),
        fill=tuple(255 - c for c in colour),
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def photo_like_png(size: tuple[int, int], *, seed: int = 0) -> bytes:
    """A PNG as detailed as a model's render: two real portraits side by side with a little
    grain. It costs what a real output costs to decode and re-encode, which the flat
    pictures above do not (1.8 MB at 919 x 1633 against a few kB)."""
    faces = Path(__file__).resolve().parent.parent / "keyframes" / "faces"
    width, height = size
    canvas = Image.new("RGB", size)
    for number, name in enumerate(("astronaut.jpg", "hopper.jpg")):
        with Image.open(faces / name) as photo:
            half = photo.convert("RGB").resize((width // 2, height), Image.Resampling.LANCZOS)
        canvas.paste(half, (number * (width // 2), 0))
    grain = Image.effect_noise(size, 12 + seed).convert("RGB")
    picture = Image.blend(canvas, grain, 0.15).filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size
