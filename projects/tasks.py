"""django-q2 tasks of the projects app: load ids, call a service."""

from projects import export, export_files, export_jobs
from projects.models import Project


def run_export(project_id: int, format_key: str, token: str) -> None:
    export_jobs.run_export(
        project=Project.objects.get(pk=project_id),
        export_format=export.get_format(format_key),
        token=token,
    )


def remove_expired_exports() -> None:
    export_files.remove_expired_exports()
