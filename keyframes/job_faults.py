"""Stalled and cancelled jobs: the reaper fails what no worker finished; cancelling
refunds the images never sent."""

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from keyframes.job_credits import refund_image
from keyframes.job_runner import fail_unfinished, finish_job, logger
from keyframes.models import Candidate, GenerationJob
from keyframes.providers.base import (
    ErrorKind,
    ProviderError,
)


def reap_stale_jobs(*, now=None) -> int:
    """Finishes jobs whose worker died: every unfinished candidate fails and is refunded.
    Scheduled every minute; the deadline is longer than the task timeout, so a slow job
    is never reaped while its worker still runs it."""
    deadline = (now or timezone.now()) - timedelta(seconds=settings.JOB_DEADLINE_SECONDS)
    stale = GenerationJob.objects.filter(
        status__in=GenerationJob.ACTIVE_STATUSES,
        created_at__lt=deadline,
    ).exclude(started_at__gte=deadline)
    error = ProviderError(
        ErrorKind.TIMEOUT, "The worker stopped before this image was finished (reaped)."
    )
    reaped = 0
    for job in stale:
        try:
            with transaction.atomic():
                fail_unfinished(job, error)
                finish_job(job)
        except DatabaseError:
            # One job the database refuses must not hold back the others; the next run
            # tries it again, and the rollback leaves its refunds unwritten until then.
            logger.exception("Could not reap job %s", job.pk)
            continue
        reaped += 1
    return reaped


def cancel_job(*, job: GenerationJob) -> GenerationJob:
    """Stops a job: candidates not yet sent are cancelled and refunded at once; images
    already on their way or arrived are kept."""
    if job.is_final:
        return job
    with transaction.atomic():
        GenerationJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        unsent = list(job.candidates.select_for_update().filter(status=Candidate.Status.PENDING))
        for candidate in unsent:
            Candidate.objects.filter(pk=candidate.pk).update(
                status=Candidate.Status.CANCELLED,
                error_message="Cancelled before it was sent; credits refunded.",
                finished_at=timezone.now(),
            )
            refund_image(
                job=job, slot=candidate.slot, amount=job.credits_per_image, reason="Cancelled"
            )
    job.refresh_from_db()
    if job.status == GenerationJob.Status.QUEUED:
        # No worker has it yet: nothing is in flight, so the job ends here.
        claimed = GenerationJob.objects.filter(
            pk=job.pk, status=GenerationJob.Status.QUEUED
        ).update(status=GenerationJob.Status.RUNNING, started_at=timezone.now())
        if claimed:
            return finish_job(job)
    return job
