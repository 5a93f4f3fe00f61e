import hashlib
import io
import random
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageDraw, PngImagePlugin

from cutflow.images import (
    MAX_UPLOAD_BYTES,
    ingest_generated_image,
    ingest_image,
    random_file_name,
)

ORIENTATION = 0x0112
CAMERA_MAKE = 0x010F


def encode(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def picture(size=(640, 480), mode="RGB"):
    """A picture with structure, so that encoders and crops have something to work on."""
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 2, size[1]), fill="red")
    draw.ellipse((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill="blue")
    return image


def noise(size):
    rng = random.Random(7)
    return Image.frombytes(
        "RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3))
    )


def upload(data, name="image.png"):
    file = io.BytesIO(data)
    file.name = name
    return file


def png_chunk(kind, payload):
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_header_only(width, height):
    """A PNG of a few dozen bytes whose header claims width x height pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width, height):
    """A real small JPEG whose frame header is rewritten to claim width x height pixels."""
    data = bytearray(encode(picture((300, 300)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_claiming(width, height):
    """A real small extended-format WebP whose canvas size is rewritten."""
    exif = Image.Exif()
    exif[CAMERA_MAKE] = "SecretCam"
    data = bytearray(encode(picture((300, 300)), "WEBP", exif=exif.tobytes()))
    assert data[12:16] == b"VP8X"
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)


def truncated_png():
    data = encode(noise((400, 400)), "PNG")
    return data[: len(data) // 2]


def animated_gif():
    frames = [Image.new("RGB", (300, 300), color) for color in ("red", "green", "blue")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def animated_webp():
    frames = [Image.new("RGB", (300, 300), color) for color in ("red", "green", "blue")]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)


def animated_png():
    frames = [Image.new("RGB", (300, 300), color) for color in ("red", "green")]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)


def palette_png_with_white_transparent():
    image = picture((480, 640)).convert("P")
    white = image.getpixel((479, 0))
    return encode(image, "PNG", transparency=white)


def cmyk_jpeg():
    return encode(Image.new("CMYK", (400, 300), (0, 255, 255, 0)), "JPEG", quality=95)


def rotated_jpeg():
    """Stored landscape with the left half red; the EXIF orientation 6 says "turn it clockwise"."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[CAMERA_MAKE] = "SecretCam"
    return encode(picture((600, 400)), "JPEG", quality=95, exif=exif.tobytes())


def opened(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


class DeclaredSizeUpload(io.BytesIO):
    """An upload whose size attribute is all that is known; reading it is a test failure."""

    def __init__(self, size):
        super().__init__()
        self.size = size
        self.name = "huge.png"

    def read(self, *args):
        raise AssertionError("the declared size alone should refuse the upload")


class EndlessStream(io.RawIOBase):
    """A stream with no declared size that never ends, counting what it hands out."""

    def __init__(self):
        self.bytes_read = 0

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError("an unbounded read of an upload")
        self.bytes_read += size
        return b"\x89PNG\r\n\x1a\n" + b"\0" * (size - 8)


SVG_WITH_SCRIPT = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512">
  <script>alert(document.cookie)</script><rect width="512" height="512" fill="red"/>
</svg>"""
HTML_PAGE = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("data", "name", "code", "message"),
    [
        (SVG_WITH_SCRIPT, "sheet.svg", "format", "This file is not a PNG, JPEG or WebP image."),
        (HTML_PAGE, "sheet.png", "format", "This file is not a PNG, JPEG or WebP image."),
        (
            b"Seohee, 20s, red coat\n" * 50,
            "sheet.png",
            "format",
            "This file is not a PNG, JPEG or WebP image.",
        ),
        (animated_gif(), "loop.gif", "format", "This file is not a PNG, JPEG or WebP image."),
        (
            encode(picture(), "BMP"),
            "sheet.bmp",
            "format",
            "This file is not a PNG, JPEG or WebP image.",
        ),
        (
            encode(picture(), "TIFF"),
            "sheet.tif",
            "format",
            "This file is not a PNG, JPEG or WebP image.",
        ),
        (b"", "sheet.png", "empty", "The file is empty."),
        (
            truncated_png(),
            "sheet.png",
            "corrupt",
            "The image file is damaged or incomplete; export it again and upload the new file.",
        ),
        (
            encode(picture(), "JPEG")[:-2000],
            "photo.jpg",
            "corrupt",
            "The image file is damaged or incomplete; export it again and upload the new file.",
        ),
        (
            png_header_only(50_000, 50_000),
            "bomb.png",
            "too_many_pixels",
            "The image is 50000 × 50000 pixels; the limit is 40 megapixels.",
        ),
        (
            png_header_only(7000, 6000),
            "big.png",
            "too_many_pixels",
            "The image is 7000 × 6000 pixels; the limit is 40 megapixels.",
        ),
        (
            jpeg_claiming(60_000, 60_000),
            "bomb.jpg",
            "too_many_pixels",
            "The image is 60000 × 60000 pixels; the limit is 40 megapixels.",
        ),
        (
            webp_claiming(16_000, 16_000),
            "bomb.webp",
            "too_many_pixels",
            "The image is 16000 × 16000 pixels; the limit is 40 megapixels.",
        ),
        (
            animated_webp(),
            "loop.webp",
            "animated",
            "Animated images are not accepted; upload a single still frame.",
        ),
        (
            animated_png(),
            "loop.png",
            "animated",
            "Animated images are not accepted; upload a single still frame.",
        ),
        (
            encode(picture((100, 100)), "PNG"),
            "icon.png",
            "too_small",
            "The image is too small: each side must be at least 256 pixels "
            "(this one is 100 × 100).",
        ),
        (
            encode(picture((1024, 255)), "JPEG"),
            "banner.jpg",
            "too_small",
            "The image is too small: each side must be at least 256 pixels "
            "(this one is 1024 × 255).",
        ),
    ],
    ids=[
        "svg-with-script",
        "html-renamed-png",
        "text-file",
        "animated-gif",
        "bmp",
        "tiff",
        "zero-bytes",
        "truncated-png",
        "truncated-jpeg",
        "png-bomb-50000px",
        "png-just-over-40-megapixels",
        "jpeg-bomb",
        "webp-bomb",
        "animated-webp",
        "animated-png",
        "100px-square",
        "one-side-too-short",
    ],
)
def test_refused_upload_says_why(data, name, code, message):
    with pytest.raises(ValidationError) as excinfo:
        ingest_image(upload(data, name))
    assert excinfo.value.code == code
    assert excinfo.value.messages == [message]


def test_header_only_bomb_is_tiny_on_disk():
    assert len(png_header_only(50_000, 50_000)) < 100


def test_upload_declaring_100_mb_is_refused_without_reading_it():
    with pytest.raises(ValidationError) as excinfo:
        ingest_image(DeclaredSizeUpload(100 * 1024 * 1024))
    assert excinfo.value.code == "too_large"
    assert excinfo.value.messages == ["The file is larger than 20 MB, the limit."]


def test_upload_of_unknown_size_is_read_only_up_to_the_limit():
    stream = EndlessStream()
    with pytest.raises(ValidationError) as excinfo:
        ingest_image(stream)
    assert excinfo.value.code == "too_large"
    assert stream.bytes_read == MAX_UPLOAD_BYTES + 1


@pytest.mark.parametrize(
    ("data", "size", "extension", "mime_type"),
    [
        (encode(picture((640, 480)), "PNG"), (640, 480), "jpg", "image/jpeg"),
        (encode(picture((640, 480), "RGBA"), "PNG"), (640, 480), "jpg", "image/jpeg"),
        (
            encode(Image.new("RGBA", (300, 400), (0, 0, 0, 0)), "PNG"),
            (300, 400),
            "png",
            "image/png",
        ),
        (palette_png_with_white_transparent(), (480, 640), "png", "image/png"),
        (encode(picture((480, 640)).convert("L"), "PNG"), (480, 640), "jpg", "image/jpeg"),
        (encode(picture((800, 600)), "JPEG", quality=90), (800, 600), "jpg", "image/jpeg"),
        (encode(picture((256, 256)), "JPEG", progressive=True), (256, 256), "jpg", "image/jpeg"),
        (encode(picture((700, 500)), "WEBP", quality=90), (700, 500), "jpg", "image/jpeg"),
        (
            encode(picture((500, 700), "RGBA"), "WEBP", lossless=True),
            (500, 700),
            "jpg",
            "image/jpeg",
        ),
        (
            encode(Image.new("RGBA", (500, 300), (0, 128, 0, 128)), "WEBP", lossless=True),
            (500, 300),
            "png",
            "image/png",
        ),
    ],
    ids=[
        "png",
        "png-with-opaque-alpha",
        "png-with-transparency",
        "palette-png-with-transparent-colour",
        "greyscale-png",
        "jpeg",
        "progressive-jpeg-at-the-minimum-size",
        "lossy-webp",
        "lossless-webp-with-opaque-alpha",
        "webp-with-transparency",
    ],
)
def test_accepted_image_is_re_encoded_with_size_hash_and_webp_thumbnail(
    data, size, extension, mime_type
):
    image = ingest_image(upload(data))

    stored = opened(image.content)
    assert (image.width, image.height) == size == stored.size
    assert (image.extension, image.mime_type) == (extension, mime_type)
    assert stored.format == {"jpg": "JPEG", "png": "PNG"}[extension]
    assert stored.mode == {"jpg": "RGB", "png": "RGBA"}[extension]
    assert image.sha256 == hashlib.sha256(image.content).hexdigest()

    thumbnail = opened(image.thumbnail)
    assert image.thumbnail[:4] == b"RIFF" and image.thumbnail[8:12] == b"WEBP"
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (image.thumbnail_width, image.thumbnail_height)
    assert max(thumbnail.size) == min(512, max(size))


def test_pixels_survive_re_encoding():
    image = ingest_image(upload(encode(picture((640, 480)), "PNG")))
    stored = opened(image.content)
    red, _, blue = stored.getpixel((40, 40))
    assert red > 240 and blue < 15
    assert stored.getpixel((320, 240))[2] > 240


def test_thumbnail_keeps_the_aspect_ratio_of_a_large_image():
    image = ingest_image(upload(encode(picture((2000, 1000)), "JPEG")))
    assert (image.thumbnail_width, image.thumbnail_height) == (512, 256)
    assert (image.width, image.height) == (2000, 1000)


def test_exif_rotated_photo_is_stored_upright_without_exif():
    image = ingest_image(upload(rotated_jpeg(), "photo.jpg"))

    stored = opened(image.content)
    assert (image.width, image.height) == (400, 600)
    top = stored.getpixel((200, 20))
    bottom = stored.getpixel((200, 580))
    assert top[0] > 200 and top[1] < 60, "the red left half turned clockwise lands on top"
    assert bottom[0] > 200 and bottom[1] > 200, "the white right half lands at the bottom"
    assert len(stored.getexif()) == 0
    assert b"Exif" not in image.content
    assert b"SecretCam" not in image.content
    assert len(opened(image.thumbnail).getexif()) == 0


def test_png_text_metadata_is_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Seohee Kim, 12 Secret Street")
    image = ingest_image(upload(encode(picture((300, 300), "RGBA"), "PNG", pnginfo=info)))
    assert b"Secret Street" not in image.content
    assert b"Secret Street" not in image.thumbnail


def test_cmyk_jpeg_is_stored_as_rgb():
    image = ingest_image(upload(cmyk_jpeg(), "print.jpg"))
    stored = opened(image.content)
    assert stored.mode == "RGB"
    red, green, blue = stored.getpixel((200, 150))
    assert red > 200 and green < 60 and blue < 60


def test_colour_profile_is_applied_and_not_stored():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (300, 300), (200, 10, 10)), "JPEG", quality=95, icc_profile=srgb)
    image = ingest_image(upload(data, "photo.jpg"))
    stored = opened(image.content)
    assert "icc_profile" not in stored.info
    assert all(
        abs(a - b) <= 4 for a, b in zip(stored.getpixel((150, 150)), (200, 10, 10), strict=True)
    )


def test_unreadable_colour_profile_does_not_refuse_the_image():
    data = encode(
        Image.new("RGB", (300, 300), (200, 10, 10)), "JPEG", icc_profile=b"not a profile" * 20
    )
    image = ingest_image(upload(data, "photo.jpg"))
    assert (image.width, image.height) == (300, 300)


def test_16_bit_greyscale_scan_keeps_its_grey():
    data = encode(Image.new("I;16", (300, 300), 30000), "PNG")
    stored = opened(ingest_image(upload(data, "scan.png")).content)
    assert stored.getpixel((150, 150)) == (117, 117, 117)


def test_camera_mpo_photo_with_a_preview_frame_is_a_still_jpeg():
    data = encode(picture((640, 480)), "MPO", save_all=True, append_images=[picture((160, 120))])
    assert opened(data).format == "MPO"
    image = ingest_image(upload(data, "camera.jpg"))
    assert (image.width, image.height, image.extension) == (640, 480, "jpg")


def test_django_uploaded_file_already_read_by_a_form_is_read_from_the_start():
    file = SimpleUploadedFile("sheet.jpg", encode(picture((512, 512)), "JPEG"), "image/jpeg")
    file.read()
    image = ingest_image(file)
    assert (image.width, image.height) == (512, 512)


def test_same_upload_gives_the_same_stored_bytes_and_hash():
    data = encode(picture((512, 512)), "PNG")
    first, second = ingest_image(upload(data)), ingest_image(upload(data))
    assert first.content == second.content
    assert first.sha256 == second.sha256


def test_smaller_minimum_side_can_be_asked_for():
    image = ingest_image(upload(encode(picture((128, 128)), "PNG")), min_side=64)
    assert (image.width, image.height) == (128, 128)


def test_generated_image_may_be_small():
    image = ingest_generated_image(encode(picture((64, 64)), "PNG"))
    assert (image.width, image.height, image.thumbnail_width) == (64, 64, 64)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (encode(picture((63, 200)), "PNG"), "too_small"),
        (b"", "empty"),
        (HTML_PAGE, "format"),
        (png_header_only(50_000, 50_000), "too_many_pixels"),
        (animated_webp(), "animated"),
    ],
    ids=["63px-side", "empty", "html", "bomb", "animated-webp"],
)
def test_generated_image_gets_the_same_checks(data, code):
    with pytest.raises(ValidationError) as excinfo:
        ingest_generated_image(data)
    assert excinfo.value.code == code


def test_generated_image_limit_is_50_mb():
    with pytest.raises(ValidationError) as excinfo:
        ingest_generated_image(b"\0" * (50 * 1024 * 1024 + 1))
    assert excinfo.value.messages == ["The file is larger than 50 MB, the limit."]

    with pytest.raises(ValidationError) as excinfo:
        ingest_generated_image(b"\0" * (30 * 1024 * 1024))
    assert excinfo.value.code == "format"


def test_random_file_names_are_unguessable_and_keep_the_extension():
    names = {random_file_name("png") for _ in range(1000)}
    assert len(names) == 1000
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}\.png", name)
    assert random_file_name(".jpg").endswith(".jpg")
    assert not random_file_name(".jpg").endswith("..jpg")
