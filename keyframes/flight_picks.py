"""Auto-Flight's "select first": a flight launched with it makes each job's first image the
cut's representative when the job ends, and marks that keyframe as picked by the flight."""

from keyframes.models import GenerationJob, Keyframe
from projects.models import Cut


def pick_first_for_flight(job: GenerationJob) -> Keyframe | None:
    """Runs inside the transaction that ends the job, before the cut's status settles. A
    representative chosen after the job started (by hand, while it ran) is kept."""
    if job.flight_id is None or not job.flight.options.get("select_first"):
        return None
    first = job.keyframes.order_by("slot", "id").first()
    if first is None:
        return None
    locked = Cut.objects.select_for_update(of=("self",)).select_related("representative")
    cut = locked.get(pk=job.cut_id)
    chosen = cut.representative
    if chosen is not None and chosen.created_at >= job.created_at:
        return None
    cut.representative = first
    cut.save(update_fields=["representative", "updated_at"])
    first.picked_by_flight = True
    first.save(update_fields=["picked_by_flight"])
    return first
