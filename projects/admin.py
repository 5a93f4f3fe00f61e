from django.contrib import admin

from projects.models import Cut, Project, PromptRevision


class CutInline(admin.TabularInline):
    model = Cut
    fields = ["position", "status", "model", "candidate_count", "script"]
    readonly_fields = ["status"]
    extra = 0
    show_change_link = True


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "owner",
        "aspect_ratio",
        "quality_preset",
        "default_model",
        "updated_at",
    ]
    list_filter = ["aspect_ratio", "quality_preset"]
    search_fields = ["title", "owner__email", "owner__username"]
    raw_id_fields = ["owner"]
    inlines = [CutInline]


class PromptRevisionInline(admin.TabularInline):
    model = PromptRevision
    fields = ["created_at", "source", "writer", "prompt"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Cut)
class CutAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "status", "model", "candidate_count", "updated_at"]
    list_filter = ["status"]
    search_fields = ["project__title", "project__owner__email", "script", "prompt"]
    raw_id_fields = ["project", "representative"]
    inlines = [PromptRevisionInline]
