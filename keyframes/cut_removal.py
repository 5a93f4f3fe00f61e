"""What keyframes keeps for cuts that are being deleted: running jobs refuse it, files go."""

from django.core.exceptions import ValidationError

from cutflow.files import image_file_names
from keyframes.models import AdditionalReference, GenerationJob, Keyframe, Take


def refuse_while_generating(cuts, *, what: str) -> None:
    """A job still running owns credits that only its end can refund: deleting its cut now
    would lose them, so deleting waits until the job ends or is cancelled. The caller holds
    the cuts' row locks, which starting a job takes before it charges: a job committed a
    moment ago is seen here, and one not yet started finds its cut gone."""
    active = GenerationJob.objects.select_for_update().filter(
        cut__in=cuts, status__in=GenerationJob.ACTIVE_STATUSES
    )
    if active.exists():
        raise ValidationError(
            f"Images or a take are still being generated for {what}. Wait for them to "
            "finish, or cancel the generation, then delete."
        )


def stored_files_of_cuts(cuts) -> list[str]:
    names = image_file_names(Keyframe.objects.filter(cut__in=cuts))
    names += image_file_names(AdditionalReference.objects.filter(cut__in=cuts))
    return names + list(
        Take.objects.filter(cut__in=cuts).exclude(video="").values_list("video", flat=True)
    )
