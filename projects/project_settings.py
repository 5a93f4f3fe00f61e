"""Changing a project's settings and a cut's shot: validated here, saved in one transaction."""

import copy
from decimal import Decimal
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from cutflow.files import delete_files_after_commit, stored_image
from cutflow.images import IngestedImage, ingest_image
from projects.models import Cut, Project
from projects.signals import answers, default_model_checked, quality_preset_saved


def update_project_settings(
    *,
    project: Project,
    title: str,
    quality_preset: str,
    default_model: str,
    label_references: bool,
    style_text: str,
    style_image: IO[bytes] | None = None,
    remove_style_image: bool = False,
) -> int:
    """Saves the settings; a new style image replaces the old one, whose files are removed
    once the change is committed. Nothing is saved when any part is refused. Returns how
    many cuts moved to the tier's default model because theirs left the tier."""
    check_default_model(project=project, quality_preset=quality_preset, key=default_model)
    ingested = ingest_style_image(style_image) if style_image is not None else None
    old_files = [project.style_image.name, project.style_thumbnail.name]
    project.title = title
    project.quality_preset = quality_preset
    project.default_model = default_model
    project.label_references = label_references
    project.style_text = style_text
    with transaction.atomic():
        if ingested is not None:
            save_with_style_image(project, ingested)
        else:
            if remove_style_image:
                project.style_image = project.style_thumbnail = ""
            project.save()
        moved = sum(answers(quality_preset_saved, project=project))
    if ingested is not None or remove_style_image:
        delete_files_after_commit(old_files)
    return moved


def check_default_model(*, project: Project, quality_preset: str, key: str) -> None:
    if not key:
        return
    # The tier being saved decides, not the one stored: both may change in one submit.
    future = copy.copy(project)
    future.quality_preset = quality_preset
    try:
        default_model_checked.send(sender=None, project=future, key=key)
    except ValidationError as exc:
        raise ValidationError({"default_model": exc.messages}) from exc


def ingest_style_image(file: IO[bytes]) -> IngestedImage:
    try:
        return ingest_image(file)
    except ValidationError as exc:
        raise ValidationError({"style_image": exc.messages}) from exc


def save_with_style_image(project: Project, ingested: IngestedImage) -> None:
    fields = {"image_field": "style_image", "thumb_field": "style_thumbnail"}
    with transaction.atomic(), stored_image(project, ingested, **fields):
        project.save()


def set_cut_shot(
    *,
    cut: Cut,
    shot_size: str,
    camera_angle: str,
    camera_movement: str,
    duration: Decimal | None = None,
) -> Cut:
    """Saves the shot card; an empty ``duration`` lets the cut's length follow the shot size."""
    cut.shot_size = shot_size
    cut.camera_angle = camera_angle
    cut.camera_movement = camera_movement
    cut.duration_seconds = duration
    fields = ["shot_size", "camera_angle", "camera_movement", "duration_override", "updated_at"]
    cut.save(update_fields=fields)
    return cut
