from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from cutflow.fragments import FRAGMENT_TIMEOUT, PROCESS, request_version
from projects import services
from projects.access import get_owned_cut, get_owned_project
from projects.cut_list import cut_list_context
from projects.cut_text import TextConflict, save_typed_text
from projects.forms import CutMoveForm, CutTextSaveForm, ProjectForm, ReorderForm
from projects.models import Cut, Project
from projects.signals import answers, cut_editor_opened
from projects.text_form import saved_text_form, text_context


@login_not_required
@require_GET
def home(request):
    if request.user.is_authenticated:
        return redirect("projects:list")
    return render(request, "projects/home.html")


@require_GET
def project_list(request):
    projects = Project.objects.filter(owner=request.user).prefetch_related("cuts__representative")
    return render(
        request, "projects/project_list.html", {"projects": projects, "form": ProjectForm()}
    )


@require_http_methods(["GET", "POST"])
def project_create(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = services.create_project(owner=request.user, **form.cleaned_data)
        return redirect(project)
    return render(request, "projects/project_create.html", {"form": form})


@require_POST
def project_delete(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    try:
        services.delete_project(project=project)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(project)
    return redirect("projects:list")


@require_GET
def cut_editor(request, project_id, cut_id):
    # The page shows the representative in the cut list only, which loads its own.
    cut = get_owned_cut(
        user=request.user, cut_id=cut_id, project_id=project_id, with_representative=False
    )
    context = storyboard_context(request, cut.project, cut)
    context["cut_forms_version"] = cut_forms_version(request, cut, context)
    context["fragment_timeout"] = FRAGMENT_TIMEOUT
    return render(request, "projects/storyboard.html", context)


def cut_forms_version(request, cut: Cut, context: dict) -> tuple:
    """What the cut's heading, text form and shot card show on a fresh page (no errors,
    nothing just saved): the cut's row, its number, its latest prompts and the session
    (their forms' tokens, the prompts' ages). The template caches them under it with
    Django's {% cache %}; PROCESS keeps another release's HTML out of a shared cache."""
    row = tuple(getattr(cut, field.attname) for field in Cut._meta.concrete_fields)
    history = tuple(revision.pk for revision in context["prompt_history"])
    return (PROCESS, row, cut.display_number, history, request_version(request))


@require_POST
def cut_add(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    cut = services.add_cut(project=project)
    if request.htmx:
        return HttpResponseClientRedirect(cut.get_absolute_url())
    return redirect(cut)


@require_POST
def cut_reorder(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    error = ReorderForm(request.POST).save(project)
    return render_cut_list(request, project, None, error=error)


@require_POST
def cut_move(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    form = CutMoveForm(request.POST)
    if not form.is_valid():
        return render_cut_list(request, project, None, error=form.non_field_errors()[0])
    cut = get_owned_cut(user=request.user, cut_id=form.cut_id, project_id=project_id)
    services.move_cut(cut=cut, offset=form.offset)
    if not request.htmx:
        return redirect(cut)
    selected = project.cuts.filter(pk=form.cleaned_data["selected"] or cut.pk).first()
    return render_cut_list(request, project, selected)


@require_POST
def cut_delete(request, project_id, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id, project_id=project_id)
    destination = cut.project
    try:
        services.delete_cut(cut=cut)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        destination = cut  # stay on the cut that could not be deleted
    if request.htmx:
        return HttpResponseClientRedirect(destination.get_absolute_url())
    return redirect(destination)


@require_POST
def cut_text(request, project_id, cut_id):
    """The editor's autosave (and the Save button without JavaScript). An htmx answer is
    only the save status: it never replaces the fields the creator is typing in."""
    cut = get_owned_cut(user=request.user, cut_id=cut_id, project_id=project_id)
    form = CutTextSaveForm(request.POST)
    state, status, newer = "saved", 200, None
    if form.is_valid():
        try:
            save_typed_text(cut=cut, **form.cleaned_data)
        except TextConflict as conflict:
            state, status, newer = "conflict", 409, conflict.cut
        except ValidationError as exc:
            form.add_error(None, exc)
    if form.errors:
        state = "invalid"
    save = {"save_state": state, "newer": newer, "text_form": form}
    if request.htmx:
        context = {"cut": newer or cut, "project": cut.project} | save
        return render(request, "projects/save_status.html", context, status=status)
    context = storyboard_context(request, cut.project, cut) | save
    return render(request, "projects/storyboard.html", context, status=status)


@require_POST
def prompt_restore(request, project_id, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id, project_id=project_id)
    form = None
    try:
        services.restore_prompt(cut=cut, revision_id=int(request.POST.get("revision", 0)))
    except (ValidationError, ValueError):
        form = saved_text_form(cut)
        form.add_error("prompt", services.REVISION_GONE_MESSAGE)
    if not request.htmx:
        return redirect(cut)
    context = text_context(cut)
    if form is not None:
        context["text_form"] = form
    return render(request, "projects/storyboard.html#cut-text", context)


def render_cut_list(request, project: Project, selected: Cut | None, error: str = ""):
    context = cut_list_context(project, selected) | {"cut_list_error": error}
    return render(request, "projects/storyboard.html#cut-list", context)


def storyboard_context(request, project: Project, cut: Cut | None) -> dict:
    context = cut_list_context(project, cut)
    if cut is not None:
        context |= text_context(cut) | cut_editor_extras(request, cut)
    return context


def cut_editor_extras(request, cut: Cut) -> dict:
    """What the other apps put into the cut editor (canvas, references, generation)."""
    context = {}
    for answer in answers(cut_editor_opened, request=request, cut=cut):
        context |= answer
    return context
