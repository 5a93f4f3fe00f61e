"""Characters and locations: creating and editing assets, their variations and images, and
the per-cut variation overrides."""

from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from characters.mentions import fold_handle, validate_handle
from characters.models import Asset, CutVariationOverride, Variation, VariationImage
from cutflow.files import delete_files_after_commit, image_file_names, stored_image
from cutflow.images import ingest_image
from projects.models import Cut, Project

FIRST_VARIATION_NAME = "Default"


def handle_taken_message(handle: str) -> str:
    return f"@{handle} is already used in this project. Pick another handle."


def handle_is_taken(*, project: Project, handle: str, exclude: Asset | None = None) -> bool:
    others = Asset.objects.filter(project=project, handle_key=fold_handle(handle))
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


def check_handle(*, project: Project, handle: str, exclude: Asset | None = None) -> None:
    try:
        validate_handle(handle)
    except ValidationError as error:
        raise ValidationError({"handle": error.messages}) from error
    if handle_is_taken(project=project, handle=handle, exclude=exclude):
        raise ValidationError({"handle": handle_taken_message(handle)})


def create_asset(
    *, project: Project, kind: str, handle: str, name: str, description: str = ""
) -> Asset:
    """A new character or location with one empty variation, ready for its first image."""
    check_handle(project=project, handle=handle)
    try:
        with transaction.atomic():
            asset = Asset.objects.create(
                project=project, kind=kind, handle=handle, name=name, description=description
            )
            variation = Variation.objects.create(asset=asset, name=FIRST_VARIATION_NAME)
            asset.default_variation = variation
            asset.save(update_fields=["default_variation"])
    except IntegrityError as error:
        # Another request took the handle between the check and the insert.
        raise ValidationError({"handle": handle_taken_message(handle)}) from error
    return asset


def update_asset(*, asset: Asset, handle: str, name: str, description: str) -> Asset:
    check_handle(project=asset.project, handle=handle, exclude=asset)
    asset.handle = handle
    asset.name = name
    asset.description = description
    try:
        with transaction.atomic():
            asset.save(update_fields=["handle", "name", "description"])
    except IntegrityError as error:
        raise ValidationError({"handle": handle_taken_message(handle)}) from error
    return asset


def delete_asset(*, asset: Asset) -> None:
    with transaction.atomic():
        delete_files_after_commit(stored_files_of_assets(Asset.objects.filter(pk=asset.pk)))
        asset.delete()


def stored_files_of_assets(assets) -> list[str]:
    """Storage names of every image and thumbnail of the given assets."""
    return image_file_names(VariationImage.objects.filter(variation__asset__in=assets))


def add_variation(*, asset: Asset, name: str, description: str = "") -> Variation:
    with transaction.atomic():
        variation = Variation.objects.create(asset=asset, name=name, description=description)
        if asset.default_variation_id is None:
            asset.default_variation = variation
            asset.save(update_fields=["default_variation"])
    return variation


def rename_variation(*, variation: Variation, name: str, description: str = "") -> Variation:
    variation.name = name
    variation.description = description
    variation.save(update_fields=["name", "description"])
    return variation


def delete_variation(*, variation: Variation) -> None:
    asset = variation.asset
    remaining = asset.variations.exclude(pk=variation.pk)
    if not remaining.exists():
        raise ValidationError("An asset keeps at least one variation; add another one first.")
    with transaction.atomic():
        delete_files_after_commit(image_file_names(variation.images.all()))
        if asset.default_variation_id == variation.pk:
            asset.default_variation = remaining.first()
            asset.save(update_fields=["default_variation"])
        variation.delete()


def set_default_variation(*, asset: Asset, variation: Variation) -> None:
    if variation.asset_id != asset.pk:
        raise ValidationError("That variation belongs to another asset.")
    asset.default_variation = variation
    asset.save(update_fields=["default_variation"])


def add_variation_image(*, variation: Variation, file: IO[bytes]) -> VariationImage:
    """Stores an upload in a variation; the variation's first image becomes its primary."""
    try:
        ingested = ingest_image(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    image = VariationImage(variation=variation)
    with transaction.atomic(), stored_image(image, ingested):
        Variation.objects.select_for_update().filter(pk=variation.pk).first()
        image.is_primary = not variation.images.filter(is_primary=True).exists()
        image.save()
    return image


def set_primary_image(*, image: VariationImage) -> None:
    with transaction.atomic():
        # Unset the old primary first: the one-primary constraint is checked per statement.
        image.variation.images.filter(is_primary=True).exclude(pk=image.pk).update(is_primary=False)
        image.is_primary = True
        image.save(update_fields=["is_primary"])


def delete_variation_image(*, image: VariationImage) -> None:
    """Deletes an image; when it was the primary, the next image takes its place."""
    with transaction.atomic():
        delete_files_after_commit([image.image.name, image.thumbnail.name])
        variation = image.variation
        was_primary = image.is_primary
        image.delete()
        if was_primary:
            successor = variation.images.order_by("created_at", "id").first()
            if successor is not None:
                set_primary_image(image=successor)


def set_variation_override(*, cut: Cut, asset: Asset, variation: Variation) -> None:
    """Uses ``variation`` for ``asset`` in this cut only."""
    if asset.project_id != cut.project_id:
        raise ValidationError("That character or location belongs to another project.")
    if variation.asset_id != asset.pk:
        raise ValidationError(f"That variation does not belong to @{asset.handle}.")
    CutVariationOverride.objects.update_or_create(
        cut=cut, asset=asset, defaults={"variation": variation}
    )


def clear_variation_override(*, cut: Cut, asset: Asset) -> None:
    CutVariationOverride.objects.filter(cut=cut, asset=asset).delete()
