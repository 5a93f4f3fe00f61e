from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from projects import export, export_jobs
from projects.access import get_owned_project
from projects.export_files import export_storage


@require_GET
def export_page(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    formats = [
        (export_format, export_jobs.needs_background_export(project, export_format))
        for export_format in export.FORMATS.values()
    ]
    return render(
        request,
        "projects/export.html",
        {"project": project, "formats": formats, "sync_limit": export.EXPORT_SYNC_MAX_CUTS},
    )


@require_GET
def export_download(request, project_id, format_key):
    project = get_owned_project(user=request.user, project_id=project_id)
    export_format = format_or_404(format_key)
    if export_jobs.needs_background_export(project, export_format):
        # Too large to build while the request waits: the export page starts a task instead.
        return redirect("projects:export", project.pk)
    content = export_jobs.build_export(project, export_format)
    response = HttpResponse(content, content_type=export_format.content_type)
    file_name = export.export_file_name(project, export_format)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@require_POST
def export_start(request, project_id, format_key):
    project = get_owned_project(user=request.user, project_id=project_id)
    export_format = format_or_404(format_key)
    try:
        status = export_jobs.start_export(project=project, export_format=export_format)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        url = reverse("projects:export", args=[project.pk])
    else:
        url = status_url(project.pk, status.token)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_GET
def export_status(request, project_id, token):
    project = get_owned_project(user=request.user, project_id=project_id)
    status = export_jobs.read_status(project=project, token=token)
    if status is None:
        raise Http404("No such export.")
    context = {
        "project": project,
        "status": status,
        "export_format": export.get_format(status.format),
    }
    template = "projects/export_status.html"
    if request.htmx:
        template += "#export-progress"
    return render(request, template, context)


@require_GET
def export_result(request, project_id, token):
    project = get_owned_project(user=request.user, project_id=project_id)
    status = export_jobs.read_status(project=project, token=token)
    if status is None or not status.is_ready:
        raise Http404("This export is not ready.")
    try:
        stored = export_storage().open(status.stored_name, "rb")
    except OSError as exc:
        raise Http404("This export is no longer stored.") from exc
    return FileResponse(
        stored,
        as_attachment=True,
        filename=status.file_name,
        content_type=export.get_format(status.format).content_type,
    )


def format_or_404(format_key: str) -> export.ExportFormat:
    try:
        return export.get_format(format_key)
    except export.UnknownExportFormat as exc:
        raise Http404(str(exc)) from exc


def status_url(project_id: int, token: str) -> str:
    return reverse("projects:export_status", args=[project_id, token])
