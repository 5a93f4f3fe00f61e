"""Review mode: every cut waiting for a pick on one page; pick by click or keys."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from keyframes import keyframe_actions
from keyframes.models import Keyframe
from keyframes.review import project_has_images, review_cuts, review_entry
from projects.access import get_owned_cut, get_owned_project


@require_GET
def review(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    needs_pick_only = request.GET.get("show") != "all"
    entries = review_cuts(project, needs_pick_only=needs_pick_only)
    context = {
        "project": project,
        "entries": entries,
        "needs_pick_only": needs_pick_only,
        # An empty list either means every pick is made or that there is nothing yet.
        "has_images": bool(entries) or project_has_images(project),
    }
    return render(request, "keyframes/review.html", context)


@require_POST
def review_pick(request, project_id, cut_id, keyframe_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id, project_id=project_id)
    keyframe = get_object_or_404(Keyframe, pk=keyframe_id, cut=cut)
    keyframe_actions.select_representative(cut=cut, keyframe=keyframe)
    context = {"project": cut.project, "entry": review_entry(cut), "current": True}
    return render(request, "keyframes/review.html#review-entry", context)
