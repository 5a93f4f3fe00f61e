"""Import a script file into a project as cuts (and new characters and locations).

Exit codes: 0 imported (or, with --dry-run, proposed), 1 refused (no such project, a file that
is not a text script, a script over the limits, a handle that is taken).
"""

from pathlib import Path
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from keyframes.breakdown.proposal import Breakdown
from keyframes.breakdown.reading import decode_script_file
from keyframes.breakdown.services import import_breakdown, propose_breakdown
from keyframes.models import ScriptImport
from projects.models import Project

PREVIEW_CHARS = 90


class Command(BaseCommand):
    help = (
        "Breaks a plain-text or Fountain script down into cuts, with @mentions of the project's "
        "characters and locations and the new ones it finds, and adds them to the project."
    )

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int)
        parser.add_argument("file", type=Path, help="A .txt or .fountain file (UTF-8)")
        parser.add_argument("--dry-run", action="store_true", help="Print the breakdown only")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--append",
            dest="mode",
            action="store_const",
            const=ScriptImport.Mode.APPEND,
            help="Add the cuts after the existing ones (the default)",
        )
        mode.add_argument(
            "--replace",
            dest="mode",
            action="store_const",
            const=ScriptImport.Mode.REPLACE,
            help="Delete the existing cuts (and their keyframes) first",
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(pk=options["project_id"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project_id']}.")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        mode = options["mode"] or ScriptImport.Mode.APPEND
        try:
            breakdown = propose_breakdown(
                project=project, text=decode_script_file(data), filename=path.name
            )
            self.print_breakdown(breakdown)
            if options["dry_run"]:
                self.stdout.write("Dry run: nothing was written.")
                return
            record, _ = import_breakdown(
                project=project, breakdown=breakdown, mode=mode, import_key=uuid4().hex
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {record.cuts_created} cuts and {record.assets_created} new characters "
                f"and locations into project {project.pk} ({mode})."
            )
        )

    def print_breakdown(self, breakdown: Breakdown) -> None:
        if breakdown.notice:
            self.stderr.write(breakdown.notice)
        self.stdout.write(f"Breakdown by {breakdown.writer}: {len(breakdown.cuts)} cuts.")
        for number, cut in enumerate(breakdown.cuts, start=1):
            script = " ".join(cut.script.split())
            if len(script) > PREVIEW_CHARS:
                script = script[: PREVIEW_CHARS - 1] + "…"
            size = f" [{cut.shot_size}]" if cut.shot_size else ""
            self.stdout.write(f"{number:>4}. {script}{size}")
        for asset in breakdown.new_assets:
            self.stdout.write(
                f"New {asset.kind}: @{asset.handle} ({asset.name}) {asset.description}"
            )
