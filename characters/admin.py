from django.contrib import admin

from characters.models import Asset, CutVariationOverride, Variation, VariationImage


class VariationInline(admin.TabularInline):
    model = Variation
    fields = ["name", "description"]
    extra = 0
    show_change_link = True


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["handle", "name", "kind", "project", "default_variation"]
    list_filter = ["kind"]
    list_select_related = ["project", "default_variation__asset"]  # a variation names its asset
    search_fields = ["handle", "name", "project__title", "project__owner__email"]
    raw_id_fields = ["project", "default_variation"]
    inlines = [VariationInline]


class VariationImageInline(admin.TabularInline):
    model = VariationImage
    fields = ["image", "is_primary", "width", "height", "sha256"]
    readonly_fields = ["width", "height", "sha256"]
    extra = 0


@admin.register(Variation)
class VariationAdmin(admin.ModelAdmin):
    list_display = ["name", "asset", "created_at"]
    search_fields = ["name", "asset__handle", "asset__project__title"]
    raw_id_fields = ["asset"]
    inlines = [VariationImageInline]


@admin.register(CutVariationOverride)
class CutVariationOverrideAdmin(admin.ModelAdmin):
    list_display = ["cut", "asset", "variation"]
    list_select_related = ["cut__project", "asset", "variation__asset"]
    raw_id_fields = ["cut", "asset", "variation"]
