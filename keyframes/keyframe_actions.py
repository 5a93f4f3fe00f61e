"""Changing a cut's keyframes: choosing or deleting the representative, uploading one."""

from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from cutflow.files import delete_files_after_commit, stored_image
from cutflow.images import ingest_image
from keyframes.canvas import has_jobs_on_the_way
from keyframes.models import Keyframe
from projects.models import Cut


def select_representative(*, cut: Cut, keyframe: Keyframe) -> Cut:
    """Makes the keyframe the cut's representative; the previous one stops being it."""
    with transaction.atomic():
        locked = Cut.objects.select_for_update().get(pk=cut.pk)
        locked.set_representative(keyframe, generating=has_jobs_on_the_way(locked))
        locked.save(update_fields=["representative", "status", "updated_at"])
        if keyframe.picked_by_flight:  # chosen by hand now
            keyframe.picked_by_flight = False
            keyframe.save(update_fields=["picked_by_flight"])
    cut.representative, cut.status = keyframe, locked.status
    return cut


def delete_keyframe(*, cut: Cut, keyframe: Keyframe) -> None:
    """Deletes the keyframe and, once the deletion commits, its files. Deleting the
    representative leaves the cut without one."""
    with transaction.atomic():
        locked = Cut.objects.select_for_update().get(pk=cut.pk)
        if locked.representative_id == keyframe.pk:
            locked.unset_representative(generating=has_jobs_on_the_way(locked))
            locked.save(update_fields=["representative", "status", "updated_at"])
            cut.representative, cut.status = None, locked.status
        delete_files_after_commit([keyframe.image.name, keyframe.thumbnail.name])
        keyframe.delete()


def upload_keyframe(*, cut: Cut, file: IO[bytes]) -> Keyframe:
    """Registers the creator's own image as a keyframe of the cut; uploads cost nothing."""
    try:
        ingested = ingest_image(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    keyframe = Keyframe(cut=cut, source=Keyframe.Source.UPLOADED, byte_size=len(ingested.content))
    with stored_image(keyframe, ingested), transaction.atomic():
        keyframe.save()
    return keyframe
