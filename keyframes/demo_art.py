"""Pictures for the demo project, drawn with Pillow so nothing is downloaded."""

import io
import math

from PIL import Image, ImageDraw, ImageFont


def character_sheet(*, name: str, skin, hair, outfit, accent) -> bytes:
    """A simple turnaround sheet: front, three-quarter and side views on a light card."""
    sheet = Image.new("RGB", (1024, 640), (245, 243, 238))
    draw = ImageDraw.Draw(sheet)
    for index, squash in enumerate((1.0, 0.8, 0.55)):
        _figure(
            draw,
            centre_x=190 + index * 320,
            squash=squash,
            skin=skin,
            hair=hair,
            outfit=outfit,
            accent=accent,
        )
    font = ImageFont.load_default(size=34)
    draw.text((32, 24), f"{name} · character sheet", fill=(40, 44, 52), font=font)
    return _png(sheet)


def _figure(draw, *, centre_x, squash, skin, hair, outfit, accent):
    head_w = 70 * squash + 20
    draw.ellipse((centre_x - head_w, 110, centre_x + head_w, 250), fill=skin, outline=(60, 60, 60))
    draw.chord((centre_x - head_w - 6, 100, centre_x + head_w + 6, 230), 180, 360, fill=hair)
    body_w = 95 * squash + 25
    draw.rounded_rectangle((centre_x - body_w, 260, centre_x + body_w, 470), 28, fill=outfit)
    draw.rectangle((centre_x - body_w + 10, 300, centre_x + body_w - 10, 316), fill=accent)
    leg_w = 28 * squash + 8
    for offset in (-1, 1):
        x = centre_x + offset * (body_w / 2)
        draw.rounded_rectangle((x - leg_w, 470, x + leg_w, 600), 10, fill=(50, 56, 70))


def location_image(*, name: str, sky, ground, accent, night: bool = False) -> bytes:
    image = Image.new("RGB", (1280, 800), sky)
    draw = ImageDraw.Draw(image)
    for row in range(400):
        blend = row / 400
        colour = tuple(int(sky[i] * (1 - blend) + ground[i] * blend * 0.6) for i in range(3))
        draw.line((0, row, 1280, row), fill=colour)
    draw.rectangle((0, 520, 1280, 800), fill=ground)
    for index in range(6):
        left = 60 + index * 200
        draw.rectangle((left, 260, left + 150, 520), fill=accent, outline=(30, 30, 30), width=3)
        window = (255, 214, 120) if night else (200, 230, 245)
        draw.rectangle((left + 25, 300, left + 125, 420), fill=window)
    if night:
        draw.ellipse((1050, 60, 1140, 150), fill=(250, 248, 225))
    else:
        for ray in range(12):
            angle = ray * math.pi / 6
            draw.line(
                (1100, 110, 1100 + 90 * math.cos(angle), 110 + 90 * math.sin(angle)),
                fill=(255, 220, 120),
                width=5,
            )
        draw.ellipse((1060, 70, 1140, 150), fill=(255, 200, 80))
    font = ImageFont.load_default(size=40)
    draw.text(
        (40, 30), name, fill=(255, 255, 255), font=font, stroke_width=2, stroke_fill=(30, 30, 30)
    )
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
