"""A take's status follows its job's end (called where every job ends: keyframes.job_runner)."""

from keyframes.models import GenerationJob, Take

TAKE_STATUS_OF_JOB = {
    GenerationJob.Status.SUCCEEDED: Take.Status.SUCCEEDED,
    GenerationJob.Status.CANCELLED: Take.Status.CANCELLED,
}


def settle_take(*, job_id: int, job_status: str, error_message: str) -> None:
    status = TAKE_STATUS_OF_JOB.get(job_status, Take.Status.FAILED)
    Take.objects.filter(job_id=job_id, status__in=Take.ACTIVE_STATUSES).update(
        status=status, error_message="" if status == Take.Status.SUCCEEDED else error_message
    )
