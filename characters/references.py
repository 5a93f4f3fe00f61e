"""The ordered list of reference images for a cut and a prompt.

Every generation path calls ``resolve_references``: the sheets of the mentioned characters in
mention order, then the images of the mentioned locations in mention order, then the cut's
additional references in their order, then the project's style image when it has one.
"""

import mimetypes
from dataclasses import dataclass, field
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from characters.mentions import Mention, find_mentions, fold_handle, unknown_mentions
from characters.models import Asset, Variation, VariationImage
from projects.models import Cut

Role = Literal["character", "location", "additional", "style"]


@dataclass(frozen=True)
class ReferenceEntry:
    role: Role
    asset: Asset | None
    handle: str
    variation: Variation | None
    image_name: str  # storage name; "" when the selected variation has no primary image
    thumbnail_name: str
    mime_type: str
    label: str  # how the prompt and the UI name this image
    reason: str  # why it is in the list
    sha256: str
    overridden: bool = False  # the variation is this cut's override, not the asset default
    additional_reference: object | None = None  # the AdditionalReference row, for the panel

    @property
    def has_image(self) -> bool:
        return bool(self.image_name)

    @property
    def thumbnail_url(self) -> str:
        return default_storage.url(self.thumbnail_name) if self.thumbnail_name else ""

    @property
    def image_url(self) -> str:
        return default_storage.url(self.image_name) if self.image_name else ""

    def as_json(self) -> dict:
        """A snapshot for a generation job's history: plain values only."""
        return {
            "role": self.role,
            "handle": self.handle,
            "asset_id": self.asset.pk if self.asset else None,
            "variation_id": self.variation.pk if self.variation else None,
            "variation_name": self.variation.name if self.variation else "",
            "image_name": self.image_name,
            "thumbnail_name": self.thumbnail_name,
            "mime_type": self.mime_type,
            "label": self.label,
            "reason": self.reason,
            "sha256": self.sha256,
        }


@dataclass
class ReferenceList:
    entries: list[ReferenceEntry] = field(default_factory=list)
    unknown_handles: list[str] = field(default_factory=list)
    # Handles whose selected variation has no primary image; they have an entry without an
    # image at their place in ``entries`` so the UI can show the gap where it is.
    missing_images: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    @property
    def images(self) -> list[ReferenceEntry]:
        """The entries that have an image to send, in order."""
        return [entry for entry in self.entries if entry.has_image]

    @property
    def has_characters(self) -> bool:
        """Whether a character sheet is sent: automatic model choice favours consistency."""
        return any(entry.role == "character" for entry in self.images)

    def for_model(
        self, max_references: int | None
    ) -> tuple[list[ReferenceEntry], list[ReferenceEntry]]:
        """(sent, dropped): a model taking fewer references gets the first ones."""
        images = self.images
        if max_references is None:
            return images, []
        return images[:max_references], images[max_references:]

    def as_json(self) -> list[dict]:
        return [entry.as_json() for entry in self.images]


@dataclass(frozen=True)
class MentionedAssets:
    """What a text mentions in a cut: the project's handles, the mentions, and the known
    assets in mention order with this cut's variation overrides."""

    handles: tuple[str, ...]
    mentions: list[Mention]
    assets: list[Asset]
    overrides: dict[int, int]  # asset id -> the variation this cut uses instead of the default

    def override_of(self, asset: Asset) -> int | None:
        return self.overrides.get(asset.pk)


def find_mentioned_assets(*, cut: Cut, text: str, with_images: bool) -> MentionedAssets:
    """The one lookup of a text's mentioned assets, shared by prompt writing and the reference
    list: a constant number of queries however many mentions ``text`` holds. Each asset
    comes with its variations and, ``with_images``, their images."""
    handles = project_handles(cut.project_id)
    mentions = find_mentions(text, handles)
    known = [mention.handle for mention in mentions if mention.known]
    by_handle = {}
    overrides = {}
    if known:  # (an empty filter still costs the ORM a query to build)
        wanted = {fold_handle(handle) for handle in known}
        assets = Asset.objects.filter(project_id=cut.project_id, handle_key__in=wanted)
        assets = (
            with_variation_images(assets) if with_images else assets.prefetch_related("variations")
        )
        by_handle = {asset.handle_key: asset for asset in assets}
        overrides = dict(
            cut.variation_overrides.filter(asset__in=by_handle.values()).values_list(
                "asset_id", "variation_id"
            )
        )
    in_order = [asset for handle in known if (asset := by_handle.get(fold_handle(handle)))]
    return MentionedAssets(handles, mentions, in_order, overrides)


# Read on every view of the cut editor (its Generate controls), so it is one plain statement:
# the ORM took longer to build the query than the database took to answer it.
HANDLES_SQL = f"SELECT handle FROM {Asset._meta.db_table} WHERE project_id = %s"


def project_handles(project_id: int) -> tuple[str, ...]:
    """The handles of the project's characters and locations, in no particular order."""
    with connection.cursor() as cursor:
        cursor.execute(HANDLES_SQL, [project_id])
        return tuple(row[0] for row in cursor.fetchall())


def resolve_references(*, cut: Cut, prompt: str) -> ReferenceList:
    """The ordered reference images ``prompt`` calls for in ``cut``; a constant number of
    queries however many mentions the prompt holds."""
    project = cut.project
    mentioned = find_mentioned_assets(cut=cut, text=prompt, with_images=True)
    result = ReferenceList(unknown_handles=unknown_mentions(mentioned.mentions))
    for kind in (Asset.Kind.CHARACTER, Asset.Kind.LOCATION):
        for asset in mentioned.assets:
            if asset.kind == kind:
                entry = _asset_entry(asset, override_id=mentioned.override_of(asset))
                if not entry.has_image:
                    result.missing_images.append(asset.handle)
                result.entries.append(entry)
    result.entries += _additional_entries(cut)
    style = _style_entry(project)
    if style is not None:
        result.entries.append(style)
    return result


def check_references(reference_list: ReferenceList) -> None:
    """Raises a ValidationError for the prompt field when a mention cannot be sent."""
    messages = []
    unknown = reference_list.unknown_handles
    if len(unknown) == 1:
        messages.append(
            f"Unknown mention: @{unknown[0]}. Add it as a character or location, "
            "or fix the spelling."
        )
    elif unknown:
        named = ", ".join(f"@{handle}" for handle in unknown)
        messages.append(
            f"Unknown mentions: {named}. Add them as characters or locations, or fix the spelling."
        )
    for entry in reference_list.entries:
        if entry.asset is not None and not entry.has_image:
            messages.append(missing_image_message(entry))
    if messages:
        raise ValidationError({"prompt": messages})


def missing_image_message(entry: ReferenceEntry) -> str:
    if entry.variation is None:
        return f"@{entry.handle} has no variation with an image yet. Upload one on its page."
    what = "character sheet" if entry.role == "character" else "image"
    return (
        f"@{entry.handle} has no primary {what} in “{entry.variation.name}”. Upload one, "
        "or choose another variation for this cut."
    )


def with_variation_images(assets: QuerySet[Asset]) -> QuerySet[Asset]:
    """``assets`` with their variations and images prefetched, each variation's primary
    image first, so ``variation_for_cut`` and ``primary_image`` query nothing more."""
    variations = Variation.objects.prefetch_related(images_primary_first())
    return assets.prefetch_related(Prefetch("variations", queryset=variations))


def images_primary_first() -> Prefetch:
    """A variation's images, the primary one first, then in upload order."""
    return Prefetch("images", queryset=VariationImage.objects.order_by("-is_primary", "id"))


def cover_image(asset: Asset) -> VariationImage | None:
    """The picture that stands for an asset in lists: its default variation's primary image."""
    variation = variation_for_cut(asset, override_id=None)
    return variation.primary_image if variation is not None else None


def variation_for_cut(asset: Asset, *, override_id: int | None) -> Variation | None:
    """The cut's override, else the asset's default, else its first variation."""
    variations = list(asset.variations.all())
    for wanted in (override_id, asset.default_variation_id):
        for variation in variations:
            if wanted is not None and variation.pk == wanted:
                return variation
    return variations[0] if variations else None


def mime_type_of(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _asset_entry(asset: Asset, *, override_id: int | None) -> ReferenceEntry:
    variation = variation_for_cut(asset, override_id=override_id)
    primary = variation.primary_image if variation is not None else None
    if asset.is_character:
        label = f"@{asset.handle}'s character sheet"
    else:
        label = f"the location @{asset.handle}"
    return ReferenceEntry(
        role=asset.kind,
        asset=asset,
        handle=asset.handle,
        variation=variation,
        image_name=primary.image.name if primary else "",
        thumbnail_name=primary.thumbnail.name if primary else "",
        mime_type=mime_type_of(primary.image.name) if primary else "",
        label=label,
        reason=f"mentioned as @{asset.handle}",
        sha256=primary.sha256 if primary else "",
        overridden=override_id is not None
        and variation is not None
        and variation.pk == override_id,
    )


def _additional_entries(cut: Cut) -> list[ReferenceEntry]:
    entries = []
    references = list(cut.additional_references.all())
    # Joined only when some reference came from a keyframe: most cuts have none, and the
    # cut editor reads this on every view.
    if any(reference.source_keyframe_id for reference in references):
        prefetch_related_objects(references, "source_keyframe__cut")
    for number, reference in enumerate(references, start=1):
        source = reference.source_keyframe
        reason = "added by you"
        if source is not None:
            reason = f"added by you from a keyframe of cut {source.cut.number}"
        entries.append(
            ReferenceEntry(
                role="additional",
                asset=None,
                handle="",
                variation=None,
                image_name=reference.image.name,
                thumbnail_name=reference.thumbnail.name,
                mime_type=mime_type_of(reference.image.name),
                label=f"additional reference {number}",
                reason=reason,
                sha256=reference.sha256,
                additional_reference=reference,
            )
        )
    return entries


def _style_entry(project) -> ReferenceEntry | None:
    # The seam for the project style feature: its image rides after everything else.
    if not project.style_image:
        return None
    return ReferenceEntry(
        role="style",
        asset=None,
        handle="",
        variation=None,
        image_name=project.style_image.name,
        thumbnail_name=project.style_thumbnail.name or project.style_image.name,
        mime_type=mime_type_of(project.style_image.name),
        label="the project's style reference",
        reason="the project's style",
        sha256="",
    )
