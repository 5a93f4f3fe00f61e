"""Reference images made the size a model can use before they leave for a provider.

Stored character sheets may be 40 MP and 20 MB; no model reads that much, Replicate advises
against large inline files and every upload costs time. A reference is scaled to at most
`MAX_REFERENCE_EDGE` pixels on its long edge and re-encoded until it fits in
`MAX_REFERENCE_BYTES`: PNG first (sheets keep their line work), then high-quality JPEG.
"""

import dataclasses
import hashlib
import io

from django.core.cache import cache
from PIL import Image, ImageOps

from keyframes.providers.base import ReferenceImage

MAX_REFERENCE_EDGE = 2048
MAX_REFERENCE_BYTES = 1_500_000
JPEG_QUALITIES = (92, 85, 78)
PREPARED_CACHE_SECONDS = 6 * 3600


def prepared_reference(reference: ReferenceImage) -> ReferenceImage:
    """The reference within the edge and byte limits, with its sha256 and pixel size.

    Kept in the cache by the original's sha256: an Auto-Flight sends the same sheets with
    every cut, and scaling a 40 MP sheet takes longer than a whole fast generation."""
    original_sha256 = hashlib.sha256(reference.data).hexdigest()
    cached = cached_preparation(reference, original_sha256=original_sha256)
    if cached is not None:
        return cached
    prepared = _prepare(reference)
    size = (prepared.width, prepared.height)
    cache.set(
        _cache_key(original_sha256),
        (prepared.data, prepared.mime_type, size),
        timeout=PREPARED_CACHE_SECONDS,
    )
    return prepared


def cached_preparation(reference: ReferenceImage, *, original_sha256: str) -> ReferenceImage | None:
    """The prepared form of the original with this sha256, if it is still in the cache: the
    original need not even be read (a 40 MP sheet is 20 MB to read and hash)."""
    cached = cache.get(_cache_key(original_sha256)) if original_sha256 else None
    if cached is None:
        return None
    data, mime_type, size = cached
    return _described(reference, data, mime_type, size)


def _cache_key(original_sha256: str) -> str:
    return f"prepared-reference:{original_sha256}"


def _prepare(reference: ReferenceImage) -> ReferenceImage:
    with Image.open(io.BytesIO(reference.data)) as opened:
        image = ImageOps.exif_transpose(opened)
        image.load()
    if max(image.size) <= MAX_REFERENCE_EDGE and len(reference.data) <= MAX_REFERENCE_BYTES:
        return _described(reference, reference.data, reference.mime_type, image.size)
    image.thumbnail((MAX_REFERENCE_EDGE, MAX_REFERENCE_EDGE), Image.Resampling.LANCZOS)
    while True:
        for data, mime_type in _encodings(image):
            if len(data) <= MAX_REFERENCE_BYTES:
                return _described(reference, data, mime_type, image.size)
        # Even the plainest JPEG is too big (noise-like content): fewer pixels, then.
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4))


def _encodings(image: Image.Image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    yield buffer.getvalue(), "image/png"
    rgb = image.convert("RGB") if image.mode != "RGB" else image
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        rgb.save(buffer, format="JPEG", quality=quality)
        yield buffer.getvalue(), "image/jpeg"


def _described(
    reference: ReferenceImage, data: bytes, mime_type: str, size: tuple[int, int]
) -> ReferenceImage:
    return dataclasses.replace(
        reference,
        data=data,
        mime_type=mime_type,
        width=size[0],
        height=size[1],
        sha256=hashlib.sha256(data).hexdigest(),
    )
