"""The one way an image enters Cutflow: uploads of every kind and images a model returns.

Only PNG, JPEG and WebP stills are accepted. The size in pixels is read from the file header
before anything is decoded, so a tiny file that claims 50000 x 50000 pixels costs nothing.
Accepted images are re-encoded, which applies the EXIF orientation and drops every piece of
metadata (GPS position, camera, editing history); colours are converted to sRGB.

Stored format: PNG when the image has real transparency, otherwise JPEG at quality 92 without
chroma subsampling (close to lossless for line art, a fraction of PNG's size for photos).
Each image also gets a WebP thumbnail, at most 512 pixels on its long side.

Memory is bounded: an image is kept at most 4096 pixels on its long side. A larger JPEG is
decoded straight at 1/2, 1/4 or 1/8 scale (draft mode), any other image is reduced right after
decoding, and no full-size copy outlives that step, so a 39-megapixel one-colour PNG costs
a worker a few hundred megabytes at most (docs/PERFORMANCE.md, memory section).
"""

import hashlib
import io
import secrets
import struct
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin, UnidentifiedImageError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_GENERATED_BYTES = 50 * 1024 * 1024
MAX_MEGAPIXELS = 40
MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000
MAX_STORED_SIDE = 4096
MIN_UPLOAD_SIDE = 256
MIN_GENERATED_SIDE = 64
THUMBNAIL_LONG_SIDE = 512
JPEG_QUALITY = 92
THUMBNAIL_QUALITY = 80
# Lets a 1-2 MP image be box-reduced by 2 before LANCZOS: 2-3 times faster, and within 42 dB
# of a full LANCZOS, where the WebP encoding that follows is at 29 dB (docs/PERFORMANCE.md).
THUMBNAIL_REDUCING_GAP = 1.3
# WebP's effort setting (0-6, default 4): 2 halves the encoding time for 1 % more bytes and
# the same picture.
THUMBNAIL_WEBP_METHOD = 2

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
# Pillow cannot tell a truncated or malformed file from a bad one any other way.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)
_SRGB = ImageCms.createProfile("sRGB")
# Pillow's own bomb guard, in line with our cap (it refuses at twice this many pixels), for
# every file it opens, not only the ones that pass through _ingest.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class IngestedImage:
    content: bytes
    extension: str
    mime_type: str
    width: int
    height: int
    sha256: str
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int


def ingest_image(file: IO[bytes], *, min_side: int = MIN_UPLOAD_SIDE) -> IngestedImage:
    """Check and clean an uploaded file (a Django UploadedFile or any binary file object)."""
    declared_size = getattr(file, "size", None)
    if declared_size is not None and declared_size > MAX_UPLOAD_BYTES:
        raise _too_large(MAX_UPLOAD_BYTES)
    if getattr(file, "seekable", None) and file.seekable():
        file.seek(0)
    data = file.read(MAX_UPLOAD_BYTES + 1)
    return _ingest(data, max_bytes=MAX_UPLOAD_BYTES, min_side=min_side)


def ingest_generated_image(data: bytes) -> IngestedImage:
    """Check and clean the bytes an image model returned."""
    return _ingest(data, max_bytes=MAX_GENERATED_BYTES, min_side=MIN_GENERATED_SIDE)


def random_file_name(extension: str) -> str:
    """An unguessable storage name: stored images are served by name, so names must not leak."""
    return f"{secrets.token_urlsafe(24)}.{extension.lstrip('.')}"


def _ingest(data: bytes, *, max_bytes: int, min_side: int) -> IngestedImage:
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    header_size = _declared_pixel_size(data)
    if header_size is not None:
        _check_dimensions(header_size, min_side=min_side)
    _verify(data)
    # Nested calls: no reference to the full-size decode outlives the reduction.
    clean = _normalise(_decode(data, min_side=min_side))
    content, extension, mime_type = _encode(clean)
    thumbnail = _thumbnail(clean)
    return IngestedImage(
        content=content,
        extension=extension,
        mime_type=mime_type,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(content).hexdigest(),
        thumbnail=_encode_webp(thumbnail),
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
    )


def _declared_pixel_size(data: bytes) -> tuple[int, int] | None:
    """Width and height as the PNG, JPEG or WebP header states them, without decoding pixels.

    Pillow's WebP reader allocates the whole canvas as soon as it opens a file, which is why
    this check must come before ``Image.open``.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp_canvas_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    try:
        with JpegImagePlugin.JpegImageFile(io.BytesIO(data)) as header:
            return header.size
    except _DECODE_ERRORS:
        return None


def _check_dimensions(size: tuple[int, int], *, min_side: int) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise ValidationError(
            f"The image is {width} × {height} pixels; the limit is {MAX_MEGAPIXELS} megapixels.",
            code="too_many_pixels",
        )
    if min(width, height) < min_side:
        raise ValidationError(
            f"The image is too small: each side must be at least {min_side} pixels "
            f"(this one is {width} × {height}).",
            code="too_small",
        )


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as error:
        raise ValidationError(
            f"The image has more than {MAX_MEGAPIXELS} megapixels, the limit.",
            code="too_many_pixels",
        ) from error
    except UnidentifiedImageError as error:
        raise ValidationError(
            "This file is not a PNG, JPEG or WebP image.", code="format"
        ) from error
    except _DECODE_ERRORS as error:
        raise _corrupt() from error


def _verify(data: bytes) -> None:
    image = _open(data)
    # A camera's MPO file is a JPEG with extra preview frames; its first frame is the photo.
    if getattr(image, "is_animated", False) and image.format != "MPO":
        raise ValidationError(
            "Animated images are not accepted; upload a single still frame.", code="animated"
        )
    try:
        image.verify()
    except _DECODE_ERRORS as error:
        raise _corrupt() from error


def _decode(data: bytes, *, min_side: int) -> Image.Image:
    """The pixels, at most MAX_STORED_SIDE on the long side."""
    image = _open(data)
    _check_dimensions(image.size, min_side=min_side)
    factor = -(-max(image.size) // MAX_STORED_SIDE)  # ceiling division
    if factor > 1 and image.format == "JPEG":
        # Decodes at a DCT scale at or above the target, never the full image.
        image.draft(None, (image.width // factor, image.height // factor))
    try:
        image.load()
    except _DECODE_ERRORS as error:
        raise _corrupt() from error
    factor = -(-max(image.size) // MAX_STORED_SIDE)
    if factor > 1:
        if image.mode not in _REDUCIBLE_MODES:
            image = image.convert(_reducible_mode(image))
        image = image.reduce(factor)
    return image


_REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA", "I", "F", "CMYK")


def _reducible_mode(image: Image.Image) -> str:
    if image.mode == "1":
        return "L"
    if image.mode.startswith("I"):
        return "I"  # 16-bit greyscale: kept wide until _to_srgb scales it down properly
    has_alpha = image.mode in ("PA", "La", "RGBa") or "transparency" in image.info
    return "RGBA" if has_alpha else "RGB"


def _normalise(image: Image.Image) -> Image.Image:
    """Upright, sRGB, RGB or RGBA pixels with no metadata attached."""
    ImageOps.exif_transpose(image, in_place=True)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    converted = _to_srgb(image, mode="RGBA" if has_alpha else "RGB")
    if converted.mode == "RGBA" and converted.getchannel("A").getextrema() == (255, 255):
        converted = converted.convert("RGB")
    converted.info = {}
    return converted


def _to_srgb(image: Image.Image, *, mode: str) -> Image.Image:
    icc_profile = image.info.get("icc_profile")
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
        except (ImageCms.PyCMSError, OSError):
            pass  # A broken or unusual profile: fall back to Pillow's plain conversion.
    if image.mode.startswith("I"):
        # 16-bit greyscale (scanned drawings): Pillow's conversion would clip it to white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    # Pillow copies on a conversion to the same mode; the decoded image is ours to keep.
    return image if image.mode == mode else image.convert(mode)


def _encode(image: Image.Image) -> tuple[bytes, str, str]:
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, format="PNG")
        return buffer.getvalue(), "png", "image/png"
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
    return buffer.getvalue(), "jpg", "image/jpeg"


def _thumbnail(image: Image.Image) -> Image.Image:
    long_side = max(image.size)
    if long_side <= THUMBNAIL_LONG_SIDE:
        return image
    scale = THUMBNAIL_LONG_SIDE / long_side
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=THUMBNAIL_REDUCING_GAP)


def _encode_webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=THUMBNAIL_QUALITY, method=THUMBNAIL_WEBP_METHOD)
    return buffer.getvalue()


def _too_large(max_bytes: int) -> ValidationError:
    return ValidationError(
        f"The file is larger than {max_bytes // (1024 * 1024)} MB, the limit.", code="too_large"
    )


def _corrupt() -> ValidationError:
    return ValidationError(
        "The image file is damaged or incomplete; export it again and upload the new file.",
        code="corrupt",
    )
