from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cutflow.ratelimit import check_upload_rate
from projects import project_settings
from projects.access import get_owned_cut, get_owned_project
from projects.cut_list import cut_list_context
from projects.settings_forms import CutShotForm, ProjectSettingsForm


@require_http_methods(["GET", "POST"])
def project_settings_page(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    form = ProjectSettingsForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("style_image"):
                check_upload_rate(user=request.user)
            moved = project_settings.update_project_settings(project=project, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Settings saved." + moved_cuts_note(moved, project))
            return redirect("projects:settings", project.pk)
        project.refresh_from_db()
    return render(request, "projects/settings.html", {"project": project, "form": form})


def moved_cuts_note(moved: int, project) -> str:
    if not moved:
        return ""
    cuts = "cut's model is" if moved == 1 else "cuts' models are"
    return (
        f" {moved} {cuts} not in the {project.get_quality_preset_display()} tier, so "
        f"{'it now uses' if moved == 1 else 'they now use'} the tier's default model."
    )


@require_POST
def cut_shot(request, project_id, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id, project_id=project_id)
    form = CutShotForm(request.POST)
    saved = form.is_valid()
    if saved:
        project_settings.set_cut_shot(cut=cut, **form.cleaned_data)
    if not request.htmx:
        return redirect(cut)
    # The card and, swapped out of band, the cut list that shows the shot size.
    context = cut_list_context(cut.project, cut) | {
        "shot_saved": saved,
        "shot_errors": [error for errors in form.errors.values() for error in errors],
        "typed_duration": request.POST.get("duration", ""),
        "swap_also": {"cut-list"},
    }
    return render(request, "projects/cut_shot.html", context)
