"""Auto-Flight on the storyboard page: review the shot plan, confirm it, watch the cut list."""

from uuid import uuid4

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from keyframes.flight_launch import launch_flight
from keyframes.flight_progress import flight_progress
from keyframes.flights import FlightRefused, ShotPlan, plan_flight
from keyframes.forms import FlightOptionsForm
from keyframes.models import Flight
from projects.access import get_owned_project
from projects.cut_list import cut_list_context
from projects.models import Project


def plan_for(form: FlightOptionsForm, *, project: Project, user) -> ShotPlan | None:
    if not form.is_valid():
        return None
    return plan_flight(
        project=project,
        user=user,
        model_key=form.cleaned_data["model"],
        count=form.cleaned_data["count"],
        include_done=form.cleaned_data["include_done"],
        select_first=form.cleaned_data["select_first"],
    )


@require_GET
def flight_plan(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    form = FlightOptionsForm(request.GET, project=project)
    plan = plan_for(form, project=project, user=request.user)
    launch_key = request.GET.get("launch_key") or uuid4().hex
    return render_plan(request, project=project, form=form, plan=plan, launch_key=launch_key)


@require_POST
def flight_launch(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    form = FlightOptionsForm(request.POST, project=project)
    plan = plan_for(form, project=project, user=request.user)
    if plan is not None:
        try:
            flight = launch_flight(plan=plan, launch_key=form.cleaned_data["launch_key"])
        except FlightRefused:
            pass  # the page lists the reasons
        else:
            messages.success(request, f"Auto-Flight {flight.pk} is on its way.")
            return redirect("keyframes:flight_detail", project.pk, flight.pk)
    launch_key = request.POST.get("launch_key") or uuid4().hex
    return render_plan(
        request, project=project, form=form, plan=plan, launch_key=launch_key, status=409
    )


def render_plan(request, *, project, form, plan, launch_key, status=200):
    template = "keyframes/flight_plan.html"
    if request.htmx:
        template += "#flight-plan"
    context = {"project": project, "form": form, "plan": plan, "launch_key": launch_key}
    return render(request, template, context, status=status)


@require_GET
def flight_cut_list(request, project_id):
    """The storyboard's cut list with each generating cut's images so far; it keeps polling
    itself while any cut is generating."""
    project = get_owned_project(user=request.user, project_id=project_id)
    cut_id = request.GET.get("cut", "")
    selected = project.cuts.filter(pk=int(cut_id)).first() if cut_id.isdigit() else None
    context = cut_list_context(project, selected)
    return render(request, "projects/cut_list_poll.html", context)


@require_GET
def flight_detail(request, project_id, flight_id):
    """Each cut of one flight: its prompt being written, queued, generating, done; the page
    polls itself until the flight has finished."""
    project = get_owned_project(user=request.user, project_id=project_id)
    flight = get_object_or_404(Flight, pk=flight_id, project=project)
    template = "keyframes/flight_detail.html"
    if request.htmx:
        template += "#flight-progress"
    context = {"project": project, "progress": flight_progress(flight=flight)}
    return render(request, template, context)
