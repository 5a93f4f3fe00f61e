"""django-q2 tasks: load ids, call a service."""

from keyframes import generation
from keyframes.models import GenerationJob


def run_job(job_id: int) -> None:
    generation.run_generation(job=GenerationJob.objects.get(pk=job_id))


def reap_stale_jobs() -> int:
    return generation.reap_stale_jobs()
