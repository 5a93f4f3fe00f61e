from django.db import models
from django.db.models import Q
from django.urls import reverse

from characters.mentions import fold_handle

# The database's own guard on handle shape: no ASCII space, punctuation or control character,
# no leading digit or underscore, at most 32 characters. The form validator
# (characters.mentions.validate_handle) adds the full Unicode letter/digit rule, which
# PostgreSQL's regex classes cannot express under every locale.
HANDLE_DB_PATTERN = (
    r"^[^\x01-\x40\x5b-\x60\x7b-\x7f][^\x01-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]{0,31}$"
)


class Asset(models.Model):
    """A character or a location a script can @mention. One table keeps handles unique
    across both kinds, since a mention does not say which kind it names."""

    class Kind(models.TextChoices):
        CHARACTER = "character", "Character"
        LOCATION = "location", "Location"

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    handle = models.CharField(max_length=32)
    # fold_handle(handle): uniqueness and lookups compare this, the same way on every database.
    handle_key = models.CharField(max_length=96, editable=False)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True, max_length=1000)
    default_variation = models.ForeignKey(
        "Variation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "handle_key"], name="asset_handle_key_unique_per_project"
            ),
            models.CheckConstraint(condition=~Q(handle_key=""), name="asset_handle_key_set"),
            models.CheckConstraint(
                condition=Q(handle__regex=HANDLE_DB_PATTERN), name="asset_handle_shape"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["character", "location"]), name="asset_kind_known"
            ),
        ]

    def __str__(self):
        return f"@{self.handle}"

    def save(self, *args, **kwargs):
        # The key is derived from the handle, so no way of saving an asset may skip it.
        self.handle_key = fold_handle(self.handle)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "handle" in update_fields:
            kwargs["update_fields"] = {*update_fields, "handle_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("characters:asset", args=[self.project_id, self.pk])

    @property
    def is_character(self) -> bool:
        return self.kind == Asset.Kind.CHARACTER


class Variation(models.Model):
    """An outfit, a time of day…: a set of images of one asset, one of them primary."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="variations")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.asset} · {self.name}"

    @property
    def primary_image(self):
        """The primary image, from a prefetch when there is one."""
        for image in self.images.all():
            if image.is_primary:
                return image
        return None


class VariationImage(models.Model):
    """An image of a variation; for a character the primary one is its character sheet."""

    variation = models.ForeignKey(Variation, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="assets/")
    thumbnail = models.ImageField(upload_to="assets/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["variation"],
                condition=Q(is_primary=True),
                name="one_primary_image_per_variation",
            )
        ]

    def __str__(self):
        return f"Image {self.pk} of {self.variation}"


class CutVariationOverride(models.Model):
    """Use another variation of an asset in one cut only."""

    cut = models.ForeignKey(
        "projects.Cut", on_delete=models.CASCADE, related_name="variation_overrides"
    )
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    variation = models.ForeignKey(Variation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cut", "asset"], name="one_override_per_asset_per_cut")
        ]

    def __str__(self):
        return f"{self.variation} in cut {self.cut_id}"
