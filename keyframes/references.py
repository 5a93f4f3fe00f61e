"""A cut's additional reference images: up to five, ordered, sent after the asset images."""

import hashlib
import io
import mimetypes
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from cutflow.files import delete_files_after_commit, stored_image
from cutflow.images import IngestedImage, ingest_image
from keyframes.models import AdditionalReference, Keyframe
from projects.models import Cut

LIMIT_MESSAGE = f"A cut can have at most {AdditionalReference.MAX_PER_CUT} additional references."


def add_additional_reference(
    *, cut: Cut, file: IO[bytes] | None = None, keyframe: Keyframe | None = None
) -> AdditionalReference:
    """Adds an uploaded file, or a copy of a keyframe of the same project, as the cut's last
    additional reference."""
    if (file is None) == (keyframe is None):
        raise ValueError("pass exactly one of file or keyframe")
    _check_room(cut)
    if keyframe is not None:
        ingested = _copy_of_keyframe(cut=cut, keyframe=keyframe)
    else:
        try:
            ingested = ingest_image(file)
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from error
    reference = AdditionalReference(cut=cut, source_keyframe=keyframe)
    with transaction.atomic(), stored_image(reference, ingested):
        # Lock the cut so two uploads at once cannot both take the fifth place.
        Cut.objects.select_for_update().filter(pk=cut.pk).first()
        count = _check_room(cut)
        reference.position = count
        reference.save()
    return reference


def remove_additional_reference(*, reference: AdditionalReference) -> None:
    with transaction.atomic():
        delete_files_after_commit([reference.image.name, reference.thumbnail.name])
        cut = reference.cut
        reference.delete()
        _renumber(list(cut.additional_references.all()))


def move_additional_reference(*, reference: AdditionalReference, offset: int) -> None:
    """Moves a reference earlier (offset -1) or later (+1) in the cut's list."""
    with transaction.atomic():
        references = list(reference.cut.additional_references.select_for_update())
        index = next(i for i, each in enumerate(references) if each.pk == reference.pk)
        target = min(max(index + offset, 0), len(references) - 1)
        references.insert(target, references.pop(index))
        _renumber(references)


def _check_room(cut: Cut) -> int:
    count = cut.additional_references.count()
    if count >= AdditionalReference.MAX_PER_CUT:
        raise ValidationError(LIMIT_MESSAGE, code="too_many_references")
    return count


def _copy_of_keyframe(*, cut: Cut, keyframe: Keyframe) -> IngestedImage:
    """The keyframe's stored bytes, already checked on their way in, reused as they are (no
    second lossy encode). A copy, not the same file: deleting the keyframe later must not
    take the reference with it."""
    if keyframe.cut.project_id != cut.project_id:
        raise ValidationError("That keyframe belongs to another project.")
    content = _read_stored(keyframe.image.name)
    thumbnail = _read_stored(keyframe.thumbnail.name)
    with Image.open(io.BytesIO(thumbnail)) as header:
        thumbnail_width, thumbnail_height = header.size
    extension = keyframe.image.name.rsplit(".", 1)[-1].lower()
    return IngestedImage(
        content=content,
        extension=extension,
        mime_type=mimetypes.guess_type(keyframe.image.name)[0] or "image/jpeg",
        width=keyframe.width,
        height=keyframe.height,
        sha256=hashlib.sha256(content).hexdigest(),
        thumbnail=thumbnail,
        thumbnail_width=thumbnail_width,
        thumbnail_height=thumbnail_height,
    )


def _read_stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def _renumber(references: list[AdditionalReference]) -> None:
    for position, reference in enumerate(references):
        reference.position = position
    AdditionalReference.objects.bulk_update(references, ["position"])
