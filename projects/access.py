"""Loading objects for a request: another user's object is a 404, never a 403."""

from django.shortcuts import get_object_or_404

from projects.models import Cut, Project


def get_owned_project(*, user, project_id: int) -> Project:
    return get_object_or_404(Project, pk=project_id, owner=user)


def get_owned_cut(
    *, user, cut_id: int, project_id: int | None = None, with_representative: bool = True
) -> Cut:
    filters = {"pk": cut_id, "project__owner": user}
    if project_id is not None:
        filters["project_id"] = project_id
    related = ("project", "representative") if with_representative else ("project",)
    return get_object_or_404(Cut.objects.select_related(*related), **filters)
