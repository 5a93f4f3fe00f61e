"""Exports too large to build while the request waits: a django-q2 task and a progress file."""

import json
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from cutflow.task_queue import enqueue_after_commit
from projects.export import (
    EXPORT_SYNC_MAX_CUTS,
    TOKEN_PATTERN,
    ExportFormat,
    Progress,
    export_file_name,
    read_stored,
)
from projects.export_csv import export_csv
from projects.export_files import EXPORT_FOLDER, PROGRESS_FILE, export_storage, listed_folders
from projects.export_mp4 import NO_CUTS, export_mp4
from projects.export_pdf import export_pdf
from projects.export_pdf_notes import export_pdf_notes
from projects.export_zip import export_zip
from projects.models import Project


@dataclass(frozen=True)
class ExportStatus:
    token: str
    project_id: int
    format: str
    status: str  # "working" or "ready"
    done: int
    total: int
    file_name: str
    stored_name: str
    updated_at: float

    @property
    def is_ready(self) -> bool:
        return self.status == "ready"

    @property
    def percent(self) -> int:
        if self.is_ready:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def expired(self) -> bool:
        return time.time() - self.updated_at > settings.EXPORT_EXPIRY_SECONDS

    @property
    def stalled(self) -> bool:
        """A worker that died leaves a working export that never moves again."""
        limit = settings.Q_CLUSTER["timeout"] + 60
        return not self.is_ready and time.time() - self.updated_at > limit


def needs_background_export(project: Project, export_format: ExportFormat) -> bool:
    if export_format.always_background:
        return True
    return not export_format.always_sync and project.cuts.count() > EXPORT_SYNC_MAX_CUTS


def build_export(
    project: Project, export_format: ExportFormat, *, on_progress: Progress | None = None
) -> bytes:
    if export_format.key == "pdf":
        return export_pdf(project, grid_name="2x3", on_progress=on_progress)
    if export_format.key == "pdf-9":
        return export_pdf(project, grid_name="3x3", on_progress=on_progress)
    if export_format.key == "pdf-notes":
        return export_pdf_notes(project, on_progress=on_progress)
    if export_format.key == "zip":
        return export_zip(project, on_progress=on_progress)
    if export_format.key in ("mp4", "mp4-numbered"):
        numbered = export_format.key == "mp4-numbered"
        return export_mp4(project, numbered=numbered, on_progress=on_progress)
    return export_csv(project).encode("utf-8")


def start_export(*, project: Project, export_format: ExportFormat) -> ExportStatus:
    """Records a queued export and hands it to a worker once the transaction commits. An
    export of the same format still running for the project is given back instead."""
    if export_format.needs_cuts and not project.cuts.exists():
        raise ValidationError(NO_CUTS)
    with transaction.atomic():
        # Two clicks at once: the second waits here, then finds the first one's status.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        running = running_export(project=project, export_format=export_format)
        if running is not None:
            return running
        return queue_export(project=project, export_format=export_format)


def running_export(*, project: Project, export_format: ExportFormat) -> ExportStatus | None:
    root = f"{EXPORT_FOLDER}/{project.pk}"
    for token in listed_folders(export_storage(), root):
        status = read_status(project=project, token=token)
        unfinished = status is not None and not status.is_ready and not status.stalled
        if unfinished and status.format == export_format.key:
            return status
    return None


def queue_export(*, project: Project, export_format: ExportFormat) -> ExportStatus:
    token = secrets.token_urlsafe(24)
    status = write_status(
        token=token,
        project=project,
        export_format=export_format,
        done=0,
        total=project.cuts.count(),
    )
    enqueue_after_commit("projects.tasks.run_export", project.pk, export_format.key, token)
    return status


def run_export(*, project: Project, export_format: ExportFormat, token: str) -> ExportStatus:
    """Builds the file, reporting progress, then stores it next to its progress file."""
    last_written = [0.0]

    def report(done: int, total: int) -> None:
        # Rewriting the progress file for every cut would cost more than the cut itself.
        if time.monotonic() - last_written[0] >= 1 or done == total:
            last_written[0] = time.monotonic()
            write_status(
                token=token, project=project, export_format=export_format, done=done, total=total
            )

    content = build_export(project, export_format, on_progress=report)
    file_name = export_file_name(project, export_format)
    stored_name = f"{export_folder(project, token)}/{file_name}"
    export_storage().delete(stored_name)
    stored_name = export_storage().save(stored_name, ContentFile(content))
    total = project.cuts.count()
    return write_status(
        token=token,
        project=project,
        export_format=export_format,
        done=total,
        total=total,
        stored_name=stored_name,
    )


def write_status(
    *,
    token: str,
    project: Project,
    export_format: ExportFormat,
    done: int,
    total: int,
    stored_name: str = "",
) -> ExportStatus:
    status = ExportStatus(
        token=token,
        project_id=project.pk,
        format=export_format.key,
        status="ready" if stored_name else "working",
        done=done,
        total=total,
        file_name=export_file_name(project, export_format),
        stored_name=stored_name,
        updated_at=time.time(),
    )
    name = progress_file(project, token)
    export_storage().delete(name)
    export_storage().save(name, ContentFile(json.dumps(status.__dict__).encode()))
    return status


def read_status(*, project: Project, token: str) -> ExportStatus | None:
    """The export's progress, or None when the token is unknown or another project's."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    content = read_stored(progress_file(project, token), storage=export_storage())
    if content is None:
        return None
    try:
        status = ExportStatus(**json.loads(content))
    except (ValueError, TypeError):
        return None  # caught halfway through a rewrite; the next poll reads it whole
    if status.project_id != project.pk or status.expired:
        return None
    return status


def export_folder(project: Project, token: str) -> str:
    """Exports live under their project's folder, so deleting the project can find them."""
    return f"{EXPORT_FOLDER}/{project.pk}/{token}"


def progress_file(project: Project, token: str) -> str:
    return f"{export_folder(project, token)}/{PROGRESS_FILE}"


def stored_export_files(project: Project) -> list[str]:
    """Every export file and progress file kept for the project."""
    root = f"{EXPORT_FOLDER}/{project.pk}"
    try:
        tokens, _ = export_storage().listdir(root)
    except FileNotFoundError:
        return []
    names = []
    for token in tokens:
        _, files = export_storage().listdir(f"{root}/{token}")
        names += [f"{root}/{token}/{name}" for name in files]
    return names
