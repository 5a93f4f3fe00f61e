"""Images for the face-match tests: two real photos of two different people (both public
domain, see faces/README.md), and a cartoon and a faceless frame drawn here."""

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

PHOTO = Path(__file__).parent / "faces" / "astronaut.jpg"
OTHER_PHOTO = Path(__file__).parent / "faces" / "hopper.jpg"


def encoded(image: Image.Image, format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format)
    return buffer.getvalue()


def photo(path: Path = PHOTO) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def photo_bytes() -> bytes:
    return PHOTO.read_bytes()


def other_photo_bytes() -> bytes:
    """Someone else: a portrait of a different person."""
    return OTHER_PHOTO.read_bytes()


def both_faces_bytes() -> bytes:
    """One frame with both people side by side, the other person larger."""
    frame = Image.new("RGB", (1344, 768), (52, 60, 80))
    frame.paste(photo().resize((420, 420)), (80, 300))
    frame.paste(photo(OTHER_PHOTO).resize((560, 656)), (700, 60))
    return encoded(frame, "JPEG")


def photo_variants(path: Path = PHOTO) -> dict[str, bytes]:
    """The same face as a provider might return it: smaller, cropped, recoloured."""
    image = photo(path)
    width, height = image.size
    recoloured = ImageOps.colorize(ImageOps.grayscale(image), "#1d2a5a", "#ffe3c4")
    return {
        "resized": encoded(image.resize((300, 300)), "JPEG"),
        "cropped": encoded(
            image.crop((width * 18 // 100, 0, width * 82 // 100, height * 64 // 100)), "WEBP"
        ),
        "recoloured": encoded(recoloured, "JPEG"),
    }


def cartoon_bytes() -> bytes:
    """A drawn character: round head, dot eyes, a smile."""
    image = Image.new("RGB", (512, 512), (250, 240, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((140, 100, 372, 360), fill=(255, 214, 170), outline=(40, 30, 20), width=6)
    draw.ellipse((195, 190, 225, 220), fill=(30, 30, 30))
    draw.ellipse((287, 190, 317, 220), fill=(30, 30, 30))
    draw.arc((200, 230, 312, 310), start=20, end=160, fill=(160, 40, 40), width=6)
    draw.rectangle((200, 360, 312, 512), fill=(60, 110, 200))
    return encoded(image)


def faceless_bytes() -> bytes:
    """A landscape: sky, hills, a sun."""
    image = Image.new("RGB", (640, 360), (140, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [(0, 260), (200, 150), (420, 250), (640, 170), (640, 360), (0, 360)], fill=(70, 130, 60)
    )
    draw.ellipse((500, 40, 570, 110), fill=(250, 210, 80))
    return encoded(image)
