"""Cuts with stored representative keyframes, for the export tests."""

import io

from PIL import Image

from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes.models import Keyframe
from tests.factories import png_bytes


def give_representative(cut, *, colour=(200, 80, 40), data: bytes | None = None, seed=7):
    """Stores an image as a keyframe of the cut and makes it the representative."""
    ingested = ingest_image(io.BytesIO(data or png_bytes(colour=colour)))
    keyframe = Keyframe(
        cut=cut, source=Keyframe.Source.GENERATED, model_key="local-draft", seed=seed
    )
    with stored_image(keyframe, ingested):
        keyframe.save()
    cut.set_representative(keyframe)
    cut.save()
    return keyframe


def transparent_png() -> bytes:
    image = Image.new("RGBA", (300, 300), (0, 120, 200, 0))
    image.paste((0, 120, 200, 255), (50, 50, 250, 250))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
