"""Builders for test data: real rows, real Pillow images, real services where they exist."""

import io
import itertools

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from characters.models import Asset, Variation, VariationImage
from cutflow.files import stored_image
from cutflow.images import ingest_image
from projects.models import Cut, Project

_numbers = itertools.count(1)


def png_bytes(size=(320, 320), colour=(200, 80, 40), label: str = "") -> bytes:
    image = Image.new("RGB", size, colour)
    if label:
        ImageDraw.Draw(image).text((10, 10), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name="image.png", data: bytes | None = None, content_type="image/png"):
    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type)


def make_user(*, email: str | None = None, password: str = "pass-word-123", credits: int = 0):
    from credits.services import grant_credits

    email = email or f"user{next(_numbers)}@example.com"
    user = get_user_model().objects.create_user(username=email, email=email, password=password)
    if credits:
        grant_credits(user=user, amount=credits, memo="Test credits")
    return user


def make_project(*, owner=None, title="Test project", aspect_ratio="9:16", **fields) -> Project:
    owner = owner or make_user()
    return Project.objects.create(owner=owner, title=title, aspect_ratio=aspect_ratio, **fields)


def make_cut(*, project=None, script="", prompt="", **fields) -> Cut:
    project = project or make_project()
    position = fields.pop("position", project.cuts.count())
    return Cut.objects.create(
        project=project, position=position, script=script, prompt=prompt, **fields
    )


def make_asset(
    *,
    project,
    handle: str,
    kind="character",
    name=None,
    description="",
    colour=(90, 120, 200),
    variations=("Default",),
) -> Asset:
    """An asset with one variation per name, each holding one primary image."""
    asset = Asset.objects.create(
        project=project, kind=kind, handle=handle, name=name or handle, description=description
    )
    for index, variation_name in enumerate(variations):
        variation = Variation.objects.create(asset=asset, name=variation_name)
        add_variation_image(variation, colour=colour, label=f"{handle}/{variation_name}")
        if index == 0:
            asset.default_variation = variation
    asset.save(update_fields=["default_variation"])
    return asset


def add_variation_image(variation, *, colour=(90, 120, 200), label="", primary=True):
    ingested = ingest_image(io.BytesIO(png_bytes(colour=colour, label=label)))
    image = VariationImage(variation=variation, is_primary=primary)
    with stored_image(image, ingested):
        image.save()
    return image


def make_face_score(keyframe, handle: str, verdict: str, similarity=None, *, reason="", position=0):
    """A stored face-match verdict, as the scoring task leaves it."""
    from keyframes.models import FaceScore

    return FaceScore.objects.create(
        keyframe=keyframe,
        position=position,
        handle=handle,
        verdict=verdict,
        similarity=similarity,
        reason=reason,
    )
