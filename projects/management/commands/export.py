from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from projects import export, export_jobs, export_pdf
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Exports a storyboard as a PDF, a ZIP of its keyframes, a CSV shot list or an MP4 animatic."
    )

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int)
        parser.add_argument("--format", required=True, help=f"One of {', '.join(export.FORMATS)}.")
        parser.add_argument("-o", "--output", required=True, help="The file to write.")
        parser.add_argument(
            "--cuts-per-page",
            type=int,
            help="Format pdf only: this many cuts a page instead of the 2 × 3 grid.",
        )

    def handle(self, *args, project_id, format, output, cuts_per_page, **options):
        try:
            export_format = export.get_format(format)
        except export.UnknownExportFormat as exc:
            raise CommandError(str(exc)) from exc
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            raise CommandError(f"There is no project with id {project_id}.")
        if export_format.key == "pdf" and cuts_per_page:
            content = export_pdf.export_pdf(project, cuts_per_page=cuts_per_page)
        else:
            try:
                content = export_jobs.build_export(project, export_format)
            except ValidationError as exc:
                raise CommandError(exc.messages[0]) from exc
        path = Path(output)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Could not write {path}: {exc.strerror}.") from exc
        self.stdout.write(f"Wrote {export_format.label} of “{project.title}” to {path}.")
