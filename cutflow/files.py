"""Storage housekeeping shared by every app that keeps files."""

import logging
from collections.abc import Iterable
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from cutflow.images import random_file_name

logger = logging.getLogger(__name__)


def delete_files_after_commit(names: Iterable[str], *, storage=None) -> None:
    """Removes stored files (from default storage unless told) once the surrounding
    transaction commits. Never before: a rolled-back delete must leave the rows and files.
    """
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: _delete_now(names, storage or default_storage))


def image_file_names(rows) -> list[str]:
    """Storage names of the image and thumbnail of every row of ``rows``, a queryset of a
    model with ``image`` and ``thumbnail`` fields; one query, no instances built."""
    names = []
    for image, thumbnail in rows.values_list("image", "thumbnail"):
        names += [image, thumbnail]
    return names


def _delete_now(names: list[str], storage=None) -> None:
    storage = storage or default_storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # A file we cannot remove is only wasted space; the rows are already gone.
            logger.warning("Could not delete stored file %s", name, exc_info=True)


def write_image_files(
    instance, ingested, *, image_field: str = "image", thumb_field: str = "thumbnail"
) -> list[str]:
    """Writes an ingested image and its thumbnail to storage under unguessable names and
    fills the instance's fields. Returns the names written: a caller whose row is never saved
    removes them with `remove_files`."""
    image = getattr(instance, image_field)
    thumbnail = getattr(instance, thumb_field)
    image.save(random_file_name(ingested.extension), ContentFile(ingested.content), save=False)
    try:
        thumbnail.save(random_file_name("webp"), ContentFile(ingested.thumbnail), save=False)
    except BaseException:
        _delete_now([image.name])
        raise
    for name, value in (
        ("width", ingested.width),
        ("height", ingested.height),
        ("sha256", ingested.sha256),
    ):
        if hasattr(instance, name):
            setattr(instance, name, value)
    return [image.name, thumbnail.name]


def remove_files(names: Iterable[str]) -> None:
    """Removes files from default storage now (files no row will ever point at)."""
    _delete_now([name for name in names if name])


@contextmanager
def stored_image(instance, ingested, *, image_field: str = "image", thumb_field: str = "thumbnail"):
    """`write_image_files` for a block that saves the row: if the block raises, both files
    are removed again, so a failed upload leaves nothing behind."""
    names = write_image_files(instance, ingested, image_field=image_field, thumb_field=thumb_field)
    try:
        yield instance
    except BaseException:
        remove_files(names)
        raise


@contextmanager
def stored_file(content: bytes, *, folder: str, extension: str):
    """Writes ``content`` to default storage under an unguessable name in ``folder`` and
    yields the name; if the block raises, the file is removed again."""
    name = default_storage.save(f"{folder}/{random_file_name(extension)}", ContentFile(content))
    try:
        yield name
    except BaseException:
        _delete_now([name])
        raise
