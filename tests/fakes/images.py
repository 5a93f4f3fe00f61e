"""Real PNG images for the fake providers, shaped like what the request asked for."""

import io
import random

from PIL import Image, ImageDraw

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


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size
